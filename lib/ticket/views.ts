import type { AgentIdentity } from '../auth/auth-service.ts'
import { readableQueues, rightsOn } from '../auth/permissions.ts'
import { findQueue } from '../platform/config.ts'
import { warnBeforeMinutes } from './escalation.ts'
import { escalationBucketEnd, type EscalationBucket } from './escalation-view.ts'
import { loadEffectivePreferences } from '../auth/preferences.ts'
import type { AgentStore } from '../auth/ports.ts'
import { invalidRequest, notFound } from '../platform/errors.ts'
import { stateTypes, type StateType } from '../../schemas/config.ts'
import type { Page, QueueCounts, TicketIndexFilter, TicketIndexQuery, TicketListItem } from './ports.ts'
import type { TicketServiceDeps } from './ticket-service.ts'
import { viewableStateTypes } from './ticket-queries.ts'
import { pendingReminderRepeatMs } from './ticket-rules.ts'

/**
 * The OTRS agent views (dashboard lists, "My locked tickets", "My responsibilities", the status
 * view), each an index access pattern of the ticket store limited to the queues the agent may
 * read. The queue restriction is part of the query (a key or a filter expression), never applied
 * after paging, so a page is never short because of tickets the agent cannot see.
 */
export type ViewDeps = Pick<TicketServiceDeps, 'config' | 'tickets' | 'clock'> & { agents: Pick<AgentStore, 'getPreferences'> }

export const viewNames = ['new', 'open', 'locked', 'responsible', 'watched', 'pending-reached', 'escalated', 'escalating-soon', 'escalation', 'status'] as const
export type ViewName = (typeof viewNames)[number]

/**
 * The OTRS dashboard filters of a ticket widget: all, my locked tickets ("mine", also "locked"),
 * the unlocked ones, my watched tickets, my responsibilities, tickets in My Queues.
 */
export const viewFilters = ['all', 'mine', 'locked', 'unlocked', 'watched', 'responsible', 'my-queues'] as const
export type ViewFilter = (typeof viewFilters)[number]
/** Kept for callers of the open view's original filters. */
export const openViewFilters = ['all', 'mine', 'unlocked'] as const
export type OpenViewFilter = (typeof openViewFilters)[number]
/** Views that list tickets of many owners, where the dashboard's filters apply. */
const filterableViews = new Set<ViewName>(['new', 'open', 'pending-reached', 'escalated', 'escalating-soon', 'escalation'])

export const viewSorts = ['created', 'priority', 'changed', 'title', 'escalation'] as const
export type ViewSort = (typeof viewSorts)[number]

/** In-memory sorts (priority, changed, title) look at no more than this many tickets of a view. */
export const inMemorySortCap = 2000

export interface ViewRequest {
  /** Narrows the view to one queue (404 when unknown or not readable). */
  queue?: string | undefined
  /** Status view only: the state type to list; every open one (new, open, pending) when absent. */
  stateType?: StateType | undefined
  /** The dashboard filter (views of many owners only): see viewFilters. */
  filter?: ViewFilter | undefined
  /** Escalation view only: escalated now, or escalating by the end of today, tomorrow or next week (default now). */
  when?: EscalationBucket | undefined
  order: 'asc' | 'desc'
  sort: ViewSort
  limit: number
  cursor?: string | undefined
}

