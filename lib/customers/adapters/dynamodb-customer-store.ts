import { TransactionCanceledException } from '@aws-sdk/client-dynamodb'
import { BatchGetCommand, GetCommand, QueryCommand, ScanCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { customerIndexShardCount, keys, type Entity, type Key } from '../../store/keys.ts'
import type { CustomerStore, DirectoryIndex, DirectoryRecordKind, IndexEntry, StoredCompany, StoredCustomerUser } from '../ports.ts'
import { customerUserTokens, sortName, tokenPartition } from '../search-tokens.ts'

type Item = Record<string, unknown>
type TransactItem = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>[number]

const batchGetLimit = 100
const maxBatchAttempts = 8
const recordCode: Record<DirectoryRecordKind, 'U' | 'C'> = { user: 'U', company: 'C' }

/** Customer users written before they were records (name only) read with every field filled in. */
export function toCustomerUser(item: Item): StoredCustomerUser {
  const name = typeof item.name === 'string' ? item.name : ''
  const [first = '', ...rest] = name.includes('@') ? [''] : name.split(/\s+/)
  const email = String(item.email)
  const firstName = typeof item.firstName === 'string' ? item.firstName : first
  const lastName = typeof item.lastName === 'string' ? item.lastName : rest.join(' ')
  const text = (field: string) => (typeof item[field] === 'string' ? (item[field] as string) : '')
  return {
    email,
    firstName,
    lastName,
    name: `${firstName} ${lastName}`.trim() || email,
    customerId: text('customerId'),
    companyName: text('companyName'),
    phone: text('phone'),
    mobile: text('mobile'),
    street: text('street'),
    zip: text('zip'),
    city: text('city'),
    country: text('country'),
    comment: text('comment'),
    valid: item.valid !== false,
    createdAt: text('createdAt'),
    changedAt: text('changedAt') || text('createdAt'),
    version: typeof item.version === 'number' ? item.version : 0,
    index: (item.index as DirectoryIndex | undefined) ?? { tokens: [], sortName: '' },
  }
}

function toCompany(item: Item): StoredCompany {
  const text = (field: string) => (typeof item[field] === 'string' ? (item[field] as string) : '')
  return {
    customerId: text('customerId'),
    name: text('name'),
    street: text('street'),
    zip: text('zip'),
    city: text('city'),
    country: text('country'),
    url: text('url'),
    comment: text('comment'),
    valid: item.valid !== false,
    createdAt: text('createdAt'),
    changedAt: text('changedAt'),
    version: typeof item.version === 'number' ? item.version : 0,
    index: (item.index as DirectoryIndex | undefined) ?? { tokens: [], sortName: '' },
  }
}

/** The index items of a record: one per token, one in the list by name. */
function indexItems(kind: DirectoryRecordKind, id: string, index: DirectoryIndex): Map<string, Item> {
  const code = recordCode[kind]
  const items = new Map<string, Item>()
  for (const token of index.tokens) {
    const key = keys.customerSearch(code, tokenPartition(token), token, id)
    items.set(`${key.pk}\n${key.sk}`, { ...key, entity: 'customer-search' satisfies Entity, token, id: id.toLowerCase() })
  }
  if (index.sortName) {
    const key = keys.customerList(code, index.sortName, id)
    items.set(`${key.pk}\n${key.sk}`, { ...key, entity: 'customer-search' satisfies Entity, token: index.sortName, id: id.toLowerCase() })
  }
  return items
}

function indexChanges(tableName: string, kind: DirectoryRecordKind, id: string, next: DirectoryIndex, previous: DirectoryIndex | undefined): TransactItem[] {
  const wanted = indexItems(kind, id, next)
  const had = previous ? indexItems(kind, id, previous) : new Map<string, Item>()
  const changes: TransactItem[] = []
  for (const [name, item] of wanted) if (!had.has(name)) changes.push({ Put: { TableName: tableName, Item: item } })
  for (const [name, item] of had) if (!wanted.has(name)) changes.push({ Delete: { TableName: tableName, Key: { pk: item.pk, sk: item.sk } } })
  return changes
}

function versionCondition(previous: { version: number } | undefined) {
  return previous === undefined || previous.version === 0
    ? previous === undefined
      ? { ConditionExpression: 'attribute_not_exists(pk)' }
      : { ConditionExpression: 'attribute_not_exists(#version)', ExpressionAttributeNames: { '#version': 'version' } }
    : { ConditionExpression: '#version = :expected', ExpressionAttributeNames: { '#version': 'version' }, ExpressionAttributeValues: { ':expected': previous.version } }
}

/**
 * What the ticket store writes, in the ticket's transaction, for the sender of a first mail: the
 * customer user unless one exists (each attribute if_not_exists, so a concurrent record wins and
 * the ticket is never refused for it), its search items and its company membership. Index items
 * of a record that already existed are harmless: the search drops hits through tokens a record
 * no longer has.
 */
export function newCustomerUserItems(tableName: string, customer: { email: string; name: string; customerId: string; companyName?: string; createdAt: string }): TransactItem[] {
  const email = customer.email.toLowerCase()
  const named = customer.name && customer.name.toLowerCase() !== email ? customer.name.trim() : ''
  const [firstName = '', ...rest] = named ? named.split(/\s+/) : ['']
  const lastName = rest.join(' ')
  const index: DirectoryIndex = {
    tokens: customerUserTokens({ email, firstName, lastName, customerId: customer.customerId, companyName: customer.companyName ?? '' }),
    sortName: sortName(lastName, firstName, email),
  }
  const values: Item = { email, name: customer.name, firstName, lastName, customerId: customer.customerId, companyName: customer.companyName ?? '', createdAt: customer.createdAt, changedAt: customer.createdAt, version: 1, index, valid: true }
  const fields = Object.keys(values)
  return [
    {
      Update: {
        TableName: tableName,
        Key: keys.customer(email),
        UpdateExpression: `SET #entity = :entity, ${fields.map((field) => `#${field} = if_not_exists(#${field}, :${field})`).join(', ')}`,
        ExpressionAttributeNames: { '#entity': 'entity', ...Object.fromEntries(fields.map((field) => [`#${field}`, field])) },
        ExpressionAttributeValues: { ':entity': 'customer' satisfies Entity, ...Object.fromEntries(fields.map((field) => [`:${field}`, values[field]])) },
      },
    },
    ...indexChanges(tableName, 'user', email, index, undefined),
    { Put: { TableName: tableName, Item: { ...keys.companyMember(customer.customerId, email), entity: 'company-member' satisfies Entity, email } } },
  ]
}

export class DynamoCustomerStore implements CustomerStore {
  private readonly client: DynamoDBDocumentClient
  private readonly tableName: string

  constructor(client: DynamoDBDocumentClient, tableName: string) {
    this.client = client
    this.tableName = tableName
  }

  async getCustomerUser(email: string): Promise<StoredCustomerUser | undefined> {
    const result = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.customer(email), ConsistentRead: true }))
    return result.Item ? toCustomerUser(result.Item) : undefined
  }

  async getCustomerUsers(emails: string[]): Promise<Map<string, StoredCustomerUser>> {
    const items = await this.batchGet(emails.map((email) => keys.customer(email)))
    return new Map(items.map((item) => [String(item.email).toLowerCase(), toCustomerUser(item)]))
  }

  async getCompany(customerId: string): Promise<StoredCompany | undefined> {
    const result = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.company(customerId), ConsistentRead: true }))
    return result.Item ? toCompany(result.Item) : undefined
  }

  async getCompanies(customerIds: string[]): Promise<Map<string, StoredCompany>> {
    const items = await this.batchGet(customerIds.map((customerId) => keys.company(customerId)))
    return new Map(items.map((item) => [String(item.customerId).toLowerCase(), toCompany(item)]))
  }

  async putCustomerUser(record: StoredCustomerUser, previous: StoredCustomerUser | undefined): Promise<boolean> {
    const { index, ...fields } = record
    const items: TransactItem[] = [
      { Put: { TableName: this.tableName, Item: { ...keys.customer(record.email), entity: 'customer' satisfies Entity, ...fields, index }, ...versionCondition(previous) } },
      ...indexChanges(this.tableName, 'user', record.email, index, previous?.index),
    ]
    if (!previous || previous.customerId.toLowerCase() !== record.customerId.toLowerCase()) {
      if (previous?.customerId) items.push({ Delete: { TableName: this.tableName, Key: keys.companyMember(previous.customerId, record.email) } })
      items.push({ Put: { TableName: this.tableName, Item: { ...keys.companyMember(record.customerId, record.email), entity: 'company-member' satisfies Entity, email: record.email } } })
    }
    return this.transact(items)
  }

  async putCompany(record: StoredCompany, previous: StoredCompany | undefined): Promise<boolean> {
    const { index, ...fields } = record
    return this.transact([
      { Put: { TableName: this.tableName, Item: { ...keys.company(record.customerId), entity: 'company' satisfies Entity, ...fields, index }, ...versionCondition(previous) } },
      ...indexChanges(this.tableName, 'company', record.customerId, index, previous?.index),
    ])
  }

  /**
   * The list or search partition of `word`, every shard of it (lib/store/keys.ts) merged by sort key:
   * each shard resumes after `after` (DynamoDB resumes after a start key whether or not that item
   * is in the shard). An entry in two shards (indexed before sharding and again since) is one entry.
   */
  async readIndex(kind: DirectoryRecordKind, word: string | undefined, after: string | undefined, limit: number): Promise<{ entries: IndexEntry[]; more: boolean }> {
    const code = recordCode[kind]
    const shards = await Promise.all(
      Array.from({ length: customerIndexShardCount }, async (_, shard) => {
        const partition = word === undefined ? keys.customerListPartition(code, shard) : keys.customerSearchPartition(code, tokenPartition(word), shard)
        const result = await this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: word === undefined ? 'pk = :pk' : 'pk = :pk AND begins_with(sk, :word)',
            ExpressionAttributeValues: { ':pk': partition, ...(word === undefined ? {} : { ':word': word }) },
            Limit: limit,
            ...(after !== undefined ? { ExclusiveStartKey: { pk: partition, sk: after } } : {}),
          }),
        )
        return { items: (result.Items ?? []) as Item[], more: result.LastEvaluatedKey !== undefined }
      }),
    )
    const merged = shards.flatMap((shard) => shard.items).sort((a, b) => Buffer.compare(Buffer.from(String(a.sk)), Buffer.from(String(b.sk))))
    const unique = merged.filter((item, at) => at === 0 || item.sk !== merged[at - 1]!.sk)
    const entries = unique.slice(0, limit).map((item) => ({ sortKey: String(item.sk), token: String(item.token), id: String(item.id) }))
    return { entries, more: unique.length > limit || shards.some((shard) => shard.more) }
  }

  async *scanCustomerUsers(): AsyncIterable<StoredCustomerUser> {
    let startKey: Record<string, unknown> | undefined
    do {
      const page = await this.client.send(
        new ScanCommand({
          TableName: this.tableName,
          FilterExpression: '#entity = :customer',
          ExpressionAttributeNames: { '#entity': 'entity' },
          ExpressionAttributeValues: { ':customer': 'customer' satisfies Entity },
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      )
      for (const item of page.Items ?? []) yield toCustomerUser(item)
      startKey = page.LastEvaluatedKey
    } while (startKey)
  }

  async listCompanyMembers(customerId: string, after: string | undefined, limit: number): Promise<{ emails: string[]; more: boolean }> {
    const pk = keys.companyPartition(customerId)
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': pk, ':prefix': keys.companyMemberPrefix },
        Limit: limit,
        ...(after !== undefined ? { ExclusiveStartKey: keys.companyMember(customerId, after) } : {}),
      }),
    )
    return { emails: (result.Items ?? []).map((item) => String(item.email)), more: result.LastEvaluatedKey !== undefined }
  }

  private async transact(items: TransactItem[]): Promise<boolean> {
    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: items }))
      return true
    } catch (error) {
      if (error instanceof TransactionCanceledException && (error.CancellationReasons ?? []).some((reason) => reason.Code === 'ConditionalCheckFailed' || reason.Code === 'TransactionConflict')) return false
      throw error
    }
  }

  private async batchGet(wanted: Key[]): Promise<Item[]> {
    const unique = [...new Map(wanted.map((key) => [`${key.pk}\n${key.sk}`, key])).values()]
    const found: Item[] = []
    for (let start = 0; start < unique.length; start += batchGetLimit) {
      let requested: Item[] = unique.slice(start, start + batchGetLimit).map((key) => ({ ...key }))
      for (let attempt = 1; requested.length > 0; attempt++) {
        if (attempt > maxBatchAttempts) throw new Error(`could not read ${requested.length} customer records: the table keeps throttling`)
        if (attempt > 1) await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(1000, 25 * 2 ** attempt)))
        const result = await this.client.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: requested } } }))
        found.push(...((result.Responses?.[this.tableName] ?? []) as Item[]))
        requested = (result.UnprocessedKeys?.[this.tableName]?.Keys as Item[] | undefined) ?? []
      }
    }
    return found
  }
}
