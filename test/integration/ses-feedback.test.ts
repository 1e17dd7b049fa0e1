import { readFile } from 'node:fs/promises'
import { beforeAll, describe, expect, it } from 'vitest'
import { createSesFeedbackHandler } from '../../functions/ses-feedback.ts'
import { localLambdaContext } from '../../lib/local/start-local.ts'
import { recordSesEvent, type SendingFeedbackDeps } from '../../lib/mail/record-sending-feedback.ts'
import type { Dependencies } from '../../lib/runtime/dependencies.ts'
import { SesSendingEventSchema, type SesSendingEvent } from '../../schemas/events.ts'
import { ingestRaw, mail, testDependencies } from '../support/local-stack.ts'

/**
 * SES bounce and complaint notifications (issue 8.3) through DynamoDB Local: the same outcome as a
 * DSN that comes back by mail (a thread entry, the same history wording, the same undeliverable
 * mark), once per notification however often it is delivered.
 */

interface SqsEventJson {
  Records: { messageId: string; body: string; receiptHandle: string; attributes: Record<string, string> }[]
}

const sample = async () => JSON.parse(await readFile('events/ses-feedback.sqs.json', 'utf8')) as SqsEventJson
/** The SES event inside the sample's SNS notification. */
const sampleEvent = async () => JSON.parse((JSON.parse((await sample()).Records[0]!.body) as { Message: string }).Message) as Record<string, unknown> & { mail: { headers: { name: string; value: string }[]; commonHeaders: Record<string, unknown> } }

let deps: Dependencies
let template: Awaited<ReturnType<typeof sampleEvent>>
beforeAll(async () => {
  deps = await testDependencies()
  template = await sampleEvent()
})

let sequence = 0
/** A Support ticket from `customer`, and its queued auto response: the mail we "sent" through SES. */
async function sentMail(customer: string) {
  const { ticketNumber } = await ingestRaw(deps, mail({ from: customer, subject: `printer ${++sequence}` }), { recipients: ['support@example.com'] })
  const reply = (await deps.tickets.getThread(ticketNumber!))!.articles.find((article) => article.transmission)!
  return { number: ticketNumber!, reply }
}

/** An SES event about the mail with our Message-ID `messageId`. */
function sesEvent(kind: 'Bounce' | 'Complaint', options: { messageId: string | null; subject?: string; recipient: string; bounceType?: 'Permanent' | 'Transient'; feedbackId?: string }): SesSendingEvent {
  const headers = template.mail.headers.filter((header) => header.name !== 'Message-ID' && header.name !== 'Subject')
  if (options.messageId) headers.push({ name: 'Message-ID', value: `<${options.messageId}>` })
  const feedbackId = options.feedbackId ?? `feedback-${++sequence}`
  const event = {
    eventType: kind,
    mail: { ...template.mail, messageId: `ses-${sequence}`, destination: [options.recipient], headers, commonHeaders: { ...template.mail.commonHeaders, subject: options.subject ?? 'Re: something' } },
    ...(kind === 'Bounce'
      ? { bounce: { ...(template.bounce as object), bounceType: options.bounceType ?? 'Permanent', feedbackId, bouncedRecipients: [{ emailAddress: options.recipient, action: 'failed', status: options.bounceType === 'Transient' ? '4.2.2' : '5.1.1', diagnosticCode: options.bounceType === 'Transient' ? 'smtp; 452 4.2.2 mailbox full' : 'smtp; 550 5.1.1 user unknown' }] } }
      : { complaint: { complainedRecipients: [{ emailAddress: options.recipient }], feedbackId, timestamp: '2026-11-23T10:00:00.000Z', complaintFeedbackType: 'abuse', userAgent: 'Mail client' } }),
  }
  return SesSendingEventSchema.parse(event)
}

const thread = async (number: string) => (await deps.tickets.getThread(number))!

