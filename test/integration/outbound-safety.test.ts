import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import { createMailSendHandler } from '../../functions/mail-send.ts'
import type { AgentIdentity } from '../../lib/auth/auth-service.ts'
import { sqsEventFrom } from '../../lib/local/aws-events.ts'
import { localLambdaContext } from '../../lib/local/start-local.ts'
import { OutboxMailSender } from '../../lib/mail/adapters/outbox-mail-sender.ts'
import { composeMail } from '../../lib/mail/compose-mail.ts'
import { MailNotSentError } from '../../lib/mail/errors.ts'
import type { MailSender } from '../../lib/mail/ports.ts'
import { sendLeaseMs } from '../../lib/mail/send-article-mail.ts'
import type { Clock } from '../../lib/platform/clock.ts'
import { createLogger } from '../../lib/platform/logger.ts'
import type { Dependencies } from '../../lib/runtime/dependencies.ts'
import { addAgentArticle, resendArticle } from '../../lib/ticket/agent-article.ts'
import type { Article } from '../../lib/ticket/model.ts'
import { ingestRaw, mail, testDependencies } from '../support/local-stack.ts'

/**
 * Outbound safety (issue 9.5): no customer-controlled text reaches a header as a line of its own,
 * and a send retried after a timeout, a crash or a duplicate queue message does not mail the
 * customer twice. Through the real compose → article → mail-send handler → sender path.
 */

/** The header block of a MIME message as logical headers (folded lines joined). */
function headerFields(raw: string): { name: string; value: string }[] {
  const block = raw.slice(0, raw.search(/\r?\n\r?\n/))
  return block
    .replace(/\r?\n[ \t]/g, ' ')
    .split(/\r?\n/)
    .map((line) => ({ name: line.slice(0, line.indexOf(':')), value: line.slice(line.indexOf(':') + 1) }))
}

const composedHeaders = new Set(['From', 'To', 'Cc', 'Subject', 'Message-ID', 'Date', 'In-Reply-To', 'References', 'MIME-Version', 'Content-Type', 'Content-Transfer-Encoding', 'Auto-Submitted', 'X-Auto-Response-Suppress', 'X-Docket-Loop'])

describe('CRLF never reaches an outbound header', () => {
  it('the MIME builder refuses line breaks and encodes every other character (property, fast-check)', async () => {
    const seed = Date.now() % 2 ** 31
    console.log(`compose fuzz seed ${seed}`)
    const text = fc.string({ unit: 'grapheme', maxLength: 60 }).map((value) => value.replace(/[\r\n]/g, ''))
    const hostile = fc.oneof(text, fc.constantFrom('\u0085Bcc: a@evil.example', '\u2028X-Injected: yes', '\u000bCc: b@evil.example', 'a\u0000b', '=?utf-8?Q?x=0D=0ABcc:_c@evil.example?='))
    await fc.assert(
      fc.asyncProperty(hostile, hostile, hostile, async (subject, name, fileName) => {
        const raw = (
          await composeMail({
            from: { address: 'support@example.com', name },
            to: [`"${name.replace(/["\\]/g, '')}" <ann@customer.example>`],
            cc: [],
            subject,
            text: 'body',
            messageId: 'm.2026112342000001@docket.example.com',
            inReplyTo: 'customer-id@customer.example',
            references: ['a@b.example'],
            date: new Date('2026-11-23T09:00:00Z'),
            attachments: fileName ? [{ name: fileName, contentType: 'text/plain', content: Buffer.from('x') }] : [],
          })
        ).toString('latin1')
        const fields = headerFields(raw)
        for (const field of fields) expect(composedHeaders.has(field.name), `unexpected header ${JSON.stringify(field.name)}`).toBe(true)
        expect(fields.filter((field) => field.name === 'To')).toHaveLength(1)
        expect(raw).not.toMatch(/^(Bcc|X-Injected):/im)
      }),
      { seed, numRuns: 300 },
    )
    for (const [field, value] of [['subject', 'hello\r\nBcc: x@evil.example'], ['to', 'ann@customer.example\r\nBcc: x@evil.example']] as const) {
      await expect(composeMail({ from: { address: 'support@example.com' }, to: [field === 'to' ? value : 'a@b.example'], cc: [], subject: field === 'subject' ? value : 's', text: 'b', messageId: 'm@x', inReplyTo: null, references: [], date: new Date() })).rejects.toThrow(/single line/)
    }
    await expect(composeMail({ from: { address: 'support@example.com' }, to: ['a@b.example'], cc: [], subject: 's', text: 'b', messageId: 'm@x', inReplyTo: 'x@y>\r\nBcc: z@evil.example', references: [], date: new Date() })).rejects.toThrow(/inReplyTo/)
  })

  it('a reply and a forward to a hostile customer mail: the outgoing headers are ours alone', async () => {
    const deps = await testDependencies()
    const hostile = [
      'From: =?utf-8?Q?Ann=0D=0ABcc:_spy@evil.example?= <ann@customer.example>',
      'To: support@example.com',
      'Subject: =?utf-8?Q?Printer=0D=0AX-Injected:_yes=0D=0ABcc:_spy@evil.example?=',
      'Message-ID: <hostile-1@customer.example>',
      'Reply-To: =?utf-8?Q?R=0D=0ACc:_spy@evil.example?= <ann@customer.example>',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b"',
      '',
      '--b',
      'Content-Type: text/plain',
      '',
      'please help',
      '--b',
      'Content-Type: application/pdf',
      "Content-Disposition: attachment; filename*=utf-8''report%0D%0ABcc%3A%20spy%40evil.example%0D%0A.pdf",
      '',
      'PDF',
      '--b--',
      '',
    ].join('\r\n')
    const { ticketNumber } = await ingestRaw(deps, hostile, { recipients: ['support@example.com'] })
    const identity: AgentIdentity = { login: 'admin', agent: deps.config.agents.find((agent) => agent.login === 'admin')!, sessionId: 'test' }
    const reply = (await addAgentArticle(deps, identity, ticketNumber!, { type: 'reply', body: 'We are on it.' })) as Article
    const forward = (await addAgentArticle(deps, identity, ticketNumber!, { type: 'forward', to: 'second-level@partner.example', body: 'see below' })) as Article
    for (const article of [reply, forward]) {
      const raw = (await deps.attachments.get(article.rawBlobKey!)).toString('latin1')
      const fields = headerFields(raw)
      for (const field of fields) expect(composedHeaders.has(field.name), `unexpected header ${field.name}`).toBe(true)
      expect(raw).not.toMatch(/^(Bcc|X-Injected|Cc: spy)/im)
      expect(article.transmission!.recipients.join(',')).not.toContain('spy@evil.example')
    }
    // The forwarded attachment keeps a safe name; the MIME part's headers are ours too.
    const forwarded = (await deps.attachments.get(forward.rawBlobKey!)).toString('latin1')
    expect(forwarded).not.toMatch(/^Bcc/im)
    expect(forward.attachments.map((file) => file.name)).toEqual(['reportBcc_ spy@evil.example.pdf'])
  })
})

