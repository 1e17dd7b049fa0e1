import { beforeAll, describe, expect, it } from 'vitest'
import type { AgentIdentity } from '../../lib/auth/auth-service.ts'
import type { Dependencies } from '../../lib/runtime/dependencies.ts'
import { addAgentArticle } from '../../lib/ticket/agent-article.ts'
import type { Ticket } from '../../lib/ticket/model.ts'
import { ingestRaw, mail, testDependencies, testDependenciesWithConfig } from '../support/local-stack.ts'
import { patchTicket } from '../support/tickets.ts'

/** Issue 3, point by point, through the real local store (DynamoDB Local, blobs on disk). */

const filters = (yaml: string) => (config: string) => config.replace('postmasterFilters: []', `postmasterFilters:\n${yaml}`)
const ticketOf = async (deps: Dependencies, number: string | null) => (await deps.tickets.getThread(number!))!
const setTicket = (deps: Dependencies, number: string, patch: Partial<Ticket>) => patchTicket(deps.tickets, number, patch)

describe('postmaster filters (config)', () => {
  let deps: Dependencies
  beforeAll(async () => {
    deps = await testDependenciesWithConfig(
      filters(`
  - name: Monitoring alerts
    match:
      - header: From
        value: "^nagios@"
      - header: Subject
        value: "PROBLEM: (?<host>\\\\S+) is (?<status>\\\\w+)"
    set:
      X-Docket-Queue: Raw
      X-Docket-Priority: "5 very high"
      X-Docket-Title: "\${host} is \${status}"
      X-Docket-DynamicField-Host: "\${host}"
    stopAfterMatch: true
  - name: Never reached after the first
    match:
      - header: From
        value: "^nagios@"
    set:
      X-Docket-Priority: "1 very low"
  - name: Drop newsletters
    match:
      - header: List-Id
        value: "newsletter"
    set:
      X-Docket-Ignore: "yes"
  - name: Everything from sales partners that is not urgent
    match:
      - header: From
        value: "@partner\\\\.example$"
      - header: Subject
        value: "urgent"
        negate: true
    set:
      X-Docket-Queue: Sales
  - name: Body keyword
    match:
      - header: Body
        value: "refund"
    set:
      X-Docket-Priority: "4 high"
      X-Docket-FollowUp-Priority: "4 high"
`),
    )
  })

  it('match all conditions, set headers with named captures, stop after match', async () => {
    const outcome = await ingestRaw(deps, mail({ from: 'nagios@monitor.example', subject: 'PROBLEM: db01 is DOWN' }))
    const { ticket } = await ticketOf(deps, outcome.ticketNumber)
    expect(ticket).toMatchObject({ queue: 'Raw', priority: 5, title: 'db01 is DOWN', dynamicFields: { Host: 'db01' } })
    const history = (await ticketOf(deps, outcome.ticketNumber)).history[0]!.message
    expect(history).toContain('filter "Monitoring alerts" matched')
    expect(history).not.toContain('Never reached')
  })

  it('negation: a condition that must not match', async () => {
    const normal = await ingestRaw(deps, mail({ from: 'bob@partner.example', subject: 'price list' }))
    const urgent = await ingestRaw(deps, mail({ from: 'bob@partner.example', subject: 'urgent: server down' }))
    expect(normal.queue).toBe('Sales')
    expect(urgent.queue).toBe('Support')
  })

  it('the body can be matched', async () => {
    const outcome = await ingestRaw(deps, mail({ subject: 'my order', body: 'I want a refund please' }))
    expect((await ticketOf(deps, outcome.ticketNumber)).ticket.priority).toBe(4)
  })

  it('X-Docket-Ignore drops the mail after its raw form is archived', async () => {
    const outcome = await ingestRaw(deps, mail({ subject: 'Our November newsletter', headers: { 'List-Id': '<newsletter.shop.example>' } }))
    expect(outcome).toMatchObject({ action: 'ignored', ticketNumber: null, reason: 'dropped by postmaster filter "Drop newsletters"' })
    expect((await deps.rawMail.get(outcome.key)).toString()).toContain('Our November newsletter')
    const again = await ingestRaw(deps, mail({ subject: 'Our November newsletter', messageId: 'nl@shop.example', headers: { 'List-Id': '<newsletter.shop.example>' } }))
    expect(again.action).toBe('ignored')
  })

  it('X-Docket-FollowUp-* headers apply to follow-ups', async () => {
    const first = await ingestRaw(deps, mail({ subject: 'where is my parcel' }))
    expect((await ticketOf(deps, first.ticketNumber)).ticket.priority).toBe(3)
    await ingestRaw(deps, mail({ subject: `Re: [Ticket#${first.ticketNumber}] where is my parcel`, body: 'still nothing, I want a refund' }))
    expect((await ticketOf(deps, first.ticketNumber)).ticket.priority).toBe(4)
  })
})

