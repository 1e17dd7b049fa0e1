/// <reference lib="dom" />
// (page.evaluate callbacks run in the browser: they need the DOM types.)
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { launchChromium, logIn, screenshot } from '../support/browser.ts'
import { apiLogin, ingestRaw, mail, startTestRuntime } from '../support/local-stack.ts'
import { patchTicket } from '../support/tickets.ts'

/**
 * Issue 14.3 in Chromium against the real local runtime: watching a ticket and finding it under
 * "My watched tickets" and the dashboard filter, the escalation view's buckets, the print version
 * of a ticket (the whole thread under print media), the zoom's phone direction, visible note and
 * draft indicator, and the queue view at phone width.
 */
let runtime: Awaited<ReturnType<typeof startTestRuntime>>
let browser: Browser
let token: string

beforeAll(async () => {
  ;[runtime, browser] = await Promise.all([startTestRuntime(), launchChromium()])
  token = await apiLogin(runtime.httpUrl)
})
afterAll(async () => {
  await browser?.close()
  await runtime?.cleanup()
})

const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
  const response = await fetch(`${runtime.httpUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`)
  return (response.status === 204 ? undefined : await response.json()) as T
}

/** A ticket from a customer mail, ingested straight into the runtime's store. */
async function ticket(subject: string, body = 'Hello, my printer is on fire.', to = 'support@example.com'): Promise<string> {
  const result = await ingestRaw(runtime.deps, mail({ subject, to, from: 'Ann Customer <ann@customer.example>', body }))
  return result.ticketNumber!
}

async function newLoggedInPage(viewport = { width: 1280, height: 860 }): Promise<Page> {
  const page = await browser.newPage({ viewport })
  await page.goto(`${runtime.httpUrl}/`)
  await logIn(page)
  await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor()
  return page
}

