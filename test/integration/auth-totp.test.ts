import { beforeAll, describe, expect, it } from 'vitest'
import { createApiApp } from '../../lib/api/app.ts'
import { provisionAgentPasswords } from '../../lib/auth/auth-service.ts'
import { totpCode } from '../../lib/auth/totp.ts'
import type { Clock } from '../../lib/platform/clock.ts'
import type { Dependencies } from '../../lib/runtime/dependencies.ts'
import { apiCaller } from '../support/api-calls.ts'
import { demoPassword, testDependenciesWithConfig } from '../support/local-stack.ts'

/** TOTP (RFC 6238) through the real API and store, with a clock the test moves: enrolment, login, replay, recovery codes, per-role enforcement. */
describe('two-factor authentication (TOTP)', () => {
  let deps: Dependencies
  let call: ReturnType<typeof apiCaller>
  // Mid-step, so "the next step" is exactly +30 s.
  let now = Date.parse('2026-11-23T09:00:05Z')
  const clock: Clock = { now: () => new Date(now) }
  const advance = (seconds: number) => (now += seconds * 1000)
  let adminTotp: { secret: string; recoveryCodes: string[] } | undefined
  const login = (name: string, totp?: string) => call('POST', '/api/auth/login', { body: { login: name, password: demoPassword, ...(totp === undefined ? {} : { totp }) } })
  const token = async (name: string, totp?: string) => {
    const answer = await login(name, totp)
    expect(answer.status, JSON.stringify(answer.body)).toBe(200)
    return String(answer.body.token)
  }
  const enrol = async (session: string) => {
    const started = await call('POST', '/api/me/totp', { token: session })
    expect(started.status, JSON.stringify(started.body)).toBe(200)
    const secret = String(started.body.secret)
    const confirmed = await call('POST', '/api/me/totp/confirm', { token: session, body: { code: totpCode(secret, clock.now()) } })
    expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(200)
    return { secret, recoveryCodes: confirmed.body.recoveryCodes as string[] }
  }

  beforeAll(async () => {
    // Sales agents must use TOTP; admin may.
    deps = await testDependenciesWithConfig((yaml) => yaml.replace('  - name: Sales agent\n    groups:\n      sales: [rw]\n', '  - name: Sales agent\n    groups:\n      sales: [rw]\n    requireTotp: true\n'), {}, { clock })
    expect(deps.config.roles.find((role) => role.name === 'Sales agent')?.requireTotp).toBe(true)
    await provisionAgentPasswords(deps, demoPassword)
    const app = createApiApp(deps)
    call = apiCaller((path, init) => app.request(path, init))
  })

  it('enrolment: a secret, an otpauth:// URI and an SVG QR code; a wrong code is refused; the right one turns it on with ten recovery codes', async () => {
    const session = await token('admin')
    const started = await call('POST', '/api/me/totp', { token: session })
    expect(started.status).toBe(200)
    expect(started.body.uri).toBe(`otpauth://totp/Docket:admin?issuer=Docket&secret=${String(started.body.secret)}&algorithm=SHA1&digits=6&period=30`)
    expect(started.body.qrCode).toMatch(/^data:image\/svg\+xml;base64,/)
    // Nothing changes before the confirmation.
    expect((await login('admin')).status).toBe(200)
    const wrong = await call('POST', '/api/me/totp/confirm', { token: session, body: { code: '000000' } })
    expect(wrong.status).toBe(400)
    expect(wrong.body.error).toMatchObject({ code: 'invalid_request', field: 'body.code' })
    const malformed = await call('POST', '/api/me/totp/confirm', { token: session, body: { code: 'abc' } })
    expect(malformed.body.error).toMatchObject({ field: 'body.code' })
    const confirmed = await call('POST', '/api/me/totp/confirm', { token: session, body: { code: totpCode(String(started.body.secret), clock.now()) } })
    expect(confirmed.status).toBe(200)
    const codes = confirmed.body.recoveryCodes as string[]
    expect(codes).toHaveLength(10)
    expect(new Set(codes).size).toBe(10)
    expect((await call('GET', '/api/me', { token: session })).body.totp).toEqual({ enabled: true, required: false, enabledAt: clock.now().toISOString(), recoveryCodesLeft: 10 })
    expect((await call('POST', '/api/me/totp', { token: session })).status).toBe(409)
    // At rest: the secret encrypted (bound to the login), recovery codes only as hashes.
    const record = await deps.agents.getAgent('admin')
    expect(record!.totp!.encryptedSecret).toMatch(/^v1\./)
    expect(record!.totp!.encryptedSecret).not.toContain(String(started.body.secret))
    expect(record!.totp!.recoveryCodeHashes.some((hash) => codes.some((code) => hash.includes(code.replaceAll('-', ''))))).toBe(false)
    expect((await call('DELETE', '/api/me/totp', { token: session, body: { password: demoPassword, code: codes[0] } })).status).toBe(204)
  })

  it('login: 401 totp_required without a code, totp_invalid with a wrong one; a code works once (replay refused), the next step works', async () => {
    adminTotp = await enrol(await token('admin'))
    const { secret } = adminTotp
    const required = await login('admin')
    expect(required.status).toBe(401)
    expect(required.body.error).toMatchObject({ code: 'totp_required' })
    expect(required.body.token).toBeUndefined()
    const wrongPassword = await call('POST', '/api/auth/login', { body: { login: 'admin', password: 'Wrong-password-1!' } })
    expect(wrongPassword.body.error).toMatchObject({ code: 'unauthorized' })
    expect((await login('admin', '123456')).body.error).toMatchObject({ code: 'totp_invalid' })
    // The confirming code is used up.
    expect((await login('admin', totpCode(secret, clock.now()))).body.error).toMatchObject({ code: 'totp_invalid' })
    advance(30)
    const code = totpCode(secret, clock.now())
    const first = await login('admin', code)
    expect(first.status).toBe(200)
    expect(first.body.totpEnrolmentRequired).toBe(false)
    advance(10)
    const replay = await login('admin', code)
    expect(replay.status).toBe(401)
    expect(replay.body.error).toMatchObject({ code: 'totp_invalid' })
    // An older code (one step back, still within the drift window) is refused too.
    advance(20)
    expect((await login('admin', totpCode(secret, new Date(now - 60_000)))).body.error).toMatchObject({ code: 'totp_invalid' })
    const next = totpCode(secret, clock.now())
    // The same fresh code from two places at once: exactly one gets in (conditional write on the last step).
    const both = await Promise.all([login('admin', next), login('admin', next)])
    expect(both.map((answer) => answer.status).sort()).toEqual([200, 401])
    const listed = (await call('GET', '/api/me/sessions', { token: String(first.body.token) })).body.items as { current: boolean; twoFactor: boolean }[]
    expect(listed.find((item) => item.current)?.twoFactor).toBe(true)
  })

  it('recovery codes: each logs in once; TOTP is turned off with password and code', async () => {
    advance(60)
    const fresh = adminTotp!
    const session = await token('admin', totpCode(fresh.secret, clock.now()))
    const recovery = fresh.recoveryCodes[3]!
    expect((await login('admin', recovery.toUpperCase())).status).toBe(200)
    expect((await login('admin', recovery)).body.error).toMatchObject({ code: 'totp_invalid' })
    expect((await call('GET', '/api/me', { token: session })).body.totp).toMatchObject({ recoveryCodesLeft: 9 })
    const wrongPassword = await call('DELETE', '/api/me/totp', { token: session, body: { password: 'Wrong-password-1!', code: fresh.recoveryCodes[4] } })
    expect(wrongPassword.status).toBe(400)
    expect(wrongPassword.body.error).toMatchObject({ field: 'body.password' })
    const wrongCode = await call('DELETE', '/api/me/totp', { token: session, body: { password: demoPassword, code: '999999' } })
    expect(wrongCode.body.error).toMatchObject({ field: 'body.code' })
    advance(30)
    expect((await call('DELETE', '/api/me/totp', { token: session, body: { password: demoPassword, code: totpCode(fresh.secret, clock.now()) } })).status).toBe(204)
    expect((await login('admin')).status).toBe(200)
    expect((await call('DELETE', '/api/me/totp', { token: session, body: { password: demoPassword, code: '123456' } })).status).toBe(409)
  })

  it('a role that requires TOTP: before enrolment the login gives a session that may only enrol; enrolling makes it a full session', async () => {
    const answer = await login('sales')
    expect(answer.status).toBe(200)
    expect(answer.body.totpEnrolmentRequired).toBe(true)
    // Short: a quarter of an hour to enrol.
    expect(Date.parse(String(answer.body.expiresAt)) - now).toBe(15 * 60_000)
    const session = String(answer.body.token)
    const blocked = await call('GET', '/api/tickets', { token: session })
    expect(blocked.status).toBe(403)
    expect(blocked.body.error).toMatchObject({ code: 'totp_enrolment_required' })
    expect((await call('GET', '/api/me/sessions', { token: session })).body.error).toMatchObject({ code: 'totp_enrolment_required' })
    expect((await call('GET', '/api/me', { token: session })).body.totp).toMatchObject({ enabled: false, required: true })
    const { secret } = await enrol(session)
    expect((await call('GET', '/api/tickets', { token: session })).status).toBe(200)
    // From now on the code is required at login, and the agent cannot turn it off.
    expect((await login('sales')).body.error).toMatchObject({ code: 'totp_required' })
    advance(30)
    const full = await login('sales', totpCode(secret, clock.now()))
    expect(full.body.totpEnrolmentRequired).toBe(false)
    const refused = await call('DELETE', '/api/me/totp', { token: String(full.body.token), body: { password: demoPassword, code: '123456' } })
    expect(refused.status).toBe(403)
    // A lost phone: an admin resets it, and the agent enrols again at the next login.
    const admin = await token('admin')
    expect((await call('DELETE', '/api/admin/agents/sales/totp', { token: String(full.body.token) })).status).toBe(403)
    expect((await call('DELETE', '/api/admin/agents/sales/totp', { token: admin })).status).toBe(204)
    expect((await login('sales')).body.totpEnrolmentRequired).toBe(true)
  })

  it('auth.totp.requireForAdmins: admins must enrol whatever their roles', async () => {
    const strict = createApiApp({ ...deps, config: { ...deps.config, auth: { ...deps.config.auth, totp: { ...deps.config.auth.totp, requireForAdmins: true } } } })
    const strictCall = apiCaller((path, init) => strict.request(path, init))
    const answer = await strictCall('POST', '/api/auth/login', { body: { login: 'admin', password: demoPassword } })
    expect(answer.body.totpEnrolmentRequired).toBe(true)
    expect((await strictCall('GET', '/api/admin/sessions', { token: String(answer.body.token) })).body.error).toMatchObject({ code: 'totp_enrolment_required' })
  })
})
