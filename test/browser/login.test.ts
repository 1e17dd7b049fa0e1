/// <reference lib="dom" />
// (page.evaluate callbacks run in the browser: they need the DOM types.)
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { apiLogin, startTestRuntime } from '../support/local-stack.ts'
import { launchChromium, logIn, screenshot } from '../support/browser.ts'
import { totpCode } from '../../lib/auth/totp.ts'

let runtime: Awaited<ReturnType<typeof startTestRuntime>>
let browser: Browser

beforeAll(async () => {
  ;[runtime, browser] = await Promise.all([startTestRuntime(), launchChromium()])
})
afterAll(async () => {
  await browser?.close()
  await runtime?.cleanup()
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

    await page.getByRole('button', { name: 'Log out' }).click()
    await page.getByText('You are logged out.').waitFor()
    await page.close()
  })
})

describe('two-factor authentication', () => {
  it('turns TOTP on in the preferences; the next login asks for a code, refuses a wrong one and takes a recovery code', async () => {
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
    await page.close()
  })
})