/** A sender with faults, around the real outbox (so what "went out" is counted by files), non-idempotent like SES. */
function faultySender(folder: string, script: ('ok' | 'timeout-after-send' | 'reject' | 'slow')[]): MailSender & { sends: number } {
  const outbox = new OutboxMailSender(folder)
  let call = 0
  const sender = {
    idempotent: false,
    sends: 0,
    async send(message: Parameters<MailSender['send']>[0]) {
      const step = script[Math.min(call++, script.length - 1)]!
      if (step === 'reject') throw new MailNotSentError('554 Message rejected: address blacklisted')
      if (step === 'slow') await new Promise((resolve) => setTimeout(resolve, 300))
      // Each send gets its own file: a second send is a second mail, as with SES.
      const result = await outbox.send({ ...message, idempotencyKey: `${message.idempotencyKey}-${sender.sends}` })
      sender.sends++
      if (step === 'timeout-after-send') throw Object.assign(new Error('Connection timed out after 30000 ms'), { name: 'TimeoutError' })
      return result
    },
  }
  return sender
}

/** The store as a worker sees it that dies after the provider answered, before "sent" is written. */
function diesBeforeSentIsRecorded(deps: Dependencies): Dependencies['tickets'] {
  const tickets = Object.create(deps.tickets) as Dependencies['tickets']
  tickets.updateTransmission = async (number, articleId, transmission, expected) => {
    if (transmission.status === 'sent') throw new Error('worker killed')
    return deps.tickets.updateTransmission(number, articleId, transmission, expected)
  }
  return tickets
}

function movableClock(): Clock & { advance(ms: number): void } {
  let offset = 0
  return { now: () => new Date(Date.now() + offset), advance: (ms) => (offset += ms) }
}

