import { beforeAll, describe, expect, it } from 'vitest'
import { createMailSendHandler } from '../../functions/mail-send.ts'
import { sqsEventFrom } from '../../lib/local/aws-events.ts'
import { localLambdaContext } from '../../lib/local/start-local.ts'
import { MailSendThrottledError } from '../../lib/mail/errors.ts'
import type { FsWorkQueue } from '../../lib/queue/adapters/fs-work-queue.ts'
import type { MailSender } from '../../lib/mail/ports.ts'
import { createLogger } from '../../lib/platform/logger.ts'
import type { Dependencies } from '../../lib/runtime/dependencies.ts'
import { ingestRaw, mail, testDependencies } from '../support/local-stack.ts'

/**
 * Sending quota (issue 8.3): SES refusing a send for now (rate or daily quota, paused sending) is a
 * refusal: the mail is recorded failed, never uncertain, and the queue brings it back after a
 * growing delay; once SES takes mail again it goes out once.
 */
describe('a throttled send', () => {
  let base: Dependencies
  beforeAll(async () => {
    base = await testDependencies({}, { logger: createLogger('SILENT') })
  })

  it('is failed (not uncertain), comes back after the backoff, and is sent once when SES lets it', async () => {
    const { ticketNumber } = await ingestRaw(base, mail({ subject: 'quota', from: 'quota@customer.example' }), { recipients: ['support@example.com'] })
    const article = (await base.tickets.getThread(ticketNumber!))!.articles.find((candidate) => candidate.transmission?.status === 'queued')!
    let throttled = 2
    let sends = 0
    const sender: MailSender = {
      idempotent: false,
      async send() {
        if (throttled-- > 0) throw new MailSendThrottledError('SES refused the mail for now (TooManyRequestsException: Maximum sending rate exceeded.); retried later')
        sends++
        return { providerMessageId: `ses-${sends}` }
      },
    }
    const delays: { receiptHandle: string; seconds: number }[] = []
    const outbound = Object.assign(Object.create(base.outbound) as Dependencies['outbound'], {
      retryAfter: async (receiptHandle: string, seconds: number) => {
        delays.push({ receiptHandle, seconds })
      },
    })
    const handler = createMailSendHandler({ ...base, mailSender: sender, outbound })
    const body = JSON.stringify({ kind: 'send-article', ticketNumber, articleId: article.id })
    const deliver = (receiveCount: number) => handler(sqsEventFrom('outbound', [{ id: `delivery-${receiveCount}`, body, receiveCount, sentAt: Date.now(), errors: [] }]), localLambdaContext('mail-send'))
    const transmission = async () => (await base.tickets.getArticle(ticketNumber!, article.id))!.transmission!

    expect(await deliver(1)).toEqual({ batchItemFailures: [{ itemIdentifier: 'delivery-1' }] })
    expect(await transmission()).toMatchObject({ status: 'failed', attempts: 1, error: expect.stringContaining('TooManyRequestsException') })
    expect(await deliver(2)).toEqual({ batchItemFailures: [{ itemIdentifier: 'delivery-2' }] })
    expect(delays.map((delay) => delay.receiptHandle)).toEqual(['delivery-1', 'delivery-2'])
    expect(delays[0]!.seconds).toBeGreaterThanOrEqual(30)
    expect(delays[0]!.seconds).toBeLessThanOrEqual(60)
    expect(delays[1]!.seconds).toBeGreaterThanOrEqual(60)
    expect(delays[1]!.seconds).toBeLessThanOrEqual(120)

    expect(await deliver(3)).toEqual({ batchItemFailures: [] })
    expect(await transmission()).toMatchObject({ status: 'sent', attempts: 3, providerMessageId: 'ses-1' })
    expect(await deliver(4)).toEqual({ batchItemFailures: [] })
    expect(sends).toBe(1)
    expect(delays).toHaveLength(2)
  })

  it('the local queue honours the delay the consumer asks for', async () => {
    const queue = base.outbound as FsWorkQueue<unknown>
    await queue.send({ kind: 'send-mail', outboundMailId: 'throttled-local' })
    const [message] = await queue.receive(1)
    await queue.retryAfter(message!.id, 3600)
    expect(await queue.fail(message!, 'throttled')).toBe('retry')
    expect(await queue.receive(10)).toEqual([])
    expect((await queue.depth()).ready).toBe(1)
  })
})
