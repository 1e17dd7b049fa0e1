import { BatchGetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { auditShardCount, indexKeys } from '../../store/keys.ts'
import { table } from '../../store/table.ts'
import type { HistoryEntry } from '../../ticket/model.ts'
import type { Tombstone } from '../../ticket/ports.ts'
import type { AuditRecord, AuditTrail } from '../ports.ts'

type Item = Record<string, unknown>

/** BatchGetItem takes at most 100 keys. */
const batchGetLimit = 100

/**
 * A day of the audit trail from the sparse keys-only audit index (lib/store/table.ts): the
 * index partitions of the day name the items, a BatchGetItem per 100 reads them.
 */
export class DynamoAuditTrail implements AuditTrail {
  private readonly client: DynamoDBDocumentClient
  private readonly tableName: string

  constructor(client: DynamoDBDocumentClient, tableName: string) {
    this.client = client
    this.tableName = tableName
  }

  async recordsOfDay(day: string): Promise<AuditRecord[]> {
    const index = table.indexes.byAuditDay
    const keyed = (
      await Promise.all(
        Array.from({ length: auditShardCount }, (_, shard) =>
          this.queryAll({
            TableName: this.tableName,
            IndexName: index.name,
            KeyConditionExpression: '#pk = :pk',
            ExpressionAttributeNames: { '#pk': index.partitionKey },
            ExpressionAttributeValues: { ':pk': indexKeys.auditDay(day, shard) },
          }),
        ),
      )
    ).flat()
    const recordedAt = new Map(keyed.map((item) => [itemId(item), String(item[index.sortKey]).slice(0, 24)]))
    const items = await this.getAll(keyed.map((item) => ({ pk: item.pk, sk: item.sk })))
    return items.flatMap((item) => toRecords(item, recordedAt.get(itemId(item)) ?? ''))
  }

  private async queryAll(input: ConstructorParameters<typeof QueryCommand>[0]): Promise<Item[]> {
    const items: Item[] = []
    let startKey: Item | undefined
    do {
      const page = await this.client.send(new QueryCommand({ ...input, ...(startKey ? { ExclusiveStartKey: startKey } : {}) }))
      items.push(...((page.Items ?? []) as Item[]))
      startKey = page.LastEvaluatedKey
    } while (startKey)
    return items
  }

  /** Every item of `keys`; unprocessed keys (throttling) are asked for again with backoff. */
  private async getAll(keys: Item[]): Promise<Item[]> {
    const items: Item[] = []
    for (let start = 0; start < keys.length; start += batchGetLimit) {
      let pending = keys.slice(start, start + batchGetLimit)
      for (let attempt = 0; pending.length > 0; attempt++) {
        const result = await this.client.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: pending } } }))
        items.push(...((result.Responses?.[this.tableName] ?? []) as Item[]))
        pending = (result.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as Item[]
        if (pending.length > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 50 * 2 ** attempt)))
      }
    }
    return items
  }
}

const itemId = (item: Item) => `${String(item.pk)}\u0000${String(item.sk)}`

/** A history item holds the entries of one change; a tombstone is one record. */
function toRecords(item: Item, recordedAt: string): AuditRecord[] {
  if (item.entity === 'history') {
    const ticketNumber = String(item.pk).replace(/^TICKET#/, '')
    const entries = Array.isArray(item.entries) ? (item.entries as HistoryEntry[]) : []
    return entries.map((entry) => ({ kind: 'history', ticketNumber, recordedAt, ...pickHistory(entry) }))
  }
  if (item.entity === 'tombstone') {
    const { number, title, queue, customer, createdAt, articleCount, deletedAt, by, reason } = item as unknown as Tombstone
    return [{ kind: 'tombstone', recordedAt, number, title, queue, customer, createdAt, articleCount, deletedAt, by, reason }]
  }
  return []
}

function pickHistory(entry: HistoryEntry): HistoryEntry {
  return { id: entry.id, type: entry.type, at: entry.at, by: entry.by, message: entry.message, changes: entry.changes ?? null }
}
