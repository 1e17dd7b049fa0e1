import type { AgentIdentity } from '../auth/auth-service.ts'
import { readableQueues, rightsOn } from '../auth/permissions.ts'
import { findQueue } from '../platform/config.ts'
import { warnBeforeMinutes } from './escalation.ts'
import { invalidRequest, notFound } from '../platform/errors.ts'
import { stateTypes, type StateType } from '../../schemas/config.ts'
import type { Page, QueueCounts, TicketIndexQuery, TicketListItem } from './ports.ts'
import type { TicketServiceDeps } from './ticket-service.ts'
import { viewableStateTypes } from './ticket-queries.ts'
import { pendingReminderRepeatMs } from './ticket-rules.ts'

/**
 * The OTRS agent views (dashboard lists, "My locked tickets", "My responsibilities", the status
 * view), each an index access pattern of the ticket store limited to the queues the agent may
 * read. The queue restriction is part of the query (a key or a filter expression), never applied
 * after paging, so a page is never short because of tickets the agent cannot see.
 */
export type ViewDeps = Pick<TicketServiceDeps, 'config' | 'tickets' | 'clock'>

export const viewNames = ['new', 'open', 'locked', 'responsible', 'pending-reached', 'escalated', 'escalating-soon', 'status'] as const
export type ViewName = (typeof viewNames)[number]

export const openViewFilters = ['all', 'mine', 'unlocked'] as const
export type OpenViewFilter = (typeof openViewFilters)[number]

export const viewSorts = ['created', 'priority', 'changed', 'title'] as const
export type ViewSort = (typeof viewSorts)[number]

/** In-memory sorts (priority, changed, title) look at no more than this many tickets of a view. */
export const inMemorySortCap = 2000

export interface ViewRequest {
  /** Narrows the view to one queue (404 when unknown or not readable). */
  queue?: string | undefined
  /** Status view only: the state type to list (required there). */
  stateType?: StateType | undefined
  /** Open view only: all open tickets, those locked to me, or the unlocked ones. */
  filter?: OpenViewFilter | undefined
  order: 'asc' | 'desc'
  sort: ViewSort
  limit: number
  cursor?: string | undefined
}

/** Where a view reads from: index partitions plus the filters evaluated inside the query. */
interface ViewPlan {
  queries: TicketIndexQuery[]
  queues?: string[]
  lock?: 'lock' | 'unlock'
  /** Kept after reading, before paging (only for views read whole, see `readWhole`). */
  keep?: (ticket: TicketListItem) => boolean
  /**
   * Read in one go (at most inMemorySortCap tickets) and paged by offset: the due index sorts by
   * due time, not creation, so its partitions cannot be merged page by page in creation order.
   */
  readWhole?: boolean
  /** The instant the view was computed for; pinned in offset cursors so later pages see the same set. */
  until?: string
}

/** The queues a view covers: the one asked for (checked), or every readable queue. */
function scopeQueues(deps: ViewDeps, identity: AgentIdentity, queue: string | undefined, fallback?: string[]): string[] {
  const readable = readableQueues(deps.config, identity.agent)
  if (queue !== undefined) {
    // Unknown and unreadable queues look the same: 404, as for GET /api/tickets?queue=.
    if (!findQueue(deps.config, queue) || !rightsOn(deps.config, identity.agent, queue).has('ro')) throw notFound(`queue ${queue}`)
    return [queue]
  }
  return fallback ? fallback.filter((name) => readable.includes(name)) : readable
}

