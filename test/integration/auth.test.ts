import { beforeAll, describe, expect, it } from 'vitest'
import { createApiApp } from '../../lib/api/app.ts'
import { provisionAgentPasswords, setAgentPassword } from '../../lib/auth/auth-service.ts'
import { checkPasswordPolicy } from '../../lib/auth/password-policy.ts'
import { hashPassword, verifyPassword } from '../../lib/auth/passwords.ts'
import type { Clock } from '../../lib/platform/clock.ts'
import type { Dependencies } from '../../lib/runtime/dependencies.ts'
import { apiCaller } from '../support/api-calls.ts'
import { demoPassword, testDependencies } from '../support/local-stack.ts'

/** Issue 9.1 through the real API and store: passwords, lockout, sessions, revocation. */
describe('authentication', () => {
  let deps: Dependencies
  let app: ReturnType<typeof createApiApp>
  let call: ReturnType<typeof apiCaller>
  let now = Date.parse('2026-11-23T09:00:00Z')
  const clock: Clock = { now: () => new Date(now) }
  const advance = (seconds: number) => (now += seconds * 1000)
  const login = (name: string, password = demoPassword, headers: Record<string, string> = {}) => call('POST', '/api/auth/login', { body: { login: name, password }, headers })
  const token = async (name: string, headers: Record<string, string> = {}) => {
    const answer = await login(name, demoPassword, headers)
    expect(answer.status, JSON.stringify(answer.body)).toBe(200)
    return String(answer.body.token)
  }

  beforeAll(async () => {
    deps = await testDependencies({}, { clock })
    await provisionAgentPasswords(deps, demoPassword)
    app = createApiApp(deps)
    call = apiCaller((path, init) => app.request(path, init, { incoming: { socket: { remoteAddress: '203.0.113.9' } } }))
  })

  describe('lockout', () => {
    it('five failures answer 401; then 429 locked with Retry-After, even for the right password; after the wait it works and the count resets', async () => {
      for (let attempt = 1; attempt <= 5; attempt++) expect((await login('admin', 'Wrong-password-1!')).status).toBe(401)
      const locked = await login('admin')
      expect(locked.status).toBe(429)
      expect(locked.body.error).toMatchObject({ code: 'locked' })
      expect(locked.headers.get('retry-after')).toBe('30')
      advance(29)
      expect((await login('admin')).headers.get('retry-after')).toBe('1')
      advance(1)
      expect((await login('admin')).status).toBe(200)
      // Reset by the success: five more failures are free again.
      for (let attempt = 1; attempt <= 5; attempt++) expect((await login('admin', 'Wrong-password-1!')).status).toBe(401)
      expect((await login('admin')).status).toBe(429)
      advance(30)
      expect((await login('admin', 'Wrong-password-1!')).status).toBe(401)
      expect((await login('admin')).headers.get('retry-after')).toBe('60')
      advance(60)
      expect((await login('admin')).status).toBe(200)
    })

    it('an unknown login answers exactly like a known one (401 with the same body, then locked alike)', async () => {
      const known: unknown[] = []
      const unknown: unknown[] = []
      for (let attempt = 1; attempt <= 6; attempt++) {
        const [a, b] = [await login('sales', 'Wrong-password-1!'), await login('nobody-here', 'Wrong-password-1!')]
        known.push([a.status, a.body, a.headers.get('retry-after')])
        unknown.push([b.status, b.body, b.headers.get('retry-after')])
      }
      expect(unknown).toEqual(known)
      expect(known.at(-1)).toEqual([429, { error: { code: 'locked', message: 'too many failed attempts for this login: try again in 30 seconds' } }, '30'])
      advance(30)
    })

    it('twenty guesses at once: at most the free five are checked, the rest are locked out', async () => {
      const answers = await Promise.all(Array.from({ length: 20 }, () => login('parallel-target', 'Wrong-password-1!')))
      const statuses = answers.map((answer) => answer.status)
      expect(statuses.filter((status) => status === 401).length).toBeLessThanOrEqual(5)
      expect(statuses.filter((status) => status === 429).length).toBeGreaterThanOrEqual(15)
      expect(statuses.every((status) => status === 401 || status === 429)).toBe(true)
    })

    it('failures are forgotten after a quiet hour', async () => {
      advance(3600)
      for (let attempt = 1; attempt <= 4; attempt++) expect((await login('sales', 'Wrong-password-1!')).status).toBe(401)
      advance(3600)
      for (let attempt = 1; attempt <= 4; attempt++) expect((await login('sales', 'Wrong-password-1!')).status).toBe(401)
      expect((await login('sales')).status).toBe(200)
    })
  })

  describe('passwords', () => {
    it('a change must pass the policy: 400 naming the field and each broken rule; the right one ends the other sessions', async () => {
      const kept = await token('sales')
      const other = await token('sales')
      const weak = await call('POST', '/api/me/password', { token: kept, body: { current: demoPassword, new: 'weakpassword' } })
      expect(weak.status).toBe(400)
      expect(weak.body.error).toMatchObject({ code: 'invalid_request', field: 'body.new' })
      expect(weak.body.error!.message).toContain('auth.passwordPolicy.requireUpper')
      expect(weak.body.error!.message).toContain('auth.passwordPolicy.requireDigit')
      expect(weak.body.error!.message).toContain('auth.passwordPolicy.requirePunctuation')
      expect(weak.body.error!.message).not.toContain('minLength')
      const changed = await call('POST', '/api/me/password', { token: kept, body: { current: demoPassword, new: 'Another-Password-2?' } })
      expect(changed.status).toBe(204)
      expect((await call('GET', '/api/me', { token: other })).status).toBe(401)
      expect((await call('GET', '/api/me', { token: kept })).status).toBe(200)
      expect((await login('sales', 'Another-Password-2?')).status).toBe(200)
      await setAgentPassword(deps, 'sales', demoPassword)
      // An admin's reset (docket agent password) ends every session, the kept one too.
      expect((await call('GET', '/api/me', { token: kept })).status).toBe(401)
    })

    it('wrong current passwords count like failed logins', async () => {
      const session = await token('sales')
      for (let attempt = 1; attempt <= 5; attempt++) {
        expect((await call('POST', '/api/me/password', { token: session, body: { current: 'Not-it-1!', new: 'Another-Password-2?' } })).body.error).toMatchObject({ field: 'body.current' })
      }
      expect((await call('POST', '/api/me/password', { token: session, body: { current: demoPassword, new: 'Another-Password-2?' } })).status).toBe(429)
      expect((await login('sales')).status).toBe(429)
      advance(30)
      expect((await login('sales')).status).toBe(200)
    })

    it('a hash of older parameters is replaced at the next login; a wrong password replaces nothing', async () => {
      const old = await hashPassword(demoPassword, { N: 2 ** 11, r: 8, p: 1, keyLength: 32 })
      await deps.agents.setPassword('admin', old, clock.now().toISOString())
      expect((await login('admin', 'Wrong-password-1!')).status).toBe(401)
      expect((await deps.agents.getAgent('admin'))?.passwordHash).toBe(old)
      expect((await login('admin')).status).toBe(200)
      const upgraded = (await deps.agents.getAgent('admin'))!.passwordHash!
      expect(upgraded).toMatch(/^scrypt\$1024\$8\$2\$/)
      expect(await verifyPassword(demoPassword, upgraded)).toBe(true)
    })

    it('demo passwords: DOCKET_DEMO_PASSWORD must pass the policy; generated ones always do', async () => {
      const fresh = await testDependencies()
      await expect(provisionAgentPasswords(fresh, 'demo')).rejects.toThrow(/DOCKET_DEMO_PASSWORD is refused: the password policy needs at least 10 characters \(auth\.passwordPolicy\.minLength\)/)
      const generated = await provisionAgentPasswords(fresh, undefined)
      expect(generated.map((entry) => entry.login)).toEqual(['admin', 'sales'])
      for (const { password } of generated) expect(checkPasswordPolicy(fresh.config.auth.passwordPolicy, password)).toEqual([])
      await expect(setAgentPassword(fresh, 'admin', 'weak')).rejects.toMatchObject({ code: 'invalid_request', field: 'password' })
    })

    it('GET /api/auth/password-policy is public', async () => {
      const answer = await call('GET', '/api/auth/password-policy')
      expect(answer.status).toBe(200)
      expect(answer.body).toEqual({ minLength: 10, requireUpper: true, requireLower: true, requireDigit: true, requirePunctuation: true })
    })
  })

  describe('sessions', () => {
    it('GET /api/me/sessions: created, last seen, user agent, IP, the current one marked', async () => {
      const first = await token('admin', { 'user-agent': 'Firefox/140' })
      const second = await token('admin', { 'user-agent': 'curl/8' })
      const listed = await call('GET', '/api/me/sessions', { token: second })
      expect(listed.status).toBe(200)
      const items = listed.body.items as { id: string; current: boolean; userAgent: string; ip: string; createdAt: string; lastSeenAt: string; login: string; twoFactor: boolean }[]
      expect(items.filter((item) => item.current)).toHaveLength(1)
      expect(items.find((item) => item.current)).toMatchObject({ userAgent: 'curl/8', ip: '203.0.113.9', login: 'admin', twoFactor: false, createdAt: clock.now().toISOString() })
      expect(items.some((item) => item.userAgent === 'Firefox/140' && !item.current)).toBe(true)
      expect((await call('GET', '/api/me', { token: first })).status).toBe(200)
    })

    it('last seen is written at most once a minute; a session idle longer than maxIdleMinutes ends', async () => {
      const session = await token('admin')
      const lastSeen = async () => ((await call('GET', '/api/me/sessions', { token: session })).body.items as { current: boolean; lastSeenAt: string }[]).find((item) => item.current)!.lastSeenAt
      const created = clock.now().toISOString()
      advance(30)
      expect(await lastSeen()).toBe(created)
      advance(31)
      expect(await lastSeen()).toBe(clock.now().toISOString())
      advance(119 * 60)
      expect((await call('GET', '/api/me', { token: session })).status).toBe(200)
      advance(121 * 60)
      const idle = await call('GET', '/api/me', { token: session })
      expect(idle.status).toBe(401)
      expect(idle.body.error!.message).toMatch(/idle/)
    })

    it('revoking: one of mine (its token fails at once), all others, and not another agent\'s (404)', async () => {
      const mine = await token('admin')
      const spare = await token('admin')
      const third = await token('admin')
      const salesToken = await token('sales')
      const items = (await call('GET', '/api/me/sessions', { token: mine })).body.items as { id: string; current: boolean }[]
      const salesId = ((await call('GET', '/api/me/sessions', { token: salesToken })).body.items as { id: string; current: boolean }[]).find((item) => item.current)!.id
      expect((await call('DELETE', `/api/me/sessions/${encodeURIComponent(salesId)}`, { token: mine })).status).toBe(404)
      expect((await call('GET', '/api/me', { token: salesToken })).status).toBe(200)
      const spareId = ((await call('GET', '/api/me/sessions', { token: spare })).body.items as { id: string; current: boolean }[]).find((item) => item.current)!.id
      expect(items.some((item) => item.id === spareId)).toBe(true)
      expect((await call('DELETE', `/api/me/sessions/${encodeURIComponent(spareId)}`, { token: mine })).status).toBe(204)
      expect((await call('GET', '/api/me', { token: spare })).status).toBe(401)
      expect((await call('DELETE', `/api/me/sessions/${encodeURIComponent(spareId)}`, { token: mine })).status).toBe(404)
      const others = await call('DELETE', '/api/me/sessions', { token: mine })
      expect(others.status).toBe(200)
      expect(others.body.revoked).toBeGreaterThanOrEqual(1)
      expect((await call('GET', '/api/me', { token: third })).status).toBe(401)
      expect((await call('GET', '/api/me', { token: mine })).status).toBe(200)
      expect(((await call('GET', '/api/me/sessions', { token: mine })).body.items as unknown[]).length).toBe(1)
    })

    it('admins list everyone\'s sessions and end one, or all of an agent\'s; others get 403', async () => {
      const admin = await token('admin')
      const salesA = await token('sales')
      const salesB = await token('sales')
      expect((await call('GET', '/api/admin/sessions', { token: salesA })).status).toBe(403)
      const all = (await call('GET', '/api/admin/sessions', { token: admin })).body.items as { id: string; login: string; current: boolean }[]
      expect(new Set(all.map((item) => item.login))).toEqual(new Set(['admin', 'sales']))
      const salesAId = ((await call('GET', '/api/me/sessions', { token: salesA })).body.items as { id: string; current: boolean }[]).find((item) => item.current)!.id
      expect((await call('DELETE', `/api/admin/sessions/${encodeURIComponent(salesAId)}`, { token: salesB })).status).toBe(403)
      expect((await call('DELETE', `/api/admin/sessions/${encodeURIComponent(salesAId)}`, { token: admin })).status).toBe(204)
      expect((await call('GET', '/api/me', { token: salesA })).status).toBe(401)
      expect((await call('GET', '/api/me', { token: salesB })).status).toBe(200)
      expect((await call('DELETE', '/api/admin/agents/ghost/sessions', { token: admin })).status).toBe(404)
      const ended = await call('DELETE', '/api/admin/agents/sales/sessions', { token: admin })
      expect(ended.status).toBe(200)
      expect(ended.body.revoked).toBeGreaterThanOrEqual(1)
      expect((await call('GET', '/api/me', { token: salesB })).status).toBe(401)
    })

    it('a disabled agent\'s token fails at once (the config is read on every request)', async () => {
      const salesToken = await token('sales')
      const disabled = createApiApp({ ...deps, config: { ...deps.config, agents: deps.config.agents.map((agent) => (agent.login === 'sales' ? { ...agent, enabled: false } : agent)) } })
      const answer = await disabled.request('/api/me', { headers: { authorization: `Bearer ${salesToken}` } })
      expect(answer.status).toBe(401)
      expect(((await answer.json()) as { error: { message: string } }).error.message).toBe('this agent is disabled')
      // …and a disabled agent cannot log in (the same answer as a wrong password).
      const loginAnswer = await disabled.request('/api/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: 'sales', password: demoPassword }) })
      expect(loginAnswer.status).toBe(401)
      expect(await loginAnswer.json()).toEqual({ error: { code: 'unauthorized', message: 'login or password is wrong' } })
      expect((await call('GET', '/api/me', { token: salesToken })).status).toBe(200)
    })

    it('logout, and a token whose session expired, fail at once', async () => {
      const session = await token('admin')
      expect((await call('POST', '/api/auth/logout', { token: session })).status).toBe(204)
      expect((await call('GET', '/api/me', { token: session })).status).toBe(401)
      const expiring = await token('admin')
      for (let hour = 0; hour < 12; hour++) {
        advance(3600 - 1)
        expect((await call('GET', '/api/me', { token: expiring })).status).toBe(200)
      }
      advance(12)
      expect((await call('GET', '/api/me', { token: expiring })).status).toBe(401)
    })
  })
})