describe('a hard bounce reported by SES', () => {
  it('is recorded on the ticket of the bounced mail as a DSN is: a system entry, the Bounce history line, the address undeliverable, no state change', async () => {
    const { number, reply } = await sentMail('gone-ses@customer.example')
    const before = await thread(number)
    const outcome = await recordSesEvent(deps, sesEvent('Bounce', { messageId: reply.messageId, recipient: 'Gone-SES@customer.example' }))
    expect(outcome).toMatchObject({ action: 'recorded', ticketNumber: number, undeliverable: ['gone-ses@customer.example'] })
    const after = await thread(number)
    expect(after.ticket.state).toBe(before.ticket.state)
    expect(after.ticket.articleCount).toBe(before.ticket.articleCount + 1)
    expect(after.articles.at(-1)).toMatchObject({ id: outcome.articleId, sender: 'system', channel: 'note', visibleToCustomer: false, from: 'Amazon SES' })
    expect(after.articles.at(-1)!.bodyText).toContain('gone-ses@customer.example 5.1.1: 550 5.1.1 user unknown')
    expect(after.history.at(-1)).toMatchObject({ type: 'Bounce', by: 'system', message: 'Delivery failed to gone-ses@customer.example (5.1.1: 550 5.1.1 user unknown)' })
    expect(await deps.mailState.addressStatus('gone-ses@customer.example')).toMatchObject({ undeliverable: true, reason: '5.1.1 550 5.1.1 user unknown', bounces: 1 })
  })

  it('uses the wording of the DSN path for the same failure', async () => {
    const viaSes = await sentMail('same-words@customer.example')
    await recordSesEvent(deps, sesEvent('Bounce', { messageId: viaSes.reply.messageId, recipient: 'same-words@customer.example' }))
    const viaDsn = await sentMail('same-words-dsn@customer.example')
    const dsn = [
      'From: MAILER-DAEMON@mx.customer.example',
      'To: support@example.com',
      'Subject: Undelivered Mail Returned to Sender',
      'MIME-Version: 1.0',
      'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"',
      '',
      '--b1',
      'Content-Type: message/delivery-status',
      '',
      'Reporting-MTA: dns; mx.customer.example',
      '',
      'Final-Recipient: rfc822; same-words-dsn@customer.example',
      'Action: failed',
      'Status: 5.1.1',
      'Diagnostic-Code: smtp; 550 5.1.1 user unknown',
      '--b1',
      'Content-Type: text/rfc822-headers',
      '',
      `Message-ID: <${viaDsn.reply.messageId}>`,
      '--b1--',
      '',
    ].join('\r\n')
    await ingestRaw(deps, dsn)
    const line = async (number: string) => (await thread(number)).history.at(-1)!
    expect((await line(viaDsn.number)).message.replace('same-words-dsn@', 'same-words@')).toBe((await line(viaSes.number)).message)
    expect((await line(viaDsn.number)).type).toBe((await line(viaSes.number)).type)
    const status = async (address: string) => {
      const { undeliverable, reason, bounces } = (await deps.mailState.addressStatus(address))!
      return { undeliverable, reason, bounces }
    }
    expect(await status('same-words-dsn@customer.example')).toEqual(await status('same-words@customer.example'))
  })

  it('delivered twice, one after the other: recorded once, counted once', async () => {
    const { number, reply } = await sentMail('twice@customer.example')
    const event = sesEvent('Bounce', { messageId: reply.messageId, recipient: 'twice@customer.example' })
    const first = await recordSesEvent(deps, event)
    const second = await recordSesEvent(deps, event)
    expect(second).toEqual({ action: 'duplicate', ticketNumber: number, articleId: first.articleId, undeliverable: [] })
    const after = await thread(number)
    expect(after.articles.filter((article) => article.from === 'Amazon SES')).toHaveLength(1)
    expect(after.history.filter((entry) => entry.type === 'Bounce')).toHaveLength(1)
    expect((await deps.mailState.addressStatus('twice@customer.example'))!.bounces).toBe(1)
  })

  it('delivered ten times at once: recorded once', async () => {
    const { number, reply } = await sentMail('burst@customer.example')
    const event = sesEvent('Bounce', { messageId: reply.messageId, recipient: 'burst@customer.example' })
    const outcomes = await Promise.all(Array.from({ length: 10 }, () => recordSesEvent(deps, event)))
    expect(outcomes.filter((outcome) => outcome.action === 'recorded')).toHaveLength(1)
    expect(outcomes.filter((outcome) => outcome.action === 'duplicate')).toHaveLength(9)
    expect((await thread(number)).articles.filter((article) => article.from === 'Amazon SES')).toHaveLength(1)
    expect((await deps.mailState.addressStatus('burst@customer.example'))!.bounces).toBe(1)
  })

  it('a crash between the record and the mark: the redelivery marks the address', async () => {
    const { number, reply } = await sentMail('crash@customer.example')
    const event = sesEvent('Bounce', { messageId: reply.messageId, recipient: 'crash@customer.example' })
    const dying: SendingFeedbackDeps = {
      ...deps,
      mailState: {
        ...deps.mailState,
        addressStatus: (address) => deps.mailState.addressStatus(address),
        reserveAutoResponse: (...args) => deps.mailState.reserveAutoResponse(...args),
        markUndeliverable: async () => {
          throw new Error('worker killed')
        },
      },
    }
    await expect(recordSesEvent(dying, event)).rejects.toThrow('worker killed')
    expect(await deps.mailState.addressStatus('crash@customer.example')).toBeUndefined()
    expect(await recordSesEvent(deps, event)).toMatchObject({ action: 'duplicate', ticketNumber: number, undeliverable: ['crash@customer.example'] })
    expect(await deps.mailState.addressStatus('crash@customer.example')).toMatchObject({ undeliverable: true, bounces: 1 })
    expect((await thread(number)).articles.filter((article) => article.from === 'Amazon SES')).toHaveLength(1)
  })
})

