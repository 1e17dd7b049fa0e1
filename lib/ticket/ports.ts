import type { Article, Draft, HistoryEntry, LinkType, OutboundMailRecord, Ticket, TicketThread, Transmission } from './model.ts'

export type IngestAction = 'created' | 'followup' | 'duplicate' | 'rejected' | 'ignored'

/**
 * What became of one inbound mail (or mail notification); kept for good, so a redelivery answers
 * with the first outcome.
 */
export interface IngestRecord {
  action: Exclude<IngestAction, 'duplicate'>
  ticketNumber: string | null
  articleId: string | null
  queue: string | null
  /** The stored raw mail; null for a notification that is not a mail (SES bounce and complaint feedback). */
  rawBlobKey: string | null
  at: string
  reason: string | null
}

/** How the ingest of one mail is identified: by the stored object and by its content. */
export interface IngestIdentity {
  bucket: string
  objectKey: string
  contentHash: string
}

export interface CustomerUser {
  email: string
  name: string
  customerId: string
  createdAt: string
}

/** One atomic change of a ticket: its new state plus everything appended with it. */
export interface TicketChange {
  ticket: Ticket
  /** The version that was read; null to create a ticket that must not exist yet. */
  expectedVersion: number | null
  newArticles: Article[]
  history: HistoryEntry[]
  /** Message-ID index entries for threading later mail. */
  messageIds: { messageId: string; articleId: string }[]
  ingest?: { identity: IngestIdentity; record: IngestRecord }
  /** Created when absent; an existing customer user is left as it is. `companyName`: its company's, for the search. */
  customer?: CustomerUser & { companyName?: string }
  /** Links from this ticket to others (both directions are written). */
  links?: { ticketNumber: string; type: LinkType; by: string }[]
  /** Mails that are not articles (notifications), sent once this change is committed. */
  outboundMails?: OutboundMailRecord[]
  /** Partner ticket numbers kept on this ticket: dynamic field → value (an index entry each). */
  externalRefs?: { field: string; value: string }[]
  /** Links to remove (both directions). */
  removeLinks?: string[]
  /** Drafts to discard (the article they were for was sent). */
  removeDrafts?: string[]
  /** Agents who stopped watching the ticket: their watch items go (the ticket's `watchers` no longer holds them). */
  removeWatchers?: string[]
}

/** What stays of a deleted ticket: the audit log's record that it existed and why it went. */
export interface Tombstone {
  number: string
  title: string
  queue: string
  customer: string | null
  createdAt: string
  articleCount: number
  deletedAt: string
  by: string
  reason: string
}

/** Tickets per queue and state type, kept by the writes themselves (no scans to count). */
/** What a send attempt changes on an outbound mail. */
export type OutboundMailPatch = Pick<OutboundMailRecord, 'status' | 'attempts' | 'error' | 'changedAt'> &
  Partial<Pick<OutboundMailRecord, 'leaseUntil' | 'providerMessageId' | 'deliveredMessageId'>>

export type QueueCounts = Record<string, Record<string, number>>

/** Which index partition a view reads; every view is one of these access patterns. */
export type TicketIndexQuery =
  /** `createdBefore` (exclusive) bounds the read to older tickets: the partition sorts by creation. */
  | { by: 'queue'; queue: string; stateType: string; createdBefore?: string }
  | { by: 'owner'; login: string; lock: 'lock' | 'unlock'; stateType: string }
  | { by: 'responsible'; login: string; stateType: string }
  /** Tickets the agent watches (their watch items), by state type then creation. */
  | { by: 'watcher'; login: string; stateType: string }
  | { by: 'customer'; email: string }
  | { by: 'company'; customerId: string }
  | { by: 'pending-due'; until: string }
  /** Removed tickets, by when they were removed (the Junk purge). */
  | { by: 'removed-since'; until: string }
  /** Tickets with an SLA deadline not notified yet, reached by `until` (the escalation job), by that deadline. */
  | { by: 'escalation-due'; until: string }
  /** Tickets by escalation time (their earliest deadline), after `after` (exclusive) up to `until`: the escalation views. */
  | { by: 'escalation'; after?: string; until: string }

/**
 * Conditions on the tickets of an index read, evaluated inside the query (a filter expression), so a
 * page is never short because of them: the queues, the lock, and whose the ticket is.
 */
export interface TicketIndexFilter {
  queues?: string[]
  lock?: 'lock' | 'unlock'
  owner?: string
  responsible?: string
  /** The agent is among the ticket's watchers. */
  watcher?: string
}

export interface MessageIdHit {
  messageId: string
  ticketNumber: string
  articleId: string
}

