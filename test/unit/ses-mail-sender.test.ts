import { LimitExceededException, MessageRejected, SendEmailCommand, SendingPausedException, SESv2Client, SESv2ServiceException, TooManyRequestsException } from '@aws-sdk/client-sesv2'
import { describe, expect, it } from 'vitest'
import { SesMailSender, sesDeliveredMessageId } from '../../lib/mail/adapters/ses-mail-sender.ts'
import { MailNotSentError, MailSendThrottledError } from '../../lib/mail/errors.ts'
import { sendRetryDelaySeconds, throttledRetryBaseSeconds, throttledRetryMaxSeconds } from '../../lib/mail/send-article-mail.ts'

/**
 * Contract of the SES adapter (issue 8.3): the one request it makes per send, and how SES's
 * answers are classed for the send record: refused for now (throttled: retried with backoff),
 * refused (failed: retried), or unknown (uncertain: never sent again by itself).
 */

/** A client in `region` whose send answers with `answer` and remembers the commands it was given. */
function fakeSes(answer: () => unknown, region = 'eu-west-1'): { client: SESv2Client; commands: SendEmailCommand[] } {
  const commands: SendEmailCommand[] = []
  const client = {
    config: { region: async () => region },
    send: async (command: SendEmailCommand) => {
      commands.push(command)
      return answer()
    },
  } as unknown as SESv2Client
  return { client, commands }
}

const message = { raw: Buffer.from('Subject: hi\r\n\r\nbody'), from: 'support@example.com', recipients: ['ann@customer.example'], idempotencyKey: 'a1' }
const metadata = (httpStatusCode: number) => ({ $metadata: { httpStatusCode } })

describe('SesMailSender', () => {
  it('sends the raw MIME once, with the configuration set, and returns SES message id and the Message-ID SES wrote', async () => {
    // SESv2 SendEmail's answer (HTTP 200, body {"MessageId": "…"}) as the SDK hands it over.
    const sesId = '0102018c4f2a9e1b-7d1f6c2a-3b4e-4f7a-9c1d-2e5f8a9b0c1d-000000'
    const ses = fakeSes(() => ({ MessageId: sesId, $metadata: { httpStatusCode: 200, requestId: 'req-1' } }))
    expect(await new SesMailSender(ses.client, 'docket-config-set').send(message)).toEqual({ providerMessageId: sesId, deliveredMessageId: `${sesId}@eu-west-1.amazonses.com` })
    expect(ses.commands).toHaveLength(1)
    expect(ses.commands[0]!.input).toEqual({
      FromEmailAddress: 'support@example.com',
      Destination: { ToAddresses: ['ann@customer.example'] },
      Content: { Raw: { Data: message.raw } },
      ConfigurationSetName: 'docket-config-set',
    })
  })

  it.each([
    ['TooManyRequestsException (sending rate)', () => new TooManyRequestsException({ message: 'Maximum sending rate exceeded.', ...metadata(429) })],
    ['LimitExceededException', () => new LimitExceededException({ message: 'Daily message quota exceeded.', ...metadata(400) })],
    ['SendingPausedException', () => new SendingPausedException({ message: 'Sending paused for this account.', ...metadata(400) })],
    ['ThrottlingException (not modelled by the SDK)', () => new SESv2ServiceException({ name: 'ThrottlingException', $fault: 'client', message: 'Daily message quota exceeded', ...metadata(400) })],
  ])('%s: refused for now (a MailNotSentError: the record says failed, not uncertain)', async (_label, refusal) => {
    const ses = fakeSes(() => {
      throw refusal()
    })
    const sending = new SesMailSender(ses.client, undefined).send(message)
    await expect(sending).rejects.toBeInstanceOf(MailSendThrottledError)
    await expect(sending).rejects.toBeInstanceOf(MailNotSentError)
    await expect(sending).rejects.toThrow(/retried later/)
  })

  it('MessageRejected: refused (failed), not throttled', async () => {
    const ses = fakeSes(() => {
      throw new MessageRejected({ message: 'Email address is not verified.', ...metadata(400) })
    })
    const sending = new SesMailSender(ses.client, undefined).send(message)
    await expect(sending).rejects.toBeInstanceOf(MailNotSentError)
    await expect(sending).rejects.not.toBeInstanceOf(MailSendThrottledError)
  })

  it('a timeout or a 5xx leaves open whether SES took the mail: rethrown as it is', async () => {
    for (const failure of [Object.assign(new Error('Connection timed out after 30000 ms'), { name: 'TimeoutError' }), new SESv2ServiceException({ name: 'InternalFailure', $fault: 'server', message: 'oops', ...metadata(500) })]) {
      const ses = fakeSes(() => {
        throw failure
      })
      const sending = new SesMailSender(ses.client, undefined).send(message)
      await expect(sending).rejects.toBe(failure)
      await expect(sending).rejects.not.toBeInstanceOf(MailNotSentError)
    }
  })
})

describe('the Message-ID SES writes (it replaces ours: "Amazon SES header fields")', () => {
  it('is SendEmail\'s MessageId at email.amazonses.com in us-east-1, at <region>.amazonses.com elsewhere', async () => {
    expect(sesDeliveredMessageId('0100018c-aa-000000', 'us-east-1')).toBe('0100018c-aa-000000@email.amazonses.com')
    expect(sesDeliveredMessageId('0102018c-bb-000000', 'eu-west-1')).toBe('0102018c-bb-000000@eu-west-1.amazonses.com')
    expect(sesDeliveredMessageId('0107018c-cc-000000', 'eu-central-1')).toBe('0107018c-cc-000000@eu-central-1.amazonses.com')
    const inVirginia = fakeSes(() => ({ MessageId: '0100018c-dd-000000', $metadata: { httpStatusCode: 200 } }), 'us-east-1')
    expect(await new SesMailSender(inVirginia.client, undefined).send(message)).toEqual({ providerMessageId: '0100018c-dd-000000', deliveredMessageId: '0100018c-dd-000000@email.amazonses.com' })
  })

  it('an answer without a MessageId names no Message-ID (ours stays the only one known)', async () => {
    const ses = fakeSes(() => ({ $metadata: { httpStatusCode: 200 } }))
    expect(await new SesMailSender(ses.client, undefined).send(message)).toEqual({ providerMessageId: '' })
  })
})

describe('retries of a throttled send back off', () => {
  it('doubles with each delivery from a minute, never beyond 15 minutes, with jitter in the upper half', () => {
    const low = (count: number) => sendRetryDelaySeconds(new MailSendThrottledError('x'), count, () => 0)
    const high = (count: number) => sendRetryDelaySeconds(new MailSendThrottledError('x'), count, () => 1)
    expect([1, 2, 3, 4, 5, 6].map(high)).toEqual([60, 120, 240, 480, 900, 900])
    expect([1, 2, 3, 4].map(low)).toEqual([30, 60, 120, 240])
    expect(throttledRetryBaseSeconds).toBe(60)
    expect(throttledRetryMaxSeconds).toBe(900)
  })

  it('other failures keep the queue default', () => {
    expect(sendRetryDelaySeconds(new MailNotSentError('554 rejected'), 1)).toBeUndefined()
    expect(sendRetryDelaySeconds(new Error('timeout'), 1)).toBeUndefined()
  })
})
