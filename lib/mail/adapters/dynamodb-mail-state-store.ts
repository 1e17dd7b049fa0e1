import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { keys, type Entity } from '../../store/keys.ts'
import type { AddressStatus, MailStateStore } from '../ports.ts'

const epochSeconds = (date: Date) => Math.floor(date.getTime() / 1000)

export class DynamoMailStateStore implements MailStateStore {
  private readonly client: DynamoDBDocumentClient
  private readonly tableName: string

  constructor(client: DynamoDBDocumentClient, tableName: string) {
    this.client = client
    this.tableName = tableName
  }

  async reserveAutoResponse(address: string, at: Date, perDay: number): Promise<boolean> {
    return this.increment(keys.autoResponsesToAddress(address, at.toISOString().slice(0, 10)), perDay, epochSeconds(at) + 2 * 86_400)
  }

  /** Counter + 1 while below the cap; a conditional update, so concurrent mails cannot overshoot it. */
  private async increment(key: { pk: string; sk: string }, cap: number, expiresAt: number): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: 'ADD #count :one SET #entity = :entity, expiresAt = :expiresAt',
          ConditionExpression: 'attribute_not_exists(#count) OR #count < :cap',
          ExpressionAttributeNames: { '#count': 'count', '#entity': 'entity' },
          ExpressionAttributeValues: { ':one': 1, ':cap': cap, ':expiresAt': expiresAt, ':entity': 'auto-response-count' satisfies Entity },
        }),
      )
      return true
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException') return false
      throw error
    }
  }

  /** With a report id, the ids counted are kept in a string set on the address: one condition makes a repeated report a no-op. */
  async markUndeliverable(address: string, reason: string, at: Date, reportId?: string): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.address(address),
          UpdateExpression: `SET #entity = :entity, address = :address, undeliverable = :yes, reason = :reason, since = if_not_exists(since, :at), lastBounceAt = :at ADD bounces :one${reportId ? ', reports :reports' : ''}`,
          ...(reportId ? { ConditionExpression: 'NOT contains(reports, :report)' } : {}),
          ExpressionAttributeNames: { '#entity': 'entity' },
          ExpressionAttributeValues: {
            ':entity': 'address' satisfies Entity,
            ':address': address.toLowerCase(),
            ':yes': true,
            ':reason': reason,
            ':at': at.toISOString(),
            ':one': 1,
            ...(reportId ? { ':reports': new Set([reportId]), ':report': reportId } : {}),
          },
        }),
      )
      return true
    } catch (error) {
      if (reportId && (error as Error).name === 'ConditionalCheckFailedException') return false
      throw error
    }
  }

  async addressStatus(address: string): Promise<AddressStatus | undefined> {
    const result = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.address(address) }))
    const item = result.Item
    if (!item) return undefined
    return {
      address: String(item.address),
      undeliverable: item.undeliverable === true,
      reason: (item.reason as string | undefined) ?? null,
      since: (item.since as string | undefined) ?? null,
      bounces: Number(item.bounces ?? 0),
    }
  }
}
