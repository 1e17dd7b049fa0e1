/// <reference lib="dom" />
// (page.evaluate callbacks run in the browser: they need the DOM types.)
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium, logIn, screenshot } from '../support/browser.ts'
import { apiLogin, mail, sendMail, startTestRuntime, waitFor } from '../support/local-stack.ts'

/**
 * The issue's quality bar, as an agent does it in Chromium against the real local runtime: a
 * mailed ticket (real SMTP) shows on the dashboard; reply with a template; close; find it by
 * search; merge two tickets; bulk-move three. Plus drafts, language, phone size, screenshots.
 */
let runtime: Awaited<ReturnType<typeof startTestRuntime>>
let browser: Browser
let token: string

interface Summary {
  number: string
  title: string
  queue: string
  state: string
  stateType: string
}

beforeAll(async () => {
  ;[runtime, browser] = await Promise.all([startTestRuntime(), launchChromium()])
  token = await apiLogin(runtime.httpUrl)
})
afterAll(async () => {
  await browser?.close()
  await runtime?.cleanup()
})

const api = async <T>(path: string, init: RequestInit = {}): Promise<T> => {
  const response = await fetch(`${runtime.httpUrl}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers } })
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`)
  return (await response.json()) as T
}

/** Mails a ticket over SMTP and waits until it exists. */
async function mailTicket(subject: string, options: { to?: string; from?: string; body?: string } = {}): Promise<Summary> {
  const to = options.to ?? 'support@example.com'
  await sendMail(runtime.smtpPort, mail({ subject, to, from: options.from ?? 'Ann Customer <ann@customer.example>', body: options.body ?? 'Hello, my printer is on fire.' }), {
    from: 'ann@customer.example',
    to: [to],
  })
  return waitFor(async () => {
    const detail = await api<{ items: Summary[] }>(`/api/search?q=${encodeURIComponent(`"${subject}"`)}&limit=5`).catch(() => ({ items: [] }))
    const hit = detail.items.find((ticket) => ticket.title === subject)
    if (hit) return hit
    const queue = to.startsWith('sales') ? 'Sales' : 'Support'
    const list = await api<{ items: Summary[] }>(`/api/tickets?queue=${queue}&limit=500`)
    return list.items.find((ticket) => ticket.title === subject)
  }, `ticket "${subject}"`)
}

async function newLoggedInPage(viewport = { width: 1280, height: 860 }): Promise<Page> {
  const page = await browser.newPage({ viewport })
  await page.goto(`${runtime.httpUrl}/`)
  await logIn(page)
  await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor()
  return page
}