describe('views and actions an OTRS agent misses', () => {
  it('watches a ticket from the zoom and finds it under My watched tickets and the dashboard filter', async () => {
    const number = await ticket('Watch me: VPN drops every hour')
    await ticket('Someone else: toner empty')
    const page = await newLoggedInPage()
    await page.goto(`${runtime.httpUrl}/tickets/${number}`)
    await page.getByRole('heading', { name: 'Watch me: VPN drops every hour', level: 1 }).waitFor()
    await page.getByRole('navigation', { name: 'Ticket actions' }).getByRole('button', { name: 'Watch', exact: true }).click()
    await page.getByText('You watch this ticket').waitFor()
    await page.getByRole('button', { name: 'Stop watching' }).waitFor()

    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Tickets' }).click()
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My tickets' }).click()
    await page.getByRole('link', { name: /My watched tickets \(1\)/ }).click()
    await page.waitForURL('**/my/watched')
    const list = page.getByRole('table', { name: 'My watched tickets' })
    await list.getByRole('link', { name: 'Watch me: VPN drops every hour' }).waitFor()
    expect(await list.getByRole('link', { name: 'Someone else: toner empty' }).count()).toBe(0)
    await screenshot(page, 'my-watched-tickets')

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Dashboard' }).click()
    const newTickets = page.getByRole('region', { name: /New tickets/ })
    await newTickets.getByRole('link', { name: 'Someone else: toner empty' }).waitFor()
    await newTickets.getByRole('button', { name: /My watched tickets/ }).click()
    await newTickets.getByRole('button', { name: /My watched tickets/, pressed: true }).waitFor()
    await page.waitForFunction(() => !document.body.innerText.includes('Someone else: toner empty'))
    await newTickets.getByRole('link', { name: 'Watch me: VPN drops every hour' }).waitFor()
    await screenshot(page, 'dashboard-watched-filter')

    const detail = await api<{ history: { type: string }[]; watchers: string[] }>('GET', `/api/tickets/${number}`)
    expect(detail.watchers).toEqual(['admin'])
    expect(detail.history.map((entry) => entry.type)).toContain('Subscribe')
    await page.close()
  })

  it('the escalation view lists tickets escalated now, today, tomorrow and next week', async () => {
    const hour = 3600_000
    const escalating = async (subject: string, inHours: number) => {
      const number = await ticket(subject)
      const due = new Date(Date.now() + inHours * hour).toISOString()
      const current = (await runtime.deps.tickets.get(number))!
      await patchTicket(runtime.deps.tickets, number, { escalation: { ...current.escalation!, firstResponseDue: due, updateDue: null, solutionDue: null, nextDue: due } })
      return number
    }
    // Created before the one escalated already: the view orders by escalation time, not creation.
    await escalating('Escalates in three days', 24 * 3)
    await escalating('Escalated an hour ago', -1)
    await escalating('Escalates in a month', 24 * 30)
    const page = await newLoggedInPage()
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Tickets' }).click()
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Escalations' }).click()
    await page.getByRole('heading', { name: 'Escalations', level: 1 }).waitFor()
    const table = () => page.getByRole('table')
    await table().getByRole('link', { name: 'Escalated an hour ago' }).waitFor()
    expect(await table().getByRole('link', { name: 'Escalates in three days' }).count()).toBe(0)
    await page.getByRole('button', { name: 'Next week' }).click()
    await page.waitForURL('**/escalations?when=next-week')
    await table().getByRole('link', { name: 'Escalates in three days' }).waitFor()
    await table().getByRole('link', { name: 'Escalated an hour ago' }).waitFor()
    expect(await table().getByRole('link', { name: 'Escalates in a month' }).count()).toBe(0)
    // Ordered by escalation time, the passed deadline marked.
    const titles = await table().locator('td.title-cell > a').allInnerTexts()
    expect(titles.indexOf('Escalated an hour ago')).toBeLessThan(titles.indexOf('Escalates in three days'))
    expect(await table().locator('tr', { hasText: 'Escalated an hour ago' }).locator('td.escalation.overdue').count()).toBe(1)
    await screenshot(page, 'escalation-view')
    await page.close()
  })

  it('prints the whole thread with the ticket data (print media), not the screen around it', async () => {
    const number = await ticket('Print me: invoice 4711 is wrong', 'The total on invoice 4711 should be 120 EUR, not 210 EUR.')
    await api('POST', `/api/tickets/${number}/articles`, { type: 'note', body: 'Checked with accounting: the 120 EUR are right.' })
    const page = await newLoggedInPage()
    await page.goto(`${runtime.httpUrl}/tickets/${number}`)
    await page.getByRole('heading', { name: 'Print me: invoice 4711 is wrong', level: 1 }).waitFor()
    expect(await page.locator('.print-thread').isVisible()).toBe(false)

    await page.emulateMedia({ media: 'print' })
    const thread = page.locator('.print-thread')
    expect(await thread.isVisible()).toBe(true)
    const text = await thread.innerText()
    expect(text).toContain(number)
    expect(text).toContain('The total on invoice 4711 should be 120 EUR, not 210 EUR.')
    expect(text).toContain('Checked with accounting: the 120 EUR are right.')
    expect(text).toMatch(/Article 1 of \d/)
    expect(text).toContain('Support')
    expect(await page.locator('.zoom-actions').isVisible()).toBe(false)
    expect(await page.locator('.top-bar').isVisible()).toBe(false)
    await screenshot(page, 'ticket-print', true)
    await page.emulateMedia({ media: 'screen' })
    await page.close()
  })

  it('zoom: a phone call with its direction, a note the customer may see, the draft indicator, bounce', async () => {
    const number = await ticket('Zoom actions: please call me back')
    const page = await newLoggedInPage()
    await page.goto(`${runtime.httpUrl}/tickets/${number}`)
    await page.getByRole('heading', { name: 'Zoom actions: please call me back', level: 1 }).waitFor()
    const actions = page.getByRole('navigation', { name: 'Ticket actions' })

    await actions.getByRole('button', { name: 'Phone call' }).click()
    const phone = page.getByRole('dialog')
    await phone.getByLabel('The customer called us').check()
    await phone.getByLabel('Text').fill('Ann called: the printer works again.')
    await screenshot(page, 'phone-call-direction')
    await phone.getByRole('button', { name: 'Save' }).click()
    await page.getByText('The article was added.').waitFor()
    await page.getByRole('button', { name: 'Dismiss' }).click()

    await actions.getByRole('button', { name: 'Note', exact: true }).click()
    const note = page.getByRole('dialog')
    await note.getByLabel('Visible to the customer').check()
    await note.getByLabel('Text').fill('We replaced the fuser.')
    await note.getByRole('button', { name: 'Save' }).click()
    await page.getByText('The article was added.').waitFor()

    const articles = await api<{ articles: { sender: string; channel: string; visibleToCustomer: boolean; bodyText: string }[] }>('GET', `/api/tickets/${number}`)
    expect(articles.articles.find((article) => article.channel === 'phone')).toMatchObject({ sender: 'customer', bodyText: 'Ann called: the printer works again.' })
    expect(articles.articles.find((article) => article.bodyText === 'We replaced the fuser.')).toMatchObject({ channel: 'note', visibleToCustomer: true })

    // A reply left unsent shows as a draft in the zoom, and opens again from there.
    // "– Reply –" is a template menu when the queue has templates; "-" is the empty answer.
    await actions.getByRole('combobox', { name: 'Reply', exact: true }).selectOption('-')
    const reply = page.getByRole('dialog')
    await reply.getByLabel('Text').fill('Dear Ann, half written')
    await reply.getByText('Draft saved').waitFor()
    await reply.getByRole('button', { name: 'Keep as draft' }).click()
    await page.getByText(/You have an unsent Reply on this ticket/).waitFor()
    await screenshot(page, 'zoom-draft-indicator')
    await page.getByRole('button', { name: 'Continue writing' }).click()
    expect(await page.getByRole('dialog').getByLabel('Text').inputValue()).toContain('Dear Ann, half written')
    await page.getByRole('dialog').getByRole('button', { name: 'Discard draft' }).click()
    await page.waitForFunction(() => !document.body.innerText.includes('You have an unsent'))

    // Bounce the customer's mail from the article view.
    await page.getByRole('list', { name: 'Articles of this ticket' }).getByRole('button').first().click()
    await page.locator('.article-tools').getByRole('button', { name: 'Bounce' }).click()
    await page.getByLabel('Bounce to').fill('colleague@elsewhere.example')
    await page.getByRole('dialog').getByRole('button', { name: 'Bounce' }).click()
    await page.getByText('Saved.').waitFor()
    const history = await api<{ history: { type: string; message: string }[] }>('GET', `/api/tickets/${number}`)
    expect(history.history.find((entry) => entry.type === 'Bounce')?.message).toContain('colleague@elsewhere.example')
    await page.close()
  })

  it('forward lists the original mail\'s attachments, and one removed is not sent', async () => {
    const raw = [
      'From: Ann Customer <ann@customer.example>',
      'To: support@example.com',
      'Subject: Forward me: two files',
      'Message-ID: <forward-me@customer.example>',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'See the two files.',
      '--b1',
      'Content-Type: text/plain; name="keep.txt"',
      'Content-Disposition: attachment; filename="keep.txt"',
      '',
      'keep me',
      '--b1',
      'Content-Type: text/plain; name="drop.txt"',
      'Content-Disposition: attachment; filename="drop.txt"',
      '',
      'drop me',
      '--b1--',
      '',
    ].join('\r\n')
    const number = (await ingestRaw(runtime.deps, raw)).ticketNumber!
    const page = await newLoggedInPage()
    await page.goto(`${runtime.httpUrl}/tickets/${number}`)
    await page.getByRole('heading', { name: 'Forward me: two files', level: 1 }).waitFor()
    await page.getByRole('list', { name: 'Articles of this ticket' }).getByRole('button').first().click()
    await page.locator('.article-tools').getByRole('button', { name: 'Forward' }).click()
    const dialog = page.getByRole('dialog')
    const files = dialog.getByRole('list', { name: 'Attachments of the forwarded mail' })
    await files.getByText('keep.txt').waitFor()
    await files.getByRole('button', { name: 'Leave out drop.txt' }).click()
    await dialog.getByLabel('To', { exact: true }).fill('colleague@elsewhere.example')
    await screenshot(page, 'forward-attachments')
    await dialog.getByRole('button', { name: 'Send mail' }).click()
    await page.getByText('The article was added.').waitFor()
    const detail = await api<{ articles: { channel: string; sender: string; attachments: { name: string }[] }[] }>('GET', `/api/tickets/${number}`)
    const forward = detail.articles.filter((article) => article.sender === 'agent' && article.channel === 'email').at(-1)
    expect(forward?.attachments.map((attachment) => attachment.name)).toEqual(['keep.txt'])
    await page.close()
  })

  it('attaches a 6 MB file in the compose dialog, sends it through an upload slot (not the API), and downloads it from the zoom', async () => {
    const number = await ticket('Attachment round trip: the config dump')
    // Over the 4.4 MB that base64 through API Gateway and Lambda would allow.
    const content = Buffer.alloc(6 * 1024 * 1024, 'docket attachment ')
    const page = await newLoggedInPage()
    const posts: { url: string; bytes: number }[] = []
    page.on('request', (request) => {
      if (request.method() === 'POST') posts.push({ url: new URL(request.url()).pathname, bytes: request.postDataBuffer()?.length ?? 0 })
    })
    await page.goto(`${runtime.httpUrl}/tickets/${number}`)
    await page.getByRole('heading', { name: 'Attachment round trip: the config dump', level: 1 }).waitFor()
    await page.getByRole('navigation', { name: 'Ticket actions' }).getByRole('combobox', { name: 'Reply', exact: true }).selectOption('-')
    const reply = page.getByRole('dialog')
    await reply.getByLabel('Text').fill('Dear Ann, the dump is attached.')
    // A file on disk: Chromium reads it itself (a buffer would be copied through the protocol).
    const { mkdtemp, rm, writeFile } = await import('node:fs/promises')
    const folder = await mkdtemp(join(tmpdir(), 'docket-upload-'))
    onTestFinished(() => rm(folder, { recursive: true, force: true }))
    const file = join(folder, 'config dump.html')
    await writeFile(file, content)
    await reply.getByLabel('Attachments').setInputFiles(file)
    await reply.getByText('config dump.html').waitFor()
    await screenshot(page, 'compose-attachment')
    await reply.getByRole('button', { name: 'Send mail' }).click()
    await page.getByText('The article was added.').waitFor()

    // The file went to the upload slot's URL; the article's request only named the upload.
    expect(posts.map((post) => post.url)).toEqual(expect.arrayContaining(['/api/uploads', '/blobs/docket-attachments/upload', `/api/tickets/${number}/articles`]))
    expect(posts.find((post) => post.url === `/api/tickets/${number}/articles`)!.bytes).toBeLessThan(2000)

    await page.getByRole('list', { name: 'Articles of this ticket' }).getByRole('button').last().click()
    const files = page.getByRole('list', { name: 'Attachments' })
    const [download] = await Promise.all([page.waitForEvent('download'), files.getByRole('button', { name: /config dump\.html/ }).click()])
    expect(download.suggestedFilename()).toBe('config dump.html')
    expect(new URL(download.url()).pathname).toBe('/blobs/docket-attachments/download')
    const { readFile } = await import('node:fs/promises')
    expect((await readFile((await download.path())!)).equals(content)).toBe(true)
    // The HTML file was downloaded, never opened in our origin.
    expect(new URL(page.url()).pathname).toBe(`/tickets/${number}`)
    await page.close()
  })

  it('the queue view is usable at phone width (390 px): nothing scrolls sideways, rows open the ticket', async () => {
    for (let index = 0; index < 5; index++) await ticket(`Phone width ticket ${index} with a rather long title that has to wrap on a small screen`)
    const page = await newLoggedInPage({ width: 390, height: 844 })
    await page.goto(`${runtime.httpUrl}/queues/Support`)
    const table = page.getByRole('table', { name: /Support/ })
    await table.getByRole('link', { name: /Phone width ticket 0/ }).waitFor()
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
    expect(overflow).toBeLessThanOrEqual(0)
    const tableWidth = await page.locator('.ticket-table').evaluate((element) => element.scrollWidth - element.parentElement!.clientWidth)
    expect(tableWidth).toBeLessThanOrEqual(0)
    await screenshot(page, 'queue-phone-390', true)
    await table.getByRole('link', { name: /Phone width ticket 0/ }).click()
    await page.waitForURL('**/tickets/*')
    await page.close()
  })
})
