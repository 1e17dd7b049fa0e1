import { defaultProvider } from '@aws-sdk/credential-provider-node'
import { Client } from '@opensearch-project/opensearch'
// The SDK-v3-only entry of the signer: the generic one also tries to import the v2 SDK, which a bundler cannot resolve.
import { AwsSigv4Signer } from '@opensearch-project/opensearch/aws-v3'
import { textFields, type SearchTerm, type TextField } from '../../../schemas/search.ts'
import { DocketError, invalidRequest, searchTimedOut } from '../../platform/errors.ts'
import { boundSearchTerms } from '../query-limits.ts'
import type { RuntimeSettings } from '../../platform/runtime-settings.ts'
import type { EngineQuery, EngineStatistics, IndexRebuild, IndexWriter, SearchHit, SearchIndex, SearchResult, StatisticsQuery, TicketDocument } from '../ports.ts'

/**
 * The search index in AWS: an OpenSearch domain. Agents reach the live index through an alias
 * (`docket-tickets`); a reindex builds `docket-tickets-<timestamp>` next to it and moves the alias
 * in one `_aliases` call. Every write carries the ticket's version as an external version, so
 * OpenSearch itself refuses a document older than the one it holds, and a deletion leaves a
 * versioned tombstone that an older, late update loses against — the guarantees the SQLite
 * adapter gives locally, given by the engine instead of by our code.
 *
 * The request bodies are built by the pure functions below (exported for the contract tests).
 */

// ---------------------------------------------------------------------------------------------
// Index settings and mapping
// ---------------------------------------------------------------------------------------------

/** Language variants of every text field: a word matches when any analysis of it matches. */
export const languages = ['english', 'german', 'dutch'] as const

/** A word in the title or subject counts more than in the body: the SQLite adapter's bm25 weights. */
export const fieldBoosts: Record<TextField, number> = { title: 8, subject: 5, body: 1, from: 2, to: 1, cc: 1, attachment: 1 }

/**
 * The deepest page: search-service.ts hands out cursors up to offset 10,000, a page holds at
 * most 200 hits (schemas/search.ts), and we ask for one more to know whether more follow.
 */
export const maxResultWindow = 10_000 + 200 + 1

/** The fields a hit shows (the rest of the document is only searched). */
const hitFields = ['number', 'title', 'queue', 'state', 'stateType', 'priority', 'owner', 'customer', 'createdAt', 'changedAt'] as const

const keyword = { type: 'keyword' } as const
const date = { type: 'date' } as const

/** The fields the statistics aggregate. */
export const statisticsProperties = {
  sla: keyword,
  firstResponseAt: date,
  firstResponseMinutes: { type: 'float' },
  solvedAt: date,
  solutionMinutes: { type: 'float' },
  breaches: keyword,
} as const
const textField = {
  type: 'text',
  analyzer: 'docket_folding',
  // Offsets in the postings: highlighting a 1 MB body reads them instead of analysing the text again.
  index_options: 'offsets',
  fields: Object.fromEntries(languages.map((language) => [language, { type: 'text', analyzer: language }])),
}

/** Settings and mappings of a ticket index (the body of index creation, without aliases). */
export function ticketIndexMapping() {
  return {
    settings: {
      index: {
        // Tickets are small and few for a search engine: one shard keeps scores and paging exact.
        number_of_shards: 1,
        // A replica when a second node exists, none on the one-node domain (which would stay yellow).
        auto_expand_replicas: '0-1',
        max_result_window: maxResultWindow,
        // How long a deletion's versioned tombstone is kept (default 60 s). While it exists, an
        // update older than the deletion is refused; after it is gone, such an update would bring
        // the ticket back. One day is the DynamoDB stream's retention: no stream record, however
        // late or retried, can arrive after the tombstone it must lose against has gone, and a
        // reindex (which removes tickets deleted while it ran) finishes well within it.
        gc_deletes: '1d',
        // Text fields are capped at 1,000,000 characters (ticket-document.ts): highlighting the
        // language variants (which have no offsets) may analyse that much.
        highlight: { max_analyzed_offset: 1_000_000 },
      },
      analysis: {
        tokenizer: {
          // Words as the local engine (FTS5 unicode61) cuts them: runs of letters, digits and marks;
          // everything else separates ("bob@billing.example" is bob, billing, example).
          docket_words: { type: 'pattern', pattern: '[^\\p{L}\\p{N}\\p{M}]+' },
        },
        analyzer: {
          // The language-neutral default: lower case, accents folded (no ICU plugin needed).
          docket_folding: { type: 'custom', tokenizer: 'docket_words', filter: ['lowercase', 'asciifolding'] },
        },
      },
    },
    mappings: {
      dynamic: 'strict',
      properties: {
        number: keyword,
        queue: keyword,
        state: keyword,
        stateType: keyword,
        owner: keyword,
        responsible: keyword,
        lock: keyword,
        customer: keyword,
        customerId: keyword,
        priority: { type: 'integer' },
        createdAt: date,
        changedAt: date,
        closedAt: date,
        pendingUntil: date,
        ...statisticsProperties,
        ...Object.fromEntries(textFields.map((field) => [field, textField])),
      },
    },
  }
}

