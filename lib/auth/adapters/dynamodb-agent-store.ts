import { DeleteCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { keys, type Entity } from '../../store/keys.ts'
import type { AgentRecord, AgentStore, SessionRecord } from '../ports.ts'

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
    return { login, passwordHash: (result.Item.passwordHash as string | undefined) ?? null, passwordChangedAt: (result.Item.passwordChangedAt as string | undefined) ?? null }
  }

  async initializePassword(login: string, passwordHash: string, at: string): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keys.agent(login), entity: 'agent' satisfies Entity, login, passwordHash, passwordChangedAt: at },
          ConditionExpression: 'attribute_not_exists(passwordHash)',
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
