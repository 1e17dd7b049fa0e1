import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { httpCaller, type ApiAnswer } from '../support/api-calls.ts'
import { apiLogin, mail, sendMail, startTestRuntime, waitFor } from '../support/local-stack.ts'

/**
 * Issue 13, the attacks on a running Docket that go through mail and the API (4, 6, 7, 9, 11),
 * each performed through the real local stack: SMTP intake → ingest → DynamoDB Local → HTTP API.
 */
describe('attacks through mail and the API (issue 13)', () => {
  let runtime: Awaited<ReturnType<typeof startTestRuntime>>
  let call: ReturnType<typeof httpCaller>
  let admin: string
  let sales: string
  /** Ann's ticket of part 4, used again by part 9. */
  let contract: string

  interface Detail {
    number: string
    queue: string
    lock: string
    owner: string | null
    title: string
    participants: string[]
    links: { ticketNumber: string }[]
    articles: { sender: string; subject: string; to: string }[]
    history: { type: string; message: string }[]
  }
  const ticket = async (number: string) => (await call('GET', `/api/tickets/${number}`, { token: admin })).body as unknown as Detail
  const customerMails = (detail: Detail) => detail.articles.filter((article) => article.sender === 'customer')

  /** Sends a mail over SMTP, as a mail server would. */
  async function deliver(raw: string, envelope: { from: string; to: string[] }): Promise<void> {
    await sendMail(runtime.smtpPort, raw, envelope)
  }
  const ticketTitled = (title: string, queue = 'Support') =>
    waitFor(async () => {
      const page = (await call('GET', `/api/tickets?queue=${queue}&limit=500`, { token: admin })).body as { items: { number: string; title: string }[] }
      return page.items.find((item) => item.title === title)?.number
    }, `the ticket "${title}"`)
  const articlesOf = (number: string, count: number) => waitFor(async () => ((await ticket(number)).articles.length >= count ? ticket(number) : undefined), `${count} articles on ${number}`)

  beforeAll(async () => {
    runtime = await startTestRuntime()
    call = httpCaller(runtime.httpUrl)
    admin = await apiLogin(runtime.httpUrl)
    sales = await apiLogin(runtime.httpUrl, 'sales')
  })
  afterAll(() => runtime.cleanup())

  describe('4: thread takeover with one spoofed mail', () => {
    let number: string

    beforeAll(async () => {
      await deliver(mail({ from: 'Ann <ann@customer.example>', subject: 'contract renewal' }), { from: 'ann@customer.example', to: ['support@example.com'] })
      number = await ticketTitled('contract renewal')
      contract = number
      // The attack: Ann's From (not authenticated), Reply-To the stranger, the ticket number quoted.
      await deliver(mail({ from: 'Ann <ann@customer.example>', subject: `Re: [Ticket#${number}] contract renewal`, headers: { 'Reply-To': 'Mallory <mallory@evil.example>', Cc: 'eve@evil.example' }, body: 'please send the contract to my new address' }), {
        from: 'ann@customer.example',
        to: ['support@example.com'],
      })
      await waitFor(async () => (customerMails(await ticket(number)).length === 2 ? true : undefined), 'the spoofed follow-up')
    })

    it('the spoofed mail appends as the customer (as in OTRS) but adds neither its Reply-To nor its Cc to the participants', async () => {
      const detail = await ticket(number)
      expect(detail.participants).toEqual(['ann@customer.example'])
    })

    it("the agent's default reply goes to the customer, and the compose dialog is told about the Reply-To", async () => {
      const composed = (await call('GET', `/api/tickets/${number}/compose?type=reply`, { token: admin })).body
      expect(composed.to).toBe('Ann <ann@customer.example>')
      expect(composed.untrustedReplyTo).toBe('Mallory <mallory@evil.example>')
      // reply-all does not pull the Reply-To in either (the incoming Cc is the agent's explicit choice there).
      const all = (await call('GET', `/api/tickets/${number}/compose?type=reply-all`, { token: admin })).body
      expect(all.to).toBe('Ann <ann@customer.example>')
      expect(String(all.cc)).not.toContain('mallory')
    })

    it("the stranger's own later mail is a stranger's: a new linked ticket, no auto response to them", async () => {
      await deliver(mail({ from: 'Mallory <mallory@evil.example>', subject: `Re: [Ticket#${number}] contract renewal (mallory)`, body: 'it is me, Ann' }), { from: 'mallory@evil.example', to: ['support@example.com'] })
      // A new ticket drops our hook and the quoted number from its title (issue 14.4.7).
      const injected = await ticketTitled('contract renewal (mallory)')
      expect(injected).not.toBe(number)
      const detail = await ticket(injected)
      expect(detail.links.map((link) => link.ticketNumber)).toContain(number)
      expect(detail.history.map((entry) => entry.type)).not.toContain('SendAutoReply')
      expect(detail.history.map((entry) => entry.message).join('\n')).toMatch(/auto response .* not sent: mallory@evil\.example is a stranger to ticket/)
      expect(customerMails(await ticket(number))).toHaveLength(2)
    })

    it('an address our agent writes to becomes a participant, and a Reply-To naming it is answered by default', async () => {
      const sent = await call('POST', `/api/tickets/${number}/articles`, { token: admin, body: { type: 'reply', to: 'Carl <carl@lawyers.example>', body: 'Our lawyer Carl is in copy.' } })
      expect(sent.status).toBe(201)
      expect((await ticket(number)).participants).toEqual(['ann@customer.example', 'carl@lawyers.example'])
      await deliver(mail({ from: 'Ann <ann@customer.example>', subject: `Re: [Ticket#${number}] contract renewal`, headers: { 'Reply-To': 'carl@lawyers.example' } }), { from: 'ann@customer.example', to: ['support@example.com'] })
      await waitFor(async () => (customerMails(await ticket(number)).length === 3 ? true : undefined), 'the third customer mail')
      const composed = (await call('GET', `/api/tickets/${number}/compose?type=reply`, { token: admin })).body
      expect(composed).toMatchObject({ to: 'carl@lawyers.example', untrustedReplyTo: null })
    })
  })

  describe('11: backscatter', () => {
    it('the auto response goes to the From, never to the Reply-To the sender typed in', async () => {
      await deliver(mail({ from: 'Bea <bea@customer.example>', subject: 'where is my order', headers: { 'Reply-To': 'victim@innocent.example' } }), { from: 'bea@customer.example', to: ['support@example.com'] })
      const number = await ticketTitled('where is my order')
      const detail = await articlesOf(number, 2)
      const response = detail.articles.find((article) => article.sender === 'system')!
      expect(response.to).toBe('Bea <bea@customer.example>')
      const stored = (await runtime.deps.tickets.getThread(number))!.articles.find((article) => article.sender === 'system')!
      expect(stored.transmission!.recipients).toEqual(['bea@customer.example'])
      expect(detail.participants).toEqual(['bea@customer.example'])
    })
  })

  describe('6: a former owner keeps receiving the customer mail', () => {
    it('sales locks a Sales ticket, admin moves it to Support, the follow-up → no mail to sales, the ticket unlocked', async () => {
      await deliver(mail({ from: 'Cleo <cleo@customer.example>', to: 'sales@example.com', subject: 'a quote please' }), { from: 'cleo@customer.example', to: ['sales@example.com'] })
      const number = await ticketTitled('a quote please', 'Sales')
      expect((await call('PATCH', `/api/tickets/${number}`, { token: sales, body: { lock: 'lock' } })).status).toBe(200)
      expect(await ticket(number)).toMatchObject({ lock: 'lock', owner: 'sales' })

      const moved = await call('PATCH', `/api/tickets/${number}`, { token: admin, body: { queue: 'Support' } })
      expect(moved.status).toBe(200)
      expect(moved.body).toMatchObject({ queue: 'Support', lock: 'unlock', owner: 'sales' })
      const afterMove = await ticket(number)
      expect(afterMove.history.map((entry) => entry.type)).toEqual(expect.arrayContaining(['Move', 'Unlock']))
      expect((await call('GET', `/api/tickets/${number}`, { token: sales })).status).toBe(404)

      await deliver(mail({ from: 'Cleo <cleo@customer.example>', to: 'sales@example.com', subject: `Re: [Ticket#${number}] a quote please`, body: 'SECRET-PRICE-LIST attached' }), { from: 'cleo@customer.example', to: ['sales@example.com'] })
      await waitFor(async () => (customerMails(await ticket(number)).length === 2 ? true : undefined), 'the follow-up')
      const detail = await ticket(number)
      expect(detail).toMatchObject({ lock: 'unlock', queue: 'Support' })
      // Every mail to agents is recorded in the history with its recipients, in the change that causes it.
      // (The new ticket in Sales was rightly mailed to sales: only what came after the move counts.)
      const notified = detail.history.filter((entry) => entry.type === 'SendAgentNotification' && !entry.message.endsWith('of the new ticket')).map((entry) => entry.message)
      expect(notified.join('\n')).not.toContain('sam.sales@example.com')
      expect(detail.history.filter((entry) => entry.type === 'FollowUp')).toHaveLength(1)
    })
  })

  describe('7: tampered cursors', () => {
    const tamper = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
    const expectCursorRefused = (answer: ApiAnswer, what: string) => {
      expect(answer.status, `${what}: ${answer.text}`).toBe(400)
      expect(answer.body.error?.field, what).toMatch(/cursor$/)
    }

    it('a cursor of another list, a position not of our making, or of the wrong shape, is a 400 naming the cursor on every list', async () => {
      // A genuine cursor of the Support queue view: one merge position for all its partitions and shards (issue 15.10).
      const first = (await call('GET', '/api/tickets?queue=Support&limit=1', { token: admin })).body as { next: string }
      expect(first.next).toBeTruthy()
      const genuine = JSON.parse(Buffer.from(first.next, 'base64url').toString('utf8')) as { after: string; of: string }
      const sales = (await call('GET', '/api/tickets?queue=Sales&limit=1', { token: admin })).body as { next: string | null }
      const tampered = {
        ...(sales.next ? { 'a cursor of the Sales queue': sales.next } : {}),
        'a position that is not a ticket': tamper({ ...genuine, after: 'AGENT#admin' }),
        'a position of another list': tamper({ ...genuine, of: 'another-list' }),
        'an extra attribute': tamper({ ...genuine, extra: 'x' }),
        'a number instead of a string': tamper({ ...genuine, after: 5 }),
        'an array': tamper([1, 2]),
        'not JSON': 'bm90IGpzb24',
      }
      const lists = ['/api/tickets?queue=Support&limit=1', '/api/views/new?limit=1', '/api/views/status?stateType=new&limit=1', '/api/customers/ann%40customer.example/tickets?limit=1', '/api/companies/customer.example/tickets?limit=1']
      for (const list of lists) {
        for (const [what, cursor] of Object.entries(tampered)) expectCursorRefused(await call('GET', `${list}&cursor=${encodeURIComponent(cursor)}`, { token: admin }), `${list}: ${what}`)
      }
      // The genuine cursor still pages.
      expect((await call('GET', `/api/tickets?queue=Support&limit=1&cursor=${encodeURIComponent(first.next)}`, { token: admin })).status).toBe(200)
    })

    it('an offset cursor with a time that is not one is a 400, not a RangeError', async () => {
      const cursor = `o.${tamper({ offset: 0, until: 'not a time' })}`
      expectCursorRefused(await call('GET', `/api/views/pending-reached?cursor=${encodeURIComponent(cursor)}`, { token: admin }), 'pending-reached')
      expectCursorRefused(await call('GET', `/api/views/escalating-soon?cursor=${encodeURIComponent(`o.${tamper({ offset: 1e300 })}`)}`, { token: admin }), 'escalating-soon')
    })
  })

  describe('9: bidi and control characters in titles and subjects', () => {
    const hostile = 'invoice\u202efdp.exe \u0000nul \ud800lone \u2066isolated\u2069 \u0007bell \u009fc1'

    it('PATCH title: removed, and a title of nothing else is a 400', async () => {
      const number = contract
      const patched = await call('PATCH', `/api/tickets/${number}`, { token: admin, body: { title: hostile } })
      expect(patched.status).toBe(200)
      expect(patched.body.title).toBe('invoicefdp.exe nul lone isolated bell c1')
      const empty = await call('PATCH', `/api/tickets/${number}`, { token: admin, body: { title: '\u202e\u0000' } })
      expect(empty.status).toBe(400)
      expect(empty.body.error?.field).toBe('body.title')
    })

    it('a mail subject: removed from the title and the article subject', async () => {
      const subject = `=?utf-8?B?${Buffer.from('report\u202Egnp.exe \u0001done \u2067x\u2069').toString('base64')}?=`
      await deliver(mail({ from: 'dan@customer.example', subject }), { from: 'dan@customer.example', to: ['support@example.com'] })
      const number = await ticketTitled('reportgnp.exe done x')
      const detail = await ticket(number)
      expect(customerMails(detail)[0]!.subject).toBe('reportgnp.exe done x')
    })

    it('an agent subject: removed before it goes out', async () => {
      const number = contract
      const sent = await call('POST', `/api/tickets/${number}/articles`, { token: admin, body: { type: 'note', subject: 'note\u202e\u0000 here', body: 'x' } })
      expect(sent.status).toBe(201)
      expect(sent.body.subject).toBe('note here')
    })
  })
})