describe('trusted control headers', () => {
  it('a customer cannot steer the ticket with X-Docket-* headers; a trusted address can', async () => {
    const deps = await testDependenciesWithConfig((config) =>
      config.replace('    - address: sales@example.com\n      displayName: Example Sales\n      queue: Sales', '    - address: sales@example.com\n      displayName: Example Sales\n      queue: Sales\n    - address: monitoring@example.com\n      queue: Raw\n      trusted: true'),
    )
    const forged = await ingestRaw(deps, mail({ subject: 'give me priority', headers: { 'X-Docket-Queue': 'Sales', 'X-Docket-Priority': '5 very high', 'X-Docket-Ignore': 'yes' } }))
    expect(forged.action).toBe('created')
    const { ticket, history } = await ticketOf(deps, forged.ticketNumber)
    expect(ticket).toMatchObject({ queue: 'Support', priority: 3 })
    expect(history[0]!.message).toContain('ignored control headers from an untrusted sender: x-docket-queue, x-docket-priority, x-docket-ignore')
    const trusted = await ingestRaw(deps, mail({ to: 'monitoring@example.com', subject: 'disk full', headers: { 'X-Docket-Queue': 'Sales', 'X-Docket-Priority': '4' } }))
    expect((await ticketOf(deps, trusted.ticketNumber)).ticket).toMatchObject({ queue: 'Sales', priority: 4 })
  })
})

