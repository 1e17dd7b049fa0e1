import { TransactionCanceledException } from '@aws-sdk/client-dynamodb'
import {
  BatchGetCommand,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb'
import { indexKeys, keys, normalizeMessageId, shardOf, type Entity, type Key } from '../../store/keys.ts'
import { table } from '../../store/table.ts'
import { invalidRequest } from '../../platform/errors.ts'
import { ConcurrentUpdateError, DuplicateIngestError } from '../errors.ts'
import type { Article, HistoryEntry, LinkType, OutboundMailRecord, Ticket, TicketLink, TicketThread, Transmission } from '../model.ts'
import type {
  IngestIdentity,
  IngestRecord,
  MessageIdHit,
  Page,
  TicketChange,
  TicketListQuery,
  TicketStore,
} from '../ports.ts'

type Item = Record<string, unknown>
type TransactItem = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>[number]

const keyAttributes = new Set([
  'pk',
  'sk',
  'entity',
  ...Object.values(table.indexes).flatMap((index) => [index.partitionKey, index.sortKey]),
])

function stripKeys<T>(item: Item): T {
  const domain: Item = {}
  for (const [name, value] of Object.entries(item)) if (!keyAttributes.has(name)) domain[name] = value
  return domain as T
}

/** Index attributes of a ticket item: every view is derived from the ticket's own fields. */
export function ticketIndexAttributes(ticket: Ticket): Item {
  const created = `${ticket.createdAt}#${ticket.number}`
  const { byQueue, byOwner, byCustomer, byResponsible, byDue, byCompany } = table.indexes
  const attributes: Item = {
    [byQueue.partitionKey]: indexKeys.queue(ticket.queue, ticket.stateType),
    [byQueue.sortKey]: created,
  }
  if (ticket.owner) {
    attributes[byOwner.partitionKey] = indexKeys.owner(ticket.owner)
    attributes[byOwner.sortKey] = `${ticket.lock}#${ticket.stateType}#${created}`
  }
  if (ticket.responsible) {
    attributes[byResponsible.partitionKey] = indexKeys.responsible(ticket.responsible)
    attributes[byResponsible.sortKey] = `${ticket.stateType}#${created}`
  }
  if (ticket.customer) {
    attributes[byCustomer.partitionKey] = indexKeys.customer(ticket.customer)
    attributes[byCustomer.sortKey] = created
  }
  if (ticket.customerId) {
    attributes[byCompany.partitionKey] = indexKeys.company(ticket.customerId)
    attributes[byCompany.sortKey] = created
  }
  if (ticket.pendingUntil && ticket.stateType.startsWith('pending')) {
    attributes[byDue.partitionKey] = indexKeys.due('PENDING', shardOf(ticket.number))
    attributes[byDue.sortKey] = `${ticket.pendingUntil}#${ticket.number}`
  }
  return attributes
}

interface Cursor {
  /** Per index partition: where to resume, or null once it is exhausted. */
  [partition: string]: Item | null
}

const encodeCursor = (cursor: Cursor) => Buffer.from(JSON.stringify(cursor)).toString('base64url')

function decodeCursor(text: string): Cursor {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'))
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Cursor
  } catch {
    // fall through to the error below
  }
  throw invalidRequest('cursor is not one this server handed out; start again without it', 'query.cursor')
}

export class DynamoTicketStore implements TicketStore {
  private readonly client: DynamoDBDocumentClient
  private readonly tableName: string

  constructor(client: DynamoDBDocumentClient, tableName: string) {
    this.client = client
    this.tableName = tableName
  }

