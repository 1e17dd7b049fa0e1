/// <reference lib="dom" />
// (page.evaluate callbacks run in the browser: they need the DOM types.)
import { readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium, logIn, screenshot } from '../support/browser.ts'
import { apiLogin, startTestRuntime, waitFor } from '../support/local-stack.ts'

/**
 * Issue 14.1 in Chromium against the real local runtime: an agent opens a phone ticket and an
 * email ticket from the top bar, and splits an article into a new phone ticket.
 */
let runtime: Awaited<ReturnType<typeof startTestRuntime>>
let browser: Browser
let token: string

interface Detail {
  number: string
  title: string
  queue: string
  state: string
  pendingUntil: string | null
  owner: string | null
  lock: string
  priority: number
  customer: string | null
  timeUnits: number
  links: { ticketNumber: string; type: string }[]
  articles: { id: string; sender: string; channel: string; subject: string; bodyText: string; to: string; cc: string; attachments: { name: string }[] }[]
}

beforeAll(async () => {
  ;[runtime, browser] = await Promise.all([startTestRuntime(), launchChromium()])
  token = await apiLogin(runtime.httpUrl)
})
afterAll(async () => {
  await browser?.close()
  await runtime?.cleanup()
})

const api = async <T,>(path: string): Promise<T> => {
  const response = await fetch(`${runtime.httpUrl}${path}`, { headers: { authorization: `Bearer ${token}` } })
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`)
  return (await response.json()) as T
}

async function newLoggedInPage(viewport = { width: 1280, height: 900 }): Promise<Page> {
  const page = await browser.newPage({ viewport })
  await page.goto(`${runtime.httpUrl}/`)
  await logIn(page)
  await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor()
  return page
}

const numberOf = (page: Page) => /\/tickets\/(\d+)/.exec(page.url())![1]!

describe('agents open tickets in the web client', () => {
  it('the top bar keeps to one row at 1280 px in English, German and Dutch, with New phone ticket and New email ticket on it', async () => {
    const labels = {
      en: ['New phone ticket', 'New email ticket', 'Tickets', 'Status view', 'Personal menu of', 'Preferences'],
      de: ['Neues Telefon-Ticket', 'Neues E-Mail-Ticket', 'Tickets', 'Status-Ansicht', 'Persönliches Menü von', 'Einstellungen'],
      nl: ['Nieuw telefoonticket', 'Nieuw e-mailticket', 'Tickets', 'Statusoverzicht', 'Persoonlijk menu van', 'Voorkeuren'],
    } as const
    const setLanguage = (language: string | null) =>
      fetch(`${runtime.httpUrl}/api/me/preferences`, { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ language }) })
    try {
      for (const [language, [phone, email, tickets, status, personal, preferences]] of Object.entries(labels)) {
        expect((await setLanguage(language)).status).toBe(200)
        const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
        await page.goto(`${runtime.httpUrl}/`)
        await logIn(page)
        const bar = page.getByRole('banner')
        await bar.getByRole('link', { name: phone }).waitFor()
        await bar.getByRole('link', { name: email }).waitFor()
        // OTRS's Tickets menu holds the other ticket views.
        await bar.getByRole('button', { name: tickets }).click()
        await screenshot(page, `top-bar-${language}`)
        const height = await bar.evaluate((element) => element.getBoundingClientRect().height)
        expect(height, `top bar height in ${language}`).toBeLessThan(56)
        await bar.getByRole('link', { name: status }).click()
        await page.getByRole('heading', { name: status, level: 1 }).waitFor()
        // Preferences and log out sit in the personal menu behind the agent's initials, as in OTRS 6.
        await bar.getByRole('button', { name: personal }).click()
        await screenshot(page, `personal-menu-${language}`)
        await bar.getByRole('link', { name: preferences }).click()
        await page.waitForURL(/\/preferences$/)
        await page.close()
      }
    } finally {
      await setLanguage(null)
    }
  })

  it('New phone ticket from the top bar: the customer called, pending reminder, owner, attachment', async () => {
    const page = await newLoggedInPage()
    await page.getByRole('banner').getByRole('link', { name: 'New phone ticket' }).click()
    await page.getByRole('heading', { name: 'New phone ticket', level: 1 }).waitFor()
    expect(await page.title()).toBe('Docket · New phone ticket')
    // Queues offered are those with the create right (admin: all of them), Support first (My Queues).
    await page.getByLabel('From customer user').fill('Paula Phone <paula@caller.example>')
    await page.getByLabel('To queue').selectOption('Support')
    await page.getByLabel('Subject').fill('Scanner shows error E42')
    await page.getByLabel('Text').fill('Paula called: the scanner on floor 2 shows E42 since this morning.')
    await page.getByLabel('Attachments').setInputFiles({ name: 'photo-notes.txt', mimeType: 'text/plain', buffer: Buffer.from('E42 on the display') })
    await page.getByText('photo-notes.txt').waitFor()
    await page.getByLabel('Owner').selectOption('admin')
    await page.getByLabel('Priority').selectOption('4')
    await page.getByLabel('Next state').selectOption('pending reminder')
    // The pending time starts at tomorrow 09:00 in the agent's zone.
    expect(await page.getByLabel('Pending until').inputValue()).toMatch(/T09:00$/)
    await page.getByLabel('Time units').fill('10')
    await screenshot(page, 'new-phone-ticket', true)
    await page.getByRole('button', { name: 'Create ticket' }).click()
    await page.waitForURL(/\/tickets\/\d+$/)
    await page.getByRole('heading', { name: 'Scanner shows error E42', level: 1 }).waitFor()
    await screenshot(page, 'new-phone-ticket-zoom')

    const detail = await api<Detail>(`/api/tickets/${numberOf(page)}`)
    expect(detail).toMatchObject({ queue: 'Support', state: 'pending reminder', owner: 'admin', lock: 'lock', priority: 4, customer: 'paula@caller.example', timeUnits: 10 })
    expect(detail.pendingUntil).not.toBeNull()
    expect(detail.articles[0]).toMatchObject({ sender: 'customer', channel: 'phone', subject: 'Scanner shows error E42' })
    expect(detail.articles[0]!.attachments.map((attachment) => attachment.name)).toEqual(['photo-notes.txt'])
    await page.close()
  })

  it('New email ticket by shortcut: template, signature of the queue, Cc; the mail leaves with [Ticket#…]', async () => {
    const page = await newLoggedInPage()
    // "g e" (a prefix key, then the key, within 1.5 s): pressed again if a loaded machine let the prefix lapse.
    const heading = page.getByRole('heading', { name: 'New email ticket', level: 1 })
    for (let attempt = 0; attempt < 3 && !(await heading.isVisible()); attempt++) {
      await page.keyboard.press('g')
      await page.keyboard.press('e')
      await heading.waitFor({ timeout: 5_000 }).catch(() => undefined)
    }
    await heading.waitFor()
    await page.getByLabel('To customer user').fill('Olga Order <olga@shop.example>')
    await page.getByLabel('Cc').fill('purchasing@shop.example')
    await page.getByLabel('From queue').selectOption('Support')
    await page.getByLabel('Template').selectOption('Order confirmation')
    const body = page.getByLabel('Text')
    await expect.poll(() => body.inputValue()).toContain('we have received your order')
    expect(await body.inputValue()).toMatch(/^Dear Olga Order,/)
    await page.getByLabel('Signature (added when sent)').getByText('Your Support team').waitFor()
    await page.getByLabel('Subject').fill('Your order 1234')
    await page.getByLabel('Next state').selectOption('closed successful')
    await screenshot(page, 'new-email-ticket', true)
    await page.getByRole('button', { name: 'Send mail' }).click()
    await page.waitForURL(/\/tickets\/\d+$/)
    await page.getByRole('heading', { name: 'Your order 1234', level: 1 }).waitFor()
    const number = numberOf(page)
    await screenshot(page, 'new-email-ticket-zoom')

    const detail = await api<Detail>(`/api/tickets/${number}`)
    expect(detail).toMatchObject({ state: 'closed successful', customer: 'olga@shop.example' })
    expect(detail.articles[0]).toMatchObject({ sender: 'agent', channel: 'email', subject: `[Ticket#${number}] Your order 1234`, to: 'Olga Order <olga@shop.example>', cc: 'purchasing@shop.example' })
    expect(detail.articles[0]!.bodyText).toMatch(/we have received your order[\s\S]*Your Support team$/)
    const outbox = join(runtime.deps.settings.dataDir, 'outbox')
    const sent = await waitFor(async () => {
      for (const file of (await readdir(outbox).catch(() => [] as string[])).filter((name) => name.endsWith('.eml'))) {
        const text = await readFile(join(outbox, file), 'utf8')
        if (text.includes(`Subject: [Ticket#${number}] Your order 1234`)) return text
      }
      return undefined
    }, 'the mail in the outbox')
    expect(sent).toMatch(/^From: Example Support <support@example\.com>/m)
    await page.close()
  })

  it('Split into a new phone ticket from an article: prefilled, and the new ticket is a child of the old one', async () => {
    const page = await newLoggedInPage()
    await page.getByRole('banner').getByRole('link', { name: 'New phone ticket' }).click()
    await page.getByLabel('From customer user').fill('sven@split.example')
    await page.getByLabel('Subject').fill('Two things at once')
    await page.getByLabel('Text').fill('The VPN is down. Also: please send a new invoice.')
    await page.getByRole('button', { name: 'Create ticket' }).click()
    await page.waitForURL(/\/tickets\/\d+$/)
    const source = numberOf(page)
    await page.getByRole('heading', { name: 'Two things at once', level: 1 }).waitFor()

    await page.getByRole('button', { name: 'Split into a new phone ticket' }).click()
    await page.getByRole('heading', { name: 'New phone ticket', level: 1 }).waitFor()
    await page.getByText(`Split from ticket ${source}: Two things at once`).waitFor()
    await expect.poll(() => page.getByLabel('Subject').inputValue()).toBe('Two things at once')
    expect(await page.getByLabel('From customer user').inputValue()).toBe('sven@split.example')
    expect(await page.getByLabel('Text').inputValue()).toContain('please send a new invoice')
    await page.getByLabel('Subject').fill('New invoice for Sven')
    await page.getByLabel('To queue').selectOption('Sales')
    await page.getByRole('button', { name: 'Create ticket' }).click()
    await page.waitForURL((url) => /\/tickets\/\d+$/.test(url.pathname) && !url.pathname.endsWith(source))
    await page.getByRole('heading', { name: 'New invoice for Sven', level: 1 }).waitFor()
    await page.getByRole('complementary').getByRole('link', { name: source }).waitFor()

    const detail = await api<Detail>(`/api/tickets/${numberOf(page)}`)
    expect(detail).toMatchObject({ queue: 'Sales', customer: 'sven@split.example' })
    expect(detail.links).toEqual([expect.objectContaining({ ticketNumber: source, type: 'parent' })])
    await page.close()
  })

  it('fits a phone: the phone ticket screen without horizontal scrolling, in German', async () => {
    const page = await newLoggedInPage({ width: 390, height: 844 })
    await page.evaluate(async (auth) => {
      await fetch('/api/me/preferences', { method: 'PUT', headers: { 'content-type': 'application/json', authorization: `Bearer ${auth}` }, body: JSON.stringify({ language: 'de' }) })
    }, token)
    await page.goto(`${runtime.httpUrl}/new-ticket/phone`)
    await page.getByRole('heading', { name: 'Neues Telefon-Ticket', level: 1 }).waitFor()
    await page.getByLabel('Der Kunde hat uns angerufen').waitFor()
    await screenshot(page, 'new-phone-ticket-phone-de', true)
    const wide = await page.evaluate(() =>
      [...document.querySelectorAll('body *')].filter((element) => element.getBoundingClientRect().right > 390).map((element) => `${element.tagName}.${element.className}`),
    )
    expect(wide).toEqual([])
    await page.evaluate(async (auth) => {
      await fetch('/api/me/preferences', { method: 'PUT', headers: { 'content-type': 'application/json', authorization: `Bearer ${auth}` }, body: JSON.stringify({ language: 'en' }) })
    }, token)
    await page.close()
  })
})