describe('follow-up detection', () => {
  let deps: Dependencies
  beforeAll(async () => {
    deps = await testDependenciesWithConfig((config) =>
      config
        .replace('searchBody: false         #', 'searchBody: true #')
        .replace('externalNumbers: []       # partner ticket numbers, e.g.', 'externalNumbers:\n      - name: Partner helpdesk\n        pattern: "\\\\[PH-(\\\\d+)\\\\]"\n        dynamicField: PartnerTicket\n    # e.g.'),
    )
  })

  it('ticket number in the subject behind Re:/AW:/Fwd:/WG: prefixes', async () => {
    const first = await ingestRaw(deps, mail({ subject: 'VPN broken' }))
    for (const prefix of ['Re:', 'AW:', 'Fwd:', 'WG: Re:']) {
      const next = await ingestRaw(deps, mail({ subject: `${prefix} [Ticket#${first.ticketNumber}] VPN broken` }))
      expect(next).toMatchObject({ action: 'followup', ticketNumber: first.ticketNumber })
    }
  })

  it('a follow-up to a new ticket leaves it new; to a closed one it reopens, locked to its owner', async () => {
    const first = await ingestRaw(deps, mail({ subject: 'printer' }))
    await ingestRaw(deps, mail({ subject: `Re: [Ticket#${first.ticketNumber}] printer` }))
    expect((await deps.tickets.get(first.ticketNumber!))!.state).toBe('new')
    await setTicket(deps, first.ticketNumber!, { state: 'closed successful', stateType: 'closed', owner: 'admin', lock: 'unlock' })
    await ingestRaw(deps, mail({ subject: `Re: [Ticket#${first.ticketNumber}] printer`, body: 'again broken' }))
    expect(await deps.tickets.get(first.ticketNumber!)).toMatchObject({ state: 'open', lock: 'lock', owner: 'admin' })
  })

  it('In-Reply-To / References thread without a number in the subject', async () => {
    const first = await ingestRaw(deps, mail({ subject: 'question', messageId: 'q1@customer.example' }))
    const reply = await ingestRaw(deps, mail({ subject: 'more', inReplyTo: 'q1@customer.example' }))
    const deep = await ingestRaw(deps, mail({ subject: 'even more', references: '<unknown@x.example> <q1@customer.example> <other@y.example>' }))
    expect(reply).toMatchObject({ action: 'followup', ticketNumber: first.ticketNumber })
    expect(deep).toMatchObject({ action: 'followup', ticketNumber: first.ticketNumber })
  })

  it('a ticket number in the body (optional, on here)', async () => {
    const first = await ingestRaw(deps, mail({ subject: 'invoice' }))
    const next = await ingestRaw(deps, mail({ subject: 'about my invoice', body: `As discussed in Ticket#${first.ticketNumber}, please fix.` }))
    expect(next).toMatchObject({ action: 'followup', ticketNumber: first.ticketNumber })
  })

  it('partner ticket numbers: first mail keeps the number, later mails with it thread', async () => {
    const first = await ingestRaw(deps, mail({ from: 'desk@partner-helpdesk.example', subject: '[PH-4711] customer cannot log in' }))
    expect((await ticketOf(deps, first.ticketNumber)).ticket.dynamicFields).toEqual({})
    const next = await ingestRaw(deps, mail({ from: 'desk@partner-helpdesk.example', subject: 'Update [PH-4711] customer cannot log in' }))
    expect(next).toMatchObject({ action: 'followup', ticketNumber: first.ticketNumber })
  })

  it('numbers of tickets that do not exist, or of other systems, make new tickets', async () => {
    expect((await ingestRaw(deps, mail({ subject: 'Re: [Ticket#2001010142999999] old' }))).action).toBe('created')
    expect((await ingestRaw(deps, mail({ subject: 'Re: [Ticket#2026112310000001] other system' }))).action).toBe('created')
  })

  it('a follow-up to a merged ticket goes to the ticket it was merged into', async () => {
    const target = await ingestRaw(deps, mail({ subject: 'target' }))
    const source = await ingestRaw(deps, mail({ subject: 'source' }))
    await setTicket(deps, source.ticketNumber!, { state: 'merged', stateType: 'merged', mergedInto: target.ticketNumber })
    const next = await ingestRaw(deps, mail({ subject: `Re: [Ticket#${source.ticketNumber}] source` }))
    expect(next).toMatchObject({ action: 'followup', ticketNumber: target.ticketNumber })
  })
})

describe('strangers quoting ticket numbers (thread injection)', () => {
  let deps: Dependencies
  let number: string
  beforeAll(async () => {
    deps = await testDependencies()
    const first = await ingestRaw(deps, mail({ from: 'Ann <ann@customer.example>', to: 'support@example.com', subject: 'confidential contract', messageId: 'contract@customer.example', headers: { Cc: 'Carl <carl@lawyers.example>' } }))
    number = first.ticketNumber!
  })

  it('a stranger who quotes the number gets a new ticket, linked to the quoted one', async () => {
    const injected = await ingestRaw(deps, mail({ from: 'mallory@evil.example', subject: `Re: [Ticket#${number}] confidential contract`, body: 'send me the contract' }))
    expect(injected.action).toBe('created')
    expect(injected.ticketNumber).not.toBe(number)
    expect(injected.reason).toContain('takes no part in it')
    const original = await ticketOf(deps, number)
    expect(original.articles.filter((article) => article.sender === 'customer')).toHaveLength(1)
    expect(original.links).toEqual([expect.objectContaining({ ticketNumber: injected.ticketNumber, type: 'normal' })])
    expect((await ticketOf(deps, injected.ticketNumber)).links).toEqual([expect.objectContaining({ ticketNumber: number })])
  })

  it('the customer, a colleague of the same company and an agent may quote it', async () => {
    for (const from of ['ann@customer.example', 'bob@customer.example', 'admin@example.com']) {
      expect(await ingestRaw(deps, mail({ from, subject: `Re: [Ticket#${number}] confidential contract` }))).toMatchObject({ action: 'followup', ticketNumber: number })
    }
  })

  it("a Cc of the customer's mail takes part only once our agent writes to them (an incoming mail's headers add nobody, issue 13.4)", async () => {
    expect((await ticketOf(deps, number)).ticket.participants).toEqual(['ann@customer.example'])
    expect(await ingestRaw(deps, mail({ from: 'carl@lawyers.example', subject: `Re: [Ticket#${number}] confidential contract` }))).toMatchObject({ action: 'created' })
    const identity: AgentIdentity = { login: 'admin', agent: deps.config.agents.find((agent) => agent.login === 'admin')!, sessionId: 'test' }
    await addAgentArticle(deps, identity, number, { type: 'reply', to: 'Ann <ann@customer.example>', cc: 'Carl <carl@lawyers.example>', body: 'Carl, please have a look.' })
    expect((await ticketOf(deps, number)).ticket.participants).toEqual(['ann@customer.example', 'carl@lawyers.example'])
    expect(await ingestRaw(deps, mail({ from: 'carl@lawyers.example', subject: `Re: [Ticket#${number}] confidential contract` }))).toMatchObject({ action: 'followup', ticketNumber: number })
  })

  it('a stranger whose mail threads by Message-ID is in the conversation (forwarded thread)', async () => {
    const outcome = await ingestRaw(deps, mail({ from: 'dave@other.example', subject: `Re: [Ticket#${number}] confidential contract`, inReplyTo: 'contract@customer.example' }))
    expect(outcome).toMatchObject({ action: 'followup', ticketNumber: number })
  })

  it('free-mail users are strangers to each other (no shared CustomerID)', async () => {
    const first = await ingestRaw(deps, mail({ from: 'alice@gmail.com', subject: 'my account' }))
    expect((await deps.tickets.get(first.ticketNumber!))!.customerId).toBe('alice@gmail.com')
    const other = await ingestRaw(deps, mail({ from: 'eve@gmail.com', subject: `Re: [Ticket#${first.ticketNumber}] my account` }))
    expect(other.action).toBe('created')
  })
})

