/// <reference lib="dom" />
// (page.evaluate callbacks run in the browser: they need the DOM types.)
import { readFile } from 'node:fs/promises'
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

  it('dashboard: my locked tickets, reminders reached, a saved search made in the advanced search; refreshes itself', async () => {
    const [locked, reminder] = await Promise.all([mailTicket('Dashboard locked one'), mailTicket('Dashboard reminder one')])
    await api(`/api/tickets/${locked.number}`, { method: 'PATCH', body: JSON.stringify({ state: 'open', lock: 'lock' }) })
    // Pending times up to a minute in the past are accepted: the reminder is due at once.
    await api(`/api/tickets/${reminder.number}`, { method: 'PATCH', body: JSON.stringify({ state: 'pending reminder', pendingUntil: new Date(Date.now() - 30_000).toISOString() }) })
    await runtime.drainIndex()
    const page = await newLoggedInPage()
    await page.getByRole('region', { name: /Reminder tickets/ }).getByRole('link', { name: 'Dashboard reminder one' }).waitFor()
    const open = page.getByRole('region', { name: /Open tickets/ })
    await open.getByRole('button', { name: /My locked tickets/ }).click()
    await open.getByRole('link', { name: 'Dashboard locked one' }).waitFor()
    expect(await open.getByRole('link', { name: 'Printer on fire in room 12' }).count()).toBe(0)

    // Advanced search: words, a queue and a state type; then saved, it shows on the dashboard.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Tickets' }).click()
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Search' }).click()
    await page.getByLabel('Words', { exact: true }).fill('dashboard')
    await page.getByLabel('Queues', { exact: true }).selectOption(['Support'])
    await page.getByLabel('State type', { exact: true }).selectOption(['open'])
    await page.getByRole('button', { name: 'Search', exact: true }).click()
    await page.waitForURL(/\/search\?q=dashboard&f=/)
    const results = page.getByRole('region', { name: /Results/ })
    await results.getByRole('link', { name: /Dashboard locked one/ }).waitFor()
    expect(await results.getByRole('link', { name: /Dashboard reminder one/ }).count()).toBe(0)
    await page.getByLabel('Save this search as').fill('Open dashboard tickets')
    await page.getByRole('button', { name: 'Save search' }).click()
    await page.getByRole('region', { name: 'My saved searches' }).getByRole('link', { name: 'Open dashboard tickets' }).waitFor()
    await screenshot(page, 'search-advanced')
    await page.keyboard.press('g')
    await page.keyboard.press('d')
    await page.getByRole('region', { name: 'My saved searches' }).getByRole('link', { name: 'Open dashboard tickets' }).click()
    await page.getByRole('region', { name: /Results/ }).getByRole('link', { name: /Dashboard locked one/ }).waitFor()

    // The dashboard keeps itself current (every 30 s, and when the window gets focus again).
    await page.goto(`${runtime.httpUrl}/`)
    await page.getByRole('region', { name: /New tickets/ }).locator('.count-badge').filter({ hasNotText: '…' }).waitFor()
    await mailTicket('Arrived while the dashboard was open')
    await page.evaluate(() => window.dispatchEvent(new Event('focus')))
    await page.getByRole('region', { name: /New tickets/ }).getByRole('link', { name: 'Arrived while the dashboard was open' }).waitFor()
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

  it('works a ticket in the zoom: mail views, SLA, note, owner, responsible, priority, title, customer, lock, pending, link, move, history, split', async () => {
    const [ticket, other] = await Promise.all([mailTicket('Zoom every action', { body: 'First line of the customer mail.' }), mailTicket('Zoom link target')])
    await runtime.drainIndex()
    const page = await newLoggedInPage()
    await page.goto(`${runtime.httpUrl}/tickets/${ticket.number}`)
    await page.getByRole('heading', { name: 'Zoom every action', level: 1 }).waitFor()
    const sidebar = page.getByRole('complementary', { name: 'Ticket information' })
    // The Support queue has an SLA: its deadlines are in the ticket information.
    await sidebar.getByText('First response due').waitFor()

    // The customer's mail, as plain text, its headers and the whole raw mail.
    const article = page.locator('article.article')
    await article.getByRole('button', { name: 'Headers' }).click()
    await expect.poll(() => article.locator('pre.article-raw').textContent(), { timeout: 10_000 }).toContain('Message-ID:')
    expect(await article.locator('pre.article-raw').textContent()).not.toContain('First line of the customer mail.')
    await article.getByRole('button', { name: 'Raw mail' }).click()
    await expect.poll(() => article.locator('pre.article-raw').textContent(), { timeout: 10_000 }).toContain('First line of the customer mail.')

    // Reply all and forward open prefilled; leaving them untouched keeps no draft.
    await page.keyboard.press('a')
    await page.getByRole('dialog', { name: `Reply all · ${ticket.number}` }).getByLabel('To').waitFor()
    await expect.poll(() => page.getByLabel('To', { exact: true }).inputValue(), { timeout: 10_000 }).toContain('ann@customer.example')
    await page.keyboard.press('Escape')
    await page.getByRole('dialog').waitFor({ state: 'detached' })
    await page.keyboard.press('f')
    await expect.poll(() => page.getByRole('dialog', { name: `Forward · ${ticket.number}` }).getByLabel('Text').inputValue(), { timeout: 10_000 }).toContain('Forwarded message')
    await page.keyboard.press('Escape')
    await page.getByRole('dialog').waitFor({ state: 'detached' })

    // An internal note (n), shown as such in the thread.
    await page.keyboard.press('n')
    await page.getByRole('dialog', { name: `Note · ${ticket.number}` }).waitFor()
    await page.getByLabel('Text').fill('Called the customer, printer replaced.')
    await page.getByRole('button', { name: 'Save', exact: true }).click()
    await page.getByRole('list', { name: 'Articles of this ticket' }).getByText('Internal note').waitFor()

    const act = async (action: string, fill: (dialog: ReturnType<Page['getByRole']>) => Promise<void>, submit = 'Save') => {
      await page.getByRole('navigation', { name: 'Ticket actions' }).getByRole('button', { name: action, exact: true }).click()
      const dialog = page.getByRole('dialog')
      await fill(dialog)
      await dialog.getByRole('button', { name: submit, exact: true }).click()
      await dialog.waitFor({ state: 'detached' })
      await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor()
    }
    await act('Owner', (dialog) => dialog.getByLabel('Owner').selectOption({ label: 'Admin Agent' }).then(() => undefined))
    await act('Responsible', (dialog) => dialog.getByLabel('Responsible').selectOption({ label: 'Admin Agent' }).then(() => undefined))
    await act('Priority', (dialog) => dialog.getByLabel('Priority').selectOption({ label: '4 high' }).then(() => undefined))
    await act('Title', (dialog) => dialog.getByLabel('Title').fill('Zoom every action (renamed)'))
    await act('Customer', (dialog) => dialog.getByLabel('Customer user').fill('carl@customer.example'))
    await page.getByRole('heading', { name: 'Zoom every action (renamed)', level: 1 }).waitFor()
    await sidebar.getByText('4 high').waitFor()
    expect(await sidebar.textContent()).toMatch(/OwnerAdmin Agent.*ResponsibleAdmin Agent/)
    await page.getByRole('complementary', { name: 'Ticket information' }).getByRole('link', { name: 'carl@customer.example' }).waitFor()

    // Lock and unlock: the l key, then the button.
    await page.keyboard.press('l')
    await page.getByText('The ticket is locked to you.').waitFor()
    await page.locator('.zoom-header .pill.locked').waitFor()
    await page.getByRole('navigation', { name: 'Ticket actions' }).getByRole('button', { name: 'Unlock' }).click()
    await page.getByText('The ticket is unlocked.').waitFor()

    // Pending with a date (the default: tomorrow 09:00 in the agent's time zone).
    await act('Pending', (dialog) => dialog.getByLabel('Next state').selectOption('pending reminder').then(() => undefined), 'Pending')
    await sidebar.getByText('Pending until').waitFor()
    expect((await api<Summary & { pendingUntil: string }>(`/api/tickets/${ticket.number}`)).pendingUntil).toMatch(/T09:00:00/)

    // Link to another ticket, picked from the autocomplete; it shows under linked tickets.
    await page.getByRole('navigation', { name: 'Ticket actions' }).getByRole('button', { name: 'Link', exact: true }).click()
    const linkDialog = page.getByRole('dialog')
    await linkDialog.getByRole('combobox', { name: 'Link to ticket' }).fill('Zoom link')
    await linkDialog.getByRole('option').filter({ hasText: other.number }).getByRole('button').click()
    await linkDialog.getByRole('button', { name: 'Link', exact: true }).click()
    await page.locator('.sidebar').getByRole('link', { name: other.number }).waitFor()

    // Move (m), then the history lists what happened.
    await page.keyboard.press('m')
    await page.getByRole('dialog').getByLabel('New queue').selectOption('Raw')
    await page.getByRole('dialog').getByRole('button', { name: 'Move', exact: true }).click()
    await sidebar.getByRole('link', { name: 'Raw' }).waitFor()
    await page.getByRole('tab', { name: 'History' }).click()
    const history = page.getByRole('list', { name: 'History' })
    for (const type of ['Move', 'Link', 'SetPendingTime', 'Lock', 'Unlock', 'OwnerUpdate', 'ResponsibleUpdate', 'PriorityUpdate', 'TitleUpdate', 'CustomerUpdate', 'AddNote']) {
      await history.getByText(type, { exact: true }).first().waitFor()
    }
    // Changes are worded by the client: the agent's language, the pending time in the agent's zone.
    await history.getByText(/^Pending until \d{2}\/\d{2}\/\d{4}, 09:00$/).waitFor()
    await history.getByText('Priority changed from 3 normal to 4 high').waitFor()
    await screenshot(page, 'zoom-history')

    // Split the customer's mail into a new ticket: it opens, linked as a child.
    await page.getByRole('tab', { name: /Articles/ }).click()
    await page.getByRole('list', { name: 'Articles of this ticket' }).getByRole('button', { name: /Customer → us/ }).click()
    await article.getByRole('button', { name: 'Split', exact: true }).click()
    await page.getByRole('dialog').getByLabel('Title').fill('Split off: the printer question')
    await page.getByRole('dialog').getByRole('button', { name: 'Split', exact: true }).click()
    await page.getByRole('heading', { name: 'Split off: the printer question', level: 1 }).waitFor()
    await page.locator('.sidebar').getByRole('link', { name: ticket.number }).waitFor()
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

    // In Support now: the text filter finds the three, "select all" takes them, and a second bulk
    // action sets responsible and priority and merges them into the oldest.
    await page.goto(`${runtime.httpUrl}/queues/Support`)
    await page.getByLabel('Filter', { exact: true }).fill('bulk')
    await page.getByRole('status').getByText('3 tickets').waitFor()
    await page.getByRole('checkbox', { name: 'Select all tickets' }).check()
    await page.keyboard.press('b')
    const second = page.getByRole('dialog', { name: 'Bulk action on 3 tickets' })
    await second.getByLabel('Responsible').selectOption({ label: 'Admin Agent' })
    await second.getByLabel('Priority').selectOption({ label: '4 high' })
    const oldest = tickets.map((ticket) => ticket.number).sort()[0]!
    await second.getByLabel('Merge', { exact: true }).selectOption('oldest')
    await screenshot(page, 'bulk-dialog')
    await second.getByRole('button', { name: 'Execute bulk action' }).click()
    await second.waitFor({ state: 'detached' })
    for (const ticket of tickets) {
      const after = await api<Summary & { responsible: string; priority: number; mergedInto: string | null }>(`/api/tickets/${ticket.number}`)
      expect(after.responsible).toBe('admin')
      expect(after.priority).toBe(4)
      expect(after.mergedInto).toBe(ticket.number === oldest ? null : oldest)
    }
    await page.getByRole('status').getByText('1 ticket', { exact: true }).waitFor()
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
    // A click on a column header sorts by it; a second click turns the order round.
    const table = page.getByRole('table', { name: 'Queue: Support' })
    await table.getByRole('button', { name: 'Title' }).click()
    await table.locator('th[aria-sort="ascending"]', { hasText: 'Title' }).waitFor()
    const titles = async () => (await table.locator('td.title-cell > a').allTextContents()).map((title) => title.toLowerCase())
    expect(await titles()).toEqual([...(await titles())].sort((a, b) => a.localeCompare(b)))
    await table.getByRole('button', { name: /Title/ }).click()
    await table.locator('th[aria-sort="descending"]', { hasText: 'Title' }).waitFor()

    // The status view opens on every open state type: a new and a pending ticket both show (issue 14.4.4).
    const [fresh, waiting] = await Promise.all([
      mailTicket('Status view: a new one', { from: 'Cleo <cleo@other.example>' }),
      mailTicket('Status view: a pending one', { from: 'Cleo <cleo@other.example>' }),
    ])
    await api(`/api/tickets/${waiting.number}`, { method: 'PATCH', body: JSON.stringify({ state: 'pending reminder', pendingUntil: new Date(Date.now() + 86_400_000).toISOString() }) })
    await page.goto(`${runtime.httpUrl}/status`)
    await page.locator('button[aria-pressed="true"]', { hasText: 'All open (new, open, pending)' }).waitFor()
    const allOpen = page.getByRole('table', { name: 'All open (new, open, pending)' })
    await allOpen.getByRole('link', { name: fresh.title }).waitFor()
    await allOpen.getByRole('link', { name: 'Status view: a pending one' }).waitFor()

    await page.goto(`${runtime.httpUrl}/status?stateType=closed`)
    await page.getByRole('heading', { name: 'Status view' }).waitFor()
    await page.getByText('Printer on fire in room 12').waitFor()
    await screenshot(page, 'status-closed')

    await page.goto(`${runtime.httpUrl}/statistics`)
    await page.getByRole('heading', { name: 'Statistics', level: 1 }).waitFor()
    await page.getByRole('img', { name: 'Tickets created and closed per day' }).waitFor()
    await screenshot(page, 'statistics', true)
    // The range picker asks again; each table downloads as CSV.
    await page.getByRole('button', { name: 'Last 7 days' }).click()
    await page.locator('button[aria-pressed="true"]', { hasText: 'Last 7 days' }).waitFor()
    await expect.poll(() => page.getByLabel('From').inputValue(), { timeout: 10_000 }).not.toBe('')
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download Tickets created and closed per day as CSV' }).click()])
    expect(download.suggestedFilename()).toMatch(/^docket-per-day-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv$/)
    const csv = await readFile((await download.path())!, 'utf8')
    expect(csv.replace(/^\ufeff/, '').split('\r\n')[0]).toBe('Day,Queue,Created,Closed')
    expect(csv).toMatch(/\r\n\d{4}-\d{2}-\d{2},Support,\d+,\d+\r\n/)

    await page.goto(`${runtime.httpUrl}/customers/ann%40customer.example`)
    // The customer user's page is headed by their name (a customer record since issue 14.2).
    await page.getByRole('heading', { name: /^Customer: /, level: 1 }).waitFor()
    await page.getByText('ann@customer.example').first().waitFor()
    // The customer information center opens on open tickets; this one was closed above.
    await page.getByRole('tab', { name: /^Closed \(\d+\)$/ }).click()
    await page.getByText('Printer on fire in room 12').waitFor()
    await screenshot(page, 'customer')

    await page.goto(`${runtime.httpUrl}/preferences`)
    await page.getByRole('heading', { name: 'Preferences', level: 1 }).waitFor()
    await page.getByText(/^At least 10 characters, with/).waitFor()
    await screenshot(page, 'preferences', true)
    // UTC is offered even though Chromium's Intl.supportedValuesOf('timeZone') leaves it out (issue 14.4.5).
    expect(await page.getByLabel('Time zone').locator('option[value="UTC"]').count()).toBe(1)
    // Keyboard focus is visible: a 3 px outline on whatever has it.
    await page.getByLabel('Language').focus()
    await page.keyboard.press('Tab')
    expect(await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle + ' ' + getComputedStyle(document.activeElement!).outlineWidth)).toBe('solid 3px')
    await page.evaluate(() => (document.activeElement as HTMLElement).blur())
    await page.keyboard.press('?')
    await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor()
    await screenshot(page, 'shortcuts')
    await page.keyboard.press('Escape')
    await page.keyboard.press('g')
    await page.keyboard.press('d')
    await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor()
    await page.close()
  })

  it('saves my queues, notifications and out of office in the preferences', async () => {
    const page = await newLoggedInPage()
    await page.goto(`${runtime.httpUrl}/preferences`)
    const panel = (heading: string) => page.locator('form', { has: page.getByRole('heading', { name: heading, exact: true }) })
    const save = async (heading: string) => {
      await panel(heading).getByRole('button', { name: 'Save' }).click()
      await panel(heading).getByText('Saved.').waitFor()
    }
    await panel('My queues').getByLabel('Junk').check()
    await save('My queues')
    await panel('Notifications').getByLabel('Mail me when a customer writes on a ticket I own').uncheck()
    await save('Notifications')
    await panel('Out of office').getByLabel('I am out of office').check()
    await panel('Out of office').getByLabel('From').fill('2030-01-02')
    await panel('Out of office').getByLabel('Until').fill('2030-01-09')
    await save('Out of office')
    const { preferences } = await api<{ preferences: { myQueues: string[]; notifications: { followUp: boolean }; outOfOffice: { enabled: boolean; from: string; until: string } } }>('/api/me')
    expect(preferences.myQueues).toContain('Junk')
    expect(preferences.notifications.followUp).toBe(false)
    expect(preferences.outOfOffice).toMatchObject({ enabled: true, from: '2030-01-02', until: '2030-01-09' })
    await api('/api/me/preferences', { method: 'PUT', body: JSON.stringify({ myQueues: null, notifications: { followUp: true }, outOfOffice: { enabled: false, from: null, until: null } }) })
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
    await page.getByRole('table', { name: 'Neue Tickets' }).waitFor()
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
    await page.getByRole('table', { name: 'Nieuwe tickets' }).waitFor()
    await screenshot(page, 'dashboard-nl')

    await page.goto(`${runtime.httpUrl}/preferences`)
    await page.getByLabel('Taal').selectOption('en')
    await page.getByRole('button', { name: 'Opslaan' }).first().click()
    await page.getByRole('link', { name: 'Dashboard' }).waitFor()
    await api('/api/me/preferences', { method: 'PUT', body: JSON.stringify({ language: null, timeZone: null }) })
    await page.close()
  })

  it('works on a phone-sized screen', async () => {
    await mailTicket('Read on a phone')
    const page = await newLoggedInPage({ width: 390, height: 844 })
    await page.getByRole('table', { name: 'New tickets' }).waitFor()
    for (const badge of await page.locator('.dashboard-main .count-badge').all()) await badge.filter({ hasNotText: '…' }).waitFor()
    await screenshot(page, 'phone-dashboard', true)
    // The dashboard's lists fit: the ticket number goes under the title instead of taking a column.
    const overflowing = await page.evaluate(() => [...document.querySelectorAll('.dashboard-main .ticket-table-wrap')].filter((wrap) => wrap.scrollWidth > wrap.clientWidth + 1).map((wrap) => wrap.textContent))
    expect(overflowing).toEqual([])
    const ticket = (await api<{ items: Summary[] }>('/api/tickets?queue=Support&limit=1')).items[0]!
    await page.goto(`${runtime.httpUrl}/tickets/${ticket.number}`)
    await page.locator('.article').waitFor()
    // Nothing wider than the screen: no sideways scrolling of the page.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390)
    await screenshot(page, 'phone-zoom', true)
    await page.getByRole('button', { name: 'Menu', exact: true }).click()
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Queues' }).click()
    await page.getByRole('heading', { name: 'Queues', level: 1 }).waitFor()
    await page.close()
  })
})
