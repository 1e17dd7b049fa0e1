import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { simpleParser } from 'mailparser'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApiApp } from '../../lib/api/app.ts'
import { provisionAgentPasswords } from '../../lib/auth/auth-service.ts'
import type { Clock } from '../../lib/platform/clock.ts'
import type { Dependencies } from '../../lib/runtime/dependencies.ts'
import { apiCaller, httpCaller } from '../support/api-calls.ts'
import { demoPassword, startTestRuntime, testDependencies, waitFor } from '../support/local-stack.ts'

const tokenIn = async (raw: Buffer | string) => {
  const parsed = await simpleParser(raw)
  const link = /(\S+\/reset-password\?token=([A-Za-z0-9_-]+))/.exec(parsed.text ?? '')
  return { link: link?.[1], token: link?.[2], to: parsed.to && !Array.isArray(parsed.to) ? parsed.to.value.map((address) => address.address) : [], subject: parsed.subject, headers: parsed.headers }
}

/** Issue 9.1: password reset by a mailed one-time token. */
describe('password reset', () => {
  describe('through the whole local runtime (HTTP, outbox relay, outbound queue, mail sender)', () => {
    let runtime: Awaited<ReturnType<typeof startTestRuntime>>
    let call: ReturnType<typeof httpCaller>
    const outbox = () => join(runtime.deps.settings.dataDir, 'outbox')
    const resetMails = async () => {
      const files = (await readdir(outbox()).catch(() => [] as string[])).filter((file) => file.endsWith('.eml'))
      const mails = await Promise.all(files.map(async (file) => tokenIn(await readFile(join(outbox(), file)))))
      return mails.filter((mail) => mail.token)
    }

    beforeAll(async () => {
      runtime = await startTestRuntime()
      call = httpCaller(runtime.httpUrl)
    })
    afterAll(async () => runtime?.cleanup())

    it('a known and an unknown login get the same 202, no faster than the floor; only the agent gets a link, which works once and ends every session', async () => {
      const before = await call('POST', '/api/auth/login', { body: { login: 'admin', password: demoPassword } })
      const oldSession = String(before.body.token)
      const timed = async (login: string) => {
        const started = performance.now()
        const answer = await call('POST', '/api/auth/password-reset', { body: { login } })
        return { status: answer.status, text: answer.text, ms: performance.now() - started }
      }
      const [unknown, known] = [await timed('nobody-here'), await timed('admin')]
      expect([unknown.status, known.status]).toEqual([202, 202])
      expect(unknown.text).toBe(known.text)
      expect(unknown.ms).toBeGreaterThanOrEqual(390)
      expect(known.ms).toBeGreaterThanOrEqual(390)

      const [mail] = await waitFor(async () => ((await resetMails()).length > 0 ? resetMails() : undefined), 'the reset mail in the outbox')
      expect(await resetMails()).toHaveLength(1)
      expect(mail!.to).toEqual(['admin@example.com'])
      expect(mail!.link).toBe(`${runtime.deps.config.system.webUrl}/reset-password?token=${mail!.token}`)
      expect(mail!.headers.get('auto-submitted')).toBe('auto-generated')

      const weak = await call('POST', '/api/auth/password-reset/confirm', { body: { token: mail!.token, password: 'weakpassword' } })
      expect(weak.status).toBe(400)
      expect(weak.body.error).toMatchObject({ code: 'invalid_request', field: 'body.password' })
      expect(weak.body.error!.message).toContain('auth.passwordPolicy.requireUpper')
      // The refused password did not use the link up.
      expect((await call('POST', '/api/auth/password-reset/confirm', { body: { token: mail!.token, password: 'Brand-New-Pass-9' } })).status).toBe(204)
      expect((await call('GET', '/api/me', { token: oldSession })).status).toBe(401)
      expect((await call('POST', '/api/auth/login', { body: { login: 'admin', password: demoPassword } })).status).toBe(401)
      expect((await call('POST', '/api/auth/login', { body: { login: 'admin', password: 'Brand-New-Pass-9' } })).status).toBe(200)
      const again = await call('POST', '/api/auth/password-reset/confirm', { body: { token: mail!.token, password: 'Another-New-Pass-9' } })
      expect(again.status).toBe(400)
      expect(again.body.error).toMatchObject({ field: 'body.token' })
    })
  })

  describe('rules, with a clock the test moves', () => {
    let deps: Dependencies
    let call: ReturnType<typeof apiCaller>
    let now = Date.parse('2026-11-23T09:00:00Z')
    const clock: Clock = { now: () => new Date(now) }
    const seen = new Set<string>()
    /** Tokens mailed since the last call (read from the stored outbound mails). */
    const newTokens = async () => {
      const tokens: string[] = []
      for await (const blob of deps.attachments.list('outbound/password-reset/')) {
        if (seen.has(blob.key)) continue
        seen.add(blob.key)
        tokens.push((await tokenIn(await deps.attachments.get(blob.key))).token!)
      }
      return tokens
    }
    const requestReset = (login: string) => call('POST', '/api/auth/password-reset', { body: { login } })
    const confirm = (token: string | undefined, password = 'Brand-New-Pass-9') => call('POST', '/api/auth/password-reset/confirm', { body: { token, password } })

    beforeAll(async () => {
      deps = await testDependencies({}, { clock })
      await provisionAgentPasswords(deps, demoPassword)
      const app = createApiApp(deps)
      call = apiCaller((path, init) => app.request(path, init))
    })

    it('the link expires after auth.passwordReset.tokenMinutes', async () => {
      await requestReset('sales')
      const [token] = await newTokens()
      now += 30 * 60_000 + 1000
      expect((await confirm(token)).body.error).toMatchObject({ field: 'body.token' })
      now += 3600_000
    })

    it('two confirmations at once: exactly one wins', async () => {
      await requestReset('sales')
      const [token] = await newTokens()
      const answers = await Promise.all([confirm(token, 'First-New-Pass-1'), confirm(token, 'Second-New-Pass-2')])
      expect(answers.map((answer) => answer.status).sort()).toEqual([204, 400])
      now += 3600_000
    })

    it('at most maxMailsPerHour mails per login and hour, yet every request answers 202', async () => {
      const answers = await Promise.all([1, 2, 3, 4, 5].map(() => requestReset('admin')))
      expect(answers.map((answer) => answer.status)).toEqual([202, 202, 202, 202, 202])
      expect(await newTokens()).toHaveLength(3)
      now += 3600_000
      await requestReset('admin')
      expect(await newTokens()).toHaveLength(1)
    })

    it('a link mailed before the password changed is void; bad tokens are 400 naming body.token', async () => {
      now += 3600_000
      await requestReset('admin')
      const [token] = await newTokens()
      now += 1000
      const session = String((await call('POST', '/api/auth/login', { body: { login: 'admin', password: demoPassword } })).body.token)
      expect((await call('POST', '/api/me/password', { token: session, body: { current: demoPassword, new: 'Changed-Meanwhile-1' } })).status).toBe(204)
      expect((await confirm(token)).body.error).toMatchObject({ field: 'body.token' })
      expect((await confirm('x'.repeat(43))).body.error).toMatchObject({ field: 'body.token' })
      expect((await confirm('short')).body.error).toMatchObject({ field: 'body.token' })
    })

    it('a disabled agent, or auth.passwordReset.enabled: false, gets no mail (and the same 202)', async () => {
      const off = createApiApp({ ...deps, config: { ...deps.config, auth: { ...deps.config.auth, passwordReset: { ...deps.config.auth.passwordReset, enabled: false } } } })
      expect((await off.request('/api/auth/password-reset', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: 'sales' }) })).status).toBe(202)
      const disabled = createApiApp({ ...deps, config: { ...deps.config, agents: deps.config.agents.map((agent) => ({ ...agent, enabled: agent.login !== 'sales' })) } })
      expect((await disabled.request('/api/auth/password-reset', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: 'sales' }) })).status).toBe(202)
      expect(await newTokens()).toHaveLength(0)
    })
  })
})