describe('queue follow-up policy for closed tickets', () => {
  it('reject: answered with the reject auto response, nothing written; new-ticket: a linked ticket', async () => {
    const deps = await testDependenciesWithConfig((config) =>
      config
        .replace('  - name: Sales\n    group: sales\n', '  - name: Sales\n    group: sales\n    followUp: reject\n    autoResponses:\n      reject: rejected\n')
        .replace('  - name: Raw\n    group: users\n', '  - name: Raw\n    group: users\n    followUp: new-ticket\n')
        .replace('autoResponses:\n  - name: new-ticket-confirmation', 'autoResponses:\n  - name: rejected\n    subject: "{{mail.subject}}"\n    body: "Ticket {{ticket.number}} is closed. Please write a new mail."\n  - name: new-ticket-confirmation'),
    )
    const sales = await ingestRaw(deps, mail({ to: 'sales@example.com', subject: 'quote' }))
    await setTicket(deps, sales.ticketNumber!, { state: 'closed successful', stateType: 'closed' })
    const rejected = await ingestRaw(deps, mail({ to: 'sales@example.com', subject: `Re: [Ticket#${sales.ticketNumber}] quote` }))
    expect(rejected).toMatchObject({ action: 'rejected', ticketNumber: sales.ticketNumber })
    const thread = await ticketOf(deps, sales.ticketNumber)
    expect(thread.articles).toHaveLength(1)
    expect(thread.ticket.state).toBe('closed successful')

    const raw = await ingestRaw(deps, mail({ to: 'info@example.com', subject: 'hello' }))
    await setTicket(deps, raw.ticketNumber!, { state: 'closed successful', stateType: 'closed' })
    const next = await ingestRaw(deps, mail({ to: 'info@example.com', subject: `Re: [Ticket#${raw.ticketNumber}] hello` }))
    expect(next.action).toBe('created')
    expect((await ticketOf(deps, next.ticketNumber)).links[0]).toMatchObject({ ticketNumber: raw.ticketNumber })
  })
})

