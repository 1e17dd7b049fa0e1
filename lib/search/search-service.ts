import type { AgentIdentity } from '../auth/auth-service.ts'
import { readableQueues } from '../auth/permissions.ts'
import type { DocketConfig } from '../platform/config.ts'
import { invalidRequest } from '../platform/errors.ts'
import type { SearchRequest } from '../../schemas/search.ts'
import type { SearchHit, SearchIndex } from './ports.ts'
import { boundSearchTerms } from './query-limits.ts'
import { parseQueryText } from './query-text.ts'

export interface SearchPage {
  items: SearchHit[]
  next: string | null
}

const maxOffset = 10_000

const encodeCursor = (offset: number) => Buffer.from(JSON.stringify({ offset })).toString('base64url')
function decodeCursor(cursor: string | undefined): number {
  if (!cursor) return 0
  try {
    const { offset } = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { offset: unknown }
    if (typeof offset === 'number' && Number.isInteger(offset) && offset >= 0 && offset <= maxOffset) return offset
  } catch {
    // fall through
  }
  throw invalidRequest('cursor is not one this server handed out; start again without it', 'cursor')
}

/**
 * A search as an agent asked it: the typed text parsed into terms and filters, the filters of the
 * form added, and only the queues the agent may read (a filter in the query, so paging never
 * shows what the agent may not see). Its cost is bounded (query-limits.ts): a search asking for more
 * is a 400 naming `textField`, the request field the text came in (`q` of the quick search).
 */
export async function searchTickets(
  deps: { search: SearchIndex; config: DocketConfig },
  identity: AgentIdentity,
  request: SearchRequest,
  textField = 'text',
): Promise<SearchPage> {
  const parsed = parseQueryText(request.text)
  const terms = boundSearchTerms(parsed.terms, textField)
  const readable = readableQueues(deps.config, identity.agent)
  const asked = [...(request.filters.queues ?? []), ...(parsed.filters.queues ?? [])]
  const queues = asked.length > 0 ? readable.filter((queue) => asked.includes(queue)) : readable
  const merge = <T>(a: T[] | undefined, b: T[] | undefined) => (a || b ? [...(a ?? []), ...(b ?? [])] : undefined)
  const filters = {
    ...parsed.filters,
    ...request.filters,
    queues,
    states: merge(request.filters.states, parsed.filters.states),
    owners: merge(request.filters.owners, parsed.filters.owners),
    responsibles: merge(request.filters.responsibles, parsed.filters.responsibles),
    customers: merge(request.filters.customers, parsed.filters.customers),
    customerIds: merge(request.filters.customerIds, parsed.filters.customerIds),
    priorities: merge(request.filters.priorities, parsed.filters.priorities),
    ...(request.filters.number ?? parsed.filters.number ? { number: request.filters.number ?? parsed.filters.number } : {}),
  }
  const offset = decodeCursor(request.cursor)
  const result = await deps.search.search({ terms, filters, sort: request.sort, order: request.order, limit: request.limit, offset })
  const next = result.more && offset + request.limit <= maxOffset ? encodeCursor(offset + request.limit) : null
  return { items: result.hits, next }
}