/** Where a view reads from: index partitions plus the filters evaluated inside the query. */
interface ViewPlan {
  queries: TicketIndexQuery[]
  filter: TicketIndexFilter
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
function scopeQueues(deps: ViewDeps, identity: AgentIdentity, queue: string | undefined): string[] {
  const readable = readableQueues(deps.config, identity.agent)
  if (queue !== undefined) {
    // Unknown and unreadable queues look the same: 404, as for GET /api/tickets?queue=.
    if (!findQueue(deps.config, queue) || !rightsOn(deps.config, identity.agent, queue).has('ro')) throw notFound(`queue ${queue}`)
    return [queue]
  }
  return readable
}

/** The agent's My Queues as they chose them (preferences over the config); read only for the my-queues filter. */
async function myQueuesOf(deps: ViewDeps, identity: AgentIdentity): Promise<string[]> {
  return (await loadEffectivePreferences(deps, [identity.agent])).get(identity.login)!.myQueues
}

/** The dashboard filter as conditions inside the query: whose tickets, which lock, which queues. */
async function filterConditions(deps: ViewDeps, identity: AgentIdentity, filter: ViewFilter, queues: string[]): Promise<TicketIndexFilter> {
  const login = identity.login
  switch (filter) {
    case 'all':
      return { queues }
    case 'mine':
    case 'locked':
      return { queues, owner: login, lock: 'lock' }
    case 'unlocked':
      return { queues, lock: 'unlock' }
    case 'watched':
      return { queues, watcher: login }
    case 'responsible':
      return { queues, responsible: login }
    case 'my-queues': {
      const mine = new Set(await myQueuesOf(deps, identity))
      return { queues: queues.filter((queue) => mine.has(queue)) }
    }
  }
}

async function planView(deps: ViewDeps, identity: AgentIdentity, view: ViewName, request: ViewRequest, until: string): Promise<ViewPlan> {
  if (request.stateType !== undefined && view !== 'status') throw invalidRequest('stateType applies to the status view only', 'query.stateType')
  if (request.filter !== undefined && !filterableViews.has(view)) throw invalidRequest(`filter applies to the views ${[...filterableViews].join(', ')}`, 'query.filter')
  if (request.when !== undefined && view !== 'escalation') throw invalidRequest('when applies to the escalation view only', 'query.when')
  const login = identity.login
  const filtered = (queues: string[]) => filterConditions(deps, identity, request.filter ?? 'all', queues)
  switch (view) {
    case 'new': {
      // OTRS "New Tickets": "All" is every readable queue; the my-queues filter narrows to the My Queues
      // the agent chose in the preferences (over the config's), never to the config's alone.
      const queues = scopeQueues(deps, identity, request.queue)
      const filter = await filtered(queues)
      return { queries: (filter.queues ?? []).map((queue) => ({ by: 'queue', queue, stateType: 'new' })), filter }
    }
    case 'open': {
      const queues = scopeQueues(deps, identity, request.queue)
      // My locked tickets: the owner index is the smaller read.
      if (request.filter === 'mine' || request.filter === 'locked') return { queries: [{ by: 'owner', login, lock: 'lock', stateType: 'open' }], filter: { queues } }
      const filter = await filtered(queues)
      return { queries: (filter.queues ?? []).map((queue) => ({ by: 'queue', queue, stateType: 'open' })), filter }
    }
    case 'locked':
      // The owner index sorts by lock, state type, then creation: one partition read per state type.
      return { queries: viewableStateTypes.map((stateType) => ({ by: 'owner', login, lock: 'lock', stateType })), filter: { queues: scopeQueues(deps, identity, request.queue) } }
    case 'responsible':
      return { queries: viewableStateTypes.map((stateType) => ({ by: 'responsible', login, stateType })), filter: { queues: scopeQueues(deps, identity, request.queue) } }
    case 'watched':
      // OTRS's watch view: the watched tickets not closed; a ticket in a queue no longer readable drops out.
      return { queries: viewableStateTypes.map((stateType) => ({ by: 'watcher', login, stateType })), filter: { queues: scopeQueues(deps, identity, request.queue) } }
    case 'pending-reached':
      return {
        // The due index holds the next time the pending job acts: after a reminder that is up to a
        // day ahead, yet the reminder stays reached (OTRS keeps it in "Reminder Tickets").
        queries: [{ by: 'pending-due', until: new Date(Date.parse(until) + pendingReminderRepeatMs).toISOString() }],
        filter: await filtered(scopeQueues(deps, identity, request.queue)),
        // The due index also holds pending auto tickets (closed by the job once due).
        keep: (ticket) => ticket.stateType === 'pending reminder' && ticket.pendingUntil !== null && ticket.pendingUntil <= until,
        readWhole: true,
        until,
      }
    case 'escalated':
      // The escalation index sorts by escalation time (the earliest SLA deadline), not creation: read whole.
      return { queries: [{ by: 'escalation', until }], filter: await filtered(scopeQueues(deps, identity, request.queue)), readWhole: true, until }
    case 'escalation': {
      // AgentTicketEscalationView: escalation time up to the end of the bucket, in the agent's time zone.
      const { timeZone } = (await loadEffectivePreferences(deps, [identity.agent])).get(login)!
      const end = escalationBucketEnd(request.when ?? 'now', new Date(until), timeZone).toISOString()
      return { queries: [{ by: 'escalation', until: end }], filter: await filtered(scopeQueues(deps, identity, request.queue)), readWhole: true, until }
    }
    case 'escalating-soon': {
      // Each SLA has its own warning window: read up to the widest, keep each ticket within its SLA's.
      const minute = 60_000
      const widest = Math.max(0, ...deps.config.slas.map((sla) => sla.warnBeforeMinutes))
      return {
        queries: [{ by: 'escalation', after: until, until: new Date(Date.parse(until) + widest * minute).toISOString() }],
        filter: await filtered(scopeQueues(deps, identity, request.queue)),
        keep: ({ escalation }) => !!escalation?.nextDue && Date.parse(escalation.nextDue) <= Date.parse(until) + warnBeforeMinutes(deps.config, escalation.sla) * minute,
        readWhole: true,
        until,
      }
    }
    case 'status': {
      // OTRS's status view opens on "Open tickets": every state type not closed (new, open, pending).
      const types = request.stateType === undefined ? viewableStateTypes : [request.stateType]
      const queues = scopeQueues(deps, identity, request.queue)
      return { queries: queues.flatMap((queue) => types.map((stateType) => ({ by: 'queue' as const, queue, stateType }))), filter: { queues } }
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
  // OTRS's escalation view order: the earliest escalation time first; tickets without one last.
  escalation: (a, b) => (a.escalation?.nextDue ?? '\uffff').localeCompare(b.escalation?.nextDue ?? '\uffff'),
}

/** Orders tickets by the requested sort and direction; ties always oldest first, so pages are stable. */
function sortTickets(tickets: TicketListItem[], sort: ViewSort, order: 'asc' | 'desc'): TicketListItem[] {
  const direction = order === 'asc' ? 1 : -1
  const key = sort === 'created' ? byCreation : sortKeys[sort]
  return [...tickets].sort((a, b) => direction * key(a, b) || byCreation(a, b))
}

/** The view's oldest tickets, at most inMemorySortCap, read through the store's index pages. */
async function readCapped(deps: ViewDeps, plan: ViewPlan): Promise<TicketListItem[]> {
  if (plan.queries.length === 0 || plan.filter.queues?.length === 0) return []
  const page = await deps.tickets.listItemsByIndex(plan.queries, { order: 'asc', limit: inMemorySortCap, ...plan.filter })
  return plan.keep ? page.items.filter(plan.keep) : page.items
}

/** Views whose index is not in creation order (due times): read whole, paged by offset. */
const readWholeViews = new Set<ViewName>(['pending-reached', 'escalated', 'escalating-soon', 'escalation'])

/**
 * One page of a view. sort=created pages natively through the index in creation order (store
 * cursor); the other sorts order the view's oldest 2,000 tickets in memory and page by offset.
 */
export async function listView(deps: ViewDeps, identity: AgentIdentity, view: ViewName, request: ViewRequest): Promise<Page<TicketListItem>> {
  const offsetPaged = request.sort !== 'created' || readWholeViews.has(view)
  const cursor = offsetPaged ? decodeOffsetCursor(request.cursor) : undefined
  if (!offsetPaged && request.cursor?.startsWith(offsetPrefix)) throw staleCursor()
  const until = cursor?.until ?? deps.clock.now().toISOString()
  const plan = await planView(deps, identity, view, request, until)

  if (!cursor) {
    if (plan.queries.length === 0 || plan.filter.queues?.length === 0) return { items: [], next: null }
    return deps.tickets.listItemsByIndex(plan.queries, { order: request.order, limit: request.limit, cursor: request.cursor, ...plan.filter })
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
  mine: { locked: number; responsible: number; watched: number; pendingReached: number }
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
  if (queues.length === 0) return { queues: [], mine: { locked: 0, responsible: 0, watched: 0, pendingReached: 0 } }
  const login = identity.login
  const sum = async (queries: TicketIndexQuery[]) => (await Promise.all(queries.map((query) => countQuery(deps, query, queues)))).reduce((a, b) => a + b, 0)
  const [perQueue, locked, responsible, watched, reached] = await Promise.all([
    deps.tickets.countByQueue(queues),
    sum(viewableStateTypes.map((stateType) => ({ by: 'owner', login, lock: 'lock', stateType }))),
    sum(viewableStateTypes.map((stateType) => ({ by: 'responsible', login, stateType }))),
    sum(viewableStateTypes.map((stateType) => ({ by: 'watcher', login, stateType }))),
    planView(deps, identity, 'pending-reached', { order: 'asc', sort: 'created', limit: 1 }, deps.clock.now().toISOString()).then((plan) => readCapped(deps, plan)),
  ])
  return {
    queues: queues.map((queue) => ({ queue, counts: countsOf(perQueue, queue) })),
    mine: { locked, responsible, watched, pendingReached: reached.length },
  }
}

function countsOf(counts: QueueCounts, queue: string): Record<StateType, number> {
  return Object.fromEntries(stateTypes.map((stateType) => [stateType, counts[queue]?.[stateType] ?? 0])) as Record<StateType, number>
}