// ---------------------------------------------------------------------------------------------
// Queries
// ---------------------------------------------------------------------------------------------

const boosted = (name: string, field: TextField) => (fieldBoosts[field] === 1 ? name : `${name}^${fieldBoosts[field]}`)
/** Highest number of words a prefix stands for (per segment; OpenSearch's default is 50). */
export const prefixExpansions = 500

/**
 * One term as a clause. Every term is a phrase query — a single word too: a word the analyzer
 * cuts in pieces ("bob@billing.example") must match as the sequence, as FTS5 quotes it locally.
 * Whole words match the folded field and its language variants (so "Rechnungen" finds
 * "Rechnung"); a prefix matches the folded field only, as stemmed prefixes mean nothing.
 */
export function termClause(term: SearchTerm): Record<string, unknown> {
  const fields = term.field ? [term.field] : [...textFields]
  const query = term.words.join(' ')
  if (term.prefix) {
    return { multi_match: { query, type: 'phrase_prefix', fields: fields.map((field) => boosted(field, field)), max_expansions: prefixExpansions } }
  }
  const variants = fields.flatMap((field) => [field, ...languages.map((language) => `${field}.${language}`)].map((name) => boosted(name, field)))
  return { multi_match: { query, type: 'phrase', fields: variants, tie_breaker: 0.3 } }
}

const listFilters = [
  ['queues', 'queue'],
  ['states', 'state'],
  ['stateTypes', 'stateType'],
  ['priorities', 'priority'],
  ['owners', 'owner'],
  ['responsibles', 'responsible'],
  ['customers', 'customer'],
  ['customerIds', 'customerId'],
] as const
const rangeFilters = [
  ['created', 'createdAt'],
  ['changed', 'changedAt'],
  ['closed', 'closedAt'],
  ['pending', 'pendingUntil'],
] as const

/** The filters as `filter` clauses: exact values, no scoring. A given but empty list matches nothing (no readable queue: no hits). */
export function filterClauses(filters: EngineQuery['filters']): Record<string, unknown>[] {
  const clauses: Record<string, unknown>[] = []
  for (const [key, field] of listFilters) {
    const values = filters[key] as (string | number)[] | undefined
    if (!values) continue
    clauses.push(values.length === 0 ? { match_none: {} } : { terms: { [field]: values } })
  }
  if (filters.lock) clauses.push({ term: { lock: filters.lock } })
  for (const [key, field] of rangeFilters) {
    const range = filters[key]
    if (!range?.from && !range?.to) continue
    clauses.push({ range: { [field]: { ...(range.from ? { gte: new Date(range.from).toISOString() } : {}), ...(range.to ? { lte: new Date(range.to).toISOString() } : {}) } } })
  }
  if (filters.number) {
    clauses.push(filters.number.endsWith('*') ? { prefix: { number: filters.number.slice(0, -1) } } : { term: { number: filters.number } })
  }
  return clauses
}

/** Sort orders as the SQLite adapter's; the ticket number breaks ties, so pages never overlap. */
export function sortClauses(query: Pick<EngineQuery, 'sort' | 'order'>, hasTerms: boolean): Record<string, { order: 'asc' | 'desc' }>[] {
  const order = query.order
  const byNumber = { number: { order } }
  if (query.sort === 'relevance' && hasTerms) return [{ _score: { order } }, { changedAt: { order: 'desc' } }, byNumber]
  if (query.sort === 'priority') return [{ priority: { order } }, { createdAt: { order } }, byNumber]
  if (query.sort === 'created') return [{ createdAt: { order } }, byNumber]
  // "changed", and relevance without words to rank by.
  return [{ changedAt: { order } }, byNumber]
}

