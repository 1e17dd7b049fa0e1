import { readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Ticket } from '../../lib/ticket/model.ts'
import { apiLogin, mail, sendMail, startTestRuntime, waitFor } from '../support/local-stack.ts'

/** The walking skeleton end to end: SMTP → ticket → API reply → outbox → customer answer → same ticket. */
describe('customer mail → ticket → agent reply → threaded follow-up', () => {
  let runtime: Awaited<ReturnType<typeof startTestRuntime>>
  let token: string
  const api = async (path: string, init: RequestInit = {}) => {
    const response = await fetch(`${runtime.httpUrl}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(init.headers ?? {}) },
    })
    return { status: response.status, body: (await response.json().catch(() => null)) as Record<string, unknown> }
  }
  const ticketsIn = async (queue: string, state?: string) =>
    (await api(`/api/tickets?queue=${queue}${state ? `&state=${encodeURIComponent(state)}` : ''}`)).body.items as Ticket[]
  const outboxDir = () => join(runtime.deps.settings.dataDir, 'outbox')
  const outbox = () => readdir(outboxDir()).then((files) => files.filter((file) => file.endsWith('.eml')).sort(), () => [] as string[])
  /** The outbox mail whose text contains `needle`, once it is there. */
  const outboxMail = (needle: string) =>
    waitFor(async () => {
      for (const file of await outbox()) {
        const text = await readFile(join(outboxDir(), file), 'utf8')
        if (text.includes(needle)) return text
      }
      return undefined
    }, `an outbox mail containing ${needle}`)

  beforeAll(async () => {
    runtime = await startTestRuntime()
    token = await apiLogin(runtime.httpUrl)
    // The first mail after start warms up the JIT of DynamoDB Local and Node; latency is measured after it.
    await sendMail(runtime.smtpPort, mail({ subject: 'warm-up', to: 'info@example.com' }), { from: 'warm@up.example', to: ['info@example.com'] })
    await waitFor(async () => ((await ticketsIn('Raw')).length > 0 ? true : undefined), 'the warm-up ticket')
  })
  afterAll(() => runtime.cleanup())

  let number: string
  let customerMessageId: string

  it('health answers once HTTP and SMTP are up', async () => {
    const response = await fetch(`${runtime.httpUrl}/api/health`)
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ status: 'ok' })
  })

  it('a mail to support@ becomes a new ticket in Support (its latency printed: the one-second target is measured by npm run bench -- ingest)', async () => {
    customerMessageId = 'first-mail@customer.example'
    const started = Date.now()
    await sendMail(runtime.smtpPort, mail({ subject: 'My printer is on fire', messageId: customerMessageId, to: 'support@example.com', from: 'Ann Customer <ann@customer.example>' }), {
      from: 'ann@customer.example',
      to: ['support@example.com'],
    })
    const [ticket] = await waitFor(async () => {
      const items = await ticketsIn('Support', 'new')
      return items.length > 0 ? items : undefined
    }, 'the ticket')
    const elapsed = Date.now() - started
    number = ticket!.number
    // Not a timed test (a busy CI machine is not the product): the benchmark holds the target.
    console.log(`SMTP → ticket in the queue view: ${elapsed} ms`)
    expect(number).toMatch(/^\d{8}42\d{6}$/)
    expect(number.slice(0, 8)).toBe(new Date().toISOString().slice(0, 10).replace(/-/g, ''))
    expect(ticket).toMatchObject({ title: 'My printer is on fire', queue: 'Support', state: 'new', priority: 3, owner: null, customer: 'ann@customer.example' })

    const { body: detail } = await api(`/api/tickets/${number}`)
    const articles = detail.articles as Record<string, unknown>[]
    // The customer's mail, and the Support queue's new-ticket auto response.
    expect(articles).toHaveLength(2)
    expect(articles[1]).toMatchObject({ sender: 'system', channel: 'email', to: 'Ann Customer <ann@customer.example>', subject: `Re: [Ticket#${number}] My printer is on fire` })
    expect(articles[0]).toMatchObject({
      sender: 'customer',
      channel: 'email',
      visibleToCustomer: true,
      from: 'Ann Customer <ann@customer.example>',
      to: 'support@example.com',
      subject: 'My printer is on fire',
      messageId: customerMessageId,
    })
    expect(articles[0]!.bodyText).toContain('something is broken')
    expect((detail.history as { type: string }[]).map((entry) => entry.type)).toEqual(['NewTicket', 'EmailCustomer', 'SendAutoReply', 'SendAgentNotification'])
  })

  it('the auto response goes out as a generated mail that other systems do not answer', async () => {
    const sent = await outboxMail(`Subject: Re: [Ticket#${number}] My printer is on fire`)
    expect(sent).toMatch(/^Auto-Submitted: auto-replied/m)
    expect(sent).toMatch(/^X-Docket-Loop: yes/m)
    expect(sent).toContain(`In-Reply-To: <${customerMessageId}>`)
    expect(sent).toContain('We have opened ticket')
  })

  it('the admin (Support in My Queues) is notified of the new ticket', async () => {
    const notification = await outboxMail(`Ticket Created: My printer is on fire`)
    expect(notification).toMatch(/^To: Admin Agent <admin@example\.com>/m)
    expect(notification).toContain(`/tickets/${number}`)
  })

  it('the raw mail was stored before it was parsed', async () => {
    const raws: string[] = []
    for await (const blob of runtime.deps.rawMail.list('raw/')) raws.push((await runtime.deps.rawMail.get(blob.key)).toString())
    expect(raws).toHaveLength(2)
    expect(raws.filter((raw) => raw.includes('Message-ID: <first-mail@customer.example>'))).toHaveLength(1)
  })

  it('an agent reply is mailed from the queue address, threaded, makes the agent owner, and its close unlocks (OTRS)', async () => {
    const { status, body: article } = await api(`/api/tickets/${number}/articles`, { method: 'POST', body: JSON.stringify({ type: 'reply', body: 'Please unplug it.', state: 'closed successful' }) })
    expect(status).toBe(201)
    expect(article).toMatchObject({ sender: 'agent', channel: 'email', subject: `Re: [Ticket#${number}] My printer is on fire`, inReplyTo: customerMessageId })
    const sent = await outboxMail('Please unplug it.')
    expect(sent).toMatch(/^From: Example Support <support@example\.com>/m)
    expect(sent).toMatch(/^To: Ann Customer <ann@customer\.example>/m)
    expect(sent).toContain(`Subject: Re: [Ticket#${number}] My printer is on fire`)
    expect(sent).toContain(`In-Reply-To: <${customerMessageId}>`)
    expect(sent).toContain(`References: <${customerMessageId}>`)
    expect(sent.replace(/\r?\n\s+/g, ' ')).toContain(`Message-ID: <${article.messageId as string}>`)

    const { body: detail } = await api(`/api/tickets/${number}`)
    expect(detail).toMatchObject({ state: 'closed successful', lock: 'unlock', owner: 'admin' })
    const reply = (detail.articles as { id: string; transmission: { status: string } }[]).find((entry) => entry.id === article.id)
    await waitFor(async () => {
      const { body } = await api(`/api/tickets/${number}`)
      const current = (body.articles as { id: string; transmission: { status: string } | null }[]).find((entry) => entry.id === article.id)
      return current?.transmission?.status === 'sent' ? true : undefined
    }, 'the transmission to be recorded as sent')
    expect(reply).toBeDefined()
    expect((detail.history as { type: string }[]).map((entry) => entry.type)).toEqual(expect.arrayContaining(['SendAnswer', 'StateUpdate', 'OwnerUpdate']))
  })

  it('the customer answer lands in the same ticket and reopens it', async () => {
    const replySubject = `Re: [Ticket#${number}] My printer is on fire`
    await sendMail(runtime.smtpPort, mail({ subject: replySubject, inReplyTo: customerMessageId, body: 'Still smoking.' }), { from: 'ann@customer.example', to: ['support@example.com'] })
    const detail = await waitFor(async () => {
      const { body } = await api(`/api/tickets/${number}`)
      return (body.articles as unknown[]).length === 4 ? body : undefined
    }, 'the follow-up article')
    expect(detail.state).toBe('open')
    expect((await ticketsIn('Support', 'new')).map((ticket) => ticket.number)).not.toContain(number)
    expect((detail.history as { type: string }[]).map((entry) => entry.type)).toContain('FollowUp')
  })

  it('a mail that only references an earlier article (no number in the subject) threads too', async () => {
    const { body: detail } = await api(`/api/tickets/${number}`)
    const agentMessageId = (detail.articles as { sender: string; messageId: string }[]).find((entry) => entry.sender === 'agent')!.messageId
    await sendMail(runtime.smtpPort, mail({ subject: 'one more thing', references: `<${customerMessageId}> <${agentMessageId}>` }), { from: 'ann@customer.example', to: ['support@example.com'] })
    await waitFor(async () => {
      const { body } = await api(`/api/tickets/${number}`)
      return (body.articles as unknown[]).length === 5 ? true : undefined
    }, 'the referenced follow-up')
  })

  it('spam (X-Spam-Score 7.1) lands in Junk, still new', async () => {
    await sendMail(runtime.smtpPort, mail({ subject: 'CHEAP PILLS', headers: { 'X-Spam-Score': '7.1' } }), { from: 'spam@spammer.example', to: ['support@example.com'] })
    const junk = await waitFor(async () => {
      const items = await ticketsIn('Junk')
      return items.length > 0 ? items : undefined
    }, 'the Junk ticket')
    expect(junk[0]).toMatchObject({ title: 'CHEAP PILLS', state: 'new', queue: 'Junk' })
  })

  it('mail to sales@ goes to Sales, mail to an unknown address of ours to Raw', async () => {
    await sendMail(runtime.smtpPort, mail({ subject: 'Quote please', to: 'sales@example.com' }), { from: 'bob@buyer.example', to: ['sales@example.com'] })
    await sendMail(runtime.smtpPort, mail({ subject: 'Hello whoever', to: 'info@example.com' }), { from: 'bob@buyer.example', to: ['info@example.com'] })
    await waitFor(async () => ((await ticketsIn('Sales')).length === 1 ? true : undefined), 'the Sales ticket')
    await waitFor(async () => ((await ticketsIn('Raw')).length === 2 ? true : undefined), 'the Raw ticket (after the warm-up one)')
  })

  it('the SMTP server refuses recipients that are not ours', async () => {
    await expect(sendMail(runtime.smtpPort, mail({ subject: 'x', to: 'someone@elsewhere.example' }), { from: 'a@b.example', to: ['someone@elsewhere.example'] })).rejects.toThrow(/550|no such mailbox/)
  })
})
