import { BatchGetCommand, DeleteCommand, GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { randomUUID } from 'node:crypto'
import { keys, type Entity, type Key } from '../../store/keys.ts'
import type { OutboundMailRecord } from '../../ticket/model.ts'
import type {
  AgentRecord,
  AgentStore,
  LoginAttemptsByAddress,
  LoginAttemptsWrite,
  LoginLockState,
  PasswordResetRecord,
  PendingTotp,
  SessionRecord,
  StoredLoginAttempts,
  TotpState,
} from '../ports.ts'
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

/** DynamoDB's TTL attribute: epoch seconds. */
const epochSeconds = (iso: string) => Math.floor(new Date(iso).getTime() / 1000)

const isConditionFailure = (error: unknown) => (error as Error).name === 'ConditionalCheckFailedException'

function storedAttemptsOf(item: Record<string, unknown> | undefined): StoredLoginAttempts | undefined {
  if (!item) return undefined
  return {
    attempts: { failures: Number(item.failures ?? 0), lockedUntil: typeof item.lockedUntil === 'string' ? item.lockedUntil : null, lastAttemptAt: String(item.lastAttemptAt) },
    revision: String(item.revision),
  }
}

function totpOf(item: Record<string, unknown>): TotpState | null {
  if (typeof item.totpSecret !== 'string') return null
  const codes = item.totpRecoveryCodes
  return {
    encryptedSecret: item.totpSecret,
    enabledAt: String(item.totpEnabledAt ?? ''),
    lastStep: Number(item.totpLastStep ?? 0),
    recoveryCodeHashes: codes instanceof Set ? [...codes].map(String) : [],
  }
}

function pendingTotpOf(item: Record<string, unknown>): PendingTotp | null {
  return typeof item.totpPendingSecret === 'string' ? { encryptedSecret: item.totpPendingSecret, startedAt: String(item.totpPendingAt ?? '') } : null
}

function sessionOf(login: string, item: Record<string, unknown>): SessionRecord {
  return {
    sessionId: String(item.sessionId),
    login,
    createdAt: String(item.createdAt),
    expiresAt: String(item.expiresAtIso),
    lastSeenAt: String(item.lastSeenAt ?? item.createdAt),
    userAgent: typeof item.userAgent === 'string' ? item.userAgent : null,
    ip: typeof item.ip === 'string' ? item.ip : null,
    twoFactor: item.twoFactor === true,
  }
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
      totp: totpOf(result.Item),
      pendingTotp: pendingTotpOf(result.Item),
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
      if (isConditionFailure(error)) return false
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

  async replacePasswordHash(login: string, previousHash: string, passwordHash: string): Promise<boolean> {
    return this.conditionalUpdate({
      TableName: this.tableName,
      Key: keys.agent(login),
      UpdateExpression: 'SET passwordHash = :hash',
      ConditionExpression: 'passwordHash = :previous',
      ExpressionAttributeValues: { ':hash': passwordHash, ':previous': previousHash },
    })
  }

  async setPendingTotp(login: string, pending: PendingTotp): Promise<boolean> {
    return this.conditionalUpdate({
      TableName: this.tableName,
      Key: keys.agent(login),
      UpdateExpression: 'SET #entity = :entity, #login = :login, totpPendingSecret = :secret, totpPendingAt = :at',
      ConditionExpression: 'attribute_not_exists(totpSecret)',
      ExpressionAttributeNames: { '#entity': 'entity', '#login': 'login' },
      ExpressionAttributeValues: { ':entity': 'agent' satisfies Entity, ':login': login, ':secret': pending.encryptedSecret, ':at': pending.startedAt },
    })
  }

  async activateTotp(login: string, pendingSecret: string, totp: TotpState): Promise<boolean> {
    return this.conditionalUpdate({
      TableName: this.tableName,
      Key: keys.agent(login),
      UpdateExpression: 'SET totpSecret = :secret, totpEnabledAt = :at, totpLastStep = :step, totpRecoveryCodes = :codes REMOVE totpPendingSecret, totpPendingAt',
      ConditionExpression: 'totpPendingSecret = :pending AND attribute_not_exists(totpSecret)',
      ExpressionAttributeValues: {
        ':secret': totp.encryptedSecret,
        ':at': totp.enabledAt,
        ':step': totp.lastStep,
        // A string set: one code is removed with DELETE, conditional on `contains`.
        ':codes': new Set(totp.recoveryCodeHashes),
        ':pending': pendingSecret,
      },
    })
  }

  async useTotpStep(login: string, encryptedSecret: string, step: number): Promise<boolean> {
    return this.conditionalUpdate({
      TableName: this.tableName,
      Key: keys.agent(login),
      UpdateExpression: 'SET totpLastStep = :step',
      ConditionExpression: 'totpSecret = :secret AND totpLastStep < :step',
      ExpressionAttributeValues: { ':step': step, ':secret': encryptedSecret },
    })
  }

  async useRecoveryCode(login: string, codeHash: string): Promise<boolean> {
    return this.conditionalUpdate({
      TableName: this.tableName,
      Key: keys.agent(login),
      UpdateExpression: 'DELETE totpRecoveryCodes :code',
      ConditionExpression: 'contains(totpRecoveryCodes, :hash)',
      ExpressionAttributeValues: { ':code': new Set([codeHash]), ':hash': codeHash },
    })
  }

  async removeTotp(login: string): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.agent(login),
        UpdateExpression: 'REMOVE totpSecret, totpEnabledAt, totpLastStep, totpRecoveryCodes, totpPendingSecret, totpPendingAt',
        ConditionExpression: 'attribute_exists(pk)',
      }),
    ).catch((error: unknown) => {
      if (!isConditionFailure(error)) throw error
    })
  }

  async createSession(session: SessionRecord): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...keys.session(session.login, session.sessionId),
          entity: 'session' satisfies Entity,
          ...session,
          // DynamoDB TTL removes expired sessions (epoch seconds).
          expiresAt: epochSeconds(session.expiresAt),
          expiresAtIso: session.expiresAt,
        },
      }),
    )
  }

  async getSession(login: string, sessionId: string): Promise<SessionRecord | undefined> {
    const result = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.session(login, sessionId), ConsistentRead: true }))
    return result.Item ? sessionOf(login, result.Item) : undefined
  }

  async listSessions(login: string): Promise<SessionRecord[]> {
    const sessions: SessionRecord[] = []
    let startKey: Record<string, unknown> | undefined
    do {
      const result = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': keys.agent(login).pk, ':prefix': keys.sessionPrefix },
          ConsistentRead: true,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      )
      sessions.push(...(result.Items ?? []).map((item) => sessionOf(login, item)))
      startKey = result.LastEvaluatedKey
    } while (startKey)
    return sessions
  }

  async touchSession(login: string, sessionId: string, at: string, unlessAfter: string): Promise<void> {
    await this.conditionalUpdate({
      TableName: this.tableName,
      Key: keys.session(login, sessionId),
      UpdateExpression: 'SET lastSeenAt = :at',
      ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(lastSeenAt) OR lastSeenAt < :threshold)',
      ExpressionAttributeValues: { ':at': at, ':threshold': unlessAfter },
    })
  }

  async markSessionTwoFactor(login: string, sessionId: string): Promise<void> {
    await this.conditionalUpdate({
      TableName: this.tableName,
      Key: keys.session(login, sessionId),
      UpdateExpression: 'SET twoFactor = :yes',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':yes': true },
    })
  }

  async deleteSession(login: string, sessionId: string): Promise<boolean> {
    const result = await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: keys.session(login, sessionId), ReturnValues: 'ALL_OLD' }))
    return result.Attributes !== undefined
  }

  async getLoginLockState(login: string, address: string): Promise<LoginLockState> {
    const wanted = [keys.loginAttempts(login), keys.loginAttemptsFrom(login, address)]
    const result = await this.client.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: wanted, ConsistentRead: true } } }))
    // Two small items never come back unprocessed unless the table throttles: then read them one by one.
    const items = result.UnprocessedKeys?.[this.tableName]?.Keys?.length
      ? await Promise.all(wanted.map(async (key) => (await this.client.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }))).Item))
      : (result.Responses?.[this.tableName] ?? [])
    const find = (sk: string) => items.find((item) => item?.sk === sk)
    return { all: storedAttemptsOf(find(wanted[0]!.sk)), fromAddress: storedAttemptsOf(find(wanted[1]!.sk)) }
  }

  async saveLoginAttempts(login: string, address: string, writes: { all: LoginAttemptsWrite; fromAddress: LoginAttemptsWrite }): Promise<boolean> {
    const put = (key: Key, write: LoginAttemptsWrite, fromAddress: string | null) => ({
      Put: {
        TableName: this.tableName,
        Item: {
          ...key,
          entity: 'login-attempts' satisfies Entity,
          login,
          ...(fromAddress === null ? {} : { address: fromAddress }),
          ...write.attempts,
          revision: randomUUID(),
          expiresAt: epochSeconds(write.expiresAt),
        },
        ConditionExpression: write.expectedRevision === null ? 'attribute_not_exists(pk)' : 'revision = :revision',
        ...(write.expectedRevision === null ? {} : { ExpressionAttributeValues: { ':revision': write.expectedRevision } }),
      },
    })
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [put(keys.loginAttempts(login), writes.all, null), put(keys.loginAttemptsFrom(login, address), writes.fromAddress, address)],
        }),
      )
      return true
    } catch (error) {
      if ((error as Error).name === 'TransactionCanceledException' || isConditionFailure(error)) return false
      throw error
    }
  }

  async clearLoginAttempts(login: string, address?: string): Promise<void> {
    if (address !== undefined) {
      await Promise.all([keys.loginAttempts(login), keys.loginAttemptsFrom(login, address)].map((key) => this.client.send(new DeleteCommand({ TableName: this.tableName, Key: key }))))
      return
    }
    const records = await this.queryLoginAttempts(login)
    await Promise.all(records.map((item) => this.client.send(new DeleteCommand({ TableName: this.tableName, Key: { pk: String(item.pk), sk: String(item.sk) } }))))
  }

  async listLoginAttempts(login: string): Promise<LoginAttemptsByAddress> {
    const records = await this.queryLoginAttempts(login)
    const all = records.find((item) => item.sk === keys.loginAttempts(login).sk)
    return {
      all: storedAttemptsOf(all)?.attempts,
      addresses: records.filter((item) => item !== all).map((item) => ({ address: String(item.address ?? ''), attempts: storedAttemptsOf(item)!.attempts })),
    }
  }

  async rememberLoginAddress(login: string, address: string, expiresAt: string): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...keys.loginAddress(login, address), entity: 'login-address' satisfies Entity, login, address, expiresAtIso: expiresAt, expiresAt: epochSeconds(expiresAt) },
      }),
    )
  }

  async isKnownLoginAddress(login: string, address: string, now: string): Promise<boolean> {
    const result = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.loginAddress(login, address), ConsistentRead: true }))
    // TTL deletes within days, not at once: an expired item is no longer known.
    return typeof result.Item?.expiresAtIso === 'string' && result.Item.expiresAtIso > now
  }

  async countLoginRate(scope: string, window: string, limit: number, expiresAt: string): Promise<boolean> {
    return this.conditionalUpdate({
      TableName: this.tableName,
      Key: keys.loginRate(scope, window),
      UpdateExpression: 'SET #entity = :entity, expiresAt = :expires ADD hits :one',
      ConditionExpression: 'attribute_not_exists(hits) OR hits < :limit',
      ExpressionAttributeNames: { '#entity': 'entity' },
      ExpressionAttributeValues: { ':entity': 'login-rate' satisfies Entity, ':expires': epochSeconds(expiresAt), ':one': 1, ':limit': limit },
    })
  }

  async returnLoginRate(scope: string, window: string): Promise<void> {
    await this.conditionalUpdate({
      TableName: this.tableName,
      Key: keys.loginRate(scope, window),
      UpdateExpression: 'ADD hits :minus',
      ConditionExpression: 'hits > :zero',
      ExpressionAttributeValues: { ':minus': -1, ':zero': 0 },
    })
  }

  /** The attempts records of a login (from all addresses and per address), every page. */
  private async queryLoginAttempts(login: string): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = []
    let startKey: Record<string, unknown> | undefined
    do {
      const result = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': keys.loginPartition(login), ':prefix': keys.loginAttemptsPrefix },
          ConsistentRead: true,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      )
      items.push(...(result.Items ?? []))
      startKey = result.LastEvaluatedKey
    } while (startKey)
    return items
  }

  async countPasswordResetMail(login: string, hour: string, limit: number, expiresAt: string): Promise<boolean> {
    return this.conditionalUpdate({
      TableName: this.tableName,
      Key: keys.passwordResetMails(login, hour),
      UpdateExpression: 'SET #entity = :entity, expiresAt = :expires ADD mails :one',
      ConditionExpression: 'attribute_not_exists(mails) OR mails < :limit',
      ExpressionAttributeNames: { '#entity': 'entity' },
      ExpressionAttributeValues: { ':entity': 'password-reset-count' satisfies Entity, ':expires': epochSeconds(expiresAt), ':one': 1, ':limit': limit },
    })
  }

  async createPasswordReset(reset: PasswordResetRecord, mail: OutboundMailRecord): Promise<void> {
    await this.client.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: this.tableName,
              Item: { ...keys.passwordReset(reset.tokenHash), entity: 'password-reset' satisfies Entity, ...reset, expiresAt: epochSeconds(reset.expiresAt), expiresAtIso: reset.expiresAt },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          // The same item the ticket store writes for its mails: the outbox relay queues it from the stream.
          { Put: { TableName: this.tableName, Item: { ...keys.outboundMail(mail.id), entity: 'outbound-mail' satisfies Entity, ...mail }, ConditionExpression: 'attribute_not_exists(pk)' } },
        ],
      }),
    )
  }

  async consumePasswordReset(tokenHash: string, now: string): Promise<PasswordResetRecord | undefined> {
    try {
      // Deleting is the single use: of two concurrent confirmations only one gets the item back.
      const result = await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: keys.passwordReset(tokenHash),
          ConditionExpression: 'attribute_exists(pk) AND expiresAtIso > :now',
          ExpressionAttributeValues: { ':now': now },
          ReturnValues: 'ALL_OLD',
        }),
      )
      const item = result.Attributes
      return item ? { tokenHash, login: String(item.login), issuedAt: String(item.issuedAt), expiresAt: String(item.expiresAtIso) } : undefined
    } catch (error) {
      if (isConditionFailure(error)) return undefined
      throw error
    }
  }

  private async conditionalUpdate(input: ConstructorParameters<typeof UpdateCommand>[0]): Promise<boolean> {
    try {
      await this.client.send(new UpdateCommand(input))
      return true
    } catch (error) {
      if (isConditionFailure(error)) return false
      throw error
    }
  }
}