describe('spam', () => {
  it('X-Spam-Score at or above the threshold → Junk, new, no auto response, no notification', async () => {
    const deps = await testDependencies()
    const outcome = await ingestRaw(deps, mail({ subject: 'WIN BIG', headers: { 'X-Spam-Score': '5' } }))
    const { ticket, articles, history } = await ticketOf(deps, outcome.ticketNumber)
    expect(ticket).toMatchObject({ queue: 'Junk', state: 'new' })
    expect(articles).toHaveLength(1)
    expect(history.map((entry) => entry.type)).toEqual(['NewTicket', 'EmailCustomer'])
    expect((await ingestRaw(deps, mail({ subject: 'fine', headers: { 'X-Spam-Score': '4.9' } }))).queue).toBe('Support')
  })

  it('SES verdicts count only in AWS and only when SES put them on top of the mail', async () => {
    const sesTop = (verdict: string, forged = '') =>
      `Return-Path: <x@spam.example>\r\nReceived: from mail.spam.example by inbound-smtp.eu-west-1.amazonaws.com\r\nX-SES-Spam-Verdict: ${verdict}\r\nX-SES-Virus-Verdict: PASS\r\nX-SES-RECEIPT: abc\r\n${forged}${mail({ subject: `verdict ${verdict} ${forged.length}` })}`
    // The AWS runtime needs AWS services: run the local one and say it is AWS, which is all the filter reads.
    const deps = await testDependencies()
    deps.settings.runtime = 'aws'
    expect((await ingestRaw(deps, sesTop('FAIL'))).queue).toBe('Junk')
    expect((await ingestRaw(deps, sesTop('PASS'))).queue).toBe('Support')
    // A sender who writes a verdict into their own headers is not believed.
    const forged = `Received: from mail.spam.example by inbound-smtp.eu-west-1.amazonaws.com\r\nX-SES-RECEIPT: abc\r\n${mail({ subject: 'forged', headers: { 'X-SES-Spam-Verdict': 'FAIL' } })}`
    expect((await ingestRaw(deps, forged)).queue).toBe('Support')
    deps.settings.runtime = 'local'
    expect((await ingestRaw(deps, sesTop('FAIL', 'X-Extra: 1\r\n'))).queue).toBe('Support')
  })
})

