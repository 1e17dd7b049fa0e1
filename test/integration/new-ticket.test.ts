import { readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { httpCaller, uploadFile, type ApiAnswer } from '../support/api-calls.ts'
import { apiLogin, mail, sendMail, startTestRuntime, waitFor } from '../support/local-stack.ts'

interface ArticleBody {
  id: string
  sender: string
  channel: string
  from: string
  to: string
  cc: string
  subject: string
  bodyText: string
  messageId: string | null
  attachments: { id: string; name: string; size: number }[]
  timeUnits: number | null
  transmission: { status: string } | null
}

/**
 * Issue 14.1, through the whole local runtime (HTTP, DynamoDB Local, outbox relay, outbound
 * queue, SMTP intake): agents open phone and email tickets with POST /api/tickets.
 */
describe('agents open tickets (POST /api/tickets)', () => {
  let runtime: Awaited<ReturnType<typeof startTestRuntime>>
  let call: ReturnType<typeof httpCaller>
  let admin: string
  let sales: string
  const outboxDir = () => join(runtime.deps.settings.dataDir, 'outbox')
  /** The outbox mail whose text contains `needle`, once it is there. */
  const outboxMail = (needle: string) =>
    waitFor(async () => {
      const files = await readdir(outboxDir()).catch(() => [] as string[])
      for (const file of files.filter((name) => name.endsWith('.eml'))) {
        const text = await readFile(join(outboxDir(), file), 'utf8')
        if (text.includes(needle)) return text
      }
      return undefined
    }, `an outbox mail containing ${needle}`)
  const create = (body: Record<string, unknown>, token = admin) => call('POST', '/api/tickets', { token, body })
  const detail = async (number: string) => (await call('GET', `/api/tickets/${number}`, { token: admin })).body as Record<string, unknown> & { articles: ArticleBody[]; history: { type: string; message: string }[]; links: { ticketNumber: string; type: string }[] }
  const upload = async (name: string, text: string) => {
    const uploaded = await uploadFile((path, init) => fetch(`${runtime.httpUrl}${path}`, init), admin, { name, contentType: 'text/plain', content: Buffer.from(text) })
    expect(uploaded.upload?.status).toBe(204)
    return uploaded.uploadId
  }
  const errorOf = (answer: ApiAnswer) => ({ status: answer.status, field: answer.body.error?.field })

  beforeAll(async () => {
    runtime = await startTestRuntime()
    call = httpCaller(runtime.httpUrl)
    ;[admin, sales] = await Promise.all([apiLogin(runtime.httpUrl), apiLogin(runtime.httpUrl, 'sales')])
  })
  afterAll(() => runtime?.cleanup())

  it('a phone ticket (the customer called): pending reminder with its date, owner, priority, time units, an attachment; the customer becomes a customer user', async () => {
    const pendingUntil = new Date(Date.now() + 2 * 86_400_000).toISOString().replace(/\.\d+Z$/, '.000Z')
    const answer = await create({
      type: 'phone',
      customer: 'Carla Caller <Carla@Phone.example>',
      subject: 'Printer jams on every page',
      body: 'Carla called: the printer in room 4 jams on every page.',
      queue: 'Support',
      state: 'pending reminder',
      pendingUntil,
      priority: 4,
      owner: 'admin',
      responsible: 'admin',
      timeUnits: 15,
      attachments: [{ uploadId: await upload('call-notes.txt', 'room 4, HP LaserJet') }],
    })
    expect(answer.status).toBe(201)
    const number = String(answer.body.number)
    expect(number).toMatch(/^\d{8}42\d{6}$/)
    expect(answer.headers.get('location')).toBe(`/api/tickets/${number}`)
    expect(answer.body).toMatchObject({ title: 'Printer jams on every page', queue: 'Support', state: 'pending reminder', pendingUntil, priority: 4, owner: 'admin', responsible: 'admin', lock: 'lock', customer: 'carla@phone.example', customerId: 'phone.example' })

    const ticket = await detail(number)
    expect(ticket.timeUnits).toBe(15)
    const [call_, autoResponse] = ticket.articles
    expect(call_).toMatchObject({ sender: 'customer', channel: 'phone', from: 'Carla Caller <carla@phone.example>', subject: 'Printer jams on every page', timeUnits: 15, transmission: null })
    expect(call_!.attachments).toMatchObject([{ name: 'call-notes.txt', size: 19 }])
    // OTRS: a phone ticket triggers the queue's auto response for new tickets (Support has one).
    expect(autoResponse).toMatchObject({ sender: 'system', channel: 'email', to: 'Carla Caller <carla@phone.example>', subject: `Re: [Ticket#${number}] Printer jams on every page` })
    expect(ticket.history.map((entry) => entry.type)).toEqual(['NewTicket', 'PhoneCallCustomer', 'Lock', 'OwnerUpdate', 'ResponsibleUpdate', 'SetPendingTime', 'TimeAccounting', 'SendAutoReply'])
    const confirmation = await outboxMail(`Subject: Re: [Ticket#${number}] Printer jams on every page`)
    expect(confirmation).toMatch(/^To: Carla Caller <carla@phone\.example>/m)
    expect(confirmation).toContain('We have opened ticket')

    const customer = await call('GET', '/api/customers/carla%40phone.example', { token: admin })
    expect(customer.status).toBe(200)
    expect(customer.body).toMatchObject({ email: 'carla@phone.example', name: 'Carla Caller', customerId: 'phone.example' })
  })

  it('a phone ticket where we called the customer: the agent\'s phone article, no mail to the customer, and the queue\'s agents are told', async () => {
    const answer = await create({ type: 'phone', direction: 'outbound', customer: 'bob@buyer.example', subject: 'Called Bob about his quote', body: 'He wants 20 more.', queue: 'Sales', state: 'closed successful' }, sales)
    expect(answer.status).toBe(201)
    const number = String(answer.body.number)
    expect(answer.body).toMatchObject({ state: 'closed successful', owner: null, lock: 'unlock', priority: 3 })
    const ticket = await detail(number)
    expect(ticket.articles).toHaveLength(1)
    expect(ticket.articles[0]).toMatchObject({ sender: 'agent', channel: 'phone', from: 'Sam Sales', to: 'bob@buyer.example' })
    expect(ticket.history.map((entry) => entry.type)).toEqual(expect.arrayContaining(['NewTicket', 'PhoneCallAgent', 'SendAgentNotification']))
    expect(ticket.history.map((entry) => entry.type)).not.toContain('SendAutoReply')
  })

  it('an email ticket leaves from the queue address with [Ticket#…] and the signature; the customer\'s answer over SMTP appends to it', async () => {
    const answer = await create({ type: 'email', customer: 'Dora Doe <dora@client.example>', cc: 'boss@client.example', subject: 'Your new contract', body: 'Dear Dora,\n\nyour contract is attached.', queue: 'Support' })
    expect(answer.status).toBe(201)
    const number = String(answer.body.number)
    expect(answer.body).toMatchObject({ title: 'Your new contract', state: 'open', customer: 'dora@client.example' })
    const ticket = await detail(number)
    const [sent] = ticket.articles
    expect(ticket.articles).toHaveLength(1)
    expect(sent).toMatchObject({ sender: 'agent', channel: 'email', from: 'Example Support <support@example.com>', to: 'Dora Doe <dora@client.example>', cc: 'boss@client.example', subject: `[Ticket#${number}] Your new contract` })
    expect(sent!.bodyText).toMatch(/your contract is attached\.\n\nYour Support team$/)
    expect(ticket.history.map((entry) => entry.type)).toEqual(expect.arrayContaining(['NewTicket', 'EmailAgent']))

    const raw = await outboxMail(`Subject: [Ticket#${number}] Your new contract`)
    expect(raw).toMatch(/^From: Example Support <support@example\.com>/m)
    expect(raw).toMatch(/^To: Dora Doe <dora@client\.example>/m)
    expect(raw).toMatch(/^Cc: boss@client\.example/m)
    expect(raw.replace(/\r?\n\s+/g, ' ')).toContain(`Message-ID: <${sent!.messageId}>`)
    await waitFor(async () => ((await detail(number)).articles[0]!.transmission?.status === 'sent' ? true : undefined), 'the mail recorded as sent')

    // Dora answers (threaded by In-Reply-To and the subject): the same ticket, not a new one.
    await sendMail(runtime.smtpPort, mail({ from: 'Dora Doe <dora@client.example>', subject: `Re: [Ticket#${number}] Your new contract`, inReplyTo: sent!.messageId!, body: 'Signed and returned.' }), {
      from: 'dora@client.example',
      to: ['support@example.com'],
    })
    const after = await waitFor(async () => {
      const current = await detail(number)
      return current.articles.length === 2 ? current : undefined
    }, "Dora's answer in the ticket")
    expect(after.articles[1]).toMatchObject({ sender: 'customer', channel: 'email', from: 'Dora Doe <dora@client.example>' })
    expect(after.history.map((entry) => entry.type)).toContain('FollowUp')
  })

  it('split into a new email ticket: the article\'s attachments go along, the new ticket is a child of the old one', async () => {
    const first = await create({
      type: 'phone',
      customer: 'erik@split.example',
      subject: 'Two problems',
      body: 'The scanner is broken, and an unrelated invoice question.',
      queue: 'Support',
      attachments: [{ uploadId: await upload('scan.txt', 'scan') }],
    })
    const source = String(first.body.number)
    const article = (await detail(source)).articles[0]!
    const answer = await create({ type: 'email', customer: 'erik@split.example', subject: `Re: [Ticket#${source}] Invoice question`, body: 'About your invoice: …', queue: 'Sales', splitFrom: { ticket: source, articleId: article.id } })
    expect(answer.status).toBe(201)
    const number = String(answer.body.number)
    // The new ticket's title never shows the other ticket's number (issue 14.4.7).
    expect(answer.body.title).toBe('Invoice question')
    const split = await detail(number)
    expect(split.links).toEqual([expect.objectContaining({ ticketNumber: source, type: 'parent' })])
    expect(split.articles[0]).toMatchObject({ subject: `[Ticket#${number}] Invoice question` })
    expect(split.articles[0]!.attachments.map((attachment) => attachment.name)).toEqual(['scan.txt'])
    expect(await outboxMail(`Subject: [Ticket#${number}] Invoice question`)).toContain('filename=scan.txt')
    const original = await detail(source)
    expect(original.links).toEqual([expect.objectContaining({ ticketNumber: number, type: 'child' })])
    expect(original.history.at(-1)).toMatchObject({ type: 'Split', message: `Article ${article.id} split off into ticket ${number}` })
  })

  it('every field is checked: 400 naming the field', async () => {
    const valid = { type: 'phone', customer: 'ann@customer.example', subject: 'x', body: 'y', queue: 'Support' }
    expect(errorOf(await create({ ...valid, subject: undefined }))).toEqual({ status: 400, field: 'body.subject' })
    expect(errorOf(await create({ ...valid, type: 'fax' }))).toEqual({ status: 400, field: 'body.type' })
    expect(errorOf(await create({ ...valid, customer: 'not an address' }))).toEqual({ status: 400, field: 'body.customer' })
    expect(errorOf(await create({ ...valid, customer: 'support@example.com' }))).toEqual({ status: 400, field: 'body.customer' })
    expect(errorOf(await create({ ...valid, queue: 'Nowhere' }))).toEqual({ status: 400, field: 'body.queue' })
    expect(errorOf(await create({ ...valid, state: 'pending reminder' }))).toEqual({ status: 400, field: 'body.pendingUntil' })
    expect(errorOf(await create({ ...valid, state: 'merged' }))).toEqual({ status: 400, field: 'body.state' })
    expect(errorOf(await create({ ...valid, state: 'gone fishing' }))).toEqual({ status: 400, field: 'body.state' })
    expect(errorOf(await create({ ...valid, priority: 9 }))).toEqual({ status: 400, field: 'body.priority' })
    expect(errorOf(await create({ ...valid, owner: 'sales' }))).toEqual({ status: 400, field: 'body.owner' })
    expect(errorOf(await create({ ...valid, direction: 'sideways' }))).toEqual({ status: 400, field: 'body.direction' })
    expect(errorOf(await create({ ...valid, cc: 'boss@customer.example' }))).toEqual({ status: 400, field: 'body.cc' })
    expect(errorOf(await create({ ...valid, type: 'email', direction: 'outbound' }))).toEqual({ status: 400, field: 'body.direction' })
    expect(errorOf(await create({ ...valid, splitFrom: { ticket: '2026112342999999', articleId: 'x' } }))).toEqual({ status: 400, field: 'body.splitFrom.ticket' })
    expect(errorOf(await create({ ...valid, extra: 1 }))).toMatchObject({ status: 400 })
  })

  it('403 without the "create" right on the queue', async () => {
    const answer = await create({ type: 'phone', customer: 'ann@customer.example', subject: 'x', body: 'y', queue: 'Support' }, sales)
    expect(answer.status).toBe(403)
    expect(answer.body.error?.message).toMatch(/"create" right on queue Support/)
  })

  it('GET /api/new-ticket/compose: a "create" template with the customer\'s name, and the signature of the queue', async () => {
    const composed = await call('GET', `/api/new-ticket/compose?type=email&queue=Support&templateId=${encodeURIComponent('Order confirmation')}&customer=${encodeURIComponent('Dora Doe <dora@client.example>')}`, { token: admin })
    expect(composed.status).toBe(200)
    expect(composed.body).toEqual({ body: expect.stringMatching(/^Dear Dora Doe,\n\nwe have received your order/), signature: 'Your Support team' })
    const wrongType = await call('GET', '/api/new-ticket/compose?type=email&queue=Support&templateId=Solved', { token: admin })
    expect(errorOf(wrongType)).toEqual({ status: 400, field: 'templateId' })
  })
})
