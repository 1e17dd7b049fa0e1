import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApiApp } from '../../lib/api/app.ts'
import { provisionAgentPasswords } from '../../lib/auth/auth-service.ts'
import type { Clock } from '../../lib/platform/clock.ts'
import type { Dependencies } from '../../lib/runtime/dependencies.ts'
import { percentile } from '../../bench/support/benchmark.ts'
import { apiCaller } from '../support/api-calls.ts'
import { httpFrom } from '../support/http-from.ts'
import { demoPassword, mail, sendMail, startTestRuntime, testDependencies, waitFor } from '../support/local-stack.ts'

/** Issue 13.5: the unauthenticated scrypt flood against the real server, at production hash cost. */
describe('login flood', () => {
  let runtime: Awaited<ReturnType<typeof startTestRuntime>>

  beforeAll(async () => {
    // N = 2^16 as in production: each check is ~64 MiB and a good part of a core, which is what the flood abuses.
    runtime = await startTestRuntime({ passwordHashCost: 16 })
  })
  afterAll(async () => {
    await runtime?.cleanup()
  })

  it('24 parallel logins with unknown names, again and again, from one address: many 429 with Retry-After; the admin from another address logs in quickly and the queue view stays fast', async () => {
    const url = runtime.httpUrl
    await sendMail(runtime.smtpPort, mail({ subject: 'a ticket to list' }), { from: 'ann@customer.example', to: ['support@example.com'] })
    const agent = await httpFrom('127.0.0.3', `${url}/api/auth/login`, { method: 'POST', body: { login: 'sales', password: demoPassword } })
    expect(agent.status).toBe(200)
    // One login with nothing else going on: the unit of the bounds below (the machine may be shared and slow).
    const quiet = agent.ms
    const salesToken = (JSON.parse(agent.body) as { token: string }).token
    const adminSession = await httpFrom('127.0.0.4', `${url}/api/auth/login`, { method: 'POST', body: { login: 'admin', password: demoPassword } })
    const viewToken = (JSON.parse(adminSession.body) as { token: string }).token
    await waitFor(async () => {
      const view = await httpFrom('127.0.0.4', `${url}/api/tickets?queue=Support&limit=500`, { token: viewToken })
      return (JSON.parse(view.body) as { items: unknown[] }).items.length > 0 ? true : undefined
    }, 'the ticket in the queue view')
    const quietViews: number[] = []
    for (let view = 0; view < 5; view++) quietViews.push((await httpFrom('127.0.0.4', `${url}/api/tickets?queue=Support&limit=500`, { token: viewToken })).ms)

    let flooding = true
    const flood: { status: number; retryAfter: string | undefined }[] = []
    const attacker = (async () => {
      while (flooding) {
        const round = await Promise.all(
          Array.from({ length: 24 }, () => httpFrom('127.0.0.2', `${url}/api/auth/login`, { method: 'POST', body: { login: `guess-${randomUUID()}`, password: 'Wrong-password-1!' } })),
        )
        flood.push(...round.map((answer) => ({ status: answer.status, retryAfter: answer.headers['retry-after'] as string | undefined })))
      }
    })()
    const views: number[] = []
    const viewer = (async () => {
      while (flooding) {
        const view = await httpFrom('127.0.0.4', `${url}/api/tickets?queue=Support&limit=500`, { token: viewToken })
        expect(view.status).toBe(200)
        views.push(view.ms)
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    })()
    await new Promise((resolve) => setTimeout(resolve, 1500))
    // The real admin, from an address of their own, in the middle of the flood.
    const admin = await httpFrom('127.0.0.5', `${url}/api/auth/login`, { method: 'POST', body: { login: 'admin', password: demoPassword } })
    // And an agent from the address they logged in from before.
    const again = await httpFrom('127.0.0.3', `${url}/api/auth/login`, { method: 'POST', body: { login: 'sales', password: demoPassword } })
    await new Promise((resolve) => setTimeout(resolve, 1500))
    flooding = false
    await Promise.all([attacker, viewer])

    const refused = flood.filter((answer) => answer.status === 429)
    console.log(
      `flood: ${flood.length} logins, ${refused.length} × 429, ${flood.filter((answer) => answer.status === 401).length} × 401; quiet login ${Math.round(quiet)} ms, quiet views ≤ ${Math.round(Math.max(...quietViews))} ms, admin login ${Math.round(admin.ms)} ms, ` +
        `agent again ${Math.round(again.ms)} ms; queue view p95 ${Math.round(percentile(views, 95))} ms (max ${Math.round(Math.max(...views))}, ${views.length} views)`,
    )
    expect(flood.every((answer) => answer.status === 401 || answer.status === 429)).toBe(true)
    expect(refused.length).toBeGreaterThan(flood.length / 2)
    for (const answer of refused) expect(Number(answer.retryAfter)).toBeGreaterThanOrEqual(1)
    expect(admin.status).toBe(200)
    expect(again.status).toBe(200)
    // Before: admin login 20.5 s behind every check of the flood, queue view 9.1 s. Now the flood's address has at most one
    // check running and one waiting: the admin waits for those two at most, the agent at a known address for one.
    expect(admin.ms).toBeLessThan(6 * quiet + 3000)
    expect(again.ms).toBeLessThan(5 * quiet + 3000)
    // The target is < 1 s (npm run bench -- abuse measures it); a shared, busy machine gets slack relative to its quiet views.
    expect(percentile(views, 95)).toBeLessThan(Math.max(1000, 4 * Math.max(...quietViews)))
    expect(salesToken).toMatch(/^ey/)
  }, 120_000)
})

/** Issue 13.8 through the API and the real store: a stranger's guesses do not lock the agent out; admins see who is being locked. */
describe('lockout per login and address', () => {
  let deps: Dependencies
  let app: ReturnType<typeof createApiApp>
  let now = Date.parse('2026-11-23T09:00:00Z')
  const clock: Clock = { now: () => new Date(now) }
  const advance = (seconds: number) => (now += seconds * 1000)
  const from = (address: string) => apiCaller((path, init) => app.request(path, init, { incoming: { socket: { remoteAddress: address } } }))
  const login = (address: string, name: string, password = demoPassword) => from(address)('POST', '/api/auth/login', { body: { login: name, password } })

  beforeAll(async () => {
    deps = await testDependencies({}, { clock })
    await provisionAgentPasswords(deps, demoPassword)
    app = createApiApp(deps)
  })

  it('a stranger locked out after five guesses; the agent logs in from their own address all the same', async () => {
    expect((await login('203.0.113.9', 'sales')).status).toBe(200)
    for (let attempt = 1; attempt <= 5; attempt++) expect((await login('198.51.100.7', 'sales', 'Wrong-password-1!')).status).toBe(401)
    const locked = await login('198.51.100.7', 'sales')
    expect(locked.status).toBe(429)
    expect(locked.body.error?.code).toBe('locked')
    expect(locked.headers.get('retry-after')).toBe('30')
    // One guess each time the lock ends, for ever: the agent is never locked out from their address.
    for (let round = 0; round < 6; round++) {
      advance(900)
      await login('198.51.100.7', 'sales', 'Wrong-password-1!')
      expect((await login('203.0.113.9', 'sales')).status).toBe(200)
    }
    // A new address of the agent's (a hotel) works too: the login as a whole is far from its limit.
    expect((await login('192.0.2.77', 'sales')).status).toBe(200)
  })

  it('guesses spread over many addresses lock the login, except from addresses the agent logged in from; admins see it', async () => {
    advance(7200)
    expect((await login('203.0.113.10', 'admin')).status).toBe(200)
    const limit = deps.config.auth.lockout.loginFreeAttempts
    for (let index = 0; index < limit; index++) expect((await login(`10.0.${Math.floor(index / 200)}.${index % 200}`, 'admin', 'Wrong-password-1!')).status).toBe(401)
    const elsewhere = await login('10.9.9.9', 'admin')
    expect(elsewhere.status).toBe(429)
    expect(elsewhere.body.error?.code).toBe('locked')
    const token = await login('203.0.113.10', 'admin')
    expect(token.status).toBe(200)

    // The success from a known address forgets the failures; a fresh stranger's are listed.
    advance(1)
    for (let attempt = 1; attempt <= 6; attempt++) await login('198.51.100.8', 'admin', 'Wrong-password-1!')
    await login('198.51.100.7', 'sales', 'Wrong-password-1!')
    const listed = await from('203.0.113.10')('GET', '/api/admin/lockouts', { token: String(token.body.token) })
    expect(listed.status).toBe(200)
    const items = listed.body.items as { login: string; failures: number; lockedUntil: string | null; addresses: { address: string; failures: number; lockedUntil: string | null }[] }[]
    const admin = items.find((item) => item.login === 'admin')!
    expect(admin.failures).toBe(5)
    expect(admin.lockedUntil).toBeNull()
    expect(admin.addresses[0]).toEqual(expect.objectContaining({ address: '198.51.100.8', failures: 5, lockedUntil: new Date(now + 30_000).toISOString() }))
    // The spread guesses are still remembered per address (20 listed, the rest counted).
    expect(admin.addresses).toHaveLength(20)
    expect((listed.body.items as { login: string; moreAddresses: number }[]).find((item) => item.login === 'admin')!.moreAddresses).toBe(limit + 1 - 20)
    // The stranger's earlier guesses at sales were forgotten after a quiet hour; this one is new.
    expect(items.find((item) => item.login === 'sales')).toMatchObject({ failures: 1, lockedUntil: null, addresses: [expect.objectContaining({ address: '198.51.100.7', failures: 1 })] })
    const salesToken = String((await login('203.0.113.9', 'sales')).body.token)
    expect((await from('203.0.113.9')('GET', '/api/admin/lockouts', { token: salesToken })).status).toBe(403)
  })

  it('more than 20 attempts a minute from one address: 429 rate_limited with Retry-After; successes give theirs back', async () => {
    advance(7200)
    for (let attempt = 1; attempt <= 25; attempt++) expect((await login('192.0.2.50', 'admin')).status).toBe(200)
    for (let attempt = 1; attempt <= 20; attempt++) expect((await login('192.0.2.50', `nobody-${attempt}`, 'Wrong-password-1!')).status).toBe(401)
    const limited = await login('192.0.2.50', 'nobody-else', 'Wrong-password-1!')
    expect(limited.status).toBe(429)
    expect(limited.body.error?.code).toBe('rate_limited')
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(60)
    // IPv6 counts by /64: another address of the same block shares the limit.
    for (let attempt = 1; attempt <= 20; attempt++) await login(`2001:db8:1:2::${attempt.toString(16)}`, `v6-${attempt}`, 'Wrong-password-1!')
    expect((await login('2001:db8:1:2:ffff::1', 'v6-other', 'Wrong-password-1!')).body.error?.code).toBe('rate_limited')
    advance(60)
    expect((await login('192.0.2.50', 'nobody-else', 'Wrong-password-1!')).status).toBe(401)
  })
})
