import type { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { table, type IndexDeclaration } from '../../lib/store/table.ts'

/**
 * Counts the writes every partition key of the table and of each index takes, from the requests the
 * real code sends: a middleware on the DynamoDB client sees every PutItem, UpdateItem, DeleteItem,
 * BatchWriteItem and TransactWriteItems (after the document client marshalled it) and charges
 *
 * - the table partition of each item written (a failed conditional write still takes capacity there);
 * - on success, each index partition the write lands on. An index write happens when the item has
 *   the index's partition attribute after the write (`all` projection: every write of such an item
 *   is copied; `keys-only`: only when the index key changes), plus a delete on the partition the
 *   item leaves when its index key changes or goes. What an item held before is known from a shadow
 *   of the index keys of every item this recorder saw written (the benchmark starts from an empty
 *   table, so the shadow is complete for the items it writes).
 *
 * Beside the writes, each key's write units: DynamoDB's limit is ~1,000 write units (1 KB each) per
 * second per partition, so a 3 KB ticket copied into an index takes 3. An item's size is computed
 * from its attributes as DynamoDB sizes them (names + values, UTF-8); a transactional write takes
 * twice the units on the table, index copies take the plain units. An update is charged the size the
 * item had (its new size is not in the request).
 *
 * Only the ticket store sets index attributes, and only with whole-item Puts (lib/ticket/adapters),
 * so an UpdateItem never changes an index key: it is charged to the indexes the item already is in.
 */
export class PartitionWriteRecorder {
  /** Writes per table partition key. */
  readonly table = new Map<string, number>()
  /** Writes per index partition key, by index name (gsi1…). */
  readonly indexes = new Map<string, Map<string, number>>(Object.values(table.indexes).map((index) => [index.name, new Map<string, number>()]))
  /** Write units per table partition key, and per index partition key by index name. */
  readonly tableUnits = new Map<string, number>()
  readonly indexUnits = new Map<string, Map<string, number>>(Object.values(table.indexes).map((index) => [index.name, new Map<string, number>()]))
  /** Write requests seen, by operation (a TransactWriteItems of 7 items counts 7 under its name). */
  readonly operations = new Map<string, number>()
  private readonly shadow = new Map<string, { keys: Record<string, string>; bytes: number; keyBytes: number }>()
  private readonly declared: readonly IndexDeclaration[] = Object.values(table.indexes)

  /** Adds the recording middleware to a client (a document client shares its client's stack). */
  attach(client: DynamoDBClient | DynamoDBDocumentClient): void {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const command = String(context.commandName ?? '')
        const input = args.input as Record<string, unknown>
        try {
          const result = await next(args)
          this.record(command, input, true)
          return result
        } catch (error) {
          this.record(command, input, false)
          throw error
        }
      },
      // After the document client's marshalling (initialize step): the input is in AttributeValue form here.
      { step: 'build', name: 'partitionWriteRecorder', override: true },
    )
  }

  /** Charges one request (exported for tests; `attach` calls it). */
  record(command: string, input: Record<string, unknown>, succeeded: boolean): void {
    switch (command) {
      case 'PutItemCommand':
        return this.put(input.Item as Attributes, succeeded, 'PutItem', 1)
      case 'UpdateItemCommand':
        return this.update(input.Key as Attributes, succeeded, 'UpdateItem', 1)
      case 'DeleteItemCommand':
        return this.delete(input.Key as Attributes, succeeded, 'DeleteItem', 1)
      case 'BatchWriteItemCommand':
        for (const requests of Object.values((input.RequestItems ?? {}) as Record<string, { PutRequest?: { Item: Attributes }; DeleteRequest?: { Key: Attributes } }[]>)) {
          for (const request of requests) {
            // BatchWriteItem answers with the items it did not process; the caller retries them, and each retry is charged again.
            if (request.PutRequest) this.put(request.PutRequest.Item, succeeded, 'BatchWriteItem', 1)
            if (request.DeleteRequest) this.delete(request.DeleteRequest.Key, succeeded, 'BatchWriteItem', 1)
          }
        }
        return
      case 'TransactWriteItemsCommand':
        for (const item of (input.TransactItems ?? []) as { Put?: { Item: Attributes }; Update?: { Key: Attributes }; Delete?: { Key: Attributes }; ConditionCheck?: { Key: Attributes } }[]) {
          if (item.Put) this.put(item.Put.Item, succeeded, 'TransactWriteItems', 2)
          if (item.Update) this.update(item.Update.Key, succeeded, 'TransactWriteItems', 2)
          if (item.Delete) this.delete(item.Delete.Key, succeeded, 'TransactWriteItems', 2)
          // A condition check takes write capacity on its item's partition (transactions), nothing on the indexes.
          if (item.ConditionCheck) this.charge(this.table, this.tableUnits, text(item.ConditionCheck.Key[table.partitionKey]), 2, 'TransactWriteItems')
        }
        return
      default:
    }
  }

  /** Total writes per mail of the whole run. */
  totalWrites(): number {
    let total = 0
    for (const count of this.table.values()) total += count
    for (const keys of this.indexes.values()) for (const count of keys.values()) total += count
    return total
  }

  private put(item: Attributes, succeeded: boolean, operation: string, factor: number): void {
    const bytes = itemBytes(item)
    this.charge(this.table, this.tableUnits, text(item[table.partitionKey]), factor * units(bytes), operation)
    if (!succeeded) return
    const id = itemId(item)
    const before = this.shadow.get(id)?.keys ?? {}
    const after: Record<string, string> = {}
    const keyBytes = itemBytes(Object.fromEntries([table.partitionKey, table.sortKey].map((name) => [name, item[name]])))
    for (const index of this.declared) {
      const key = item[index.partitionKey] === undefined ? undefined : text(item[index.partitionKey])
      if (key !== undefined) after[index.name] = key
      const projected = index.projection === 'keys-only' ? keyBytes + itemBytes({ a: item[index.partitionKey], b: item[index.sortKey] }) : bytes
      this.indexWrite(index, before[index.name], key, units(projected))
    }
    this.shadow.set(id, { keys: after, bytes, keyBytes })
  }

  private update(key: Attributes, succeeded: boolean, operation: string, factor: number): void {
    const held = this.shadow.get(itemId(key))
    this.charge(this.table, this.tableUnits, text(key[table.partitionKey]), factor * units(held?.bytes ?? 0), operation)
    if (!succeeded || !held) return
    // Index keys are never set by an update (see above): an `all` index copies the changed item, a keys-only one does nothing.
    for (const index of this.declared) {
      const at = held.keys[index.name]
      if (at !== undefined && index.projection !== 'keys-only') this.charge(this.indexes.get(index.name)!, this.indexUnits.get(index.name)!, at, units(held.bytes))
    }
  }

  private delete(key: Attributes, succeeded: boolean, operation: string, factor: number): void {
    const id = itemId(key)
    const held = this.shadow.get(id)
    this.charge(this.table, this.tableUnits, text(key[table.partitionKey]), factor * units(held?.bytes ?? 0), operation)
    if (!succeeded) return
    for (const index of this.declared) this.indexWrite(index, held?.keys[index.name], undefined, 1)
    this.shadow.delete(id)
  }

  private indexWrite(index: IndexDeclaration, before: string | undefined, after: string | undefined, writeUnits: number): void {
    const keys = this.indexes.get(index.name)!
    const unitsOf = this.indexUnits.get(index.name)!
    if (before !== undefined && before !== after) this.charge(keys, unitsOf, before, 1) // the entry leaves its old partition (a delete: 1 unit)
    if (after !== undefined && (before !== after || index.projection !== 'keys-only')) this.charge(keys, unitsOf, after, writeUnits)
  }

  private charge(keys: Map<string, number>, unitsOf: Map<string, number>, key: string, writeUnits: number, operation?: string): void {
    keys.set(key, (keys.get(key) ?? 0) + 1)
    unitsOf.set(key, (unitsOf.get(key) ?? 0) + writeUnits)
    if (operation) this.operations.set(operation, (this.operations.get(operation) ?? 0) + 1)
  }
}

