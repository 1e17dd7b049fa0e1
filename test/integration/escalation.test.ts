import { describe, expect, it } from 'vitest'
import { createApiApp } from '../../lib/api/app.ts'
import type { AgentIdentity } from '../../lib/auth/auth-service.ts'
import { provisionAgentPasswords } from '../../lib/auth/auth-service.ts'
import type { JobResult } from '../../lib/jobs/job.ts'
import { runJob } from '../../lib/jobs/run-job.ts'
import type { Clock } from '../../lib/platform/clock.ts'
import type { Dependencies } from '../../lib/runtime/dependencies.ts'
import { addAgentArticle } from '../../lib/ticket/agent-article.ts'
import type { TicketIndexQuery } from '../../lib/ticket/ports.ts'
import { updateTicket } from '../../lib/ticket/ticket-actions.ts'
import { demoPassword, ingestRaw, mail, testDependenciesWithConfig } from '../support/local-stack.ts'

/**
 * Issue 5.4: SLA escalation through the real local store. The demo SLA "Support standard" on
 * queue Support: Office hours (Europe/Amsterdam, Mon–Fri 08:00–17:00; CET = UTC+1 in November),
 * first response 4 h, update 8 h, solution 27 h (3 working days), in business time. Tickets are
 * created on Mon 2026-11-23 09:00 CET (08:00Z).
 */
function movableClock(iso: string): Clock & { set(iso: string): void } {
  let current = new Date(iso)
  return { now: () => current, set: (next) => (current = new Date(next)) }
}

const kim = `  - login: kim
    firstName: Kim
    lastName: Support
    email: kim@example.com
    roles: [Support agent]
`

async function setup(change: (yaml: string) => string = (yaml) => yaml) {
  const clock = movableClock('2026-11-23T08:00:00Z')
  const deps: Dependencies = { ...(await testDependenciesWithConfig((yaml) => change(yaml.replace('  - login: sales\n', `${kim}  - login: sales\n`)))), clock }
  const identity = (login: string): AgentIdentity => ({ login, agent: deps.config.agents.find((agent) => agent.login === login)!, sessionId: 'test' })
  const newTicket = async (subject: string) => (await ingestRaw(deps, mail({ subject }))).ticketNumber!
  const escalation = async (number: string) => (await deps.tickets.get(number))!.escalation
  const listed = async (query: TicketIndexQuery) => (await deps.tickets.listByIndex([query], { order: 'asc', limit: 100 })).items.map((ticket) => ticket.number)
  const run = (now: string, dryRun = false): Promise<JobResult> => runJob(deps, { job: 'escalations', time: new Date(now).toISOString(), dryRun })
  const escalations = async (number: string) => (await deps.tickets.getThread(number))!.history.filter((entry) => entry.type === 'Escalation').map((entry) => entry.message)
  return { deps, clock, identity, newTicket, escalation, listed, run, escalations }
}

