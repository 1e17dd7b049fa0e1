import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AgentIdentity } from '../../lib/auth/auth-service.ts'
import { SqliteSearchIndex } from '../../lib/search/adapters/sqlite-search-index.ts'
import type { TicketDocument } from '../../lib/search/ports.ts'
import { dayBuckets, ticketStatistics } from '../../lib/search/statistics.ts'
import { loadConfigFile } from '../../lib/platform/config-file.ts'
import { httpCaller } from '../support/api-calls.ts'
import { apiLogin, demoPassword, ingestRaw, mail, startTestRuntime } from '../support/local-stack.ts'

const config = await loadConfigFile(new URL('../../docket.config.yaml', import.meta.url).pathname)
const identity = (login: string): AgentIdentity => ({ login, agent: config.agents.find((agent) => agent.login === login)!, sessionId: 'test' })

const base: TicketDocument = {
  number: '',
  version: 1,
  title: 'A ticket',
  queue: 'Support',
  state: 'new',
  stateType: 'new',
  priority: 3,
  owner: null,
  responsible: null,
  lock: 'unlock',
  customer: 'ann@customer.example',
  customerId: 'customer.example',
  createdAt: '',
  changedAt: '',
  closedAt: null,
  pendingUntil: null,
  subject: '',
  body: '',
  from: '',
  to: '',
  cc: '',
  attachment: '',
}

describe('statistics (issue 7.8) over the embedded engine', () => {
  let dir: string
  let search: SqliteSearchIndex
  const deps = () => ({ config, search, agents: { getPreferences: async () => new Map([['admin', { timeZone: 'Europe/Amsterdam' }]]) } })
  let n = 0
  const ticket = (fields: Partial<TicketDocument>): TicketDocument => ({ ...base, number: `20261001420000${String(++n).padStart(2, '0')}`, changedAt: fields.createdAt ?? '', ...fields })

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'docket-statistics-'))
    search = new SqliteSearchIndex(dir)
    await search.upsert([
      // 24 Oct 2026, 23:30 in Amsterdam (CEST, UTC+2) is still the 24th there, the 24th in UTC too.
      ticket({ createdAt: '2026-10-24T21:30:00.000Z', firstResponseAt: '2026-10-24T22:00:00.000Z', firstResponseMinutes: 30, sla: 'Support standard', breaches: [] }),
      // 00:30 on the 25th in Amsterdam, still the 24th in UTC: counts for the 25th.
      ticket({ createdAt: '2026-10-24T22:30:00.000Z', firstResponseAt: '2026-10-25T00:30:00.000Z', firstResponseMinutes: 120, sla: 'Support standard', breaches: ['firstResponse'] }),
      // 23:30 on the 25th after the switch to CET (UTC+1): the 25th is 25 hours long.
      ticket({
        createdAt: '2026-10-25T22:30:00.000Z',
        state: 'closed successful',
        stateType: 'closed',
        closedAt: '2026-10-26T09:00:00.000Z',
        solvedAt: '2026-10-26T09:00:00.000Z',
        solutionMinutes: 630,
        firstResponseAt: '2026-10-26T08:00:00.000Z',
        firstResponseMinutes: 570,
        sla: 'Support standard',
        breaches: ['firstResponse', 'update'],
      }),
      ticket({ createdAt: '2026-10-25T10:00:00.000Z', queue: 'Sales', state: 'open', stateType: 'open' }),
      ticket({ createdAt: '2026-10-25T11:00:00.000Z', queue: 'Sales', state: 'pending reminder', stateType: 'pending reminder' }),
      // Outside the range.
      ticket({ createdAt: '2026-10-20T10:00:00.000Z', firstResponseAt: '2026-10-20T10:05:00.000Z', firstResponseMinutes: 5 }),
      // Deleted tickets do not count.
      ticket({ number: '2026100142999999', createdAt: '2026-10-25T12:00:00.000Z' }),
    ])
    await search.remove([{ number: '2026100142999999', version: 2 }])
  })
  afterAll(async () => {
    search.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('day buckets are the days of the time zone: 23 and 25 hours across DST', () => {
    expect(dayBuckets('2026-10-24', '2026-10-26', 'Europe/Amsterdam')).toEqual([
      { day: '2026-10-24', from: '2026-10-23T22:00:00.000Z', to: '2026-10-24T22:00:00.000Z' },
      { day: '2026-10-25', from: '2026-10-24T22:00:00.000Z', to: '2026-10-25T23:00:00.000Z' },
      { day: '2026-10-26', from: '2026-10-25T23:00:00.000Z', to: '2026-10-26T23:00:00.000Z' },
    ])
    expect(() => dayBuckets('2025-01-01', '2026-12-31', 'UTC')).toThrow(/at most 367/)
  })

  it('created and closed per day and queue, open by state, durations, SLA breaches', async () => {
    const statistics = await ticketStatistics(deps(), identity('admin'), { from: '2026-10-24', to: '2026-10-26', queue: ['Support', 'Sales'] })
    expect(statistics.timeZone).toBe('Europe/Amsterdam')
    expect(statistics.perDay).toEqual([
      { day: '2026-10-24', queue: 'Support', created: 1, closed: 0 },
      { day: '2026-10-24', queue: 'Sales', created: 0, closed: 0 },
      { day: '2026-10-25', queue: 'Support', created: 2, closed: 0 },
      { day: '2026-10-25', queue: 'Sales', created: 2, closed: 0 },
      { day: '2026-10-26', queue: 'Support', created: 0, closed: 1 },
      { day: '2026-10-26', queue: 'Sales', created: 0, closed: 0 },
    ])
    expect(statistics.openByState).toEqual([
      { queue: 'Sales', state: 'open', count: 1 },
      { queue: 'Sales', state: 'pending reminder', count: 1 },
      // Open tickets are counted as they are now, whenever they were created.
      { queue: 'Support', state: 'new', count: 3 },
    ])
    expect(statistics.firstResponse).toEqual({ tickets: 3, averageMinutes: 240, medianMinutes: 120, p90Minutes: 570 })
    expect(statistics.solution).toEqual({ tickets: 1, averageMinutes: 630, medianMinutes: 630, p90Minutes: 630 })
    expect(statistics.slaBreaches).toEqual([
      { queue: 'Support', tickets: 3, firstResponse: 2, update: 1, solution: 0 },
      { queue: 'Sales', tickets: 0, firstResponse: 0, update: 0, solution: 0 },
    ])
  })

  it('only queues the agent may read: a foreign queue asked for is not found', async () => {
    const statistics = await ticketStatistics(deps(), identity('sales'), { from: '2026-10-24', to: '2026-10-26', queue: undefined })
    expect(statistics.queues).toEqual(['Sales'])
    expect(statistics.perDay.every((row) => row.queue === 'Sales')).toBe(true)
    expect(statistics.openByState.every((row) => row.queue === 'Sales')).toBe(true)
    await expect(ticketStatistics(deps(), identity('sales'), { from: '2026-10-24', to: '2026-10-26', queue: ['Support'] })).rejects.toMatchObject({ code: 'not_found' })
  })
})

