import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium, logIn } from '../support/browser.ts'
import { apiLogin, mail, sendMail, startTestRuntime, waitFor } from '../support/local-stack.ts'

/**
 * Issue 13.4 in the compose dialog: a customer mail whose Reply-To names a stranger is answered to
 * its From by default, and the dialog says so, with a way to answer the Reply-To explicitly.
 */
let runtime: Awaited<ReturnType<typeof startTestRuntime>>
let browser: Browser

beforeAll(async () => {
  ;[runtime, browser] = await Promise.all([startTestRuntime(), launchChromium()])
})
afterAll(async () => {
  await browser?.close()
  await runtime?.cleanup()
})

describe('the reply to a mail with a stranger in Reply-To', () => {
  it('goes to the customer by default; the dialog names the Reply-To and lets the agent choose it', async () => {
    const subject = 'Please answer elsewhere'
    const raw = mail({ subject, from: 'Ann Customer <ann@customer.example>', headers: { 'Reply-To': 'Mallory <mallory@evil.example>' } })
    await sendMail(runtime.smtpPort, raw, { from: 'ann@customer.example', to: ['support@example.com'] })
    const token = await apiLogin(runtime.httpUrl)
    const number = await waitFor(async () => {
      const response = await fetch(`${runtime.httpUrl}/api/tickets?queue=Support&limit=50`, { headers: { authorization: `Bearer ${token}` } })
      const page = (await response.json()) as { items: { number: string; title: string }[] }
      return page.items.find((ticket) => ticket.title === subject)?.number
    }, 'the ticket')

    const page = await browser.newPage({ viewport: { width: 1280, height: 860 } })
    await page.goto(`${runtime.httpUrl}/`)
    await logIn(page)
    await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor()
    await page.goto(`${runtime.httpUrl}/tickets/${number}`)
    await page.getByRole('heading', { name: subject, level: 1 }).waitFor()
    await page.keyboard.press('r')
    const dialog = page.getByRole('dialog', { name: `Reply · ${number}` })
    await dialog.getByLabel('To', { exact: true }).waitFor()
    await expect.poll(() => dialog.getByLabel('To', { exact: true }).inputValue(), { timeout: 10_000 }).toBe('Ann Customer <ann@customer.example>')
    const warning = dialog.getByTestId('untrusted-reply-to')
    expect(await warning.textContent()).toContain("This mail asked for replies to go to Mallory <mallory@evil.example>, who is not the ticket's customer.")
    await warning.getByRole('button', { name: 'Reply to Mallory <mallory@evil.example> instead' }).click()
    expect(await dialog.getByLabel('To', { exact: true }).inputValue()).toBe('Mallory <mallory@evil.example>')
    await page.close()
  })
})