describe('SLA escalation times', () => {
  it('are stored on creation in business hours; a reply meets the first response and restarts the update time; a customer mail starts a new deadline; pending and closed tickets do not escalate', async () => {
    const { deps, clock, identity, newTicket, escalation, listed } = await setup()
    const number = await newTicket('printer on fire')
    expect(await escalation(number)).toMatchObject({
      sla: 'Support standard',
      firstResponseDue: '2026-11-23T12:00:00.000Z', // 09:00 + 4 h → 13:00 CET
      updateDue: '2026-11-23T16:00:00.000Z', // 09:00 + 8 h → 17:00 CET
      solutionDue: '2026-11-26T08:00:00.000Z', // Mon 8 h, Tue 9 h, Wed 9 h, Thu 1 h → Thu 09:00 CET
      nextDue: '2026-11-23T12:00:00.000Z',
      notifyAt: '2026-11-23T12:00:00.000Z',
    })
    // On the escalation job's index from the first deadline on (never before), and on the views' index.
    expect(await listed({ by: 'escalation-due', until: '2026-11-23T11:59:59.000Z' })).not.toContain(number)
    expect(await listed({ by: 'escalation-due', until: '2026-11-23T12:00:00.000Z' })).toContain(number)
    expect(await listed({ by: 'escalation', until: '2026-11-23T12:00:00.000Z' })).toContain(number)
    // Tickets in a queue without an SLA have none.
    const sales = (await ingestRaw(deps, mail({ subject: 'offer', to: 'sales@example.com' }))).ticketNumber!
    expect(await escalation(sales)).toBeUndefined()

    // Mon 11:00 CET: the agent replies. Update: Mon 11:00–17:00 (6 h) + Tue 08:00–10:00 → Tue 10:00 CET.
    clock.set('2026-11-23T10:00:00Z')
    await addAgentArticle(deps, identity('admin'), number, { type: 'reply', body: 'Please unplug it.' })
    expect(await escalation(number)).toMatchObject({ firstResponseDue: null, updateDue: '2026-11-24T09:00:00.000Z', nextDue: '2026-11-24T09:00:00.000Z', basis: { firstResponseAt: '2026-11-23T10:00:00.000Z' } })
    // An internal note changes nothing.
    await addAgentArticle(deps, identity('admin'), number, { type: 'note', body: 'Asked to unplug.' })
    expect((await escalation(number))!.updateDue).toBe('2026-11-24T09:00:00.000Z')

    // Tue 09:30 CET: the customer answers. Tue 09:30–17:00 (7.5 h) + Wed 08:00–08:30 → Wed 08:30 CET.
    clock.set('2026-11-24T08:30:00Z')
    await ingestRaw(deps, mail({ subject: `Re: [Ticket#${number}] printer on fire` }))
    expect(await escalation(number)).toMatchObject({ firstResponseDue: null, updateDue: '2026-11-25T07:30:00.000Z', solutionDue: '2026-11-26T08:00:00.000Z' })

    // Pending suspends everything (off both indexes); open again, the same deadlines come back.
    clock.set('2026-11-24T09:00:00Z')
    await updateTicket(deps, identity('admin'), number, { state: 'pending reminder', pendingUntil: '2026-11-30T08:00:00Z' })
    expect(await escalation(number)).toMatchObject({ firstResponseDue: null, updateDue: null, solutionDue: null, nextDue: null, notifyAt: null })
    expect(await listed({ by: 'escalation', until: '2027-01-01T00:00:00.000Z' })).not.toContain(number)
    await updateTicket(deps, identity('admin'), number, { state: 'open' })
    expect(await escalation(number)).toMatchObject({ updateDue: '2026-11-25T07:30:00.000Z', solutionDue: '2026-11-26T08:00:00.000Z', nextDue: '2026-11-25T07:30:00.000Z' })

    // Closing clears the deadlines and meets the solution time for good.
    await updateTicket(deps, identity('admin'), number, { state: 'closed successful', note: 'Solved.' })
    expect(await escalation(number)).toMatchObject({ nextDue: null, notifyAt: null, basis: { solvedAt: '2026-11-24T09:00:00.000Z' } })
    expect(await listed({ by: 'escalation-due', until: '2027-01-01T00:00:00.000Z' })).not.toContain(number)
    expect(await listed({ by: 'escalation', until: '2027-01-01T00:00:00.000Z' })).not.toContain(number)

    // Moved to a queue without an SLA: no escalation at all.
    await updateTicket(deps, identity('admin'), number, { state: 'open', queue: 'Raw' })
    expect(await escalation(number)).toBeNull()
  })

  it('a ticket moved into a queue with an SLA gets its times from its thread', async () => {
    const { deps, clock, identity, escalation } = await setup()
    const number = (await ingestRaw(deps, mail({ subject: 'to raw', to: 'info@example.com' }))).ticketNumber!
    clock.set('2026-11-23T09:00:00Z')
    await addAgentArticle(deps, identity('admin'), number, { type: 'reply', body: 'We are on it.' })
    expect(await escalation(number)).toBeUndefined()
    clock.set('2026-11-23T09:30:00Z')
    await updateTicket(deps, identity('admin'), number, { queue: 'Support' })
    // The reply (10:00 CET) already met the first response; update from it: 10:00 + 8 h → Tue 09:00 CET.
    expect(await escalation(number)).toMatchObject({ firstResponseDue: null, updateDue: '2026-11-24T08:00:00.000Z', solutionDue: '2026-11-26T08:00:00.000Z' })
  })
})