/** Every text field and its language variants: a match in a variant is shown in the field's text. */
const highlightedFields = textFields.flatMap((field) => [field, ...languages.map((language) => `${field}.${language}`)])

/** A search's time limit on the domain, as on the SQLite engine (DOCKET_SEARCH_TIMEOUT_MS). */
export const defaultSearchTimeoutMs = 5_000

/**
 * The `_search` body of an engine query: `size` is one more than asked, to tell whether more follow.
 * Its cost is bounded as the SQLite engine's (issue 13.1): the terms pass query-limits.ts again (so
 * no caller gets past them), prefixes are phrase_prefix with `max_expansions` (never `wildcard`,
 * `regexp` or `query_string`, so no leading wildcard or regex reaches the domain), paging stops at
 * `maxResultWindow`, and `timeout` makes each shard stop collecting at the time limit (the adapter
 * answers `timed_out` as our timeout error). No `terminate_after`: it cuts collection after N
 * documents in index order, so relevance and date sorts would silently rank a partial set.
 */
export function searchRequestBody(query: EngineQuery, timeoutMs = defaultSearchTimeoutMs): Record<string, unknown> {
  if (query.offset + query.limit + 1 > maxResultWindow) {
    throw invalidRequest(`a search pages at most ${maxResultWindow - 1} hits deep; narrow the search instead of paging further`, 'cursor')
  }
  const terms = boundSearchTerms(
    query.terms.filter((term) => term.words.length > 0),
    'text',
  )
  const must = terms.filter((term) => !term.negated).map(termClause)
  const mustNot = terms.filter((term) => term.negated).map(termClause)
  return {
    from: query.offset,
    size: query.limit + 1,
    timeout: `${timeoutMs}ms`,
    track_total_hits: false,
    _source: [...hitFields],
    query: { bool: { ...(must.length > 0 ? { must } : {}), filter: filterClauses(query.filters), ...(mustNot.length > 0 ? { must_not: mustNot } : {}) } },
    sort: sortClauses(query, must.length > 0),
    ...(must.length > 0
      ? {
          highlight: {
            type: 'unified',
            // The text is HTML-escaped by OpenSearch; only our tags are markup.
            encoder: 'html',
            pre_tags: ['<mark>'],
            post_tags: ['</mark>'],
            fragment_size: 150,
            number_of_fragments: 1,
            fields: Object.fromEntries(highlightedFields.map((name) => [name, {}])),
          },
        }
      : {}),
  }
}

interface SearchResponseBody {
  /** A shard stopped collecting at `timeout`: the hits are partial. */
  timed_out?: boolean
  hits: { hits: { _id: string; _source: Record<string, unknown>; highlight?: Record<string, string[]> }[] }
}

/** Anything but our own tags escaped once more: a fragment is shown as HTML. */
const safeFragment = (fragment: string) => fragment.replace(/<(?!\/?mark>)/g, '&lt;')

/** Hits of a `_search` response: at most `limit`, one highlight per text field that matched (in field order). */
export function searchResultFrom(body: SearchResponseBody, limit: number): SearchResult {
  const hits = body.hits.hits
  return {
    hits: hits.slice(0, limit).map((hit): SearchHit => {
      const source = hit._source
      const highlights = textFields.flatMap((field) => {
        const fragment = [field, ...languages.map((language) => `${field}.${language}`)].map((name) => hit.highlight?.[name]?.[0]).find((text) => text !== undefined)
        return fragment === undefined ? [] : [safeFragment(fragment)]
      })
      return {
        number: String(source.number ?? hit._id),
        title: String(source.title ?? ''),
        queue: String(source.queue ?? ''),
        state: String(source.state ?? ''),
        stateType: String(source.stateType ?? 'new') as SearchHit['stateType'],
        priority: Number(source.priority ?? 3),
        owner: (source.owner as string | null | undefined) ?? null,
        customer: (source.customer as string | null | undefined) ?? null,
        createdAt: String(source.createdAt ?? ''),
        changedAt: String(source.changedAt ?? ''),
        highlights,
      }
    }),
    more: hits.length > limit,
  }
}

// ---------------------------------------------------------------------------------------------
// Statistics
// ---------------------------------------------------------------------------------------------

