import type { SearchFilters, SearchTerm } from '../../schemas/search.ts'
import type { StateType } from '../../schemas/config.ts'
import type { DurationFigures } from '../../schemas/statistics.ts'
import type { EscalationKind } from '../ticket/model.ts'

/**
 * One searchable document per ticket: its fields for filters and sorting, and the text of all its
 * articles. Built from the store by the indexer; `version` is the ticket's version, so an engine
 * never replaces a document with an older one (stream records arrive late and twice).
 */
export interface TicketDocument {
  number: string
  version: number
  title: string
  queue: string
  state: string
  stateType: StateType
  priority: number
  owner: string | null
  responsible: string | null
  lock: 'lock' | 'unlock'
  customer: string | null
  customerId: string | null
  createdAt: string
  changedAt: string
  closedAt: string | null
  pendingUntil: string | null
  subject: string
  body: string
  from: string
  to: string
  cc: string
  /** Attachment names, and the text of text-like attachments. */
  attachment: string
  // The statistics fields; absent in documents indexed before they existed (a reindex fills them in).
  /** The SLA the ticket is under, if any. */
  sla?: string | null
  /** The first agent mail to the customer, and the wall-clock minutes from creation to it. */
  firstResponseAt?: string | null
  firstResponseMinutes?: number | null
  /** The first close, and the wall-clock minutes from creation to it. */
  solvedAt?: string | null
  solutionMinutes?: number | null
  /** The SLA deadlines the ticket missed (ever). */
  breaches?: EscalationKind[]
}

export interface SearchHit {
  number: string
  title: string
  queue: string
  state: string
  stateType: StateType
  priority: number
  owner: string | null
  customer: string | null
  createdAt: string
  changedAt: string
  /** Matching passages: HTML-escaped text with the matches in <mark>…</mark>. */
  highlights: string[]
}

/** A search the engine runs: terms parsed from the agent's text, filters including the readable queues. */
export interface EngineQuery {
  terms: SearchTerm[]
  filters: SearchFilters & { queues: string[] }
  sort: 'relevance' | 'created' | 'changed' | 'priority'
  order: 'asc' | 'desc'
  limit: number
  offset: number
}

export interface SearchResult {
  hits: SearchHit[]
  /** Whether more hits follow this page. */
  more: boolean
}

/** Writes go to one index; reindexing writes a new one and swaps it in (an alias) when complete. */
export interface IndexWriter {
  /** Replaces documents that are older (by version) or missing; newer ones stay. */
  upsert(documents: TicketDocument[]): Promise<void>
  /** Deletes tickets for good; a late, older update cannot bring them back. */
  remove(tickets: { number: string; version: number }[]): Promise<void>
}

/** Statistics over the queues given, with the day buckets (instants, `from` inclusive, `to` exclusive) the agent's time zone makes. */
export interface StatisticsQuery {
  queues: string[]
  days: { day: string; from: string; to: string }[]
}

/** What the engine counts; days and queues with nothing to count may be left out. */
export interface EngineStatistics {
  perDay: { day: string; queue: string; created: number; closed: number }[]
  openByState: { queue: string; state: string; count: number }[]
  firstResponse: DurationFigures
  solution: DurationFigures
  slaBreaches: { queue: string; tickets: number; firstResponse: number; update: number; solution: number }[]
}

export interface SearchIndex extends IndexWriter {
  search(query: EngineQuery): Promise<SearchResult>
  /** Aggregates over the live index (the agent statistics): counted by the engine, never by paging through tickets. */
  statistics(query: StatisticsQuery): Promise<EngineStatistics>
  /** Starts a new index next to the live one; searches and writes keep using the live one. */
  beginRebuild(): Promise<IndexRebuild>
  /** Documents in the live index (deleted ones not counted). */
  count(): Promise<number>
  /** Number and version of every document in the live index, page by page in number order (the drift check). */
  versions(): AsyncIterable<{ number: string; version: number }[]>
}

export interface IndexRebuild extends IndexWriter {
  /** Makes the new index the live one (atomically), dropping the old one. */
  swap(): Promise<void>
  abandon(): Promise<void>
}