describe('other SES reports', () => {
  it('a transient bounce is recorded on the ticket; the address stays deliverable', async () => {
    const { number, reply } = await sentMail('full@customer.example')
    const outcome = await recordSesEvent(deps, sesEvent('Bounce', { messageId: reply.messageId, recipient: 'full@customer.example', bounceType: 'Transient' }))
    expect(outcome).toMatchObject({ action: 'recorded', ticketNumber: number, undeliverable: [] })
    expect((await thread(number)).history.at(-1)).toMatchObject({ type: 'Bounce', message: 'Delivery failed (transient bounce (General), address kept) to full@customer.example (4.2.2: 452 4.2.2 mailbox full)' })
    expect(await deps.mailState.addressStatus('full@customer.example')).toBeUndefined()
  })

  it('a complaint is recorded on the ticket and marks the address undeliverable', async () => {
    const { number, reply } = await sentMail('angry@customer.example')
    const outcome = await recordSesEvent(deps, sesEvent('Complaint', { messageId: reply.messageId, recipient: 'angry@customer.example' }))
    expect(outcome).toMatchObject({ action: 'recorded', ticketNumber: number, undeliverable: ['angry@customer.example'] })
    expect((await thread(number)).history.at(-1)).toMatchObject({ type: 'Misc', message: 'Complaint from angry@customer.example (complaint (abuse)): marked undeliverable' })
    expect(await deps.mailState.addressStatus('angry@customer.example')).toMatchObject({ undeliverable: true })
  })

  it('without our Message-ID (headers cut short) the ticket number in the subject finds the ticket', async () => {
    const { number } = await sentMail('subject-only@customer.example')
    const outcome = await recordSesEvent(deps, sesEvent('Bounce', { messageId: null, subject: `Re: [Ticket#${number}] printer`, recipient: 'subject-only@customer.example' }))
    expect(outcome).toMatchObject({ action: 'recorded', ticketNumber: number })
  })

  it('a report on a mail of no ticket is acknowledged: nothing on any ticket, the hard-bounced address still marked, once', async () => {
    const event = sesEvent('Bounce', { messageId: 'reset-1@docket.example.com', recipient: 'nobody-ticket@customer.example' })
    expect(await recordSesEvent(deps, event)).toEqual({ action: 'no-ticket', ticketNumber: null, articleId: null, undeliverable: ['nobody-ticket@customer.example'] })
    expect(await recordSesEvent(deps, event)).toMatchObject({ action: 'duplicate', ticketNumber: null })
    expect((await deps.mailState.addressStatus('nobody-ticket@customer.example'))!.bounces).toBe(1)
    const transient = sesEvent('Bounce', { messageId: 'unknown@elsewhere.example', recipient: 'soft@customer.example', bounceType: 'Transient' })
    expect(await recordSesEvent(deps, transient)).toMatchObject({ action: 'no-ticket', undeliverable: [] })
    expect(await deps.mailState.addressStatus('soft@customer.example')).toBeUndefined()
  })

  it('a forged Message-ID of ours naming a real ticket does not attach the report to it', async () => {
    const { number } = await sentMail('forged@customer.example')
    const outcome = await recordSesEvent(deps, sesEvent('Bounce', { messageId: `01KQNOTANARTICLE000000000000.${number}@docket.example.com`, recipient: 'forged@customer.example' }))
    expect(outcome.action).toBe('no-ticket')
  })

  it('deliveries and other events are acknowledged and ignored', async () => {
    expect(await recordSesEvent(deps, SesSendingEventSchema.parse({ eventType: 'Delivery', mail: template.mail, delivery: {} }))).toMatchObject({ action: 'ignored' })
  })
})