const notCounting = ['closed', 'merged', 'removed']
const within = (field: string, query: StatisticsQuery) => ({ range: { [field]: { gte: query.days[0]!.from, lt: query.days.at(-1)!.to } } })
const perDayAggregation = (field: string, query: StatisticsQuery) => ({
  filter: within(field, query),
  aggs: {
    days: {
      date_range: { field, keyed: false, ranges: query.days.map((day) => ({ key: day.day, from: day.from, to: day.to })) },
      aggs: { queues: { terms: { field: 'queue', size: query.queues.length } } },
    },
  },
})
const durationAggregation = (at: string, minutes: string, query: StatisticsQuery) => ({
  filter: within(at, query),
  aggs: { tickets: { value_count: { field: minutes } }, average: { avg: { field: minutes } }, percentiles: { percentiles: { field: minutes, percents: [50, 90] } } },
})

/** The `_search` body of the statistics: only aggregations, over the queues asked for. */
export function statisticsRequestBody(query: StatisticsQuery): Record<string, unknown> {
  const queues = query.queues.length
  return {
    size: 0,
    track_total_hits: false,
    query: { bool: { filter: [{ terms: { queue: query.queues } }] } },
    aggs: {
      created: perDayAggregation('createdAt', query),
      closed: perDayAggregation('closedAt', query),
      open: {
        filter: { bool: { must_not: [{ terms: { stateType: notCounting } }] } },
        aggs: { queues: { terms: { field: 'queue', size: queues }, aggs: { states: { terms: { field: 'state', size: 200 } } } } },
      },
      firstResponse: durationAggregation('firstResponseAt', 'firstResponseMinutes', query),
      solution: durationAggregation('solvedAt', 'solutionMinutes', query),
      slaBreaches: {
        filter: { bool: { filter: [{ exists: { field: 'sla' } }, within('createdAt', query)] } },
        aggs: {
          queues: {
            terms: { field: 'queue', size: queues },
            aggs: Object.fromEntries(['firstResponse', 'update', 'solution'].map((kind) => [kind, { filter: { term: { breaches: kind } } }])),
          },
        },
      },
    },
  }
}

interface Bucket {
  key: string
  doc_count: number
}
interface DurationAggregation {
  tickets: { value: number }
  average: { value: number | null }
  percentiles: { values: Record<string, number | null> }
}
interface StatisticsResponseBody {
  aggregations: {
    created: { days: { buckets: (Bucket & { queues: { buckets: Bucket[] } })[] } }
    closed: { days: { buckets: (Bucket & { queues: { buckets: Bucket[] } })[] } }
    open: { queues: { buckets: (Bucket & { states: { buckets: Bucket[] } })[] } }
    firstResponse: DurationAggregation
    solution: DurationAggregation
    slaBreaches: { queues: { buckets: (Bucket & Record<'firstResponse' | 'update' | 'solution', { doc_count: number }>)[] } }
  }
}

const tenth = (value: number | null | undefined) => (value === null || value === undefined || Number.isNaN(value) ? null : Math.round(value * 10) / 10)
const durationsFrom = (aggregation: DurationAggregation) => {
  const tickets = aggregation.tickets.value
  const percentile = (p: number) => (tickets === 0 ? null : tenth(aggregation.percentiles.values[p.toFixed(1)]))
  return { tickets, averageMinutes: tickets === 0 ? null : tenth(aggregation.average.value), medianMinutes: percentile(50), p90Minutes: percentile(90) }
}

/** The statistics of a response to statisticsRequestBody (percentiles are OpenSearch's estimates, exact for small counts). */
export function statisticsFrom(body: StatisticsResponseBody): EngineStatistics {
  const { aggregations } = body
  const perDay = new Map<string, { day: string; queue: string; created: number; closed: number }>()
  const count = (kind: 'created' | 'closed') => {
    for (const day of aggregations[kind].days.buckets) {
      for (const queue of day.queues.buckets) {
        const key = `${day.key}\n${queue.key}`
        const row = perDay.get(key) ?? { day: day.key, queue: queue.key, created: 0, closed: 0 }
        row[kind] = queue.doc_count
        perDay.set(key, row)
      }
    }
  }
  count('created')
  count('closed')
  return {
    perDay: [...perDay.values()],
    openByState: aggregations.open.queues.buckets.flatMap((queue) => queue.states.buckets.map((state) => ({ queue: queue.key, state: state.key, count: state.doc_count }))),
    firstResponse: durationsFrom(aggregations.firstResponse),
    solution: durationsFrom(aggregations.solution),
    slaBreaches: aggregations.slaBreaches.queues.buckets.map((queue) => ({
      queue: queue.key,
      tickets: queue.doc_count,
      firstResponse: queue.firstResponse.doc_count,
      update: queue.update.doc_count,
      solution: queue.solution.doc_count,
    })),
  }
}