describe('escalations job', () => {
  it('notifies once per deadline even when runs overlap, raises the priority, skips agents out of office and falls back from an absent owner', async () => {
    const { deps, clock, identity, newTicket, escalation, run, escalations } = await setup((yaml) => yaml.replace('raisePriority: false', 'raisePriority: true'))
    const number = await newTicket('escalate me')

    expect(await run('2026-11-23T11:59:00Z')).toMatchObject({ selected: 0, changed: 0 })
    expect(await run('2026-11-23T12:00:30Z', true)).toMatchObject({ selected: 1, changed: 0, dryRun: true, details: [`${number} first response time due 2026-11-23T12:00:00.000Z`] })
    const [a, b] = await Promise.all([run('2026-11-23T12:00:30Z'), run('2026-11-23T12:00:30Z')])
    expect(a.changed + b.changed).toBe(1)
    expect(await escalations(number)).toEqual([
      'EscalationResponseTimeStart: first response time of SLA "Support standard" reached (due 2026-11-23T12:00:00.000Z); notified admin@example.com, kim@example.com',
    ])
    const ticket = (await deps.tickets.get(number))!
    expect(ticket.priority).toBe(4)
    expect(ticket.escalation).toMatchObject({ nextDue: '2026-11-23T12:00:00.000Z', notifyAt: '2026-11-23T16:00:00.000Z', notified: { firstResponse: '2026-11-23T12:00:00.000Z' } })
    expect(await run('2026-11-23T12:05:00Z')).toMatchObject({ selected: 0 })

    // Kim is out of office today: the update deadline is told to the admin only.
    await deps.agents.setPreferences('kim', { set: { outOfOffice: { enabled: true, from: '2026-11-23', until: '2026-11-27', autoUnlock: false } }, reset: [] }, '2026-11-23T12:10:00Z')
    expect(await run('2026-11-23T16:00:00Z')).toMatchObject({ selected: 1, changed: 1 })
    expect((await escalations(number)).at(-1)).toBe('EscalationUpdateTimeStart: update time of SLA "Support standard" reached (due 2026-11-23T16:00:00.000Z); notified admin@example.com')
    expect((await deps.tickets.get(number))!.priority).toBe(5)

    // Locked to Kim, who is away: the queue's present agents are told instead; the priority stays at 5.
    clock.set('2026-11-23T16:30:00Z')
    await updateTicket(deps, identity('admin'), number, { owner: 'kim', lock: 'lock' })
    expect(await run('2026-11-26T08:00:00Z')).toMatchObject({ selected: 1, changed: 1 })
    expect((await escalations(number)).at(-1)).toBe('EscalationSolutionTimeStart: solution time of SLA "Support standard" reached (due 2026-11-26T08:00:00.000Z); notified admin@example.com')
    const history = (await deps.tickets.getThread(number))!.history
    expect(history.filter((entry) => entry.type === 'PriorityUpdate').map((entry) => entry.message)).toEqual(['Changed priority from 3 to 4', 'Changed priority from 4 to 5'])
    expect(await escalation(number)).toMatchObject({ notifyAt: null, nextDue: '2026-11-23T12:00:00.000Z' })
    expect(await run('2026-11-30T08:00:00Z')).toMatchObject({ selected: 0 })
  })

  it('a new deadline after a customer mail is notified again; a reply in time prevents it', async () => {
    const { deps, clock, identity, newTicket, run, escalations } = await setup()
    const number = await newTicket('again')
    await run('2026-11-23T16:00:00Z')
    expect(await escalations(number)).toHaveLength(2)
    // Tue 09:00 CET: reply (update → Tue 17:00 CET); Tue 10:00 CET the customer writes (update: Tue 7 h + Wed 1 h → Wed 09:00 CET).
    clock.set('2026-11-24T08:00:00Z')
    await addAgentArticle(deps, identity('admin'), number, { type: 'reply', body: 'Working on it.' })
    clock.set('2026-11-24T09:00:00Z')
    await ingestRaw(deps, mail({ subject: `Re: [Ticket#${number}] again` }))
    expect((await deps.tickets.get(number))!.escalation).toMatchObject({ updateDue: '2026-11-25T08:00:00.000Z', notified: {} })
    expect(await run('2026-11-24T16:00:00Z')).toMatchObject({ selected: 0 })
    expect(await run('2026-11-25T08:00:00Z')).toMatchObject({ changed: 1 })
    expect((await escalations(number)).at(-1)).toMatch(/^EscalationUpdateTimeStart: .*due 2026-11-25T08:00:00.000Z/)
  })
})