describe('the ses-feedback handler', () => {
  const invoke = (event: SqsEventJson) => createSesFeedbackHandler(deps)(event as never, localLambdaContext('ses-feedback'))

  it('takes the SES event inside an SNS notification and, with raw message delivery, on its own', async () => {
    const wrapped = await sentMail('wrapped@customer.example')
    const raw = await sentMail('raw@customer.example')
    const base = await sample()
    const record = base.Records[0]!
    const inSns = (event: SesSendingEvent) => JSON.stringify({ ...JSON.parse(record.body), Message: JSON.stringify(event) })
    const event = {
      Records: [
        { ...record, messageId: 'wrapped', body: inSns(sesEvent('Bounce', { messageId: wrapped.reply.messageId, recipient: 'wrapped@customer.example' })) },
        { ...record, messageId: 'raw', body: JSON.stringify(sesEvent('Bounce', { messageId: raw.reply.messageId, recipient: 'raw@customer.example' })) },
      ],
    }
    expect(await invoke(event)).toEqual({ batchItemFailures: [] })
    for (const { number } of [wrapped, raw]) expect((await thread(number)).history.at(-1)!.type).toBe('Bounce')
  })

  it('a malformed notification fails alone (to the DLQ after its retries), named by its field; its neighbours are recorded', async () => {
    const neighbour = await sentMail('neighbour@customer.example')
    const record = (await sample()).Records[0]!
    const broken = sesEvent('Bounce', { messageId: neighbour.reply.messageId, recipient: 'x@customer.example' }) as { bounce?: Record<string, unknown> }
    delete broken.bounce!.feedbackId
    const failures: string[] = []
    const { batchFailures } = await import('../../lib/queue/sqs-batch.ts')
    const listen = (_id: string, error: Error) => failures.push(error.message)
    batchFailures.on('failure', listen)
    try {
      const event = {
        Records: [
          { ...record, messageId: 'poison', body: JSON.stringify(broken) },
          { ...record, messageId: 'good', body: JSON.stringify(sesEvent('Bounce', { messageId: neighbour.reply.messageId, recipient: 'neighbour@customer.example' })) },
          { ...record, messageId: 'not-json', body: '{"Type":"Notification","TopicArn":"arn","Message":"<xml/>"}' },
        ],
      }
      expect(await invoke(event)).toEqual({ batchItemFailures: [{ itemIdentifier: 'poison' }, { itemIdentifier: 'not-json' }] })
    } finally {
      batchFailures.off('failure', listen)
    }
    expect(failures).toEqual([
      expect.stringContaining('body.bounce.feedbackId: Invalid input: expected string, received undefined'),
      expect.stringContaining('body.Message: the SNS notification carries no JSON message'),
    ])
    expect(await deps.mailState.addressStatus('neighbour@customer.example')).toMatchObject({ undeliverable: true })
  })
})