describe('GET /api/statistics through the local stack', () => {
  let runtime: Awaited<ReturnType<typeof startTestRuntime>>
  let call: ReturnType<typeof httpCaller>
  let admin: string
  beforeAll(async () => {
    runtime = await startTestRuntime()
    call = httpCaller(runtime.httpUrl)
    admin = await apiLogin(runtime.httpUrl)
  })
  afterAll(() => runtime.cleanup())

  it('a mailed ticket answered and closed today shows in today\'s figures; bad ranges name the field', async () => {
    const number = (await ingestRaw(runtime.deps, mail({ subject: 'Statistics please', from: 'ann@customer.example' }))).ticketNumber!
    const reply = await call('POST', `/api/tickets/${number}/articles`, { token: admin, body: { type: 'reply', body: 'Done.', state: 'closed successful' } })
    expect(reply.status).toBe(201)
    await runtime.drainIndex()
    const { timeZone } = (await call('GET', '/api/me/preferences', { token: admin })).body as { timeZone: string }
    const today = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date())
    const answer = await call('GET', `/api/statistics?from=${today}&to=${today}&queue=Support`, { token: admin })
    expect(answer.status).toBe(200)
    expect(answer.body).toMatchObject({ from: today, to: today, timeZone, queues: ['Support'], perDay: [{ day: today, queue: 'Support', created: 1, closed: 1 }] })
    expect(answer.body.firstResponse).toMatchObject({ tickets: 1 })
    expect(answer.body.solution).toMatchObject({ tickets: 1 })
    expect(answer.body.slaBreaches).toEqual([{ queue: 'Support', tickets: 1, firstResponse: 0, update: 0, solution: 0 }])

    const backwards = await call('GET', `/api/statistics?from=2026-11-23&to=2026-11-01`, { token: admin })
    expect(backwards.status).toBe(400)
    expect(backwards.body.error).toMatchObject({ code: 'invalid_request', field: 'query.to' })
    expect((await call('GET', `/api/statistics?from=2020-01-01&to=2026-11-01`, { token: admin })).body.error).toMatchObject({ field: 'query.to' })
    expect((await call('GET', `/api/statistics?from=yesterday&to=2026-11-01`, { token: admin })).body.error).toMatchObject({ field: 'query.from' })
    const sales = await apiLogin(runtime.httpUrl, 'sales', demoPassword)
    expect((await call('GET', `/api/statistics?from=${today}&to=${today}&queue=Support`, { token: sales })).status).toBe(404)
  })

  it('a reopened ticket counts alike in closed and in solution times: on its last close, or nowhere while open again (issue 14.4.12)', async () => {
    const { timeZone } = (await call('GET', '/api/me/preferences', { token: admin })).body as { timeZone: string }
    const today = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date())
    const figures = async () => {
      await runtime.drainIndex()
      const body = (await call('GET', `/api/statistics?from=${today}&to=${today}&queue=Support`, { token: admin })).body as {
        perDay: { closed: number }[]
        solution: { tickets: number }
      }
      return { closed: body.perDay[0]!.closed, solved: body.solution.tickets }
    }
    const setState = async (number: string, state: string) => {
      const answer = await call('PATCH', `/api/tickets/${number}`, { token: admin, body: { state, ...(state.startsWith('closed') ? { note: 'Solved.' } : {}) } })
      expect(answer.status, JSON.stringify(answer.body)).toBe(200)
    }
    const before = await figures()
    const stillOpen = (await ingestRaw(runtime.deps, mail({ subject: 'Closed, then reopened', from: 'ann@customer.example' }))).ticketNumber!
    const closedAgain = (await ingestRaw(runtime.deps, mail({ subject: 'Closed, reopened, closed', from: 'bob@customer.example' }))).ticketNumber!
    for (const number of [stillOpen, closedAgain]) await setState(number, 'closed successful')
    expect(await figures()).toEqual({ closed: before.closed + 2, solved: before.solved + 2 })
    for (const number of [stillOpen, closedAgain]) await setState(number, 'open')
    // Open again: in neither figure.
    expect(await figures()).toEqual({ closed: before.closed, solved: before.solved })
    await setState(closedAgain, 'closed successful')
    // Closed again: once in each, on the last close.
    expect(await figures()).toEqual({ closed: before.closed + 1, solved: before.solved + 1 })
  })
})