// ---------------------------------------------------------------------------------------------
// The drift check's listing
// ---------------------------------------------------------------------------------------------

/** Documents per page of the version listing (within the default max_result_window; `from` stays 0). */
export const versionsPageSize = 5_000

/**
 * The `_search` body of one page of the version listing: no source, each hit's `_version` (the
 * ticket version we wrote as external version), ordered by number and paged with `search_after`
 * on it (never `from`, so the listing is not bounded by the result window).
 */
export function versionsRequestBody(after: string | undefined, size = versionsPageSize): Record<string, unknown> {
  return { size, _source: false, version: true, track_total_hits: false, query: { match_all: {} }, sort: [{ number: { order: 'asc' } }], ...(after !== undefined ? { search_after: [after] } : {}) }
}

// ---------------------------------------------------------------------------------------------
// Writes
// ---------------------------------------------------------------------------------------------

/**
 * Bulk actions of an upsert: index with the ticket's version as an external version. OpenSearch
 * writes it only when the version is higher than the one it holds (or the tombstone of a
 * deletion); otherwise it answers 409, which for us means "a newer state is already there".
 */
export function bulkUpsertActions(documents: TicketDocument[]): object[][] {
  return documents.map(({ version, ...source }) => [{ index: { _id: source.number, version, version_type: 'external' } }, source])
}

/**
 * Bulk actions of a removal. `external_gte`, not `external`: the indexer deletes a ticket with
 * the version of its last state, the very version the live document has, and `external` would
 * refuse that as a conflict. The tombstone keeps the version, so the last state arriving late
 * (same version) or any older one is refused afterwards.
 */
export function bulkRemoveActions(tickets: { number: string; version: number }[]): object[][] {
  return tickets.map((ticket) => [{ delete: { _id: ticket.number, version: ticket.version, version_type: 'external_gte' } }])
}

const noDurations: DurationAggregation = { tickets: { value: 0 }, average: { value: null }, percentiles: { values: {} } }
const emptyStatisticsResponse: StatisticsResponseBody = {
  aggregations: {
    created: { days: { buckets: [] } },
    closed: { days: { buckets: [] } },
    open: { queues: { buckets: [] } },
    firstResponse: noDurations,
    solution: noDurations,
    slaBreaches: { queues: { buckets: [] } },
  },
}

interface BulkItemResult {
  _id?: string
  status: number
  error?: { type?: string; reason?: string }
}

type ItemOutcome = 'done' | 'retry' | 'failed'

/** 409: an equal or newer version is there already (what versioning is for). 404 on a delete: nothing to delete, the tombstone is written anyway. */
export function bulkItemOutcome(action: 'index' | 'delete', item: BulkItemResult): ItemOutcome {
  if (item.status < 300 || item.status === 409 || (action === 'delete' && item.status === 404)) return 'done'
  if (item.status === 429 || item.status >= 500) return 'retry'
  return 'failed'
}

// ---------------------------------------------------------------------------------------------
// The adapter
// ---------------------------------------------------------------------------------------------

export interface OpenSearchSearchIndexOptions {
  client: Client
  /** The alias agents search through. @default 'docket-tickets' */
  alias?: string
  /**
   * IAM roles that may search (the API's), mapped to a read-only OpenSearch role by the first
   * write of this process. Only the domain's master user (the indexer) can do that; empty for
   * everyone else. @default []
   */
  readerRoleArns?: string[]
  /** A search's time limit: `timeout` in each search body; a search that reaches it answers 503 `timeout`. @default 5,000 ms */
  searchTimeoutMs?: number
  /** Make writes visible before they return ('wait_for'): tests only; the indexer never waits. @default false */
  refresh?: 'wait_for' | false
  /** Tries of a request, and of bulk items OpenSearch rejects for load (429, 5xx). @default 5 */
  attempts?: number
  /** Largest bulk request body; OpenSearch Service accepts 10 MiB on small instance types. @default 5 MiB */
  maxBulkBytes?: number
  now?: () => Date
  sleep?: (ms: number) => Promise<void>
}

interface Response<T> {
  statusCode: number | null
  body: T
}

