import { BatchGetCommand, DeleteCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { keys, type Entity } from '../../store/keys.ts'
import type { AgentRecord, AgentStore, SessionRecord } from '../ports.ts'
import { preferenceKeys, type PreferenceKey, type PreferencesChange, type StoredPreferences } from '../preferences.ts'

/**
 * Preferences live on the agent item (`AGENT#<login>`), one attribute per key, so two changes to
 * different keys (two browser tabs) never overwrite each other.
 */
const preferenceAttribute: Record<PreferenceKey, string> = {
  myQueues: 'prefMyQueues',
  notifications: 'prefNotifications',
  outOfOffice: 'prefOutOfOffice',
  language: 'prefLanguage',
  timeZone: 'prefTimeZone',
}

/** BatchGetItem takes at most 100 keys. */
const batchGetLimit = 100
const maxBatchAttempts = 8

function preferencesOf(item: Record<string, unknown>): StoredPreferences {
  const preferences: Record<string, unknown> = {}
  for (const key of preferenceKeys) {
    if (item[preferenceAttribute[key]] !== undefined) preferences[key] = item[preferenceAttribute[key]]
  }
  // The domain checks the shape again (effectivePreferences): what was stored is not trusted blindly.
  return preferences as StoredPreferences
}

export class DynamoAgentStore implements AgentStore {
  private readonly client: DynamoDBDocumentClient
  private readonly tableName: string

  constructor(client: DynamoDBDocumentClient, tableName: string) {
    this.client = client
    this.tableName = tableName
  }

  async getAgent(login: string): Promise<AgentRecord | undefined> {
    const result = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.agent(login), ConsistentRead: true }))
    if (!result.Item) return undefined
    return {
      login,
      passwordHash: (result.Item.passwordHash as string | undefined) ?? null,
      passwordChangedAt: (result.Item.passwordChangedAt as string | undefined) ?? null,
      preferences: preferencesOf(result.Item),
    }
  }

  async initializePassword(login: string, passwordHash: string, at: string): Promise<boolean> {
    try {
      // An update, not a put: preferences saved before the first password must survive it.
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.agent(login),
          UpdateExpression: 'SET #entity = :entity, #login = :login, passwordHash = :hash, passwordChangedAt = :at',
          ConditionExpression: 'attribute_not_exists(passwordHash)',
          ExpressionAttributeNames: { '#entity': 'entity', '#login': 'login' },
          ExpressionAttributeValues: { ':entity': 'agent' satisfies Entity, ':login': login, ':hash': passwordHash, ':at': at },
        }),
      )
      return true
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException') return false
      throw error
    }
  }

  async setPassword(login: string, passwordHash: string, at: string): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.agent(login),
        UpdateExpression: 'SET #entity = :entity, #login = :login, passwordHash = :hash, passwordChangedAt = :at',
        ExpressionAttributeNames: { '#entity': 'entity', '#login': 'login' },
        ExpressionAttributeValues: { ':entity': 'agent' satisfies Entity, ':login': login, ':hash': passwordHash, ':at': at },
      }),
    )
  }

  async getPreferences(logins: readonly string[]): Promise<Map<string, StoredPreferences>> {
    const unique = [...new Set(logins)]
    const loginByPk = new Map(unique.map((login) => [keys.agent(login).pk, login]))
    const found = new Map<string, StoredPreferences>()
    const projection = ['pk', ...preferenceKeys.map((key) => preferenceAttribute[key])]
    for (let start = 0; start < unique.length; start += batchGetLimit) {
      let requested: Record<string, unknown>[] = unique.slice(start, start + batchGetLimit).map((login) => ({ ...keys.agent(login) }))
      for (let attempt = 1; requested.length > 0; attempt++) {
        if (attempt > maxBatchAttempts) throw new Error(`could not read the preferences of ${requested.length} agents: the table keeps throttling`)
        if (attempt > 1) await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(1000, 25 * 2 ** attempt)))
        const result = await this.client.send(
          new BatchGetCommand({
            RequestItems: {
              [this.tableName]: {
                Keys: requested,
                ProjectionExpression: projection.map((_, index) => `#p${index}`).join(', '),
                ExpressionAttributeNames: Object.fromEntries(projection.map((name, index) => [`#p${index}`, name])),
              },
            },
          }),
        )
        for (const item of result.Responses?.[this.tableName] ?? []) {
          const login = loginByPk.get(String(item.pk))
          if (login !== undefined) found.set(login, preferencesOf(item))
        }
        requested = (result.UnprocessedKeys?.[this.tableName]?.Keys as Record<string, unknown>[] | undefined) ?? []
      }
    }
    return found
  }

  async setPreferences(login: string, change: PreferencesChange, at: string): Promise<void> {
    const names: Record<string, string> = { '#entity': 'entity', '#login': 'login' }
    const values: Record<string, unknown> = { ':entity': 'agent' satisfies Entity, ':login': login, ':at': at }
    const sets = ['#entity = :entity', '#login = :login', 'preferencesChangedAt = :at']
    for (const key of preferenceKeys) {
      if (change.set[key] === undefined) continue
      names[`#${key}`] = preferenceAttribute[key]
      values[`:${key}`] = change.set[key]
      sets.push(`#${key} = :${key}`)
    }
    const removes = change.reset.filter((key) => change.set[key] === undefined).map((key) => {
      names[`#${key}`] = preferenceAttribute[key]
      return `#${key}`
    })
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.agent(login),
        UpdateExpression: `SET ${sets.join(', ')}${removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : ''}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    )
  }

  async createSession(session: SessionRecord): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...keys.session(session.sessionId),
          entity: 'session' satisfies Entity,
          ...session,
          // DynamoDB TTL removes expired sessions (epoch seconds).
          expiresAt: Math.floor(new Date(session.expiresAt).getTime() / 1000),
          expiresAtIso: session.expiresAt,
        },
      }),
    )
  }

  async getSession(sessionId: string): Promise<SessionRecord | undefined> {
    const result = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.session(sessionId), ConsistentRead: true }))
    const item = result.Item
    if (!item) return undefined
    return { sessionId, login: String(item.login), createdAt: String(item.createdAt), expiresAt: String(item.expiresAtIso) }
  }

  async deleteSession(sessionId: string): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: keys.session(sessionId) }))
  }
}
