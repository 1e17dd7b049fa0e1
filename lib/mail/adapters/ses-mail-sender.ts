import { SendEmailCommand, type SESv2Client } from '@aws-sdk/client-sesv2'
import { MailNotSentError, MailSendThrottledError } from '../errors.ts'
import type { MailSender } from '../ports.ts'

/**
 * AWS: SES v2 SendEmail with the raw MIME we composed (our Message-ID and threading headers
 * intact). SES has no idempotency token, so the client must make exactly one request per send
 * (built with maxAttempts 1 in lib/runtime/dependencies.ts): the SDK's own retries would repeat a
 * request that timed out after SES took the mail, behind our back. Retries happen one level up,
 * where each attempt is recorded (lib/mail/send-article-mail.ts).
 */
export class SesMailSender implements MailSender {
  readonly idempotent = false
  private readonly client: SESv2Client
  private readonly configurationSet: string | undefined

  constructor(client: SESv2Client, configurationSet: string | undefined) {
    this.client = client
    this.configurationSet = configurationSet
  }

  async send(message: { raw: Buffer; from: string; recipients: string[] }): Promise<{ providerMessageId: string }> {
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
      return { providerMessageId: result.MessageId ?? '' }
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
  }
}

/** SES v2 SendEmail's answers that mean "not now" (the documented exceptions, and the quota errors' ThrottlingException). */
const throttlingErrors = new Set(['TooManyRequestsException', 'LimitExceededException', 'SendingPausedException', 'ThrottlingException', 'Throttling'])