describe('a send is recorded before and after: retries never mail the customer twice', () => {
  let base: Dependencies
  const clock = movableClock()
  beforeAll(async () => {
    base = await testDependencies({}, { clock, logger: createLogger('SILENT') })
  })

  /** A new ticket in Support: its auto response is an article with a queued mail. */
  async function queuedMail(subject: string): Promise<{ number: string; articleId: string }> {
    const { ticketNumber } = await ingestRaw(base, mail({ subject, from: `c-${Math.random().toString(36).slice(2)}@customer.example` }), { recipients: ['support@example.com'] })
    const article = (await base.tickets.getThread(ticketNumber!))!.articles.find((candidate) => candidate.transmission?.status === 'queued')!
    return { number: ticketNumber!, articleId: article.id }
  }
  const deliver = async (deps: Dependencies, message: { number: string; articleId: string }) => {
    const handler = createMailSendHandler(deps)
    const body = JSON.stringify({ kind: 'send-article', ticketNumber: message.number, articleId: message.articleId })
    const response = await handler(sqsEventFrom('outbound', [{ id: crypto.randomUUID(), body, receiveCount: 1, sentAt: Date.now(), errors: [] }]), localLambdaContext('mail-send'))
    return response.batchItemFailures.length === 0 ? 'acknowledged' : 'retry'
  }
  const status = async (message: { number: string; articleId: string }) => (await base.tickets.getArticle(message.number, message.articleId))!.transmission!

  it('a timeout after the provider took the mail: "uncertain", and no retry sends it again', async () => {
    const message = await queuedMail('timeout after send')
    const sender = faultySender(join(base.settings.dataDir, 'outbox-timeout'), ['timeout-after-send', 'ok'])
    const deps = { ...base, mailSender: sender }
    expect(await deliver(deps, message)).toBe('acknowledged')
    for (let retry = 0; retry < 5; retry++) expect(await deliver(deps, message)).toBe('acknowledged')
    expect(sender.sends).toBe(1)
    expect(await status(message)).toMatchObject({ status: 'uncertain', attempts: 1 })
    expect((await status(message)).error).toMatch(/may have been sent/)
    // The agent decides: resend is allowed for an uncertain mail, and then it goes out once more.
    const identity: AgentIdentity = { login: 'admin', agent: base.config.agents.find((agent) => agent.login === 'admin')!, sessionId: 'test' }
    await resendArticle(base, identity, message.number, message.articleId)
    expect(await deliver(deps, message)).toBe('acknowledged')
    expect(sender.sends).toBe(2)
    expect(await status(message)).toMatchObject({ status: 'sent' })
  })

  it('a crash between the send and its record: the retry waits for the lease, then marks it uncertain (one mail)', async () => {
    const message = await queuedMail('crash after send')
    const sender = faultySender(join(base.settings.dataDir, 'outbox-crash'), ['ok'])
    expect(await deliver({ ...base, tickets: diesBeforeSentIsRecorded(base), mailSender: sender }, message)).toBe('retry')
    expect(await status(message)).toMatchObject({ status: 'sending', attempts: 1 })
    const deps = { ...base, mailSender: sender }
    expect(await deliver(deps, message), 'the lease still runs: retried later').toBe('retry')
    clock.advance(sendLeaseMs + 1000)
    expect(await deliver(deps, message)).toBe('acknowledged')
    expect(sender.sends).toBe(1)
    expect(await status(message)).toMatchObject({ status: 'uncertain' })
  })

  it('50 deliveries of the same queue message at once: one mail', async () => {
    const message = await queuedMail('duplicate queue messages')
    const sender = faultySender(join(base.settings.dataDir, 'outbox-concurrent'), ['slow'])
    const deps = { ...base, mailSender: sender }
    const outcomes = await Promise.all(Array.from({ length: 50 }, () => deliver(deps, message)))
    // The losers are told to retry later; when they do, the mail is sent already.
    for (const outcome of outcomes) if (outcome === 'retry') expect(await deliver(deps, message)).toBe('acknowledged')
    expect(sender.sends).toBe(1)
    expect(await status(message)).toMatchObject({ status: 'sent', attempts: 1 })
    expect((await status(message)).providerMessageId).toMatch(/^outbox:/)
  })

  it('a refusal (nothing went out) is retried and then sent once', async () => {
    const message = await queuedMail('refused first')
    const sender = faultySender(join(base.settings.dataDir, 'outbox-refused'), ['reject', 'ok'])
    const deps = { ...base, mailSender: sender }
    expect(await deliver(deps, message)).toBe('retry')
    expect(await status(message)).toMatchObject({ status: 'failed', attempts: 1 })
    expect(await deliver(deps, message)).toBe('acknowledged')
    expect(await deliver(deps, message)).toBe('acknowledged')
    expect(sender.sends).toBe(1)
    expect(await status(message)).toMatchObject({ status: 'sent', attempts: 2 })
  })

  it('the local outbox is idempotent: a stale claim is sent again into the same file', async () => {
    const message = await queuedMail('idempotent outbox')
    const folder = join(base.settings.dataDir, 'outbox')
    expect(await deliver({ ...base, tickets: diesBeforeSentIsRecorded(base) }, message)).toBe('retry')
    expect(await deliver(base, message)).toBe('acknowledged')
    const files = (await readdir(folder)).filter((file) => file.startsWith(message.articleId) && file.endsWith('.eml'))
    expect(files).toEqual([`${message.articleId}.eml`])
    expect(await readFile(join(folder, files[0]!), 'utf8')).toContain('Auto-Submitted: auto-replied')
    expect(await status(message)).toMatchObject({ status: 'sent', attempts: 2 })
  })
})