/** An error the OpenSearch client raised for a response, or for no response at all. */
const statusOf = (error: unknown): number | null => (error && typeof error === 'object' && 'statusCode' in error && typeof error.statusCode === 'number' ? error.statusCode : null)
const isTransient = (error: unknown) => {
  const status = statusOf(error)
  const name = error instanceof Error ? error.name : ''
  return status === 429 || (status !== null && status >= 500) || name === 'ConnectionError' || name === 'TimeoutError' || name === 'NoLivingConnectionsError'
}
/**
 * A search is tried again only when the domain did not run it (throttled, no node, a gateway that
 * never reached it): a search that timed out or failed inside the domain (500, 504) would cost the
 * same again, up to `attempts` times.
 */
const isTransientForSearch = (error: unknown) => {
  const status = statusOf(error)
  const name = error instanceof Error ? error.name : ''
  return status === 429 || status === 502 || status === 503 || name === 'ConnectionError' || name === 'NoLivingConnectionsError'
}
const errorType = (error: unknown): string | undefined => {
  const body = (error as { meta?: { body?: { error?: { type?: string } } } }).meta?.body
  return body?.error?.type
}

export class OpenSearchSearchIndex implements SearchIndex {
  private readonly client: Client
  readonly alias: string
  private readonly readerRoleArns: string[]
  private readonly refresh: 'wait_for' | false
  private readonly searchTimeoutMs: number
  private readonly attempts: number
  private readonly maxBulkBytes: number
  private readonly now: () => Date
  private readonly sleep: (ms: number) => Promise<void>
  private ready: Promise<void> | undefined

