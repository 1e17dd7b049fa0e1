import { createHash } from 'node:crypto'
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb'
import {
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb'
import { auditIndexAttributes, auditShardCount, dueShardCount, indexKeys, keys, normalizeMessageId, queueShardCount, queueShardOf, shardOf, type Entity, type Key } from '../../store/keys.ts'
import { table, type IndexDeclaration } from '../../store/table.ts'
import { invalidRequest } from '../../platform/errors.ts'
import { stateTypes } from '../../../schemas/config.ts'
import { ConcurrentUpdateError, DuplicateIngestError } from '../errors.ts'
import { pendingDueAt } from '../ticket-rules.ts'
import type { Article, Draft, HistoryEntry, LinkType, OutboundMailRecord, Ticket, TicketLink, TicketThread, Transmission } from '../model.ts'
import type {
  CustomerUser,
  IngestIdentity,
  IngestRecord,
  MessageIdHit,
  OutboundMailPatch,
  Page,
  QueueCounts,
  TicketChange,
  TicketIndexFilter,
  TicketIndexQuery,
  TicketListItem,
  TicketListQuery,
  TicketStore,
  TicketVersion,
  Tombstone,
} from '../ports.ts'
import { ticketListItemFields } from '../ports.ts'
import { newCustomerUserItems } from '../../customers/adapters/dynamodb-customer-store.ts'

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

/** Tickets written by earlier versions lack fields added since; reads fill the defaults in. */
function toTicket(item: Item): Ticket {
  const defaults: Pick<Ticket, 'participants' | 'dynamicFields' | 'mergedFrom' | 'timeUnits' | 'watchers'> = { participants: [], dynamicFields: {}, mergedFrom: [], timeUnits: 0, watchers: [] }
  return { ...defaults, ...stripKeys<Partial<Ticket>>(item) } as Ticket
}

/** Index attributes of a ticket item: every view is derived from the ticket's own fields. */
export function ticketIndexAttributes(ticket: Ticket): Item {
  const created = `${ticket.createdAt}#${ticket.number}`
  const { byQueue, byOwner, byCustomer, byResponsible, byDue, byCompany, byEscalation } = table.indexes
  const attributes: Item = {
    [byQueue.partitionKey]: indexKeys.queue(ticket.queue, ticket.stateType, queueShardOf(ticket.number)),
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
  const due = pendingDueAt(ticket)
  if (due) {
    attributes[byDue.partitionKey] = indexKeys.due('PENDING', shardOf(ticket.number))
    attributes[byDue.sortKey] = `${due}#${ticket.number}`
  } else if (ticket.stateType === 'removed' && ticket.removedAt) {
    attributes[byDue.partitionKey] = indexKeys.due('PURGE', shardOf(ticket.number))
    attributes[byDue.sortKey] = `${ticket.removedAt}#${ticket.number}`
  } else if (ticket.escalation?.notifyAt) {
    // Escalating tickets are never pending or removed: the due index has room for the escalation job's work.
    attributes[byDue.partitionKey] = indexKeys.due('ESCALATION', shardOf(ticket.number))
    attributes[byDue.sortKey] = `${ticket.escalation.notifyAt}#${ticket.number}`
  }
  if (ticket.escalation?.nextDue) {
    attributes[byEscalation.partitionKey] = indexKeys.escalation(shardOf(ticket.number))
    attributes[byEscalation.sortKey] = `${ticket.escalation.nextDue}#${ticket.number}`
  }
  return attributes
}

/**
 * The watch item of `login` on `ticket`: the ticket's list fields under the watcher's index key, so
 * "My watched tickets" is an index read like the other views. Written with every change of the ticket.
 */
function watchItem(ticket: Ticket, login: string): Item {
  const { byResponsible } = table.indexes
  const fields = Object.fromEntries(ticketListItemFields.map((field) => [field, ticket[field] ?? null]))
  return {
    ...keys.watch(ticket.number, login),
    entity: 'watch' satisfies Entity,
    ...fields,
    [byResponsible.partitionKey]: indexKeys.watcher(login),
    [byResponsible.sortKey]: `${ticket.stateType}#${ticket.createdAt}#${ticket.number}`,
  }
}

/**
 * Where a merged list resumes: the merge key (the sort key without its fixed prefix: creation time
 * and number for views, due time and number for due lists) of the last ticket handed out, and which
 * list (partitions and order) it belongs to. One position serves every partition of the list, every
 * shard included: the merge hands tickets out in merge-key order, so when it has handed out `after`,
 * it has handed out everything before it in every partition, and each partition resumes right
 * after it. (A position per partition would grow with the shards: 16 per queue and state type.)
 */
interface Cursor {
  after: string
  of: string
}

const encodeCursor = (cursor: Cursor) => Buffer.from(JSON.stringify(cursor)).toString('base64url')

const foreignCursor = () => invalidRequest('cursor is not one this server handed out for this list; start again without it', 'query.cursor')

/** DynamoDB orders string keys by their UTF-8 bytes (JavaScript compares UTF-16 units, which differs above U+FFFF). */
const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'))

/** The list a cursor belongs to: its partitions and order, hashed short. */
const listOf = (reads: readonly PartitionRead[], order: 'asc' | 'desc') =>
  createHash('sha256').update(`${order}\n${reads.map((read) => read.id).join('\n')}`).digest('base64url').slice(0, 16)

/**
 * A cursor comes back from the client, so it is checked before DynamoDB sees it (a start key of
 * another partition, index or range is a ValidationException there, a 500 here): exactly the two
 * fields we hand out, of this list, and a position that ends with a ticket number. The start keys
 * are built from it here (startKeyOf), never taken from the client. Anything else is a 400 naming the cursor.
 */
function decodeCursor(text: string, reads: readonly PartitionRead[], order: 'asc' | 'desc'): Cursor {
  let value: unknown
  try {
    value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'))
  } catch {
    throw foreignCursor()
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw foreignCursor()
  const fields = value as Record<string, unknown>
  const names = Object.keys(fields)
  if (names.length !== 2 || typeof fields.after !== 'string' || typeof fields.of !== 'string') throw foreignCursor()
  if (fields.of !== listOf(reads, order) || fields.after.length > 1024 || !/#\d{1,40}$/.test(fields.after)) throw foreignCursor()
  return { after: fields.after, of: fields.of }
}

/**
 * Where a partition resumes after merge key `after`: the start key of the ticket it names in this
 * partition (DynamoDB resumes after a start key whether or not that item is in the partition), no
 * start key when `after` lies before the read's range, or nothing left when it lies beyond it.
 */
function startKeyOf(read: PartitionRead, after: string, forward: boolean): Item | undefined | 'exhausted' {
  const sortKey = `${read.prefix ?? ''}${after}`
  const [before, beyond] = forward ? [read.from, read.to] : [read.to, read.from]
  const sign = forward ? 1 : -1
  if (beyond !== undefined && sign * byteOrder(sortKey, beyond) > 0) return 'exhausted'
  if (before !== undefined && sign * byteOrder(sortKey, before) < 0) return undefined
  const own = keys.ticket(after.slice(after.lastIndexOf('#') + 1))
  return { [table.partitionKey]: own.pk, [table.sortKey]: own.sk, [read.index.partitionKey]: read.partition, [read.index.sortKey]: sortKey }
}

/**
 * The order the fan-out merge takes the next item in: DynamoDB's own order of sort keys (UTF-8
 * bytes), so the merge of partitions that each come sorted is itself sorted; ties (the same key in
 * two partitions: never for keys ending in the ticket number) go to the earlier partition.
 */
export const mergeOrder = byteOrder

/** One index partition to page through, with the key range of the access pattern. */
interface PartitionRead {
  id: string
  index: IndexDeclaration
  partition: string
  /** Sort keys between these (inclusive), when the pattern narrows them. */
  from?: string
  to?: string
  /** The part of every sort key in the range that is the same (dropped when merging partitions). */
  prefix?: string
}

function partitionReads(query: TicketIndexQuery): PartitionRead[] {
  const { byQueue, byOwner, byResponsible, byCustomer, byCompany, byDue, byEscalation } = table.indexes
  switch (query.by) {
    case 'queue':
      // Every shard of the queue and state type (lib/store/keys.ts), merged by creation time.
      return Array.from({ length: queueShardCount }, (_, shard) => ({
        id: `q:${query.queue}#${query.stateType}#${shard}`,
        index: byQueue,
        partition: indexKeys.queue(query.queue, query.stateType, shard),
        ...(query.createdBefore ? { to: query.createdBefore } : {}),
      }))
    case 'owner': {
      // Within the partition tickets sort by lock, state type, then creation: a read per lock and state type keeps creation order.
      const prefix = `${query.lock}#${query.stateType}#`
      return [{ id: `o:${query.login}#${prefix}`, index: byOwner, partition: indexKeys.owner(query.login), from: prefix, to: `${prefix}\uffff`, prefix }]
    }
    case 'responsible':
      return [{ id: `r:${query.login}#${query.stateType}`, index: byResponsible, partition: indexKeys.responsible(query.login), from: `${query.stateType}#`, to: `${query.stateType}#\uffff`, prefix: `${query.stateType}#` }]
    case 'watcher':
      return [{ id: `w:${query.login}#${query.stateType}`, index: byResponsible, partition: indexKeys.watcher(query.login), from: `${query.stateType}#`, to: `${query.stateType}#\uffff`, prefix: `${query.stateType}#` }]
    case 'customer':
      return [{ id: `c:${query.email}`, index: byCustomer, partition: indexKeys.customer(query.email) }]
    case 'company':
      return [{ id: `co:${query.customerId}`, index: byCompany, partition: indexKeys.company(query.customerId) }]
    case 'pending-due':
      return Array.from({ length: dueShardCount }, (_, shard) => ({ id: `d:${shard}`, index: byDue, partition: indexKeys.due('PENDING', shard), to: `${query.until}#\uffff` }))
    case 'removed-since':
      return Array.from({ length: dueShardCount }, (_, shard) => ({ id: `p:${shard}`, index: byDue, partition: indexKeys.due('PURGE', shard), to: `${query.until}#\uffff` }))
    case 'escalation-due':
      return Array.from({ length: dueShardCount }, (_, shard) => ({ id: `e:${shard}`, index: byDue, partition: indexKeys.due('ESCALATION', shard), to: `${query.until}#\uffff` }))
    case 'escalation': {
      // No prefix: the merge orders by escalation time. `after` is exclusive, `until` inclusive.
      const range = { to: `${query.until}#\uffff`, ...(query.after !== undefined ? { from: `${query.after}#\uffff` } : {}) }
      return Array.from({ length: dueShardCount }, (_, shard) => ({ id: `x:${shard}`, index: byEscalation, partition: indexKeys.escalation(shard), ...range }))
    }
  }
}

/** The queue view's partitions: every shard of each queue and state type. */
const queueReads = (query: TicketListQuery): PartitionRead[] => query.queues.flatMap((queue) => query.stateTypes.flatMap((stateType) => partitionReads({ by: 'queue', queue, stateType })))

const reverseLink: Record<LinkType, LinkType> = { normal: 'normal', parent: 'child', child: 'parent' }

export class DynamoTicketStore implements TicketStore {
  private readonly client: DynamoDBDocumentClient
  private readonly tableName: string
  private readonly recordedAt: () => Date

  /**
   * `recordedAt`: the time of a write, for the audit index (the day a history item or tombstone
   * is exported with). The wall clock, not the domain's clock: a job run as of an earlier time
   * must still land in the export of the day it ran. Tests may fix it.
   */
  constructor(client: DynamoDBDocumentClient, tableName: string, options: { recordedAt?: () => Date } = {}) {
    this.client = client
    this.tableName = tableName
    this.recordedAt = options.recordedAt ?? (() => new Date())
  }

  async reserveTicketCounters(day: string, count: number): Promise<number> {
    // One item per day, one atomic ADD per new ticket (TicketCounter): consecutive numbers, never a duplicate.
    const result = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.ticketCounter(day),
        UpdateExpression: 'ADD #counter :one SET #entity = :entity',
        ExpressionAttributeNames: { '#counter': 'counter', '#entity': 'entity' },
        ExpressionAttributeValues: { ':one': count, ':entity': 'ticket-counter' satisfies Entity },
        ReturnValues: 'UPDATED_NEW',
      }),
    )
    return Number(result.Attributes?.counter)
  }

  /**
   * Writes one or more ticket changes in one transaction. Per change: the ticket (conditional on
   * the version read), its new articles, ONE history item holding the change's entries (fewer
   * writes per mail), Message-ID index entries, the ingest dedupe record, links, outbound mails.
   */
  async save(input: TicketChange | TicketChange[]): Promise<void> {
    const changes = Array.isArray(input) ? input : [input]
    const items: { role: 'ticket' | 'ingest' | 'other'; number: string; item: TransactItem }[] = []
    const push = (role: 'ticket' | 'ingest' | 'other', number: string, item: TransactItem) => items.push({ role, number, item })
    for (const change of changes) {
      const { ticket } = change
      const number = ticket.number
      push('ticket', number, {
        Put: {
          TableName: this.tableName,
          Item: { ...keys.ticket(number), entity: 'ticket' satisfies Entity, ...ticket, ...ticketIndexAttributes(ticket) },
          ...(change.expectedVersion === null
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : { ConditionExpression: '#version = :expected', ExpressionAttributeNames: { '#version': 'version' }, ExpressionAttributeValues: { ':expected': change.expectedVersion } }),
        },
      })
      for (const article of change.newArticles) push('other', number, this.putNew(keys.article(number, article.id), 'article', article))
      // Every change is in the history (OTRS's rule, and the reindex catch-up finds changes by it).
      if (change.history.length === 0) throw new Error(`A change to ticket ${number} without a history entry`)
      // Append-only: written once (attribute_not_exists), never updated; deleted only with its whole ticket by a purge, which leaves a tombstone.
      push('other', number, this.putNew(keys.history(number, change.history[0]!.id), 'history', { entries: change.history, ...auditIndexAttributes(number, this.recordedAt()) }))
      for (const { messageId, articleId } of change.messageIds) {
        push('other', number, { Put: { TableName: this.tableName, Item: { ...keys.messageId(messageId, number, articleId), entity: 'message-id' satisfies Entity, messageId, ticketNumber: number, articleId } } })
      }
      if (change.ingest) {
        const { identity, record } = change.ingest
        push('ingest', number, this.putNew(keys.ingestByContent(identity.contentHash), 'ingest', { ...record, objectKey: identity.objectKey }))
      }
      for (const link of change.links ?? []) {
        const createdAt = ticket.changedAt
        push('other', number, { Put: { TableName: this.tableName, Item: { ...keys.link(number, link.ticketNumber), entity: 'link' satisfies Entity, ticketNumber: link.ticketNumber, type: link.type, createdAt, createdBy: link.by } } })
        push('other', number, { Put: { TableName: this.tableName, Item: { ...keys.link(link.ticketNumber, number), entity: 'link' satisfies Entity, ticketNumber: number, type: reverseLink[link.type], createdAt, createdBy: link.by } } })
      }
      for (const other of change.removeLinks ?? []) {
        push('other', number, { Delete: { TableName: this.tableName, Key: keys.link(number, other) } })
        push('other', number, { Delete: { TableName: this.tableName, Key: keys.link(other, number) } })
      }
      for (const login of change.removeDrafts ?? []) push('other', number, { Delete: { TableName: this.tableName, Key: keys.draft(number, login) } })
      for (const login of ticket.watchers ?? []) push('other', number, { Put: { TableName: this.tableName, Item: watchItem(ticket, login) } })
      for (const login of change.removeWatchers ?? []) push('other', number, { Delete: { TableName: this.tableName, Key: keys.watch(number, login) } })
      for (const mail of change.outboundMails ?? []) push('other', number, this.putNew(keys.outboundMail(mail.id), 'outbound-mail', mail))
      for (const ref of change.externalRefs ?? []) {
        push('other', number, { Put: { TableName: this.tableName, Item: { ...keys.externalRef(ref.field, ref.value), entity: 'external-ref' satisfies Entity, ...ref, ticketNumber: number } } })
      }
      // The sender of a first mail becomes a customer user (with its search items and company membership).
      if (change.customer) for (const item of newCustomerUserItems(this.tableName, change.customer)) push('other', number, item)
    }
    if (items.length > 100) throw invalidRequest(`one change may write at most 100 items; this one writes ${items.length} (split it)`)
    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: items.map(({ item }) => item) }))
    } catch (error) {
      if (error instanceof TransactionCanceledException) {
        const reasons = error.CancellationReasons ?? []
        const failedAt = reasons.map((reason, index) => (reason.Code === 'ConditionalCheckFailed' ? items[index] : undefined)).filter((entry) => entry !== undefined)
        if (failedAt.some((entry) => entry.role === 'ingest')) throw new DuplicateIngestError()
        const conflict = failedAt.find((entry) => entry.role === 'ticket') ?? (reasons.some((reason) => reason.Code === 'TransactionConflict') ? items[0] : undefined)
        if (conflict) throw new ConcurrentUpdateError(conflict.number)
      }
      throw error
    }
  }

  async get(number: string): Promise<Ticket | undefined> {
    const result = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.ticket(number), ConsistentRead: true }))
    return result.Item ? toTicket(result.Item) : undefined
  }

  /** The ticket with its thread; articles of tickets merged into it are part of its thread (OTRS merge). */
  async getThread(number: string): Promise<TicketThread | undefined> {
    const items = await this.partition(number)
    const ticketItem = items.find((item) => item.entity === 'ticket')
    if (!ticketItem) return undefined
    const ticket = toTicket(ticketItem)
    const articles = items.filter((item) => item.entity === 'article').map((item) => stripKeys<Article>(item))
    const seen = new Set([number])
    const merged = [...ticket.mergedFrom]
    while (merged.length > 0) {
      const source = merged.shift()!
      if (seen.has(source)) continue
      seen.add(source)
      const sourceItems = await this.partition(source)
      articles.push(...sourceItems.filter((item) => item.entity === 'article').map((item) => stripKeys<Article>(item)))
      const sourceTicket = sourceItems.find((item) => item.entity === 'ticket')
      if (sourceTicket) merged.push(...(toTicket(sourceTicket).mergedFrom ?? []))
    }
    articles.sort((a, b) => a.id.localeCompare(b.id))
    return {
      ticket,
      articles,
      history: items.filter((item) => item.entity === 'history').flatMap((item) => (Array.isArray(item.entries) ? (item.entries as HistoryEntry[]) : [stripKeys<HistoryEntry>(item)])),
      links: items.filter((item) => item.entity === 'link').map((item) => stripKeys<TicketLink>(item)),
    }
  }

  private partition(number: string): Promise<Item[]> {
    return this.queryAll({ TableName: this.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': keys.ticketPartition(number) }, ConsistentRead: true })
  }

  async getArticle(number: string, articleId: string): Promise<Article | undefined> {
    const result = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.article(number, articleId), ConsistentRead: true }))
    return result.Item ? stripKeys<Article>(result.Item) : undefined
  }

  async updateTransmission(number: string, articleId: string, transmission: Transmission, expected: Pick<Transmission, 'status' | 'attempts'> | null): Promise<boolean> {
    return this.conditionalUpdate({
      TableName: this.tableName,
      Key: keys.article(number, articleId),
      UpdateExpression: 'SET #transmission = :transmission',
      ConditionExpression: expected === null ? 'attribute_exists(pk)' : '#transmission.#status = :status AND #transmission.#attempts = :attempts',
      ExpressionAttributeNames: { '#transmission': 'transmission', ...(expected === null ? {} : { '#status': 'status', '#attempts': 'attempts' }) },
      ExpressionAttributeValues: { ':transmission': transmission, ...(expected === null ? {} : { ':status': expected.status, ':attempts': expected.attempts }) },
    })
  }

  async findByMessageIds(messageIds: string[]): Promise<MessageIdHit[]> {
    const unique = [...new Set(messageIds.map(normalizeMessageId))].filter((id) => id.length > 0)
    const pages = await Promise.all(
      unique.map((id) => this.queryAll({ TableName: this.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': keys.messageIdPartition(id) } })),
    )
    return pages.flat().map((item) => ({ messageId: String(item.messageId), ticketNumber: String(item.ticketNumber), articleId: String(item.articleId) }))
  }

  async findIngest(identity: IngestIdentity): Promise<IngestRecord | undefined> {
    const result = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.ingestByContent(identity.contentHash), ConsistentRead: true }))
    return result.Item ? stripKeys<IngestRecord>(result.Item) : undefined
  }

  async recordIngest(identity: IngestIdentity, record: IngestRecord, outboundMails: OutboundMailRecord[] = []): Promise<boolean> {
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            this.putNew(keys.ingestByContent(identity.contentHash), 'ingest', { ...record, objectKey: identity.objectKey }),
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
    const page = await this.pageMerged(queueReads(query), { order: query.order, limit: query.limit, cursor: query.cursor, ...(query.state ? { state: query.state } : {}) })
    return { items: page.items.map(toTicket), next: page.next }
  }

  async listByIndex(queries: TicketIndexQuery[], options: { order: 'asc' | 'desc'; limit: number; cursor?: string | undefined } & TicketIndexFilter): Promise<Page<Ticket>> {
    const page = await this.pageMerged(queries.flatMap(partitionReads), options)
    return { items: page.items.map(toTicket), next: page.next }
  }

  async listTicketItems(query: TicketListQuery): Promise<Page<TicketListItem>> {
    const page = await this.pageMerged(queueReads(query), { order: query.order, limit: query.limit, cursor: query.cursor, ...(query.state ? { state: query.state } : {}), project: ticketListItemFields })
    return { items: page.items.map((item) => stripKeys<TicketListItem>(item)), next: page.next }
  }

  async listItemsByIndex(queries: TicketIndexQuery[], options: { order: 'asc' | 'desc'; limit: number; cursor?: string | undefined } & TicketIndexFilter): Promise<Page<TicketListItem>> {
    const page = await this.pageMerged(queries.flatMap(partitionReads), { ...options, project: ticketListItemFields })
    return { items: page.items.map((item) => stripKeys<TicketListItem>(item)), next: page.next }
  }

  /**
   * Tickets per queue and state type: a Select COUNT per index partition, which reads only the
   * tickets counted (no scan). Cost grows with closed tickets; once search exists (issue 6) the
   * counts come from its index instead.
   */
  async countByQueue(queues: string[]): Promise<QueueCounts> {
    const counts: QueueCounts = {}
    await Promise.all(
      queues.flatMap((queue) =>
        stateTypes.map(async (stateType) => {
          ;(counts[queue] ??= {})[stateType] = await this.countPartition(queue, stateType)
        }),
      ),
    )
    return counts
  }

  private async countPartition(queue: string, stateType: string): Promise<number> {
    const shards = await Promise.all(Array.from({ length: queueShardCount }, (_, shard) => this.countShard(indexKeys.queue(queue, stateType, shard))))
    return shards.reduce((sum, count) => sum + count, 0)
  }

  private async countShard(partition: string): Promise<number> {
    const index = table.indexes.byQueue
    let count = 0
    let startKey: Record<string, unknown> | undefined
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: index.name,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': index.partitionKey },
          ExpressionAttributeValues: { ':pk': partition },
          Select: 'COUNT',
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      )
      count += page.Count ?? 0
      startKey = page.LastEvaluatedKey
    } while (startKey)
    return count
  }

  async findByExternalRef(field: string, value: string): Promise<string | undefined> {
    const result = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.externalRef(field, value), ConsistentRead: true }))
    return result.Item ? String(result.Item.ticketNumber) : undefined
  }

  async getOutboundMail(id: string): Promise<OutboundMailRecord | undefined> {
    const result = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.outboundMail(id), ConsistentRead: true }))
    return result.Item ? stripKeys<OutboundMailRecord>(result.Item) : undefined
  }

  async updateOutboundMail(id: string, patch: OutboundMailPatch, expected: Pick<OutboundMailRecord, 'status' | 'attempts'> | null): Promise<boolean> {
    const optional = (['leaseUntil', 'providerMessageId', 'deliveredMessageId'] as const).filter((name) => patch[name] !== undefined)
    return this.conditionalUpdate({
      TableName: this.tableName,
      Key: keys.outboundMail(id),
      UpdateExpression: `SET #status = :status, attempts = :attempts, #error = :error, changedAt = :changedAt${optional.map((name) => `, ${name} = :${name}`).join('')}`,
      ConditionExpression: expected === null ? 'attribute_exists(pk)' : '#status = :expectedStatus AND attempts = :expectedAttempts',
      ExpressionAttributeNames: { '#status': 'status', '#error': 'error' },
      ExpressionAttributeValues: {
        ':status': patch.status,
        ':attempts': patch.attempts,
        ':error': patch.error,
        ':changedAt': patch.changedAt,
        ...Object.fromEntries(optional.map((name) => [`:${name}`, patch[name]])),
        ...(expected === null ? {} : { ':expectedStatus': expected.status, ':expectedAttempts': expected.attempts }),
      },
    })
  }

  async getDraft(number: string, login: string): Promise<Draft | undefined> {
    const result = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.draft(number, login), ConsistentRead: true }))
    return result.Item ? stripKeys<Draft>(result.Item) : undefined
  }

  async saveDraft(draft: Draft): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: { ...keys.draft(draft.ticketNumber, draft.login), entity: 'draft' satisfies Entity, ...draft } }))
  }

  async deleteDraft(number: string, login: string): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: keys.draft(number, login) }))
  }

  async getCustomer(email: string): Promise<CustomerUser | undefined> {
    const result = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.customer(email) }))
    return result.Item ? stripKeys<CustomerUser>(result.Item) : undefined
  }

  async deleteTicket(thread: TicketThread, audit: { by: string; reason: string; at: string }): Promise<boolean> {
    const { ticket } = thread
    const partition = await this.partition(ticket.number)
    const others: Key[] = [
      ...partition.filter((item) => item.entity !== 'ticket').map((item) => ({ pk: String(item.pk), sk: String(item.sk) })),
      ...thread.links.map((link) => keys.link(link.ticketNumber, ticket.number)),
      ...thread.articles.filter((article) => article.ticketNumber === ticket.number && article.messageId).map((article) => keys.messageId(article.messageId!, ticket.number, article.id)),
    ]
    for (let start = 0; start < others.length; start += 25) {
      let requests = others.slice(start, start + 25).map((key) => ({ DeleteRequest: { Key: key } }))
      for (let attempt = 0; requests.length > 0; attempt++) {
        const result = await this.client.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: requests } }))
        requests = (result.UnprocessedItems?.[this.tableName] ?? []) as typeof requests
        if (requests.length > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 50 * 2 ** attempt)))
      }
    }
    const tombstone: Tombstone = { number: ticket.number, title: ticket.title, queue: ticket.queue, customer: ticket.customer, createdAt: ticket.createdAt, articleCount: ticket.articleCount, deletedAt: audit.at, by: audit.by, reason: audit.reason }
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            { Delete: { TableName: this.tableName, Key: keys.ticket(ticket.number), ConditionExpression: '#version = :version', ExpressionAttributeNames: { '#version': 'version' }, ExpressionAttributeValues: { ':version': ticket.version } } },
            this.putNew(keys.tombstone(ticket.number), 'tombstone', { ...tombstone, ...auditIndexAttributes(ticket.number, this.recordedAt()) }),
          ],
        }),
      )
      return true
    } catch (error) {
      if (error instanceof TransactionCanceledException) return false
      throw error
    }
  }

  async getTombstone(number: string): Promise<Tombstone | undefined> {
    const result = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.tombstone(number) }))
    return result.Item ? stripKeys<Tombstone>(result.Item) : undefined
  }

  async *scanThreads(options: { segment: number; totalSegments: number }): AsyncIterable<TicketThread> {
    let group: Item[] = []
    const flush = (): TicketThread | undefined => {
      const items = group
      group = []
      const ticketItem = items.find((item) => item.entity === 'ticket')
      if (!ticketItem) return undefined
      return {
        ticket: toTicket(ticketItem),
        articles: items.filter((item) => item.entity === 'article').map((item) => stripKeys<Article>(item)).sort((a, b) => a.id.localeCompare(b.id)),
        history: [],
        links: items.filter((item) => item.entity === 'link').map((item) => stripKeys<TicketLink>(item)),
      }
    }
    let startKey: Record<string, unknown> | undefined
    do {
      const page = await this.client.send(
        new ScanCommand({
          TableName: this.tableName,
          Segment: options.segment,
          TotalSegments: options.totalSegments,
          FilterExpression: 'begins_with(pk, :ticket) AND (#entity = :t OR #entity = :a OR #entity = :l)',
          ExpressionAttributeNames: { '#entity': 'entity' },
          ExpressionAttributeValues: { ':ticket': 'TICKET#', ':t': 'ticket', ':a': 'article', ':l': 'link' },
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      )
      // A partition's items come together (DynamoDB scans partition by partition); a ticket is complete when the next begins.
      for (const item of (page.Items ?? []) as Item[]) {
        if (group.length > 0 && group[0]!.pk !== item.pk) {
          const thread = flush()
          if (thread) yield thread
        }
        group.push(item)
      }
      startKey = page.LastEvaluatedKey
    } while (startKey)
    const last = flush()
    if (last) yield last
  }

  async *scanTicketVersions(options: { segment: number; totalSegments: number }): AsyncIterable<TicketVersion[]> {
    let startKey: Record<string, unknown> | undefined
    do {
      const page = await this.client.send(
        new ScanCommand({
          TableName: this.tableName,
          Segment: options.segment,
          TotalSegments: options.totalSegments,
          FilterExpression: 'begins_with(pk, :ticket) AND #entity = :t',
          ProjectionExpression: '#number, #version, changedAt',
          ExpressionAttributeNames: { '#entity': 'entity', '#number': 'number', '#version': 'version' },
          ExpressionAttributeValues: { ':ticket': 'TICKET#', ':t': 'ticket' },
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      )
      const versions = (page.Items ?? []).map((item) => ({ number: String(item.number), version: Number(item.version), changedAt: String(item.changedAt) }))
      if (versions.length > 0) yield versions
      startKey = page.LastEvaluatedKey
    } while (startKey)
  }

  async changedSince(since: Date): Promise<string[]> {
    // Every change writes a history item and every purge a tombstone, both in the audit index
    // (keyed by the day and time of the write): the tickets written since `since` without a scan.
    const index = table.indexes.byAuditDay
    const from = since.toISOString()
    const days: string[] = []
    for (let day = new Date(`${from.slice(0, 10)}T00:00:00.000Z`); day.getTime() <= this.recordedAt().getTime(); day = new Date(day.getTime() + 86_400_000)) days.push(day.toISOString().slice(0, 10))
    const numbers = new Set<string>()
    await Promise.all(
      days.flatMap((day) =>
        Array.from({ length: auditShardCount }, async (_, shard) => {
          let startKey: Record<string, unknown> | undefined
          do {
            const page = await this.client.send(
              new QueryCommand({
                TableName: this.tableName,
                IndexName: index.name,
                KeyConditionExpression: '#pk = :pk AND #sk >= :from',
                ExpressionAttributeNames: { '#pk': index.partitionKey, '#sk': index.sortKey },
                ExpressionAttributeValues: { ':pk': indexKeys.auditDay(day, shard), ':from': from },
                ...(startKey ? { ExclusiveStartKey: startKey } : {}),
              }),
            )
            for (const item of page.Items ?? []) numbers.add(String(item[index.sortKey]).slice(from.length + 1))
            startKey = page.LastEvaluatedKey
          } while (startKey)
        }),
      ),
    )
    return [...numbers]
  }

  /**
   * Pages through several index partitions at once (shards included), merged by sort key (creation
   * order). The cursor holds the merge position, where every partition resumes, so paging never
   * skips or repeats a ticket.
   */
  private async pageMerged(
    reads: PartitionRead[],
    options: { order: 'asc' | 'desc'; limit: number; cursor?: string | undefined; state?: string; project?: readonly string[] } & TicketIndexFilter,
  ): Promise<Page<Item>> {
    const cursor = options.cursor ? decodeCursor(options.cursor, reads, options.order) : undefined
    const forward = options.order === 'asc'
    const filters: string[] = []
    const names: Record<string, string> = {}
    const values: Record<string, unknown> = {}
    if (options.state) {
      filters.push('#state = :state')
      names['#state'] = 'state'
      values[':state'] = options.state
    }
    if (options.lock) {
      filters.push('#lock = :lock')
      names['#lock'] = 'lock'
      values[':lock'] = options.lock
    }
    for (const field of ['owner', 'responsible'] as const) {
      const login = options[field]
      if (login === undefined) continue
      filters.push(`#${field} = :${field}`)
      names[`#${field}`] = field
      values[`:${field}`] = login
    }
    if (options.watcher !== undefined) {
      filters.push('contains(#watchers, :watcher)')
      names['#watchers'] = 'watchers'
      values[':watcher'] = options.watcher
    }
    if (options.queues) {
      if (options.queues.length === 0) return { items: [], next: null }
      names['#queue'] = 'queue'
      filters.push(`#queue IN (${options.queues.map((queue, index) => ((values[`:q${index}`] = queue), `:q${index}`)).join(', ')})`)
    }
    const queryOf = (read: PartitionRead, start: Item | undefined): QueryCommandInput => {
      const range = read.from !== undefined && read.to !== undefined ? ' AND #sk BETWEEN :from AND :to' : read.to !== undefined ? ' AND #sk <= :to' : ''
      // A projection keeps the fields asked for plus every key the cursor and the merge need.
      const projected = options.project ? [...new Set([table.partitionKey, table.sortKey, read.index.partitionKey, read.index.sortKey, ...options.project])] : []
      return {
        TableName: this.tableName,
        IndexName: read.index.name,
        KeyConditionExpression: `#pk = :pk${range}`,
        ExpressionAttributeNames: { '#pk': read.index.partitionKey, ...(range ? { '#sk': read.index.sortKey } : {}), ...names, ...Object.fromEntries(projected.map((name, index) => [`#p${index}`, name])) },
        ExpressionAttributeValues: { ':pk': read.partition, ...(read.from !== undefined && range ? { ':from': read.from } : {}), ...(read.to !== undefined && range ? { ':to': read.to } : {}), ...values },
        ...(filters.length > 0 ? { FilterExpression: filters.join(' AND ') } : {}),
        ...(projected.length > 0 ? { ProjectionExpression: projected.map((_, index) => `#p${index}`).join(', ') } : {}),
        ScanIndexForward: forward,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }
    }
    // A lazy k-way merge: each partition is read a share of the page at first, and read on only when
    // the merge needs its next item, so a page of n tickets reads about n items, not n per partition.
    // Partitions merge by their sort key without its fixed prefix: creation time for views, due time for due lists.
    const mergeKey = (read: PartitionRead, item: Item) => String(item[read.index.sortKey]).slice(read.prefix?.length ?? 0)
    const streams = reads
      .map((read) => ({ read, start: cursor ? startKeyOf(read, cursor.after, forward) : undefined }))
      .filter((entry): entry is { read: PartitionRead; start: Item | undefined } => entry.start !== 'exhausted')
      .map(({ read, start }) => ({ read, items: [] as { item: Item; key: string }[], taken: 0, start, exhausted: false }))
    type Stream = (typeof streams)[number]
    const readOn = async (stream: Stream, count: number) => {
      const { items, lastKey } = await this.queryUpTo(queryOf(stream.read, stream.start), count).catch((error: unknown) => {
        // Belt and braces behind decodeCursor: a start key DynamoDB still refuses is the client's cursor, not our fault.
        if (options.cursor && (error as Error).name === 'ValidationException' && /start(ing)? ?key/i.test((error as Error).message)) throw foreignCursor()
        throw error
      })
      stream.items.push(...items.map((item) => ({ item, key: mergeKey(stream.read, item) })))
      stream.start = lastKey
      stream.exhausted = lastKey === undefined
    }
    // A quarter over the even share, so that an uneven mix of partitions rarely needs a second round.
    await Promise.all(streams.map((stream) => readOn(stream, Math.min(options.limit, Math.ceil((options.limit * 1.25) / streams.length)))))
    const page: Item[] = []
    let lastKey: string | undefined
    while (page.length < options.limit) {
      const starved = streams.filter((stream) => stream.taken === stream.items.length && !stream.exhausted)
      if (starved.length > 0) {
        await Promise.all(starved.map((stream) => readOn(stream, options.limit - page.length)))
        continue
      }
      let best: Stream | undefined
      for (const stream of streams) {
        if (stream.taken === stream.items.length) continue
        if (!best || (forward ? 1 : -1) * mergeOrder(stream.items[stream.taken]!.key, best.items[best.taken]!.key) < 0) best = stream
      }
      if (!best) break
      const taken = best.items[best.taken++]!
      page.push(taken.item)
      lastKey = taken.key
    }
    const more = streams.some(({ items, taken, exhausted }) => taken < items.length || !exhausted)
    const next: Cursor | undefined = more && lastKey !== undefined ? { after: lastKey, of: listOf(reads, options.order) } : undefined
    return { items: page, next: next ? encodeCursor(next) : null }
  }

  private putNew(key: Key, entity: Entity, value: object): TransactItem {
    return { Put: { TableName: this.tableName, Item: { ...key, entity, ...value }, ConditionExpression: 'attribute_not_exists(pk)' } }
  }

  private async conditionalUpdate(input: ConstructorParameters<typeof UpdateCommand>[0]): Promise<boolean> {
    try {
      await this.client.send(new UpdateCommand(input))
      return true
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException') return false
      throw error
    }
  }

  /** Reads up to `limit` matching items, following pages (filters can leave pages short). */
  private async queryUpTo(input: QueryCommandInput, limit: number): Promise<{ items: Item[]; lastKey: Item | undefined }> {
    const items: Item[] = []
    let startKey = input.ExclusiveStartKey
    do {
      const result = await this.client.send(new QueryCommand({ ...input, Limit: Math.max(limit - items.length, 1), ...(startKey ? { ExclusiveStartKey: startKey } : {}) }))
      items.push(...((result.Items ?? []) as Item[]))
      startKey = result.LastEvaluatedKey
    } while (startKey && items.length < limit)
    return { items, lastKey: startKey }
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
