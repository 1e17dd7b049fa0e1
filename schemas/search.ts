import * as z from 'zod'
import { stateTypes } from './config.ts'

/**
 * The one query model of ticket search, the same for the embedded engine (SQLite FTS5, local) and
 * OpenSearch (AWS). The agent's typed text is parsed into terms (lib/search/query-text.ts); the
 * text itself never reaches an engine.
 */
const time = z.iso.datetime({ offset: true })
const range = z.strictObject({ from: time.optional(), to: time.optional() }).meta({ description: 'Inclusive time range; either end may be open.' })

export const SearchFiltersSchema = z.strictObject({
  queues: z.array(z.string().min(1)).max(100).optional(),
  states: z.array(z.string().min(1)).max(50).optional(),
  stateTypes: z.array(z.enum(stateTypes)).max(7).optional(),
  priorities: z.array(z.number().int().min(1).max(5)).max(5).optional(),
  owners: z.array(z.string().min(1)).max(100).optional(),
  responsibles: z.array(z.string().min(1)).max(100).optional(),
  lock: z.enum(['lock', 'unlock']).optional(),
  customers: z.array(z.string().min(1)).max(100).optional(),
  customerIds: z.array(z.string().min(1)).max(100).optional(),
  created: range.optional(),
  changed: range.optional(),
  closed: range.optional(),
  pending: range.optional(),
  /** Exact ticket number, or a prefix ending in "*". */
  number: z.string().regex(/^\d{1,40}\*?$/, 'a ticket number, or its beginning followed by *').optional(),
})
export type SearchFilters = z.infer<typeof SearchFiltersSchema>

export const SearchSortSchema = z.enum(['relevance', 'created', 'changed', 'priority'])

export const SearchRequestSchema = z
  .strictObject({
    /** What the agent typed: words, "phrases", -exclusions, field:value, * wildcards. */
    text: z.string().max(2000).default(''),
    filters: SearchFiltersSchema.default({}),
    sort: SearchSortSchema.default('relevance'),
    order: z.enum(['asc', 'desc']).default('desc'),
    limit: z.number().int().min(1).max(200).default(25),
    cursor: z.string().max(2000).optional(),
  })
  .meta({ id: 'SearchRequest' })
export type SearchRequest = z.infer<typeof SearchRequestSchema>

/** The searchable text fields (field:value in the query text). */
export const textFields = ['title', 'subject', 'body', 'from', 'to', 'cc', 'attachment'] as const
export type TextField = (typeof textFields)[number]

/** One parsed term of the query text. */
export interface SearchTerm {
  /** A text field, or null for all text fields. */
  field: TextField | null
  /** The words of the term (a phrase when several). */
  words: string[]
  /** The last word is a prefix ("print*"). */
  prefix: boolean
  negated: boolean
}
