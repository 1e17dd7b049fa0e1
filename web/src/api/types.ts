import type { z } from 'zod'
import type {
  ArticleSchema,
  AttachmentSchema,
  BulkResponseSchema,
  ComposedArticleSchema,
  CreateArticleRequestSchema,
  CreateTicketRequestSchema,
  DraftSchema,
  HistoryEntrySchema,
  LinkSchema,
  NewTicketComposedSchema,
  PatchTicketRequestSchema,
  StoredDraftSchema,
  TicketDetailSchema,
  TicketSummarySchema,
} from '../../../schemas/api.ts'
import type { ViewCountsResponseSchema } from '../../../schemas/api-views.ts'
import type { CompanySchema, CustomerUserSchema, CustomerUserInputSchema, CompanyInputSchema } from '../../../schemas/customers.ts'
import type { LoginLockoutSchema, PasswordPolicySchema, SessionSchema } from '../../../schemas/api-auth.ts'
import type { MeResponseSchema, MetaResponseSchema, PreferencesSchema, UpdatePreferencesRequestSchema } from '../../../schemas/api-me.ts'
import type { SearchFilters, SearchRequest, SearchRequestSchema } from '../../../schemas/search.ts'
import type { StatisticsSchema } from '../../../schemas/statistics.ts'

/** The API's bodies, typed from the same zod schemas the server validates with (type-only imports: nothing of zod ships). */
export type TicketSummary = z.infer<typeof TicketSummarySchema>
export type TicketDetail = z.infer<typeof TicketDetailSchema>
export type Article = z.infer<typeof ArticleSchema>
export type Attachment = z.infer<typeof AttachmentSchema>
export type HistoryEntry = z.infer<typeof HistoryEntrySchema>
export type TicketLink = z.infer<typeof LinkSchema>
export type TicketChanges = z.input<typeof PatchTicketRequestSchema>
export type CreateArticleRequest = z.input<typeof CreateArticleRequestSchema>
export type ArticleType = CreateArticleRequest['type']
export type CreateTicketRequest = z.input<typeof CreateTicketRequestSchema>
export type NewTicketComposed = z.infer<typeof NewTicketComposedSchema>
export type ComposedArticle = z.infer<typeof ComposedArticleSchema>
export type DraftInput = z.input<typeof DraftSchema>
export type StoredDraft = z.infer<typeof StoredDraftSchema>
export type BulkResult = z.infer<typeof BulkResponseSchema>
export type ViewCounts = z.infer<typeof ViewCountsResponseSchema>
export type CustomerUser = z.infer<typeof CustomerUserSchema>
export type Company = z.infer<typeof CompanySchema>
export type CustomerUserInput = z.input<typeof CustomerUserInputSchema>
export type CompanyInput = z.input<typeof CompanyInputSchema>
export type Me = z.infer<typeof MeResponseSchema>
export type Meta = z.infer<typeof MetaResponseSchema>
export type Preferences = z.infer<typeof PreferencesSchema>
export type PreferencesUpdate = z.input<typeof UpdatePreferencesRequestSchema>
export type SessionInfo = z.infer<typeof SessionSchema>
export type LoginLockout = z.infer<typeof LoginLockoutSchema>
export type PasswordPolicy = z.infer<typeof PasswordPolicySchema>
export type { SearchFilters }
export type SearchQuery = Pick<z.input<typeof SearchRequestSchema>, 'text' | 'filters' | 'sort' | 'order'>
export type SearchRequestBody = Partial<SearchRequest>

export type StateType = 'new' | 'open' | 'pending reminder' | 'pending auto' | 'closed' | 'merged' | 'removed'
export const stateTypes: StateType[] = ['new', 'open', 'pending reminder', 'pending auto', 'closed', 'merged', 'removed']

export interface Page<T> {
  items: T[]
  next: string | null
}

/** GET/POST /api/search (lib/api/routes/search.ts). */
export interface SearchHit {
  number: string
  title: string
  queue: string
  state: string
  stateType: string
  priority: number
  owner: string | null
  customer: string | null
  createdAt: string
  changedAt: string
  /** HTML-escaped text with matches in <mark>…</mark>: parsed into text nodes, never inserted as HTML. */
  highlights: string[]
}

export interface SavedSearch {
  id: string
  name: string
  query: { text: string; filters: SearchFilters; sort: 'relevance' | 'created' | 'changed' | 'priority'; order: 'asc' | 'desc' }
  createdAt: string
}

/** GET /api/statistics (issue 7.8). */
export type Statistics = z.infer<typeof StatisticsSchema>
export type DurationFigures = Statistics['firstResponse']

export interface Template {
  name: string
  type: 'answer' | 'forward' | 'note' | 'create'
  queues: string[] | null
}
