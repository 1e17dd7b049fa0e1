import { beforeAll, describe, expect, it } from 'vitest'
import { createApiApp } from '../../lib/api/app.ts'
import { provisionAgentPasswords } from '../../lib/auth/auth-service.ts'
import type { Clock } from '../../lib/platform/clock.ts'
import type { Dependencies } from '../../lib/runtime/dependencies.ts'
import type { Ticket } from '../../lib/ticket/model.ts'
import { pendingReminderRepeatMs } from '../../lib/ticket/ticket-rules.ts'
import { demoPassword, ingestRaw, mail, testDependencies } from '../support/local-stack.ts'
import { patchTicket } from '../support/tickets.ts'

interface Summary {
  number: string
  title: string
  queue: string
  stateType: string
  priority: number
  lock: string
  owner: string | null
}
interface ListBody {
  items: Summary[]
  next: string | null
}
interface ErrorBody {
  error: { code: string; message: string; field?: string }
}

/** The agent views and the customer information center, through the API app against the real local store. */
describe('agent views and customers', () => {
  let deps: Dependencies
  let app: ReturnType<typeof createApiApp>
  let admin: string
  let sales: string
  // A clock the test moves: every ticket gets its own creation time, and "now" decides what is due.
  let current = Date.parse('2026-11-23T09:00:00Z')
  const clock: Clock = { now: () => new Date(current) }
  const t: Record<string, string> = {}

  const request = (path: string, token = admin) => app.request(path, { headers: { authorization: `Bearer ${token}` } })
  const get = async <T = ListBody>(path: string, token = admin): Promise<T> => {
    const response = await request(path, token)
    expect(response.status, `${path}: ${response.status}`).toBe(200)
    return (await response.json()) as T
  }
  const numbers = async (path: string, token = admin) => (await get(path, token)).items.map((ticket) => ticket.number)
  const login = async (name: string) =>
    ((await (await app.request('/api/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: name, password: demoPassword }) })).json()) as { token: string }).token

  const ingest = async (subject: string, fields: { to?: string; from?: string; headers?: Record<string, string> } = {}) => {
    current += 60_000
    const result = await ingestRaw(deps, mail({ subject, ...fields }))
    expect(result.action).toBe('created')
    return result.ticketNumber!
  }
  /** Changes a ticket as an agent action would (owner, lock, state, responsible, pending time, priority). */
  const update = (number: string, patch: Partial<Ticket>) => patchTicket(deps.tickets, number, patch)
  /** Walks a view page by page; returns every ticket number in order. */
  const walk = async (path: string, token = admin, size = 1) => {
    const seen: string[] = []
    let cursor: string | null = null
    let pages = 0
    do {
      const page: ListBody = await get(`${path}${path.includes('?') ? '&' : '?'}limit=${size}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, token)
      expect(page.items.length).toBeLessThanOrEqual(size)
      seen.push(...page.items.map((ticket) => ticket.number))
      cursor = page.next
      if (++pages > 100) throw new Error('paging does not end')
    } while (cursor)
    return seen
  }

  beforeAll(async () => {
    deps = await testDependencies({}, { clock })
    await provisionAgentPasswords(deps, demoPassword)
    app = createApiApp(deps)
    const ann = 'Ann Customer <ann@customer.example>'
    const bob = 'Bob Customer <bob@customer.example>'
    t.supportNew = await ingest('printer broken', { from: ann })
    t.supportOpenMine = await ingest('VPN drops', { from: bob })
    t.supportOpenUnlocked = await ingest('Invoice wrong', { from: ann })
    t.salesNew = await ingest('quote please', { from: ann, to: 'sales@example.com' })
    t.reminderDue = await ingest('call back on Monday', { from: bob })
    t.reminderLater = await ingest('check again next month', { from: bob })
    t.autoDue = await ingest('waiting for confirmation', { from: bob })
    t.closedMine = await ingest('thanks, solved', { from: bob })
    t.responsibleOpen = await ingest('Access request', { from: 'Cleo <cleo@other.example>' })
    t.salesOpenMine = await ingest('contract renewal', { from: 'Dan <dan@bigco.example>', to: 'sales@example.com' })
    t.salesOpenSales = await ingest('discount', { from: ann, to: 'sales@example.com' })
    t.junk = await ingest('cheap pills', { from: 'spam@spam.example', headers: { 'X-Spam-Score': '9.5' } })
    t.raw = await ingest('to nobody', { to: 'office@example.com' })
    t.merged = await ingest('duplicate of VPN drops', { from: bob })

    const at = (minutes: number) => new Date(current + minutes * 60_000).toISOString()
    await update(t.supportOpenMine!, { state: 'open', stateType: 'open', owner: 'admin', lock: 'lock', priority: 5 })
    await update(t.supportOpenUnlocked!, { state: 'open', stateType: 'open', priority: 1 })
    await update(t.reminderDue!, { state: 'pending reminder', stateType: 'pending reminder', owner: 'admin', lock: 'lock', pendingUntil: at(-30) })
    await update(t.reminderLater!, { state: 'pending reminder', stateType: 'pending reminder', pendingUntil: at(60 * 24 * 30) })
    await update(t.autoDue!, { state: 'pending auto close+', stateType: 'pending auto', pendingUntil: at(-10) })
    await update(t.closedMine!, { state: 'closed successful', stateType: 'closed', owner: 'admin', lock: 'lock', responsible: 'admin' })
    await update(t.responsibleOpen!, { state: 'open', stateType: 'open', responsible: 'admin', priority: 4 })
    await update(t.salesOpenMine!, { state: 'open', stateType: 'open', owner: 'admin', lock: 'lock' })
    await update(t.salesOpenSales!, { state: 'open', stateType: 'open', owner: 'sales', lock: 'lock', responsible: 'sales' })
    await update(t.merged!, { state: 'merged', stateType: 'merged', mergedInto: t.supportOpenMine! })
    current += 60_000
    admin = await login('admin')
    sales = await login('sales')
  })

  it('new: state type new in every readable queue, or in one queue', async () => {
    expect(await numbers('/api/views/new')).toEqual([t.supportNew, t.salesNew, t.junk, t.raw])
    expect(await numbers('/api/views/new?queue=Support')).toEqual([t.supportNew])
    expect(await numbers('/api/views/new?order=desc')).toEqual([t.raw, t.junk, t.salesNew, t.supportNew])
  })

  it('open: all, locked to me, unlocked', async () => {
    expect(await numbers('/api/views/open')).toEqual([t.supportOpenMine, t.supportOpenUnlocked, t.responsibleOpen, t.salesOpenMine, t.salesOpenSales])
    expect(await numbers('/api/views/open?filter=mine')).toEqual([t.supportOpenMine, t.salesOpenMine])
    expect(await numbers('/api/views/open?filter=mine&queue=Sales')).toEqual([t.salesOpenMine])
    expect(await numbers('/api/views/open?filter=unlocked')).toEqual([t.supportOpenUnlocked, t.responsibleOpen])
    expect(await numbers('/api/views/open?filter=mine', sales)).toEqual([t.salesOpenSales])
  })

  it('locked: my locked tickets of every state type that is not closed', async () => {
    expect(await numbers('/api/views/locked')).toEqual([t.supportOpenMine, t.reminderDue, t.salesOpenMine])
    expect(await numbers('/api/views/locked?queue=Sales')).toEqual([t.salesOpenMine])
    expect(await numbers('/api/views/locked', sales)).toEqual([t.salesOpenSales])
  })

  it('responsible: my responsibilities that are not closed', async () => {
    expect(await numbers('/api/views/responsible')).toEqual([t.responsibleOpen])
    expect(await numbers('/api/views/responsible', sales)).toEqual([t.salesOpenSales])
  })

  it('pending-reached: reminders whose time has passed (not pending auto, not later ones), by the injected clock', async () => {
    expect(await numbers('/api/views/pending-reached')).toEqual([t.reminderDue])
    const saved = current
    current += 31 * 24 * 3600_000
    try {
      const later = await login('admin')
      expect(await numbers('/api/views/pending-reached', later)).toEqual([t.reminderDue, t.reminderLater])
      expect(await numbers('/api/views/pending-reached?order=desc', later)).toEqual([t.reminderLater, t.reminderDue])
      expect(await walk('/api/views/pending-reached', later)).toEqual([t.reminderDue, t.reminderLater])
    } finally {
      current = saved
    }
    expect(await numbers('/api/views/pending-reached', sales)).toEqual([])
    // Once the pending job has reminded (the next reminder a day ahead), the reminder is still reached.
    const reminded = (await deps.tickets.get(t.reminderDue!))!
    await update(t.reminderDue!, { reminder: { for: reminded.pendingUntil!, count: 1, nextAt: new Date(current + pendingReminderRepeatMs).toISOString() } })
    expect(await numbers('/api/views/pending-reached')).toEqual([t.reminderDue])
  })

  it('status: one state type, closed, merged and removed included', async () => {
    expect(await numbers('/api/views/status?stateType=closed')).toEqual([t.closedMine])
    expect(await numbers('/api/views/status?stateType=merged')).toEqual([t.merged])
    expect(await numbers('/api/views/status?stateType=pending%20reminder')).toEqual([t.reminderDue, t.reminderLater])
    expect(await numbers('/api/views/status?stateType=new&queue=Junk')).toEqual([t.junk])
    expect(await numbers('/api/views/status?stateType=closed', sales)).toEqual([])
  })

  it('status: opens on every open state type (new, open, pending), as OTRS; paged in creation order (issue 14.4.4)', async () => {
    const open = [t.supportNew, t.supportOpenMine, t.supportOpenUnlocked, t.salesNew, t.reminderDue, t.reminderLater, t.autoDue, t.responsibleOpen, t.salesOpenMine, t.salesOpenSales, t.junk, t.raw]
    expect(await numbers('/api/views/status')).toEqual(open)
    expect(await walk('/api/views/status', admin, 5)).toEqual(open)
    expect(await numbers('/api/views/status?queue=Sales', sales)).toEqual([t.salesNew, t.salesOpenMine, t.salesOpenSales])
  })

  it('bad parameters are 400s naming the field; unknown views too', async () => {
    for (const [path, field] of [
      ['/api/views/open?stateType=closed', 'query.stateType'],
      // The dashboard filters apply to views of many owners, not to one's own lists.
      ['/api/views/locked?filter=watched', 'query.filter'],
      ['/api/views/open?limit=501', 'query.limit'],
      ['/api/views/open?sort=size', 'query.sort'],
      ['/api/views/open?cursor=nonsense', 'query.cursor'],
      ['/api/views/open?sort=priority&cursor=nonsense', 'query.cursor'],
      ['/api/views/everything', 'path.view'],
    ] as const) {
      const response = await request(path)
      expect(response.status, path).toBe(400)
      expect(((await response.json()) as ErrorBody).error.field, path).toBe(field)
    }
    // A cursor of one kind of paging is refused by the other.
    const offsetCursor = (await get('/api/views/open?sort=priority&limit=1')).next!
    const indexCursor = (await get('/api/views/open?limit=1')).next!
    expect((await request(`/api/views/open?cursor=${encodeURIComponent(offsetCursor)}`)).status).toBe(400)
    expect((await request(`/api/views/open?sort=title&cursor=${encodeURIComponent(indexCursor)}`)).status).toBe(400)
  })

  it('unknown queues and queues the agent cannot read are 404 on every view', async () => {
    for (const view of ['new', 'open', 'locked', 'responsible', 'pending-reached', 'status?stateType=open']) {
      const separator = view.includes('?') ? '&' : '?'
      expect((await request(`/api/views/${view}${separator}queue=Nowhere`)).status, view).toBe(404)
      expect((await request(`/api/views/${view}${separator}queue=Support`, sales)).status, view).toBe(404)
      expect((await request(`/api/views/${view}${separator}queue=Sales`, sales)).status, view).toBe(200)
    }
    expect(await numbers('/api/views/new', sales)).toEqual([t.salesNew])
    expect(await numbers('/api/views/open', sales)).toEqual([t.salesOpenMine, t.salesOpenSales])
  })

  it('paging walks every view without gaps or repeats, across index partitions, both directions, any page size', async () => {
    for (const path of ['/api/views/new', '/api/views/open', '/api/views/open?filter=unlocked', '/api/views/locked', '/api/views/status?stateType=pending%20reminder']) {
      for (const order of ['asc', 'desc']) {
        const full = await numbers(`${path}${path.includes('?') ? '&' : '?'}order=${order}&limit=500`)
        expect(full.length, path).toBeGreaterThan(0)
        for (const size of [1, 2, 3]) expect(await walk(`${path}${path.includes('?') ? '&' : '?'}order=${order}`, admin, size), `${path} ${order} ${size}`).toEqual(full)
      }
    }
  })

  it('a page merged from partitions of very different sizes is full and in creation order', async () => {
    // 12 more new tickets in Raw, none elsewhere: the new view's Raw partition must fill whole pages.
    const added: string[] = []
    for (let index = 0; index < 12; index++) added.push(await ingest(`bulk ${index}`, { to: 'office@example.com', from: 'Eve <eve@bulk.example>' }))
    const token = await login('admin')
    const expected = [t.supportNew, t.salesNew, t.junk, t.raw, ...added]
    expect(await numbers('/api/views/new?limit=500', token)).toEqual(expected)
    const first = await get('/api/views/new?limit=10', token)
    expect(first.items.map((ticket) => ticket.number)).toEqual(expected.slice(0, 10))
    for (const size of [4, 5, 7]) expect(await walk('/api/views/new', token, size)).toEqual(expected)
    expect(await walk('/api/views/new?order=desc', token, 5)).toEqual([...expected].reverse())
    for (const number of added) await update(number, { state: 'closed successful', stateType: 'closed' })
  })

  it('sort=priority|changed|title sorts in memory and pages by offset', async () => {
    const byPriority = (await get('/api/views/open?sort=priority&order=desc')).items
    expect(byPriority.map((ticket) => ticket.number)).toEqual([t.supportOpenMine, t.responsibleOpen, t.salesOpenMine, t.salesOpenSales, t.supportOpenUnlocked])
    expect(byPriority.map((ticket) => ticket.priority)).toEqual([5, 4, 3, 3, 1])
    // Ties stay oldest first whichever the direction.
    expect(await numbers('/api/views/open?sort=priority&order=asc')).toEqual([t.supportOpenUnlocked, t.salesOpenMine, t.salesOpenSales, t.responsibleOpen, t.supportOpenMine])
    expect(await walk('/api/views/open?sort=priority&order=desc')).toEqual(byPriority.map((ticket) => ticket.number))
    const titles = (await get('/api/views/open?sort=title')).items.map((ticket) => ticket.title)
    expect(titles).toEqual([...titles].sort((a, b) => a.localeCompare(b, 'en', { sensitivity: 'base' })))
    const changed = await numbers('/api/views/open?sort=changed&order=desc')
    expect(changed[0]).toBe(t.salesOpenSales) // the last one updated
    expect(await numbers('/api/views/open?sort=priority&order=desc', sales)).toEqual([t.salesOpenMine, t.salesOpenSales])
  })

  it('list reads fetch only the summary fields, and every one of them: a list item equals the ticket zoom', async () => {
    for (const path of ['/api/views/open?limit=500', '/api/tickets?queue=Support&stateType=open', '/api/customers/bob%40customer.example/tickets']) {
      const item = (await get<{ items: Record<string, unknown>[] }>(path)).items.find((ticket) => ticket.number === t.supportOpenMine)!
      const detail = await get<Record<string, unknown>>(`/api/tickets/${t.supportOpenMine}`)
      expect(Object.keys(item).sort(), path).toEqual(['changedAt', 'createdAt', 'customer', 'customerId', 'escalation', 'lock', 'number', 'owner', 'pendingUntil', 'priority', 'queue', 'responsible', 'state', 'stateType', 'title'])
      expect(item, path).toEqual(Object.fromEntries(Object.keys(item).map((key) => [key, detail[key]])))
    }
  })

  it('counts: per readable queue and state type, plus my own lists', async () => {
    const counts = await get<{ queues: { queue: string; counts: Record<string, number> }[]; mine: Record<string, number> }>('/api/views/counts')
    expect(counts.queues.map((entry) => entry.queue)).toEqual(['Raw', 'Support', 'Sales', 'Junk', 'Bounces'])
    expect(counts.queues.find((entry) => entry.queue === 'Support')!.counts).toEqual({
      new: 1,
      open: 3,
      'pending reminder': 2,
      'pending auto': 1,
      closed: 1,
      merged: 1,
      removed: 0,
    })
    expect(counts.queues.find((entry) => entry.queue === 'Sales')!.counts).toMatchObject({ new: 1, open: 2, closed: 0 })
    expect(counts.mine).toEqual({ locked: 3, responsible: 1, watched: 0, pendingReached: 1 })
    const salesCounts = await get<{ queues: { queue: string }[]; mine: Record<string, number> }>('/api/views/counts', sales)
    expect(salesCounts.queues.map((entry) => entry.queue)).toEqual(['Sales'])
    expect(salesCounts.mine).toEqual({ locked: 1, responsible: 1, watched: 0, pendingReached: 0 })
  })

  it('customer information center: the customer user (URL-encoded, any case), 404 when unknown', async () => {
    const ann = await get<Record<string, string>>('/api/customers/ann%40customer.example')
    expect(ann).toMatchObject({ email: 'ann@customer.example', name: 'Ann Customer', firstName: 'Ann', lastName: 'Customer', customerId: 'customer.example', valid: true, createdAt: expect.any(String) as string })
    expect(await get('/api/customers/ANN@Customer.Example')).toEqual(ann)
    const unknown = await request('/api/customers/nobody%40nowhere.example')
    expect(unknown.status).toBe(404)
    expect(((await unknown.json()) as ErrorBody).error.code).toBe('not_found')
  })

  it("a customer's and a company's tickets: every state, newest first, only readable queues, cursor-paged", async () => {
    const annTickets = [t.supportNew, t.supportOpenUnlocked, t.salesNew, t.salesOpenSales, t.raw].reverse()
    expect(await numbers('/api/customers/ann%40customer.example/tickets')).toEqual(annTickets)
    expect(await walk('/api/customers/ann%40customer.example/tickets')).toEqual(annTickets)
    expect(await numbers('/api/customers/ann%40customer.example/tickets?order=asc')).toEqual([...annTickets].reverse())
    expect(await numbers('/api/customers/ann%40customer.example/tickets', sales)).toEqual([t.salesOpenSales, t.salesNew])
    expect(await numbers('/api/customers/nobody%40nowhere.example/tickets')).toEqual([])

    const bobTickets = [t.supportOpenMine, t.reminderDue, t.reminderLater, t.autoDue, t.closedMine, t.merged]
    const company = await numbers('/api/companies/customer.example/tickets?limit=500')
    expect(company).toEqual([...annTickets, ...bobTickets].sort().reverse())
    expect(await walk('/api/companies/customer.example/tickets')).toEqual(company)
    expect(await numbers('/api/companies/customer.example/tickets', sales)).toEqual([t.salesOpenSales, t.salesNew])
    expect(await numbers('/api/companies/bigco.example/tickets', sales)).toEqual([t.salesOpenMine])
  })

  it('every new route needs a token and is in the OpenAPI document', async () => {
    for (const path of ['/api/views/open', '/api/views/counts', '/api/customers/ann%40customer.example', '/api/companies/customer.example/tickets']) {
      expect((await app.request(path)).status, path).toBe(401)
    }
    const document = (await (await app.request('/api/openapi.json')).json()) as { paths: Record<string, unknown>; components: { schemas: Record<string, unknown> } }
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(['/api/views/{view}', '/api/views/counts', '/api/customers/{email}', '/api/customers/{email}/tickets', '/api/companies/{customerId}/tickets']),
    )
    expect(Object.keys(document.components.schemas)).toEqual(expect.arrayContaining(['TicketViewPage', 'ViewCounts', 'StateTypeCounts', 'CustomerUser']))
  })
})