  constructor(options: OpenSearchSearchIndexOptions) {
    this.client = options.client
    this.alias = options.alias ?? 'docket-tickets'
    this.readerRoleArns = options.readerRoleArns ?? []
    this.refresh = options.refresh ?? false
    this.searchTimeoutMs = options.searchTimeoutMs ?? defaultSearchTimeoutMs
    this.attempts = options.attempts ?? 5
    this.maxBulkBytes = options.maxBulkBytes ?? 5 * 1024 * 1024
    this.now = options.now ?? (() => new Date())
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)))
  }

  async search(query: EngineQuery): Promise<SearchResult> {
    const body = searchRequestBody(query, this.searchTimeoutMs)
    let response: Response<SearchResponseBody>
    try {
      response = await this.request<SearchResponseBody>('POST', `/${this.alias}/_search`, body, undefined, isTransientForSearch)
    } catch (error) {
      if (statusOf(error) === 404) return { hits: [], more: false } // nothing indexed yet
      if (error instanceof Error && error.name === 'TimeoutError') throw searchTimedOut(this.searchTimeoutMs)
      throw this.explain(error)
    }
    // Partial hits would look like all there is: say the search was stopped, as the SQLite engine does.
    if (response.body.timed_out) throw searchTimedOut(this.searchTimeoutMs)
    return searchResultFrom(response.body, query.limit)
  }

  async statistics(query: StatisticsQuery): Promise<EngineStatistics> {
    if (query.queues.length === 0 || query.days.length === 0) {
      const none = { tickets: 0, averageMinutes: null, medianMinutes: null, p90Minutes: null }
      return { perDay: [], openByState: [], firstResponse: none, solution: none, slaBreaches: [] }
    }
    try {
      return statisticsFrom((await this.request<StatisticsResponseBody>('POST', `/${this.alias}/_search`, statisticsRequestBody(query))).body)
    } catch (error) {
      if (statusOf(error) === 404) return statisticsFrom(emptyStatisticsResponse)
      throw this.explain(error)
    }
  }

  async count(): Promise<number> {
    try {
      return (await this.request<{ count: number }>('GET', `/${this.alias}/_count`)).body.count
    } catch (error) {
      if (statusOf(error) === 404) return 0
      throw this.explain(error)
    }
  }

  async *versions(): AsyncIterable<{ number: string; version: number }[]> {
    let after: string | undefined
    for (;;) {
      let hits: { _id: string; _version: number }[]
      try {
        hits = (await this.request<{ hits: { hits: { _id: string; _version: number }[] } }>('POST', `/${this.alias}/_search`, versionsRequestBody(after))).body.hits.hits
      } catch (error) {
        if (statusOf(error) === 404) return // nothing indexed yet
        throw this.explain(error)
      }
      if (hits.length > 0) yield hits.map((hit) => ({ number: hit._id, version: hit._version }))
      if (hits.length < versionsPageSize) return
      after = hits.at(-1)!._id
    }
  }

  async upsert(documents: TicketDocument[]): Promise<void> {
    await this.prepare()
    await this.bulk(this.alias, bulkUpsertActions(documents))
  }

  async remove(tickets: { number: string; version: number }[]): Promise<void> {
    await this.prepare()
    await this.bulk(this.alias, bulkRemoveActions(tickets))
  }

  async beginRebuild(): Promise<IndexRebuild> {
    await this.prepare({ live: false })
    const next = `${this.alias}-${this.now().toISOString().replace(/\D/g, '')}`
    const mapping = ticketIndexMapping()
    // No refreshes while the copy runs (faster bulk loading); the swap turns them back on.
    await this.request('PUT', `/${next}`, { ...mapping, settings: { ...mapping.settings, index: { ...mapping.settings.index, refresh_interval: '-1' } } })
    const writer: IndexWriter = {
      upsert: (documents) => this.bulk(next, bulkUpsertActions(documents)),
      remove: (tickets) => this.bulk(next, bulkRemoveActions(tickets)),
    }
    return {
      ...writer,
      swap: async () => {
        await this.request('PUT', `/${next}/_settings`, { index: { refresh_interval: null } })
        await this.request('POST', `/${next}/_refresh`)
        const previous = (await this.liveIndexes()).filter((index) => index !== next)
        // One call, so every search sees either the old index or the new one.
        await this.request('POST', '/_aliases', { actions: [...previous.map((index) => ({ remove: { index, alias: this.alias } })), { add: { index: next, alias: this.alias } }] })
        for (const index of previous) await this.deleteIndex(index)
      },
      abandon: () => this.deleteIndex(next),
    }
  }

  /**
   * Before the first write of this process: the live index exists behind its alias, and the
   * readers may read it. Repeated (idempotently) by every new process; a failure is retried by
   * the next write.
   */
  private prepare(options: { live: boolean } = { live: true }): Promise<void> {
    const work = async () => {
      if (options.live) await this.ensureLiveIndex()
      if (this.readerRoleArns.length > 0) await this.mapReaders()
    }
    if (!options.live) return work()
    return (this.ready ??= work().catch((error: unknown) => {
      this.ready = undefined
      throw this.explain(error)
    }))
  }

  /**
   * The first index gets a fixed name, not a timestamp: indexers starting side by side on a new
   * domain (one per stream shard) all create the same index, and all but one are told it exists.
   */
  private async ensureLiveIndex(): Promise<void> {
    if ((await this.liveIndexes()).length > 0) return
    try {
      await this.request('PUT', `/${this.alias}-initial`, { ...ticketIndexMapping(), aliases: { [this.alias]: {} } })
    } catch (error) {
      if (errorType(error) !== 'resource_already_exists_exception') throw error
    }
  }

  /**
   * Fine-grained access control maps IAM roles to OpenSearch roles inside the domain (its
   * security index), not in CloudFormation, and only the master user may change the mapping:
   * the indexer, which is the master, gives the readers a role that can only read our indexes.
   */
  private async mapReaders(): Promise<void> {
    const role = `${this.alias}-reader`
    await this.request('PUT', `/_plugins/_security/api/roles/${role}`, { cluster_permissions: [], index_permissions: [{ index_patterns: [`${this.alias}*`], allowed_actions: ['read'] }] })
    await this.request('PUT', `/_plugins/_security/api/rolesmapping/${role}`, { backend_roles: this.readerRoleArns })
  }

  /** Indexes the alias points at; none when it does not exist. */
  private async liveIndexes(): Promise<string[]> {
    try {
      return Object.keys((await this.request<Record<string, unknown>>('GET', `/_alias/${this.alias}`)).body)
    } catch (error) {
      if (statusOf(error) === 404) return []
      throw error
    }
  }

  private async deleteIndex(index: string): Promise<void> {
    try {
      await this.request('DELETE', `/${index}`)
    } catch (error) {
      if (statusOf(error) !== 404) throw error
    }
  }

  /** Sends bulk actions in requests of at most maxBulkBytes; items rejected for load are sent again, with backoff. */
  private async bulk(target: string, actions: object[][]): Promise<void> {
    const lines = actions.map((action) => `${action.map((line) => JSON.stringify(line)).join('\n')}\n`)
    let chunk: string[] = []
    let bytes = 0
    for (const line of lines) {
      const size = Buffer.byteLength(line)
      if (chunk.length > 0 && bytes + size > this.maxBulkBytes) {
        await this.bulkChunk(target, chunk)
        chunk = []
        bytes = 0
      }
      chunk.push(line)
      bytes += size
    }
    if (chunk.length > 0) await this.bulkChunk(target, chunk)
  }

  private async bulkChunk(target: string, lines: string[]): Promise<void> {
    let pending = lines
    for (let attempt = 1; ; attempt++) {
      const response = await this.request<{ errors: boolean; items: Record<'index' | 'delete', BulkItemResult>[] }>('POST', `/${target}/_bulk`, undefined, pending.join(''))
      const retry: string[] = []
      const failed: string[] = []
      response.body.items.forEach((entry, position) => {
        const action = 'delete' in entry ? 'delete' : 'index'
        const item = entry[action]
        const outcome = bulkItemOutcome(action, item)
        if (outcome === 'retry') retry.push(pending[position]!)
        if (outcome === 'failed') failed.push(`${item._id ?? '?'}: ${item.status} ${item.error?.type ?? ''} ${item.error?.reason ?? ''}`.trim())
      })
      if (failed.length > 0) throw new Error(`OpenSearch refused ${failed.length} of ${pending.length} writes to ${target}: ${failed.slice(0, 5).join('; ')}`)
      if (retry.length === 0) return
      if (attempt >= this.attempts) throw new Error(`OpenSearch still rejects ${retry.length} writes to ${target} after ${attempt} tries (overloaded: 429/5xx)`)
      pending = retry
      await this.sleep(this.backoff(attempt))
    }
  }

  /** One request, tried again with backoff when OpenSearch is overloaded or unreachable. */
  private async request<T = unknown>(method: string, path: string, body?: unknown, bulkBody?: string, transient = isTransient): Promise<Response<T>> {
    const refresh = this.refresh && bulkBody !== undefined ? { refresh: this.refresh } : undefined
    for (let attempt = 1; ; attempt++) {
      try {
        const response = await this.client.transport.request({ method, path, ...(body !== undefined ? { body: body as Record<string, unknown> } : {}), ...(bulkBody !== undefined ? { bulkBody } : {}), ...(refresh ? { querystring: refresh } : {}) })
        return { statusCode: response.statusCode, body: response.body as T }
      } catch (error) {
        if (!transient(error) || attempt >= this.attempts) throw error
        await this.sleep(this.backoff(attempt))
      }
    }
  }

  /** Exponential backoff with full jitter: up to 100 ms, 200 ms, 400 ms … capped at 5 s. */
  private backoff(attempt: number): number {
    return Math.random() * Math.min(5_000, 100 * 2 ** (attempt - 1))
  }

  /** A 403 means this role is not (yet) mapped in the domain: say what to do. */
  private explain(error: unknown): unknown {
    if (statusOf(error) === 403) {
      return new DocketError('unavailable', "search is not available: OpenSearch refused this role (403). The search indexer maps the API's role to read access on its first write; if it has run, check its logs and its DOCKET_OPENSEARCH_READER_ROLE_ARNS")
    }
    return error
  }
}

