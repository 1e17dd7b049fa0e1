import type { SearchFilters, SearchTerm } from '../../schemas/search.ts'
import type { StateType } from '../../schemas/config.ts'

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

export interface SearchIndex extends IndexWriter {
  search(query: EngineQuery): Promise<SearchResult>
  /** Starts a new index next to the live one; searches and writes keep using the live one. */
  beginRebuild(): Promise<IndexRebuild>
  /** Documents in the live index (deleted ones not counted). */
  count(): Promise<number>
}

export interface IndexRebuild extends IndexWriter {
  /** Makes the new index the live one (atomically), dropping the old one. */
  swap(): Promise<void>
  abandon(): Promise<void>
}