  async nextTicketCounter(day: string): Promise<number> {
    // One item per day: ~1,000 writes/s per key in DynamoDB. See README (scaling) for block allocation past that.
    const result = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.ticketCounter(day),
        UpdateExpression: 'ADD #counter :one SET #entity = :entity',
        ExpressionAttributeNames: { '#counter': 'counter', '#entity': 'entity' },
        ExpressionAttributeValues: { ':one': 1, ':entity': 'ticket-counter' satisfies Entity },
        ReturnValues: 'UPDATED_NEW',
      }),
    )
    return Number(result.Attributes?.counter)
  }

  async save(change: TicketChange): Promise<void> {
    const { ticket } = change
    const items: { role: 'ticket' | 'ingest' | 'other'; item: TransactItem }[] = []
    const ticketItem = { ...keys.ticket(ticket.number), entity: 'ticket' satisfies Entity, ...ticket, ...ticketIndexAttributes(ticket) }
    items.push({
      role: 'ticket',
      item: {
        Put: {
          TableName: this.tableName,
          Item: ticketItem,
          ...(change.expectedVersion === null
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : {
                ConditionExpression: '#version = :expected',
                ExpressionAttributeNames: { '#version': 'version' },
                ExpressionAttributeValues: { ':expected': change.expectedVersion },
              }),
        },
      },
    })
    for (const article of change.newArticles) {
      items.push({ role: 'other', item: this.putNew(keys.article(ticket.number, article.id), 'article', article) })
    }
    for (const entry of change.history) {
      items.push({ role: 'other', item: this.putNew(keys.history(ticket.number, entry.id), 'history', entry) })
    }
    for (const { messageId, articleId } of change.messageIds) {
      items.push({
        role: 'other',
        item: {
          Put: {
            TableName: this.tableName,
            Item: { ...keys.messageId(messageId, ticket.number, articleId), entity: 'message-id' satisfies Entity, messageId, ticketNumber: ticket.number, articleId },
          },
        },
      })
    }
    if (change.ingest) {
      const { identity, record } = change.ingest
      for (const key of this.ingestKeys(identity)) items.push({ role: 'ingest', item: this.putNew(key, 'ingest', record) })
    }
    for (const link of change.links ?? []) {
      const createdAt = ticket.changedAt
      const reverse: Record<LinkType, LinkType> = { normal: 'normal', parent: 'child', child: 'parent' }
      items.push({ role: 'other', item: { Put: { TableName: this.tableName, Item: { ...keys.link(ticket.number, link.ticketNumber), entity: 'link' satisfies Entity, ticketNumber: link.ticketNumber, type: link.type, createdAt, createdBy: link.by } } } })
      items.push({ role: 'other', item: { Put: { TableName: this.tableName, Item: { ...keys.link(link.ticketNumber, ticket.number), entity: 'link' satisfies Entity, ticketNumber: ticket.number, type: reverse[link.type], createdAt, createdBy: link.by } } } })
    }
    for (const mail of change.outboundMails ?? []) {
      items.push({ role: 'other', item: this.putNew(keys.outboundMail(mail.id), 'outbound-mail', mail) })
    }
    for (const ref of change.externalRefs ?? []) {
      items.push({ role: 'other', item: { Put: { TableName: this.tableName, Item: { ...keys.externalRef(ref.field, ref.value), entity: 'external-ref' satisfies Entity, ...ref, ticketNumber: ticket.number } } } })
    }
    if (change.customer) {
      const customer = change.customer
      items.push({
        role: 'other',
        item: {
          Update: {
            TableName: this.tableName,
            Key: keys.customer(customer.email),
            UpdateExpression:
              'SET #entity = :entity, #email = if_not_exists(#email, :email), #name = if_not_exists(#name, :name), #customerId = if_not_exists(#customerId, :customerId), #createdAt = if_not_exists(#createdAt, :createdAt)',
            ExpressionAttributeNames: { '#entity': 'entity', '#email': 'email', '#name': 'name', '#customerId': 'customerId', '#createdAt': 'createdAt' },
            ExpressionAttributeValues: {
              ':entity': 'customer' satisfies Entity,
              ':email': customer.email.toLowerCase(),
              ':name': customer.name,
              ':customerId': customer.customerId,
              ':createdAt': customer.createdAt,
            },
          },
        },
      })
    }
    if (items.length > 100) throw new Error(`a ticket change may write at most 100 items, this one writes ${items.length}`)
    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: items.map(({ item }) => item) }))
    } catch (error) {
      if (error instanceof TransactionCanceledException) {
        const reasons = error.CancellationReasons ?? []
        const failed = (role: string) => reasons.some((reason, index) => reason.Code === 'ConditionalCheckFailed' && items[index]?.role === role)
        if (failed('ingest')) throw new DuplicateIngestError()
        if (failed('ticket') || reasons.some((reason) => reason.Code === 'TransactionConflict')) throw new ConcurrentUpdateError(ticket.number)
      }
      throw error
    }
  }

  async get(number: string): Promise<Ticket | undefined> {
    const result = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.ticket(number), ConsistentRead: true }))
    return result.Item ? stripKeys<Ticket>(result.Item) : undefined
  }

  async getThread(number: string): Promise<TicketThread | undefined> {
    const items = await this.queryAll({
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.ticketPartition(number) },
      ConsistentRead: true,
    })
    const ticketItem = items.find((item) => item.entity === 'ticket')
    if (!ticketItem) return undefined
    return {
      ticket: stripKeys<Ticket>(ticketItem),
      articles: items.filter((item) => item.entity === 'article').map((item) => stripKeys<Article>(item)),
      history: items.filter((item) => item.entity === 'history').map((item) => stripKeys<HistoryEntry>(item)),
      links: items.filter((item) => item.entity === 'link').map((item) => stripKeys<TicketLink>(item)),
    }
  }

  async getArticle(number: string, articleId: string): Promise<Article | undefined> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: keys.article(number, articleId), ConsistentRead: true }),
    )
    return result.Item ? stripKeys<Article>(result.Item) : undefined
  }

  async updateTransmission(number: string, articleId: string, transmission: Transmission, expected: Pick<Transmission, 'status' | 'attempts'> | null): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.article(number, articleId),
          UpdateExpression: 'SET #transmission = :transmission',
          ConditionExpression: expected === null ? 'attribute_exists(pk)' : '#transmission.#status = :status AND #transmission.#attempts = :attempts',
          ExpressionAttributeNames: { '#transmission': 'transmission', ...(expected === null ? {} : { '#status': 'status', '#attempts': 'attempts' }) },
          ExpressionAttributeValues: { ':transmission': transmission, ...(expected === null ? {} : { ':status': expected.status, ':attempts': expected.attempts }) },
        }),
      )
      return true
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException') return false
      throw error
    }
  }

  async findByMessageIds(messageIds: string[]): Promise<MessageIdHit[]> {
    const unique = [...new Set(messageIds.map(normalizeMessageId))].filter((id) => id.length > 0)
    const pages = await Promise.all(
      unique.map((id) =>
        this.queryAll({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': keys.messageIdPartition(id) },
        }),
      ),
    )
    return pages.flat().map((item) => ({
      messageId: String(item.messageId),
      ticketNumber: String(item.ticketNumber),
      articleId: String(item.articleId),
    }))
  }

  async findIngest(identity: IngestIdentity): Promise<IngestRecord | undefined> {
    const result = await this.client.send(
      new BatchGetCommand({
        RequestItems: { [this.tableName]: { Keys: this.ingestKeys(identity), ConsistentRead: true } },
      }),
    )
    const found = result.Responses?.[this.tableName]?.[0]
    return found ? stripKeys<IngestRecord>(found) : undefined
  }

  async recordIngest(identity: IngestIdentity, record: IngestRecord, outboundMails: OutboundMailRecord[] = []): Promise<boolean> {
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            ...this.ingestKeys(identity).map((key) => this.putNew(key, 'ingest', record)),
            ...outboundMails.map((mail) => this.putNew(keys.outboundMail(mail.id), 'outbound-mail', mail)),
          ],
        }),
      )
      return true
    } catch (error) {
      if (error instanceof TransactionCanceledException) return false
      throw error
    }
  }

  async listTickets(query: TicketListQuery): Promise<Page<Ticket>> {
    const index = table.indexes.byQueue
    const cursor = query.cursor ? decodeCursor(query.cursor) : {}
    const partitions = query.queues.flatMap((queue) => query.stateTypes.map((type) => indexKeys.queue(queue, type)))
    const forward = query.order === 'asc'
    // Each partition is already in creation order; read a page of each and merge.
    const fetched = await Promise.all(
      partitions.map(async (partition) => {
        if (partition in cursor && cursor[partition] === null) return { partition, items: [] as Item[], exhausted: true }
        const start = cursor[partition] ?? undefined
        const { items, exhausted } = await this.queryUpTo(
          {
            TableName: this.tableName,
            IndexName: index.name,
            KeyConditionExpression: '#pk = :pk',
            ExpressionAttributeNames: { '#pk': index.partitionKey, ...(query.state ? { '#state': 'state' } : {}) },
            ExpressionAttributeValues: { ':pk': partition, ...(query.state ? { ':state': query.state } : {}) },
            ...(query.state ? { FilterExpression: '#state = :state' } : {}),
            ScanIndexForward: forward,
            ...(start ? { ExclusiveStartKey: start } : {}),
          },
          query.limit,
        )
        return { partition, items, exhausted }
      }),
    )
    const sortKey = index.sortKey
    const merged = fetched
      .flatMap(({ partition, items }) => items.map((item) => ({ partition, item })))
      .sort((a, b) => {
        const order = String(a.item[sortKey]).localeCompare(String(b.item[sortKey]))
        return forward ? order : -order
      })
    const page = merged.slice(0, query.limit)
    const next: Cursor = { ...cursor }
    let more = false
    for (const { partition, items, exhausted } of fetched) {
      const taken = page.filter((entry) => entry.partition === partition)
      const allTaken = taken.length === items.length
      if (allTaken && exhausted) {
        next[partition] = null
      } else {
        more = true
        const last = taken.at(-1)?.item
        if (last) next[partition] = this.indexStartKey(last, index)
      }
    }
    return { items: page.map(({ item }) => stripKeys<Ticket>(item)), next: more ? encodeCursor(next) : null }
  }

  async findByExternalRef(field: string, value: string): Promise<string | undefined> {
    const result = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.externalRef(field, value), ConsistentRead: true }))
    return result.Item ? String(result.Item.ticketNumber) : undefined
  }

  async getOutboundMail(id: string): Promise<OutboundMailRecord | undefined> {
    const result = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.outboundMail(id), ConsistentRead: true }))
    return result.Item ? stripKeys<OutboundMailRecord>(result.Item) : undefined
  }

  async updateOutboundMail(
    id: string,
    patch: Pick<OutboundMailRecord, 'status' | 'attempts' | 'error' | 'changedAt'>,
    expected: Pick<OutboundMailRecord, 'status' | 'attempts'> | null,
  ): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.outboundMail(id),
          UpdateExpression: 'SET #status = :status, attempts = :attempts, #error = :error, changedAt = :changedAt',
          ConditionExpression: expected === null ? 'attribute_exists(pk)' : '#status = :expectedStatus AND attempts = :expectedAttempts',
          ExpressionAttributeNames: { '#status': 'status', '#error': 'error' },
          ExpressionAttributeValues: {
            ':status': patch.status,
            ':attempts': patch.attempts,
            ':error': patch.error,
            ':changedAt': patch.changedAt,
            ...(expected === null ? {} : { ':expectedStatus': expected.status, ':expectedAttempts': expected.attempts }),
          },
        }),
      )
      return true
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException') return false
      throw error
    }
  }

  private indexStartKey(item: Item, index: { partitionKey: string; sortKey: string }): Item {
    return { pk: item.pk, sk: item.sk, [index.partitionKey]: item[index.partitionKey], [index.sortKey]: item[index.sortKey] }
  }

  private ingestKeys(identity: IngestIdentity): Key[] {
    return [keys.ingestByObject(identity.bucket, identity.objectKey), keys.ingestByContent(identity.contentHash)]
  }

  private putNew(key: Key, entity: Entity, value: object): TransactItem {
    return {
      Put: {
        TableName: this.tableName,
        Item: { ...key, entity, ...value },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    }
  }

  /** Reads up to `limit` matching items, following pages (filters can leave pages short). */
  private async queryUpTo(input: QueryCommandInput, limit: number): Promise<{ items: Item[]; exhausted: boolean }> {
    const items: Item[] = []
    let startKey = input.ExclusiveStartKey
    do {
      const result = await this.client.send(
        new QueryCommand({ ...input, Limit: Math.max(limit - items.length, 1), ...(startKey ? { ExclusiveStartKey: startKey } : {}) }),
      )
      items.push(...((result.Items ?? []) as Item[]))
      startKey = result.LastEvaluatedKey
    } while (startKey && items.length < limit)
    return { items, exhausted: !startKey }
  }

  private async queryAll(input: QueryCommandInput): Promise<Item[]> {
    const items: Item[] = []
    let startKey: Record<string, unknown> | undefined
    do {
      const result = await this.client.send(new QueryCommand({ ...input, ...(startKey ? { ExclusiveStartKey: startKey } : {}) }))
      items.push(...((result.Items ?? []) as Item[]))
      startKey = result.LastEvaluatedKey
    } while (startKey)
    return items
  }
}