export interface OpenSearchClientOptions {
  /** https://… of the domain (DOCKET_OPENSEARCH_ENDPOINT). */
  endpoint: string
  /** Sign requests with SigV4 for this region (service `es`); null for an unsigned cluster (tests). */
  region: string | null
  /** @default the Lambda role's credentials (the SDK's default provider chain, cached until they expire) */
  credentials?: () => Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken?: string; expiration?: Date }>
  /** @default 10 s */
  requestTimeoutMs?: number
}

/** A client for the domain; the adapter retries (with backoff), so the client does not. */
export function createOpenSearchClient(options: OpenSearchClientOptions): Client {
  const signer = options.region ? AwsSigv4Signer({ region: options.region, service: 'es', getCredentials: options.credentials ?? defaultProvider() }) : {}
  return new Client({ node: options.endpoint, ...signer, maxRetries: 0, requestTimeout: options.requestTimeoutMs ?? 10_000 })
}

/** The index of a Lambda function given the domain (DOCKET_OPENSEARCH_ENDPOINT): SigV4 with the function's role. */
export function openSearchIndexFor(settings: RuntimeSettings): OpenSearchSearchIndex {
  if (!settings.opensearchEndpoint) throw new Error('DOCKET_OPENSEARCH_ENDPOINT is not set')
  return new OpenSearchSearchIndex({
    client: createOpenSearchClient({ endpoint: settings.opensearchEndpoint, region: settings.region }),
    alias: settings.opensearchAlias,
    readerRoleArns: settings.opensearchReaderRoleArns,
    searchTimeoutMs: settings.searchTimeoutMs,
  })
}