/** Write units of an item of `bytes`: one per started KB, at least one. */
const units = (bytes: number) => Math.max(1, Math.ceil(bytes / 1024))

/** An item's size as DynamoDB counts it: attribute names plus values (UTF-8 strings, numbers ~1 byte per 2 digits, 3 bytes per map/list). */
export function itemBytes(item: Attributes): number {
  let bytes = 0
  for (const [name, value] of Object.entries(item)) if (value !== undefined) bytes += Buffer.byteLength(name) + valueBytes(value)
  return bytes
}

function valueBytes(value: unknown): number {
  if (value === null || value === undefined) return 1
  if (typeof value === 'string') return Buffer.byteLength(value)
  if (typeof value === 'number') return Math.ceil(String(value).replace(/[-.]/g, '').length / 2) + 1
  if (typeof value === 'boolean') return 1
  if (value instanceof Uint8Array) return value.byteLength
  if (Array.isArray(value)) return 3 + value.reduce((sum: number, entry) => sum + 1 + valueBytes(entry), 0)
  const record = value as Record<string, unknown>
  // AttributeValue form: one key naming the type.
  const typed = Object.keys(record)
  if (typed.length === 1) {
    const [type] = typed as [string]
    const inner = record[type]
    if (type === 'S' || type === 'B') return valueBytes(inner)
    if (type === 'N') return Math.ceil(String(inner).replace(/[-.]/g, '').length / 2) + 1
    if (type === 'BOOL' || type === 'NULL') return 1
    if (type === 'L' && Array.isArray(inner)) return 3 + inner.reduce((sum: number, entry) => sum + 1 + valueBytes(entry), 0)
    if (type === 'M' && inner && typeof inner === 'object') return 3 + itemBytes(inner as Attributes)
    if ((type === 'SS' || type === 'NS') && Array.isArray(inner)) return inner.reduce((sum: number, entry) => sum + valueBytes(entry), 0)
  }
  return 3 + itemBytes(record)
}

type Attributes = Record<string, unknown>

/** A key attribute as a string: AttributeValue form ({ S }) after marshalling, plain before. */
function text(value: unknown): string {
  if (typeof value === 'string') return value
  if (value && typeof value === 'object' && 'S' in value) return String((value as { S: unknown }).S)
  if (value && typeof value === 'object' && 'N' in value) return String((value as { N: unknown }).N)
  return String(value)
}

const itemId = (item: Attributes) => `${text(item[table.partitionKey])}\u0000${text(item[table.sortKey])}`

/** The busiest keys of one tally, highest first. */
export function busiest(keys: ReadonlyMap<string, number>, count = 1): { key: string; writes: number }[] {
  return [...keys]
    .map(([key, writes]) => ({ key, writes }))
    .sort((a, b) => b.writes - a.writes || a.key.localeCompare(b.key))
    .slice(0, count)
}