describe('views "escalated" and "escalating-soon"', () => {
  it('list the readable queues\' tickets by their earliest deadline, each SLA with its own warning window; notified tickets stay escalated', async () => {
    // Sales gets a round-the-clock SLA with a 3-hour warning window (Support's is 1 hour).
    const { deps, clock, identity, run } = await setup((yaml) =>
      yaml
        .replace('  - name: Sales\n    group: sales\n', '  - name: Sales\n    group: sales\n    sla: Sales fast\n')
        .replace('    raisePriority: false        # true: one priority step up at each deadline reached\n', '    raisePriority: false\n  - name: Sales fast\n    firstResponseMinutes: 120\n    warnBeforeMinutes: 180\n'),
    )
    await provisionAgentPasswords(deps, demoPassword)
    const app = createApiApp(deps)
    const login = async (name: string) => ((await (await app.request('/api/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: name, password: demoPassword }) })).json()) as { token: string }).token
    // Logged in at each look: the injected clock jumps hours ahead, further than a session may idle.
    const view = async (path: string, agent = 'admin') => {
      const response = await app.request(path, { headers: { authorization: `Bearer ${await login(agent)}` } })
      return { status: response.status, body: (await response.json()) as { items: { number: string; escalation: { nextDue: string | null } | null }[] } }
    }
    const numbers = async (path: string, agent = 'admin') => (await view(path, agent)).body.items.map((ticket) => ticket.number)
    const sales = 'sales'
    const create = async (at: string, subject: string, to = 'support@example.com') => {
      clock.set(at)
      return (await ingestRaw(deps, mail({ subject, to }))).ticketNumber!
    }

    const salesEscalated = await create('2026-11-23T07:50:00Z', 'sales, due 09:50Z', 'sales@example.com') // + 2 h round the clock
    const supportSoon = await create('2026-11-23T08:00:00Z', 'support, due 12:00Z') // 09:00 CET + 4 h
    const pending = await create('2026-11-23T08:01:00Z', 'support, pending')
    await create('2026-11-23T08:02:00Z', 'raw, no SLA', 'info@example.com')
    const supportLater = await create('2026-11-23T10:30:00Z', 'support, due 14:30Z') // 11:30 CET + 4 h
    const salesSoon = await create('2026-11-23T11:00:00Z', 'sales, due 13:00Z', 'sales@example.com')
    await updateTicket(deps, identity('admin'), pending, { state: 'pending reminder', pendingUntil: '2026-11-30T08:00:00Z' })

    // 11:30Z: Support warns from 11:00Z–12:30Z (one hour), Sales up to 14:30Z (three hours).
    clock.set('2026-11-23T11:30:00Z')
    expect(await numbers('/api/views/escalated')).toEqual([salesEscalated])
    expect(await numbers('/api/views/escalating-soon')).toEqual([supportSoon, salesSoon])
    expect(await numbers('/api/views/escalating-soon?queue=Support')).toEqual([supportSoon])
    expect(await numbers('/api/views/escalating-soon?sort=created&order=desc&limit=1')).toEqual([salesSoon])
    // The summary carries the deadlines.
    expect((await view('/api/views/escalating-soon')).body.items[0]!.escalation).toMatchObject({ nextDue: '2026-11-23T12:00:00.000Z', firstResponseDue: '2026-11-23T12:00:00.000Z' })
    // Readable queues only, in the query: the Sales agent sees Sales, and Support is 404 for them.
    expect(await numbers('/api/views/escalated', sales)).toEqual([salesEscalated])
    expect(await numbers('/api/views/escalating-soon', sales)).toEqual([salesSoon])
    expect((await view('/api/views/escalated?queue=Support', sales)).status).toBe(404)

    // 12:00Z: the Support deadline is reached; notified by the job, the ticket stays escalated.
    await run('2026-11-23T12:00:00Z')
    clock.set('2026-11-23T12:05:00Z')
    expect(await numbers('/api/views/escalated')).toEqual([salesEscalated, supportSoon])
    expect(await numbers('/api/views/escalated?sort=created&order=desc')).toEqual([supportSoon, salesEscalated])
    expect(await numbers('/api/views/escalating-soon')).toEqual([salesSoon])
    // Our reply meets the first response; the update time runs from it (13:05 CET + 8 h → Tue 12:05 CET).
    await addAgentArticle(deps, identity('admin'), supportSoon, { type: 'reply', body: 'On it.' })
    expect(await numbers('/api/views/escalated')).toEqual([salesEscalated])
    // 13:31Z: the later Support ticket enters its hour; the second Sales ticket is escalated. The pending one never shows.
    clock.set('2026-11-23T13:31:00Z')
    expect(await numbers('/api/views/escalating-soon')).toEqual([supportLater])
    expect(await numbers('/api/views/escalated')).toEqual([salesEscalated, salesSoon])
  })
})