describe('auto responses, loops and bounces', () => {
  let deps: Dependencies
  beforeAll(async () => {
    deps = await testDependencies()
  })
  const autoReplies = async (number: string | null) => (await ticketOf(deps, number)).articles.filter((article) => article.sender === 'system')

  it('a new ticket in Support gets the configured auto response', async () => {
    const outcome = await ingestRaw(deps, mail({ from: 'Zoe <zoe@customer.example>', subject: 'hello' }))
    const [reply] = await autoReplies(outcome.ticketNumber)
    expect(reply).toMatchObject({ to: 'Zoe <zoe@customer.example>', subject: `Re: [Ticket#${outcome.ticketNumber}] hello`, transmission: { status: 'queued' } })
    expect(reply!.bodyText).toContain(`Dear Zoe,`)
    expect(reply!.bodyText).toContain(`ticket ${outcome.ticketNumber}`)
    const raw = (await deps.attachments.get(reply!.rawBlobKey!)).toString()
    expect(raw).toMatch(/^Auto-Submitted: auto-replied/m)
    expect(raw).toMatch(/^X-Docket-Loop: yes/m)
  })

  it.each([
    ['Auto-Submitted: auto-replied', { 'Auto-Submitted': 'auto-replied' }],
    ['Precedence: bulk', { Precedence: 'bulk' }],
    ['List-Id', { 'List-Id': '<users.lists.example>' }],
    ['our loop header', { 'X-Docket-Loop': 'yes' }],
    ['X-Auto-Response-Suppress', { 'X-Auto-Response-Suppress': 'All' }],
  ])('auto-generated mail (%s) is ingested but never answered', async (_label, headers) => {
    const outcome = await ingestRaw(deps, mail({ subject: `robot ${_label}`, headers }))
    expect(outcome.action).toBe('created')
    expect(await autoReplies(outcome.ticketNumber)).toHaveLength(0)
  })

  it.each(['MAILER-DAEMON@mx.example', 'postmaster@mx.example', 'noreply@shop.example', 'support@example.com'])('mail from %s is never answered', async (from) => {
    const outcome = await ingestRaw(deps, mail({ from, subject: `from ${from}` }))
    expect(await autoReplies(outcome.ticketNumber)).toHaveLength(0)
  })

  it('ping-pong with another helpdesk that does not mark its replies stops at the caps', async () => {
    const first = await ingestRaw(deps, mail({ from: 'desk@other-helpdesk.example', subject: 'Your request' }))
    for (let round = 0; round < 10; round++) {
      await ingestRaw(deps, mail({ from: 'desk@other-helpdesk.example', subject: `Re: [Ticket#${first.ticketNumber}] Your request`, body: `auto reply ${round}` }))
    }
    // Support answers new tickets only (no follow-up auto response), so one auto response in all.
    expect(await autoReplies(first.ticketNumber)).toHaveLength(1)
  })

  it('caps auto responses per address and day (40 by default)', async () => {
    const capped = await testDependenciesWithConfig((config) => config.replace('perAddressPerDay: 40', 'perAddressPerDay: 3'))
    const results = []
    for (let index = 0; index < 5; index++) results.push(await ingestRaw(capped, mail({ from: 'flood@customer.example', subject: `new problem ${index}` })))
    const counts = await Promise.all(results.map(async (result) => (await capped.tickets.getThread(result.ticketNumber!))!.articles.filter((article) => article.sender === 'system').length))
    expect(counts).toEqual([1, 1, 1, 0, 0])
    const history = (await capped.tickets.getThread(results[4]!.ticketNumber!))!.history.map((entry) => entry.message).join('\n')
    expect(history).toContain('auto response "new-ticket-confirmation" not sent: 3 auto responses to flood@customer.example today already')
  })

  it('a bounce attaches to the ticket whose mail bounced, changes no state, marks the address undeliverable', async () => {
    const first = await ingestRaw(deps, mail({ from: 'gone@customer.example', subject: 'bye' }))
    const [reply] = await autoReplies(first.ticketNumber)
    const dsn = [
      'From: MAILER-DAEMON@mx.customer.example',
      'To: support@example.com',
      'Subject: Undelivered Mail Returned to Sender',
      'Message-ID: <dsn-1@mx.customer.example>',
      'MIME-Version: 1.0',
      'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/plain',
      '',
      'Your message could not be delivered.',
      '--b1',
      'Content-Type: message/delivery-status',
      '',
      'Reporting-MTA: dns; mx.customer.example',
      '',
      'Final-Recipient: rfc822; gone@customer.example',
      'Action: failed',
      'Status: 5.1.1',
      'Diagnostic-Code: smtp; 550 5.1.1 user unknown',
      '--b1',
      'Content-Type: text/rfc822-headers',
      '',
      `Message-ID: <${reply!.messageId}>`,
      `Subject: ${reply!.subject}`,
      '--b1--',
      '',
    ].join('\r\n')
    const before = await deps.tickets.get(first.ticketNumber!)
    const outcome = await ingestRaw(deps, dsn)
    expect(outcome).toMatchObject({ action: 'followup', ticketNumber: first.ticketNumber, reason: 'bounce' })
    const after = await ticketOf(deps, first.ticketNumber)
    expect(after.ticket.state).toBe(before!.state)
    expect(after.articles.at(-1)).toMatchObject({ sender: 'system', visibleToCustomer: false })
    expect(after.history.at(-1)).toMatchObject({ type: 'Bounce', message: expect.stringContaining('gone@customer.example (5.1.1') })
    expect(await deps.mailState.addressStatus('gone@customer.example')).toMatchObject({ undeliverable: true })
    // No more auto responses to an undeliverable address.
    const again = await ingestRaw(deps, mail({ from: 'gone@customer.example', subject: 'I am back?' }))
    expect(await autoReplies(again.ticketNumber)).toHaveLength(0)
  })

  it('a bounce of a mail that is not ours goes to Bounces and marks nothing', async () => {
    const dsn = [
      'From: MAILER-DAEMON@mx.random.example',
      'To: support@example.com',
      'Subject: Undelivered Mail Returned to Sender',
      'MIME-Version: 1.0',
      'Content-Type: multipart/report; report-type=delivery-status; boundary="b2"',
      '',
      '--b2',
      'Content-Type: message/delivery-status',
      '',
      'Reporting-MTA: dns; mx.random.example',
      '',
      'Final-Recipient: rfc822; victim@random.example',
      'Action: failed',
      'Status: 5.1.1',
      '--b2--',
      '',
    ].join('\r\n')
    const outcome = await ingestRaw(deps, dsn)
    expect(outcome).toMatchObject({ action: 'created', queue: 'Bounces' })
    expect(await deps.mailState.addressStatus('victim@random.example')).toBeUndefined()
  })
})

