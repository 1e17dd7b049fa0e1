import { SendEmailCommand, type SESv2Client } from '@aws-sdk/client-sesv2'
import { MailNotSentError, MailSendThrottledError } from '../errors.ts'
import type { MailSender, SentMail } from '../ports.ts'

/**
 * The Message-ID header SES writes on a mail it sends (it replaces ours: SES developer guide,
 * "Amazon SES header fields"): SendEmail's MessageId at the region's amazonses.com host, which is
 * `email.amazonses.com` in us-east-1 and `<region>.amazonses.com` elsewhere
 * (`<0102…-000000@eu-west-1.amazonses.com>`). Bare, as Message-IDs are kept here.
 */
export function sesDeliveredMessageId(messageId: string, region: string): string {
  const normalized = region.trim().toLowerCase()
  return `${messageId}@${normalized === 'us-east-1' ? 'email' : normalized}.amazonses.com`
}

/**
 * AWS: SES v2 SendEmail with the raw MIME we composed (our threading headers intact; SES replaces
 * the Message-ID with its own, which the answer names: returned as `deliveredMessageId`). SES has
 * no idempotency token, so the client must make exactly one request per send (built with
 * maxAttempts 1 in lib/runtime/dependencies.ts): the SDK's own retries would repeat a request that
 * timed out after SES took the mail, behind our back. Retries happen one level up, where each
 * attempt is recorded (lib/mail/send-article-mail.ts).
 */
export class SesMailSender implements MailSender {
  readonly idempotent = false
  private readonly client: SESv2Client
  private readonly configurationSet: string | undefined

  constructor(client: SESv2Client, configurationSet: string | undefined) {
    this.client = client
    this.configurationSet = configurationSet
  }

  async send(message: { raw: Buffer; from: string; recipients: string[] }): Promise<SentMail> {
    // The region the request goes to (the client's) names the host SES writes; read before sending,
    // so nothing can fail between SES taking the mail and our answer.
    const region = await this.client.config.region()
    let messageId: string | undefined
    try {
      const result = await this.client.send(
        new SendEmailCommand({
          FromEmailAddress: message.from,
          Destination: { ToAddresses: message.recipients },
          Content: { Raw: { Data: message.raw } },
          ...(this.configurationSet ? { ConfigurationSetName: this.configurationSet } : {}),
        }),
        { requestTimeout: 30_000 },
      )
      messageId = result.MessageId
    } catch (error) {
      const refusal = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number }; $retryable?: { throttling?: boolean } }
      const status = refusal.$metadata?.httpStatusCode
      // Sending rate or daily quota reached, or sending paused: SES refused it for now (SES asks to wait up to 10 minutes).
      if (throttlingErrors.has(refusal.name ?? '') || refusal.$retryable?.throttling || status === 429) {
        throw new MailSendThrottledError(`SES refused the mail for now (${refusal.name}: ${refusal.message}); retried later`, { cause: error })
      }
      // Any other 4xx answer (MessageRejected, unverified identity): SES refused it.
      if (status !== undefined && status >= 400 && status < 500) throw new MailNotSentError((error as Error).message, { cause: error })
      throw error
    }
    if (!messageId) return { providerMessageId: '' }
    return { providerMessageId: messageId, deliveredMessageId: sesDeliveredMessageId(messageId, region) }
  }
}

/** SES v2 SendEmail's answers that mean "not now" (the documented exceptions, and the quota errors' ThrottlingException). */
const throttlingErrors = new Set(['TooManyRequestsException', 'LimitExceededException', 'SendingPausedException', 'ThrottlingException', 'Throttling'])
