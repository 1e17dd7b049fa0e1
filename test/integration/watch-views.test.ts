import { beforeAll, describe, expect, it } from 'vitest'
import { createApiApp } from '../../lib/api/app.ts'
import { provisionAgentPasswords } from '../../lib/auth/auth-service.ts'
import type { Clock } from '../../lib/platform/clock.ts'
import type { Dependencies } from '../../lib/runtime/dependencies.ts'
import type { TicketEscalation } from '../../lib/ticket/model.ts'
import { apiCaller } from '../support/api-calls.ts'
import { demoPassword, ingestRaw, mail, testDependencies } from '../support/local-stack.ts'
import { patchTicket } from '../support/tickets.ts'

interface Summary {
  number: string
  title: string
  stateType: string
}

/**
 * Issue 14.3 through the API app against the real local store (DynamoDB Local): watching a ticket
 * (history, "My watched tickets" as an index read that follows the ticket's changes, the dashboard
 * filters), watchers notified as the owner with the read right checked when the mail is prepared,
 * the responsible view and filter, and the escalation view's buckets.
 */
describe('watched tickets, responsible and escalation views', () => {
  let deps: Dependencies
  let call: ReturnType<typeof apiCaller>
  let admin: string
  let sales: string
  let current = Date.parse('2026-11-23T09:00:00Z')
  const clock: Clock = { now: () => new Date(current) }

  const ok = async <T = { items: Summary[]; next: string | null }>(method: string, path: string, token: string, body?: unknown): Promise<T> => {
    const answer = await call(method, path, { token, ...(body === undefined ? {} : { body }) })
    expect(answer.status, `${method} ${path}: ${answer.text}`).toBeLessThan(300)
    return answer.body as T
  }
  const numbers = async (path: string, token = admin) => (await ok('GET', path, token)).items.map((ticket) => ticket.number)
  const ingest = async (subject: string, to = 'support@example.com', from = 'Ann Customer <ann@customer.example>') => {
    current += 60_000
    const result = await ingestRaw(deps, mail({ subject, to, from }))
    return result.ticketNumber!
  }
  const history = async (number: string) => (await ok<{ history: { type: string; message: string; by: string }[] }>('GET', `/api/tickets/${number}`, admin)).history

  beforeAll(async () => {
    deps = await testDependencies({}, { clock })
    await provisionAgentPasswords(deps, demoPassword)
    const app = createApiApp(deps)
    call = apiCaller((path, init) => app.request(path, init))
    const login = async (name: string) => (await call('POST', '/api/auth/login', { body: { login: name, password: demoPassword } })).body.token as string
    admin = await login('admin')
    sales = await login('sales')
  })

  it('watch and unwatch: recorded in the history, the watched view and count follow, idempotent', async () => {
    const number = await ingest('quote for 40 seats', 'sales@example.com')
    const other = await ingest('another quote', 'sales@example.com')
    expect(await numbers('/api/views/watched')).toEqual([])

    expect((await call('PUT', `/api/tickets/${number}/watch`, { token: admin })).status).toBe(204)
    expect((await call('PUT', `/api/tickets/${number}/watch`, { token: admin })).status).toBe(204)
    const subscribed = (await history(number)).filter((entry) => entry.type === 'Subscribe')
    expect(subscribed).toHaveLength(1)
    expect(subscribed[0]).toMatchObject({ by: 'admin', message: 'Added subscription for user Admin Agent (admin)' })
    expect((await ok<{ watchers: string[] }>('GET', `/api/tickets/${number}`, admin)).watchers).toEqual(['admin'])

    expect(await numbers('/api/views/watched')).toEqual([number])
    expect(await numbers('/api/views/watched', sales)).toEqual([])
    expect((await ok<{ mine: { watched: number } }>('GET', '/api/views/counts', admin)).mine.watched).toBe(1)
    // The dashboard's "My watched tickets" filter on a queue-wide widget.
    expect(await numbers('/api/views/new?filter=watched')).toEqual([number])
    expect(await numbers('/api/views/new?filter=all')).toEqual(expect.arrayContaining([number, other]))

    // The watch item follows the ticket: a new title shows, a closed ticket leaves the view.
    await ok('PATCH', `/api/tickets/${number}`, admin, { title: 'quote for 45 seats' })
    expect((await ok('GET', '/api/views/watched', admin)).items.map((ticket) => ticket.title)).toEqual(['quote for 45 seats'])
    await ok('PATCH', `/api/tickets/${number}`, admin, { state: 'closed successful', note: 'sent the quote' })
    expect(await numbers('/api/views/watched')).toEqual([])
    await ok('PATCH', `/api/tickets/${number}`, admin, { state: 'open' })
    expect(await numbers('/api/views/watched')).toEqual([number])

    expect((await call('DELETE', `/api/tickets/${number}/watch`, { token: admin })).status).toBe(204)
    expect((await history(number)).filter((entry) => entry.type === 'Unsubscribe')).toHaveLength(1)
    expect(await numbers('/api/views/watched')).toEqual([])
    expect((await ok<{ watchers: string[] }>('GET', `/api/tickets/${number}`, admin)).watchers).toEqual([])
  })

  it('only a ticket the agent may read can be watched; a ticket moved out of reach leaves the view', async () => {
    const support = await ingest('VPN drops')
    expect((await call('PUT', `/api/tickets/${support}/watch`, { token: sales })).status).toBe(404)
    const number = await ingest('discount please', 'sales@example.com')
    await ok('PUT', `/api/tickets/${number}/watch`, sales)
    expect(await numbers('/api/views/watched', sales)).toEqual([number])
    await ok('PATCH', `/api/tickets/${number}`, admin, { queue: 'Support' })
    expect(await numbers('/api/views/watched', sales)).toEqual([])
    await ok('PATCH', `/api/tickets/${number}`, admin, { queue: 'Sales' })
  })

  it('watchers are notified of a customer follow-up as the owner is, only while they may read the ticket', async () => {
    const number = await ingest('renewal', 'sales@example.com', 'Dan <dan@bigco.example>')
    await ok('PATCH', `/api/tickets/${number}`, sales, { owner: 'sales', lock: 'lock' })
    await ok('PUT', `/api/tickets/${number}/watch`, admin)
    current += 60_000
    await ingestRaw(deps, mail({ subject: `Re: [Ticket#${number}] renewal`, to: 'sales@example.com', from: 'Dan <dan@bigco.example>', body: 'any news?' }))
    const notified = (await history(number)).filter((entry) => entry.type === 'SendAgentNotification').at(-1)
    expect(notified?.message).toContain('sam.sales@example.com')
    expect(notified?.message).toContain('admin@example.com')

    // sales watches a ticket admin owns; once it moves to a queue sales cannot read, sales hears nothing of it.
    const moved = await ingest('upgrade', 'sales@example.com', 'Dan <dan@bigco.example>')
    await ok('PATCH', `/api/tickets/${moved}`, admin, { owner: 'admin', lock: 'lock' })
    await ok('PUT', `/api/tickets/${moved}/watch`, sales)
    await ok('PATCH', `/api/tickets/${moved}`, admin, { queue: 'Support' })
    current += 60_000
    await ingestRaw(deps, mail({ subject: `Re: [Ticket#${moved}] upgrade`, to: 'support@example.com', from: 'Dan <dan@bigco.example>', body: 'hello?' }))
    const entries = (await history(moved)).filter((entry) => entry.type === 'SendAgentNotification')
    expect(entries.at(-1)?.message ?? '').not.toContain('sam.sales@example.com')
  })

  it('responsible: the view and the dashboard filter', async () => {
    const number = await ingest('access request')
    await ok('PATCH', `/api/tickets/${number}`, admin, { responsible: 'admin', state: 'open' })
    expect(await numbers('/api/views/responsible')).toContain(number)
    expect(await numbers('/api/views/open?filter=responsible')).toEqual([number])
    expect(await numbers('/api/views/responsible', sales)).not.toContain(number)
    expect((await call('GET', '/api/views/responsible?filter=watched', { token: admin })).status).toBe(400)
  })

  it('my-queues: the dashboard filter follows the agent\'s chosen My Queues', async () => {
    const support = await ingest('printer jam')
    const salesTicket = await ingest('pricing', 'sales@example.com')
    await ok('PUT', '/api/me/preferences', admin, { myQueues: ['Sales'] })
    try {
      const mine = await numbers('/api/views/new?filter=my-queues&limit=500')
      expect(mine).toContain(salesTicket)
      expect(mine).not.toContain(support)
    } finally {
      await ok('PUT', '/api/me/preferences', admin, { myQueues: null })
    }
  })

  it('escalation view: escalated now, today, tomorrow, next week (cumulative, in the agent\'s time zone)', async () => {
    await ok('PUT', '/api/me/preferences', admin, { timeZone: 'Europe/Amsterdam' })
    const now = current
    const due = (hours: number) => new Date(now + hours * 3600_000).toISOString()
    const escalation = (nextDue: string): TicketEscalation => ({
      sla: 'Standard',
      firstResponseDue: nextDue,
      updateDue: null,
      solutionDue: null,
      nextDue,
      notifyAt: null,
      notified: {},
      basis: { firstResponseAt: null, updateFrom: null, lastContact: null, solvedAt: null },
    })
    // now is 2026-11-23 ~09:20 UTC, 10:20 in Amsterdam; today ends 22:59:59.999 UTC.
    const t: Record<string, string> = {}
    for (const [name, hours] of [['past', -1], ['today', 13], ['tomorrow', 20], ['nextWeek', 24 * 5], ['later', 24 * 10]] as const) {
      t[name] = await ingest(`escalating ${name}`)
      await patchTicket(deps.tickets, t[name], { escalation: escalation(due(hours)) })
    }
    current = now
    // Tickets of the other tests escalate too (Support has an SLA): look at this test's tickets.
    const ours = (list: string[]) => list.filter((number) => Object.values(t).includes(number))
    const view = async (when: string) => ours(await numbers(`/api/views/escalation?when=${when}`))
    expect(await view('now')).toEqual([t.past])
    expect(await view('today')).toEqual([t.past, t.today])
    expect(await view('tomorrow')).toEqual([t.past, t.today, t.tomorrow])
    expect(await view('next-week')).toEqual([t.past, t.today, t.tomorrow, t.nextWeek])
    expect(ours(await numbers('/api/views/escalation'))).toEqual([t.past])
    // sort=escalation: the earliest escalation time first, whatever the creation order.
    await patchTicket(deps.tickets, t.today!, { escalation: escalation(due(-2)) })
    expect(ours(await numbers('/api/views/escalation?when=today&sort=escalation'))).toEqual([t.today, t.past])
    expect(ours(await numbers('/api/views/escalation?when=today'))).toEqual([t.past, t.today])
    expect(ours(await numbers('/api/views/escalation?when=next-week&filter=locked'))).toEqual([])
    expect((await call('GET', '/api/views/escalated?when=today', { token: admin })).status).toBe(400)
    await ok('PUT', '/api/me/preferences', admin, { timeZone: null })
  })

  it('phone calls have a direction; a note can answer a note, quoting it', async () => {
    const number = await ingest('call me back')
    const incoming = await ok<{ sender: string; channel: string; from: string }>('POST', `/api/tickets/${number}/articles`, admin, { type: 'phone', direction: 'inbound', body: 'Ann called: printer still jams' })
    expect(incoming).toMatchObject({ sender: 'customer', channel: 'phone', from: 'ann@customer.example' })
    const outgoing = await ok<{ sender: string; from: string }>('POST', `/api/tickets/${number}/articles`, admin, { type: 'phone', direction: 'outbound', body: 'Called Ann back' })
    expect(outgoing).toMatchObject({ sender: 'agent', from: 'Admin Agent' })
    expect((await history(number)).map((entry) => entry.message)).toEqual(expect.arrayContaining(['Added phone call from the customer', 'Added phone call to the customer']))
    const wrong = await call('POST', `/api/tickets/${number}/articles`, { token: admin, body: { type: 'note', direction: 'inbound', body: 'x' } })
    expect(wrong.status).toBe(400)
    expect(wrong.body.error?.field).toBe('body.direction')

    const note = await ok<{ id: string }>('POST', `/api/tickets/${number}/articles`, admin, { type: 'note', subject: 'Printer model', body: 'It is an HP 4250.\nCheck the fuser.' })
    const composed = await ok<{ subject: string; body: string }>('GET', `/api/tickets/${number}/compose?type=note&articleId=${note.id}`, admin)
    expect(composed.subject).toBe('Re: Printer model')
    expect(composed.body).toContain('> It is an HP 4250.\n> Check the fuser.')
    // Without an article a note starts empty, as before.
    expect((await ok<{ body: string }>('GET', `/api/tickets/${number}/compose?type=note`, admin)).body).toBe('')
  })
})