function planView(deps: ViewDeps, identity: AgentIdentity, view: ViewName, request: ViewRequest, until: string): ViewPlan {
  if (request.stateType !== undefined && view !== 'status') throw invalidRequest('stateType applies to the status view only', 'query.stateType')
  if (request.filter !== undefined && view !== 'open') throw invalidRequest('filter applies to the open view only', 'query.filter')
  const login = identity.login
  switch (view) {
    case 'new': {
      // OTRS "New Tickets": the agent's My Queues when configured, else every readable queue.
      const queues = scopeQueues(deps, identity, request.queue, identity.agent.myQueues)
      return { queries: queues.map((queue) => ({ by: 'queue', queue, stateType: 'new' })) }
    }
    case 'open': {
      const queues = scopeQueues(deps, identity, request.queue)
      const filter = request.filter ?? 'all'
      if (filter === 'mine') return { queries: [{ by: 'owner', login, lock: 'lock', stateType: 'open' }], queues }
      return { queries: queues.map((queue) => ({ by: 'queue', queue, stateType: 'open' })), ...(filter === 'unlocked' ? { lock: 'unlock' as const } : {}) }
    }
    case 'locked':
      // The owner index sorts by lock, state type, then creation: one partition read per state type.
      return { queries: viewableStateTypes.map((stateType) => ({ by: 'owner', login, lock: 'lock', stateType })), queues: scopeQueues(deps, identity, request.queue) }
    case 'responsible':
      return { queries: viewableStateTypes.map((stateType) => ({ by: 'responsible', login, stateType })), queues: scopeQueues(deps, identity, request.queue) }
    case 'pending-reached':
      return {
        // The due index holds the next time the pending job acts: after a reminder that is up to a
        // day ahead, yet the reminder stays reached (OTRS keeps it in "Reminder Tickets").
        queries: [{ by: 'pending-due', until: new Date(Date.parse(until) + pendingReminderRepeatMs).toISOString() }],
        queues: scopeQueues(deps, identity, request.queue),
        // The due index also holds pending auto tickets (closed by the job once due).
        keep: (ticket) => ticket.stateType === 'pending reminder' && ticket.pendingUntil !== null && ticket.pendingUntil <= until,
        readWhole: true,
        until,
      }
    case 'escalated':
      // The escalation index sorts by escalation time (the earliest SLA deadline), not creation: read whole.
      return { queries: [{ by: 'escalation', until }], queues: scopeQueues(deps, identity, request.queue), readWhole: true, until }
    case 'escalating-soon': {
      // Each SLA has its own warning window: read up to the widest, keep each ticket within its SLA's.
      const minute = 60_000
      const widest = Math.max(0, ...deps.config.slas.map((sla) => sla.warnBeforeMinutes))
      return {
        queries: [{ by: 'escalation', after: until, until: new Date(Date.parse(until) + widest * minute).toISOString() }],
        queues: scopeQueues(deps, identity, request.queue),
        keep: ({ escalation }) => !!escalation?.nextDue && Date.parse(escalation.nextDue) <= Date.parse(until) + warnBeforeMinutes(deps.config, escalation.sla) * minute,
        readWhole: true,
        until,
      }
    }
    case 'status': {
      if (request.stateType === undefined) throw invalidRequest('the status view needs a stateType (new, open, pending reminder, pending auto, closed, merged or removed)', 'query.stateType')
      const stateType = request.stateType
      return { queries: scopeQueues(deps, identity, request.queue).map((queue) => ({ by: 'queue', queue, stateType })) }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Offset cursors (in-memory sorts and views read whole). Store cursors are base64url JSON and
// never contain ".", so the prefix tells the two kinds apart.

interface OffsetCursor {
  offset: number
  until?: string
}

const offsetPrefix = 'o.'

function encodeOffsetCursor(cursor: OffsetCursor): string {
  return offsetPrefix + Buffer.from(JSON.stringify(cursor)).toString('base64url')
}

function decodeOffsetCursor(text: string | undefined): OffsetCursor {
  if (text === undefined) return { offset: 0 }
  if (text.startsWith(offsetPrefix)) {
    try {
      const value = JSON.parse(Buffer.from(text.slice(offsetPrefix.length), 'base64url').toString('utf8')) as Partial<OffsetCursor>
      // `until` becomes a date and an index range: a tampered one must be a 400 here, not a RangeError later.
      const until = value.until === undefined || (typeof value.until === 'string' && /^\d{4}-\d{2}-\d{2}T[\d:.]+Z$/.test(value.until) && !Number.isNaN(Date.parse(value.until)))
      if (Number.isSafeInteger(value.offset) && value.offset! >= 0 && until) {
        return { offset: value.offset!, ...(value.until !== undefined ? { until: value.until } : {}) }
      }
    } catch {
      // fall through to the error below
    }
  }
  throw staleCursor()
}

const staleCursor = () => invalidRequest('cursor does not belong to this view and sort; start again without it', 'query.cursor')

const titleCollator = new Intl.Collator('en', { sensitivity: 'base', numeric: true })
const byCreation = (a: TicketListItem, b: TicketListItem) => a.createdAt.localeCompare(b.createdAt) || a.number.localeCompare(b.number)

const sortKeys: Record<Exclude<ViewSort, 'created'>, (a: TicketListItem, b: TicketListItem) => number> = {
  priority: (a, b) => a.priority - b.priority,
  changed: (a, b) => a.changedAt.localeCompare(b.changedAt),
  title: (a, b) => titleCollator.compare(a.title, b.title),
}

/** Orders tickets by the requested sort and direction; ties always oldest first, so pages are stable. */
function sortTickets(tickets: TicketListItem[], sort: ViewSort, order: 'asc' | 'desc'): TicketListItem[] {
  const direction = order === 'asc' ? 1 : -1
  const key = sort === 'created' ? byCreation : sortKeys[sort]
  return [...tickets].sort((a, b) => direction * key(a, b) || byCreation(a, b))
}

/** The view's oldest tickets, at most inMemorySortCap, read through the store's index pages. */
async function readCapped(deps: ViewDeps, plan: ViewPlan): Promise<TicketListItem[]> {
  if (plan.queries.length === 0 || plan.queues?.length === 0) return []
  const page = await deps.tickets.listItemsByIndex(plan.queries, {
    order: 'asc',
    limit: inMemorySortCap,
    ...(plan.queues ? { queues: plan.queues } : {}),
    ...(plan.lock ? { lock: plan.lock } : {}),
  })
  return plan.keep ? page.items.filter(plan.keep) : page.items
}

/** Views whose index is not in creation order (due times): read whole, paged by offset. */
const readWholeViews = new Set<ViewName>(['pending-reached', 'escalated', 'escalating-soon'])

/**
 * One page of a view. sort=created pages natively through the index in creation order (store
 * cursor); the other sorts order the view's oldest 2,000 tickets in memory and page by offset.
 */
export async function listView(deps: ViewDeps, identity: AgentIdentity, view: ViewName, request: ViewRequest): Promise<Page<TicketListItem>> {
  const offsetPaged = request.sort !== 'created' || readWholeViews.has(view)
  const cursor = offsetPaged ? decodeOffsetCursor(request.cursor) : undefined
  if (!offsetPaged && request.cursor?.startsWith(offsetPrefix)) throw staleCursor()
  const until = cursor?.until ?? deps.clock.now().toISOString()
  const plan = planView(deps, identity, view, request, until)

  if (!cursor) {
    if (plan.queries.length === 0 || plan.queues?.length === 0) return { items: [], next: null }
    return deps.tickets.listItemsByIndex(plan.queries, {
      order: request.order,
      limit: request.limit,
      cursor: request.cursor,
      ...(plan.queues ? { queues: plan.queues } : {}),
      ...(plan.lock ? { lock: plan.lock } : {}),
    })
  }
  const sorted = sortTickets(await readCapped(deps, plan), request.sort, request.order)
  const end = cursor.offset + request.limit
  const next = end < sorted.length ? encodeOffsetCursor({ offset: end, ...(plan.until ? { until: plan.until } : {}) }) : null
  return { items: sorted.slice(cursor.offset, end), next }
}

// ---------------------------------------------------------------------------------------------
// Counts

export interface ViewCounts {
  queues: { queue: string; counts: Record<StateType, number> }[]
  mine: { locked: number; responsible: number; pendingReached: number }
}

/** Counts one index partition by paging through it (an agent's own lists are short). */
async function countQuery(deps: ViewDeps, query: TicketIndexQuery, queues: string[]): Promise<number> {
  let count = 0
  let cursor: string | undefined
  do {
    const page = await deps.tickets.listItemsByIndex([query], { order: 'asc', limit: 500, queues, ...(cursor ? { cursor } : {}) })
    count += page.items.length
    cursor = page.next ?? undefined
  } while (cursor)
  return count
}

/**
 * The numbers behind the dashboard: tickets per readable queue and state type (kept by the store
 * without scans) plus the agent's own lists: locked to me, my responsibilities, reminders reached.
 */
export async function viewCounts(deps: ViewDeps, identity: AgentIdentity): Promise<ViewCounts> {
  const queues = readableQueues(deps.config, identity.agent)
  if (queues.length === 0) return { queues: [], mine: { locked: 0, responsible: 0, pendingReached: 0 } }
  const login = identity.login
  const sum = async (queries: TicketIndexQuery[]) => (await Promise.all(queries.map((query) => countQuery(deps, query, queues)))).reduce((a, b) => a + b, 0)
  const [perQueue, locked, responsible, reached] = await Promise.all([
    deps.tickets.countByQueue(queues),
    sum(viewableStateTypes.map((stateType) => ({ by: 'owner', login, lock: 'lock', stateType }))),
    sum(viewableStateTypes.map((stateType) => ({ by: 'responsible', login, stateType }))),
    readCapped(deps, planView(deps, identity, 'pending-reached', { order: 'asc', sort: 'created', limit: 1 }, deps.clock.now().toISOString())),
  ])
  return {
    queues: queues.map((queue) => ({ queue, counts: countsOf(perQueue, queue) })),
    mine: { locked, responsible, pendingReached: reached.length },
  }
}

function countsOf(counts: QueueCounts, queue: string): Record<StateType, number> {
  return Object.fromEntries(stateTypes.map((stateType) => [stateType, counts[queue]?.[stateType] ?? 0])) as Record<StateType, number>
}
