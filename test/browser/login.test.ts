/// <reference lib="dom" />
// (page.evaluate callbacks run in the browser: they need the DOM types.)
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { simpleParser } from 'mailparser'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse, stringify } from 'yaml'
import { apiLogin, startTestRuntime, waitFor } from '../support/local-stack.ts'
import { launchChromium, logIn, screenshot } from '../support/browser.ts'
import { totpCode } from '../../lib/auth/totp.ts'

let runtime: Awaited<ReturnType<typeof startTestRuntime>>
let browser: Browser
let configDir: string

/** The demo config plus two agents: "secure", whose role requires TOTP, and "forgetful", who resets a password. */
async function writeTestConfig(): Promise<string> {
  configDir = await mkdtemp(join(tmpdir(), 'docket-login-config-'))
  const config = parse(await readFile('docket.config.yaml', 'utf8')) as { roles: object[]; agents: object[] }
  config.roles.push({ name: 'Secure agent', groups: { users: ['rw'] }, requireTotp: true })
  config.agents.push(
    { login: 'secure', firstName: 'Sven', lastName: 'Secure', email: 'sven.secure@example.com', roles: ['Secure agent'] },
    { login: 'forgetful', firstName: 'Fay', lastName: 'Forgetful', email: 'fay.forgetful@example.com', roles: ['Support agent'] },
  )
  const path = join(configDir, 'docket.config.yaml')
  await writeFile(path, stringify(config))
  return path
}

beforeAll(async () => {
  ;[runtime, browser] = await Promise.all([startTestRuntime({ configPath: await writeTestConfig() }), launchChromium()])
})
afterAll(async () => {
  await browser?.close()
  await runtime?.cleanup()
  if (configDir) await rm(configDir, { recursive: true, force: true })
})

describe('serving the client', () => {
  it('serves index.html for client routes with a strict CSP and no caching; hashed assets cache for a year', async () => {
    const page = await fetch(`${runtime.httpUrl}/tickets/2026112342000001`)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toContain('text/html')
    expect(page.headers.get('cache-control')).toBe('no-cache')
    const csp = page.headers.get('content-security-policy') ?? ''
    expect(csp).toContain("default-src 'self'")
    expect(csp).toContain("script-src 'self'")
    expect(csp).not.toContain("'unsafe-eval'")
    const html = await page.text()
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/)
    const script = /<script[^>]*src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1]
    expect(script).toBeDefined()
    const asset = await fetch(`${runtime.httpUrl}${script}`)
    expect(asset.headers.get('content-type')).toContain('text/javascript')
    expect(asset.headers.get('cache-control')).toContain('immutable')
    expect((await fetch(`${runtime.httpUrl}/assets/no-such-chunk.js`)).status).toBe(404)
    const unknownApi = await fetch(`${runtime.httpUrl}/api/no-such-route`, { headers: { authorization: `Bearer ${await apiLogin(runtime.httpUrl)}` } })
    expect(unknownApi.status).toBe(404)
    expect(((await unknownApi.json()) as { error: { code: string } }).error.code).toBe('not_found')
  })
})