export interface TicketListQuery {
  queues: string[]
  stateTypes: string[]
  /** Exact state name within those types, e.g. "new". */
  state?: string | undefined
  order: 'asc' | 'desc'
  limit: number
  cursor?: string | undefined
}

export interface Page<T> {
  items: T[]
  next: string | null
}

/** What a ticket list shows (the API's TicketSummary): list reads fetch only these fields. */
export const ticketListItemFields = ['number', 'title', 'queue', 'state', 'stateType', 'priority', 'lock', 'owner', 'responsible', 'customer', 'customerId', 'createdAt', 'changedAt', 'pendingUntil', 'escalation'] as const satisfies readonly (keyof Ticket)[]
export type TicketListItem = Pick<Ticket, (typeof ticketListItemFields)[number]>

/** What the search drift check compares: the version of a ticket in the table. */
export interface TicketVersion {
  number: string
  version: number
  changedAt: string
}

/** Persistence of tickets and everything hanging off them (one DynamoDB table, in AWS and locally). */
export interface TicketStore {
  /** Reserves `count` values of the per-day ticket counter (atomic); returns the last of them. */
  reserveTicketCounters(day: string, count: number): Promise<number>
  /** Applies one change, or several (e.g. a merge) in one transaction; throws ConcurrentUpdateError or DuplicateIngestError. */
  save(change: TicketChange | TicketChange[]): Promise<void>
  get(number: string): Promise<Ticket | undefined>
  getThread(number: string): Promise<TicketThread | undefined>
  getArticle(number: string, articleId: string): Promise<Article | undefined>
  /** Updates an article's transmission record; false when it no longer is as expected (someone else moved it on). */
  updateTransmission(number: string, articleId: string, transmission: Transmission, expected: Pick<Transmission, 'status' | 'attempts'> | null): Promise<boolean>
  findByMessageIds(messageIds: string[]): Promise<MessageIdHit[]>
  findIngest(identity: IngestIdentity): Promise<IngestRecord | undefined>
  /** Records an outcome that created no article (ignored, rejected), with any mail it sends; false if one was already recorded. */
  recordIngest(identity: IngestIdentity, record: IngestRecord, outboundMails?: OutboundMailRecord[]): Promise<boolean>
  listTickets(query: TicketListQuery): Promise<Page<Ticket>>
  /**
   * Pages through several index partitions merged in creation order (a view over many queues),
   * optionally keeping only tickets of the given queues and lock state.
   */
  listByIndex(queries: TicketIndexQuery[], options: { order: 'asc' | 'desc'; limit: number; cursor?: string | undefined } & TicketIndexFilter): Promise<Page<Ticket>>
  /** listTickets and listByIndex for lists: only the TicketListItem fields are read (less to read and to ship). */
  listTicketItems(query: TicketListQuery): Promise<Page<TicketListItem>>
  listItemsByIndex(queries: TicketIndexQuery[], options: { order: 'asc' | 'desc'; limit: number; cursor?: string | undefined } & TicketIndexFilter): Promise<Page<TicketListItem>>
  countByQueue(queues: string[]): Promise<QueueCounts>
  getDraft(number: string, login: string): Promise<Draft | undefined>
  saveDraft(draft: Draft): Promise<void>
  deleteDraft(number: string, login: string): Promise<void>
  getCustomer(email: string): Promise<CustomerUser | undefined>
  /**
   * Deletes a ticket's items for good (articles, history, links on both sides, drafts, Message-ID
   * entries), then the ticket itself with a tombstone, conditional on the version in `thread`.
   */
  deleteTicket(thread: TicketThread, audit: { by: string; reason: string; at: string }): Promise<boolean>
  getTombstone(number: string): Promise<Tombstone | undefined>
  /**
   * Every ticket with its own articles, read with a parallel table scan (a reindex, never a user's
   * path). Threads of tickets with merged tickets hold only their own articles: read those with getThread.
   */
  scanThreads(options: { segment: number; totalSegments: number }): AsyncIterable<TicketThread>
  /** Every ticket's number, version and change time, page by page, from a parallel scan reading only those (the search drift check). */
  scanTicketVersions(options: { segment: number; totalSegments: number }): AsyncIterable<TicketVersion[]>
  /**
   * Numbers of the tickets changed or deleted since then (a reindex catches them up), from the
   * audit index: every change writes a history item, every purge a tombstone.
   */
  changedSince(since: Date): Promise<string[]>
  findByExternalRef(field: string, value: string): Promise<string | undefined>
  getOutboundMail(id: string): Promise<OutboundMailRecord | undefined>
  /** Moves an outbound mail on; false when it is no longer as expected. */
  updateOutboundMail(id: string, patch: OutboundMailPatch, expected: Pick<OutboundMailRecord, 'status' | 'attempts'> | null): Promise<boolean>
}