describe('senders OTRS gets wrong', () => {
  let deps: Dependencies
  beforeAll(async () => {
    deps = await testDependencies()
  })

  it('no From: the best address the mail offers, and the article says so', async () => {
    const raw = mail({ subject: 'no from' }).replace(/^From: .*\r\n/, 'Reply-To: Rita <rita@customer.example>\r\n')
    const outcome = await ingestRaw(deps, raw)
    const { ticket, articles } = await ticketOf(deps, outcome.ticketNumber)
    expect(ticket.customer).toBe('rita@customer.example')
    expect(articles[0]!.from).toBe('Rita <rita@customer.example>')
    expect(articles[0]!.notes.join(' ')).toContain('taken from Reply-To')
  })

  it('a sender is found like a person would (issue 14.4.15): no-dot domains and quoted local parts are addresses', async () => {
    for (const [from, customer] of [
      ['root@localhost', 'root@localhost'],
      ['Intranet Admin <admin@intranet>', 'admin@intranet'],
      ['"john smith"@example.com', '"john smith"@example.com'],
    ]) {
      const outcome = await ingestRaw(deps, mail({ subject: `from ${from}`, from }))
      const { ticket, articles } = await ticketOf(deps, outcome.ticketNumber)
      expect(ticket.customer, from).toBe(customer)
      expect(articles[0]!.notes.join(' '), from).not.toContain('From address')
    }
  })

  it('two From headers: the first usable one wins, before Sender, Reply-To and Return-Path', async () => {
    const twoFroms = mail({ subject: 'two froms', from: 'undisclosed', headers: { Sender: 'list@lists.example', 'Reply-To': 'rita@customer.example' } }).replace(
      /^From: undisclosed\r\n/,
      'From: undisclosed\r\nFrom: Bob <bob@customer.example>\r\nFrom: Carl <carl@customer.example>\r\n',
    )
    const { ticket } = await ticketOf(deps, (await ingestRaw(deps, twoFroms)).ticketNumber)
    expect(ticket.customer).toBe('bob@customer.example')
    const firstGood = mail({ subject: 'first from good', from: 'Ann <ann@customer.example>' }).replace(/^(From: .*\r\n)/, '$1From: Zed <zed@customer.example>\r\n')
    expect((await ticketOf(deps, (await ingestRaw(deps, firstGood)).ticketNumber)).ticket.customer).toBe('ann@customer.example')
    const fallback = mail({ subject: 'only fallbacks', from: 'nobody', headers: { Sender: 'not an address', 'Reply-To': 'rita@customer.example', 'Return-Path': '<bounce@customer.example>' } })
    expect((await ticketOf(deps, (await ingestRaw(deps, fallback)).ticketNumber)).ticket.customer).toBe('rita@customer.example')
  })

  it('no address at all: an "unknown sender" customer', async () => {
    const raw = mail({ subject: 'anonymous' }).replace(/^From: .*\r\n/, '')
    const outcome = await ingestRaw(deps, raw)
    const { ticket, articles } = await ticketOf(deps, outcome.ticketNumber)
    expect(ticket.customer).toBe('unknown-sender@invalid')
    expect(articles[0]!.from).toBe('unknown sender')
    expect(articles.filter((article) => article.sender === 'system')).toHaveLength(0)
  })
})

describe('parser limits', () => {
  it('a mail beyond the part limit is kept raw and gets a ticket that says why', async () => {
    const deps = await testDependencies()
    const parts = Array.from({ length: 600 }, (_, index) => `--flood\r\nContent-Type: text/plain\r\n\r\npart ${index}\r\n`).join('')
    const raw = `From: a@customer.example\r\nTo: support@example.com\r\nSubject: part flood\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="flood"\r\n\r\n${parts}--flood--\r\n`
    const started = Date.now()
    const outcome = await ingestRaw(deps, raw)
    expect(Date.now() - started).toBeLessThan(5000)
    const { ticket, articles } = await ticketOf(deps, outcome.ticketNumber)
    expect(ticket.title).toBe('part flood')
    expect(articles[0]!.notes[0]).toContain('more than 500 MIME parts')
    expect((await deps.rawMail.get(outcome.key)).length).toBe(Buffer.byteLength(raw))
  })
})