describe('login and session', () => {
  it('logs in, keeps the route, logs out; an expired session returns to the same route after logging in again', async () => {
    const page = await browser.newPage()
    await page.goto(`${runtime.httpUrl}/`)
    expect(await page.title()).toMatch(/^Docket/)
    await expect(page.getByLabel('Login', { exact: true }).isVisible()).resolves.toBe(true)
    await screenshot(page, 'login')

    await logIn(page, 'admin', 'wrong-password')
    await page.getByRole('alert').waitFor()
    expect(await page.getByRole('alert').textContent()).toContain('wrong')

    await logIn(page)
    await page.getByRole('navigation', { name: 'Main' }).waitFor()
    expect(await page.title()).toMatch(/^Docket/)

    // The session ends behind the client's back (revoked elsewhere): the next call answers 401.
    await page.goto(`${runtime.httpUrl}/queues/Support`)
    await page.getByRole('navigation', { name: 'Main' }).waitFor()
    const token = await page.evaluate(() => (JSON.parse(sessionStorage.getItem('docket.session') ?? '{}') as { token: string }).token)
    await fetch(`${runtime.httpUrl}/api/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })
    await page.getByRole('link', { name: 'Dashboard' }).click()
    await page.getByText('Your session has expired').waitFor()
    expect(new URL(page.url()).pathname).toBe('/')
    await page.goto(`${runtime.httpUrl}/queues/Support`)
    await logIn(page)
    await page.getByRole('navigation', { name: 'Main' }).waitFor()
    expect(new URL(page.url()).pathname).toBe('/queues/Support')

    await page.getByRole('button', { name: /^Personal menu of / }).click()
    await page.getByRole('button', { name: 'Log out' }).click()
    await page.getByText('You are logged out.').waitFor()
    await page.close()
  })
})

describe('two-factor authentication', () => {
  it('turns TOTP on in the preferences; the next login asks for a code, refuses a wrong one and takes a recovery code; an admin ends the sessions and resets the TOTP', async () => {
    const page = await browser.newPage()
    await page.goto(`${runtime.httpUrl}/preferences`)
    await logIn(page, 'sales')
    await page.getByRole('button', { name: 'Turn on two-factor authentication' }).click()
    const secret = (await page.locator('.qr-code + .hint code').textContent())!.trim()
    expect(await page.locator('img.qr-code').getAttribute('src')).toMatch(/^data:image\/svg\+xml/)
    await page.getByLabel('Authentication code').fill(totpCode(secret, new Date()))
    await page.getByRole('button', { name: 'Turn on', exact: true }).click()
    await page.getByText('Two-factor authentication is on.').waitFor()
    const recoveryCode = (await page.locator('pre.article-raw').textContent())!.split('\n')[0]!.trim()
    await screenshot(page, 'totp-recovery-codes')
    await page.getByRole('button', { name: 'Continue' }).click()
    await page.getByText(/On since/).waitFor()

    await page.getByRole('button', { name: /^Personal menu of / }).click()
    await page.getByRole('button', { name: 'Log out' }).click()
    await logIn(page, 'sales')
    const codeField = page.getByLabel('Authentication code')
    await codeField.waitFor()
    await codeField.fill('000000')
    await page.getByRole('button', { name: 'Log in' }).click()
    await page.getByText('That code is not valid').waitFor()
    await page.getByLabel('Authentication code').fill(recoveryCode)
    await page.getByRole('button', { name: 'Log in' }).click()
    await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor()
    const salesToken = await page.evaluate(() => (JSON.parse(sessionStorage.getItem('docket.session') ?? '{}') as { token: string }).token)
    await page.close()

    // Two wrong guesses at Sam's login (issue 13.8: the admin sees who is being locked out, and from where).
    for (const attempt of [1, 2]) {
      const body = JSON.stringify({ login: 'sales', password: `Wrong-password-${attempt}!` })
      await fetch(`${runtime.httpUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
    }

    // OTRS session management: the admin sees Sam's session, ends all of them, and resets the TOTP of the lost phone.
    const admin = await browser.newPage()
    await admin.goto(`${runtime.httpUrl}/admin/sessions`)
    await logIn(admin)
    await admin.getByRole('heading', { name: 'Session management', level: 1 }).waitFor()
    const lockouts = admin.getByRole('region', { name: /Failed logins and lockouts/ })
    await lockouts.getByText('Sam Sales').waitFor()
    await lockouts.getByText(/127\.0\.0\.1: 2 failures · last at/).waitFor()
    await admin.getByRole('button', { name: 'End all sessions of Sam Sales' }).click()
    await admin.getByText('Every session of Sam Sales is ended.').waitFor()
    await admin.getByRole('button', { name: 'End all sessions of Sam Sales' }).waitFor({ state: 'detached' })
    expect((await fetch(`${runtime.httpUrl}/api/me`, { headers: { authorization: `Bearer ${salesToken}` } })).status).toBe(401)
    await screenshot(admin, 'admin-sessions')
    await admin.getByLabel('Agent', { exact: true }).selectOption('sales')
    await admin.getByRole('button', { name: 'Reset', exact: true }).click()
    await admin.getByText('Two-factor authentication of Sam Sales is reset.').waitFor()
    await admin.close()
    await apiLogin(runtime.httpUrl, 'sales')
  })

  it('leads an agent whose role requires TOTP through enrolment at the first login', async () => {
    const page = await browser.newPage()
    await page.goto(`${runtime.httpUrl}/`)
    await logIn(page, 'secure')
    await page.getByRole('heading', { name: 'Two-factor authentication', level: 1 }).waitFor()
    await page.getByText('Your role requires two-factor authentication').waitFor()
    const secret = (await page.locator('.qr-code + .hint code').textContent())!.trim()
    await page.getByLabel('Authentication code').fill(totpCode(secret, new Date()))
    await page.getByRole('button', { name: 'Turn on', exact: true }).click()
    await page.getByText('Two-factor authentication is on.').waitFor()
    await screenshot(page, 'totp-enrolment')
    await page.getByRole('button', { name: 'Continue' }).click()
    await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor()
    // The session is a full one now, also after a reload.
    await page.reload()
    await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor()
    await page.close()
  })
})

describe('password reset and change', () => {
  it('mails a one-time link; the link sets a new password; the preferences change it again', async () => {
    const page = await browser.newPage()
    await page.goto(`${runtime.httpUrl}/`)
    await page.getByRole('button', { name: 'Forgot your password?' }).click()
    await page.getByLabel('Your login').fill('forgetful')
    await page.getByRole('button', { name: 'Mail me a link to set a new password' }).click()
    await page.getByText('If that login exists').waitFor()

    // The mail lands in the local outbox, like every mail Docket sends.
    const outbox = join(runtime.deps.settings.dataDir, 'outbox')
    const link = await waitFor(async () => {
      for (const file of (await readdir(outbox).catch(() => [])).filter((name) => name.endsWith('.eml'))) {
        const mail = await simpleParser(await readFile(join(outbox, file)))
        if (mail.to && JSON.stringify(mail.to).includes('fay.forgetful@example.com')) return /https?:\/\/\S+\/reset-password\?token=[\w-]+/.exec(mail.text ?? '')?.[0]
      }
      return undefined
    }, 'the password reset mail')
    const { pathname, search } = new URL(link)
    await page.goto(`${runtime.httpUrl}${pathname}${search}`)
    await page.getByRole('heading', { name: 'Set a new password' }).waitFor()
    await page.getByText('At least 10 characters, with an upper case letter, a lower case letter, a digit, a punctuation mark.').waitFor()
    await page.getByLabel('New password', { exact: true }).fill('Brand-new-Pass-2!')
    await page.getByLabel('New password again').fill('Brand-new-Pass-2!')
    await page.getByRole('button', { name: 'Set password' }).click()
    await page.getByText('Your password is set.').waitFor()
    await screenshot(page, 'reset-password')
    await page.getByRole('button', { name: 'Log in' }).click()
    await logIn(page, 'forgetful', 'Brand-new-Pass-2!')
    await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor()
    // The link works once.
    const reused = await fetch(`${runtime.httpUrl}/api/auth/password-reset/confirm`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: new URL(link).searchParams.get('token'), password: 'Other-Pass-9!x' }) })
    expect(reused.status).toBe(400)

    await page.goto(`${runtime.httpUrl}/preferences`)
    await page.getByLabel('Current password').first().fill('Brand-new-Pass-2!')
    await page.getByLabel('New password', { exact: true }).fill('Another-Pass-3!')
    await page.getByLabel('New password again').fill('Another-Pass-3!')
    await page.getByRole('button', { name: 'Change password' }).click()
    await page.getByText('Your password is changed.').waitFor()
    await apiLogin(runtime.httpUrl, 'forgetful', 'Another-Pass-3!')
    await page.close()
  })
})