describe('an agent at work', () => {
  it('sees a mailed ticket on the dashboard, replies with a template, closes it and finds it by search', async () => {
    const ticket = await mailTicket('Printer on fire in room 12')
    const page = await newLoggedInPage()
    expect(await page.title()).toMatch(/^Docket/)
    const newTickets = page.getByRole('region', { name: /New tickets/ })
    await newTickets.getByRole('link', { name: 'Printer on fire in room 12' }).waitFor()
    await screenshot(page, 'dashboard')

    await newTickets.getByRole('link', { name: 'Printer on fire in room 12' }).click()
    await page.waitForURL(`**/tickets/${ticket.number}`)
    await page.getByRole('heading', { name: 'Printer on fire in room 12', level: 1 }).waitFor()
    expect(await page.title()).toMatch(/^Docket/)
    await screenshot(page, 'zoom')

    // Reply with the template "We are on it" (OTRS: the "- Reply -" dropdown).
    await page.getByRole('combobox', { name: 'Reply', exact: true }).selectOption('We are on it')
    const body = page.getByLabel('Text')
    await expect.poll(() => body.inputValue()).toContain('We are looking into it')
    await screenshot(page, 'compose')
    await page.getByRole('button', { name: 'Send mail' }).click()
    await page.getByText('The article was added.').waitFor()
    await page.getByRole('list', { name: 'Articles of this ticket' }).getByText('Us → customer').first().waitFor()

    // Close: a note is required (a single "." will do).
    await page.getByRole('button', { name: 'Close', exact: true }).click()
    const dialog = page.getByRole('dialog')
    await dialog.getByLabel('Next state').selectOption('closed successful')
    await dialog.getByLabel('Note (required)').fill('.')
    await dialog.getByRole('button', { name: 'Close', exact: true }).last().click()
    await page.locator('.zoom-header .pill', { hasText: 'closed successful' }).waitFor()
    const closed = await api<Summary>(`/api/tickets/${ticket.number}`)
    expect(closed.state).toBe('closed successful')

    // Find it again: words in the quick search go to /search?q=.
    await runtime.drainIndex()
    await page.getByRole('searchbox', { name: 'Ticket number or search words' }).fill('printer room')
    await page.keyboard.press('Enter')
    await page.waitForURL(/\/search\?q=printer(\+|%20)room$/)
    await page.getByRole('region', { name: /Results/ }).getByRole('link', { name: new RegExp(ticket.number) }).waitFor()
    await screenshot(page, 'search')

    // A ticket number in the quick search opens the ticket.
    await page.getByRole('searchbox', { name: 'Ticket number or search words' }).fill(ticket.number)
    await page.keyboard.press('Enter')
    await page.waitForURL(`**/tickets/${ticket.number}`)
    await page.close()
  })

  it('keeps a reply as a draft when the agent leaves it, and restores it', async () => {
    const ticket = await mailTicket('Draft me a reply')
    const page = await newLoggedInPage()
    await page.goto(`${runtime.httpUrl}/tickets/${ticket.number}`)
    await page.getByRole('heading', { name: 'Draft me a reply', level: 1 }).waitFor()
    await page.keyboard.press('r')
    const body = page.getByLabel('Text')
    await expect.poll(() => body.inputValue()).toContain('Ann')
    await body.fill('Half-written answer about the toner')
    await page.getByRole('button', { name: 'Keep as draft' }).click()
    await page.getByRole('dialog').waitFor({ state: 'detached' })
    const draft = await api<{ body: string }>(`/api/tickets/${ticket.number}/draft`)
    expect(draft.body).toBe('Half-written answer about the toner')

    await page.goto(`${runtime.httpUrl}/`)
    await page.goto(`${runtime.httpUrl}/tickets/${ticket.number}`)
    await page.getByRole('heading', { name: 'Draft me a reply', level: 1 }).waitFor()
    await page.keyboard.press('r')
    await page.getByText(/Your draft of .* is restored/).waitFor()
    expect(await page.getByLabel('Text').inputValue()).toBe('Half-written answer about the toner')
    await page.getByRole('button', { name: 'Discard draft' }).click()
    await page.getByRole('dialog').waitFor({ state: 'detached' })
    await page.close()
  })

  it('merges two tickets, picking the target from the autocomplete', async () => {
    const source = await mailTicket('Merge source: duplicate question', { from: 'Bob <bob@customer.example>' })
    const target = await mailTicket('Merge target: original question', { from: 'Bob <bob@customer.example>' })
    await runtime.drainIndex()
    const page = await newLoggedInPage()
    await page.goto(`${runtime.httpUrl}/tickets/${source.number}`)
    await page.getByRole('heading', { name: 'Merge source: duplicate question', level: 1 }).waitFor()
    await page.getByRole('button', { name: 'Merge', exact: true }).click()
    const dialog = page.getByRole('dialog')
    await dialog.getByRole('combobox', { name: 'Merge into ticket' }).fill(target.number.slice(0, 12))
    await dialog.getByRole('option').filter({ hasText: target.number }).getByRole('button').click()
    expect(await dialog.getByRole('combobox', { name: 'Merge into ticket' }).inputValue()).toBe(target.number)
    await dialog.getByRole('button', { name: 'Merge', exact: true }).click()
    await page.waitForURL(`**/tickets/${target.number}`)
    await page.getByRole('heading', { name: 'Merge target: original question', level: 1 }).waitFor()
    await page.getByRole('list', { name: 'Articles of this ticket' }).getByText('Merge source: duplicate question').first().waitFor()
    const merged = await api<Summary>(`/api/tickets/${source.number}`)
    expect(merged.stateType).toBe('merged')
    await page.close()
  })

  it('moves three tickets at once with a bulk action from the queue view', async () => {
    const tickets = await Promise.all(['Bulk one', 'Bulk two', 'Bulk three'].map((subject) => mailTicket(subject, { to: 'sales@example.com' })))
    const page = await newLoggedInPage()
    await page.goto(`${runtime.httpUrl}/queues/Sales`)
    await page.getByRole('heading', { name: 'Queue: Sales' }).waitFor()
    for (const ticket of tickets) await page.getByRole('checkbox', { name: `Select ticket ${ticket.number}` }).check()
    await page.getByRole('region', { name: 'Bulk action' }).getByText('3 selected').waitFor()
    await screenshot(page, 'queue-bulk')
    await page.getByRole('button', { name: 'Bulk action…' }).click()
    const dialog = page.getByRole('dialog')
    await dialog.getByLabel('Move').selectOption('Support')
    await dialog.getByRole('button', { name: 'Execute bulk action' }).click()
    await dialog.waitFor({ state: 'detached' })
    for (const ticket of tickets) {
      const moved = await api<Summary>(`/api/tickets/${ticket.number}`)
      expect(moved.queue).toBe('Support')
    }
    await page.getByText('No tickets.').waitFor()
    await page.close()
  })

  it('shows the queue view in S, M and L, the status view, the statistics and preferences', async () => {
    const page = await newLoggedInPage()
    await page.goto(`${runtime.httpUrl}/queues/Support`)
    await page.getByRole('heading', { name: 'Queue: Support' }).waitFor()
    await page.getByRole('table', { name: 'Queue: Support' }).waitFor()
    await screenshot(page, 'queue-m')
    await page.getByRole('button', { name: /^Small/ }).click()
    await screenshot(page, 'queue-s')
    await page.getByRole('button', { name: /^Large/ }).click()
    await page.getByRole('list', { name: 'Queue: Support' }).waitFor()
    await expect.poll(() => page.locator('.ticket-card .preview').first().textContent()).toContain('ann@customer.example')
    await screenshot(page, 'queue-l')
    await page.getByRole('button', { name: /^Medium/ }).click()

    await page.goto(`${runtime.httpUrl}/status?stateType=closed`)
    await page.getByRole('heading', { name: 'Status view' }).waitFor()
    await page.getByText('Printer on fire in room 12').waitFor()
    await screenshot(page, 'status-closed')

    await page.goto(`${runtime.httpUrl}/statistics`)
    await page.getByRole('heading', { name: 'Statistics', level: 1 }).waitFor()
    await page.waitForTimeout(300)
    await screenshot(page, 'statistics', true)

    await page.goto(`${runtime.httpUrl}/customers/ann%40customer.example`)
    await page.getByRole('heading', { name: 'Customer: ann@customer.example' }).waitFor()
    await page.getByText('Printer on fire in room 12').waitFor()
    await screenshot(page, 'customer')

    await page.goto(`${runtime.httpUrl}/preferences`)
    await page.getByRole('heading', { name: 'Preferences', level: 1 }).waitFor()
    await screenshot(page, 'preferences', true)
    await page.keyboard.press('?')
    await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor()
    await screenshot(page, 'shortcuts')
    await page.keyboard.press('Escape')
    await page.keyboard.press('g')
    await page.keyboard.press('d')
    await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor()
    await page.close()
  })

  it('speaks German and Dutch after a language switch, and shows times in the chosen time zone', async () => {
    const page = await newLoggedInPage()
    await page.goto(`${runtime.httpUrl}/preferences`)
    await page.getByLabel('Language').selectOption('de')
    await page.getByLabel('Time zone').selectOption('Asia/Tokyo')
    await page.getByRole('button', { name: 'Save' }).first().click()
    await page.getByRole('link', { name: 'Übersicht' }).waitFor()
    await page.getByRole('heading', { name: 'Persönliche Einstellungen', level: 1 }).waitFor()
    await page.getByRole('link', { name: 'Übersicht' }).click()
    await page.getByRole('heading', { name: 'Neue Tickets' }).waitFor()
    await page.getByRole('heading', { name: 'Offene Tickets / Bearbeitung erforderlich' }).waitFor()
    await screenshot(page, 'dashboard-de')

    const ticket = (await api<{ items: Summary[] }>('/api/tickets?queue=Support&limit=1')).items[0]!
    const created = (await api<{ createdAt: string }>(`/api/tickets/${ticket.number}`)).createdAt
    const tokyo = new Intl.DateTimeFormat('de', { timeZone: 'Asia/Tokyo', hour: '2-digit', minute: '2-digit' }).format(new Date(created))
    await page.goto(`${runtime.httpUrl}/tickets/${ticket.number}`)
    await page.getByRole('button', { name: 'Antworten' }).or(page.getByRole('combobox', { name: 'Antworten' })).first().waitFor()
    expect(await page.getByRole('complementary', { name: 'Ticket-Informationen' }).textContent()).toContain(tokyo)
    await screenshot(page, 'zoom-de')

    await page.goto(`${runtime.httpUrl}/preferences`)
    await page.getByLabel('Sprache').selectOption('nl')
    await page.getByRole('button', { name: 'Speichern' }).first().click()
    await page.getByRole('link', { name: 'Wachtrijen' }).waitFor()
    await page.getByRole('link', { name: 'Dashboard' }).click()
    await page.getByRole('heading', { name: 'Open tickets / te beantwoorden' }).waitFor()
    await screenshot(page, 'dashboard-nl')

    await page.goto(`${runtime.httpUrl}/preferences`)
    await page.getByLabel('Taal').selectOption('en')
    await page.getByRole('button', { name: 'Opslaan' }).first().click()
    await page.getByRole('link', { name: 'Dashboard' }).waitFor()
    await api('/api/me/preferences', { method: 'PUT', body: JSON.stringify({ language: null, timeZone: null }) })
    await page.close()
  })

  it('works on a phone-sized screen', async () => {
    const page = await newLoggedInPage({ width: 390, height: 844 })
    await screenshot(page, 'phone-dashboard', true)
    const ticket = (await api<{ items: Summary[] }>('/api/tickets?queue=Support&limit=1')).items[0]!
    await page.goto(`${runtime.httpUrl}/tickets/${ticket.number}`)
    await page.locator('.article').waitFor()
    // Nothing wider than the screen: no sideways scrolling of the page.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390)
    await screenshot(page, 'phone-zoom', true)
    await page.getByRole('button', { name: 'Menu' }).click()
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Queues' }).click()
    await page.getByRole('heading', { name: 'Queues', level: 1 }).waitFor()
    await page.close()
  })
})
