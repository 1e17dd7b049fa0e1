import { SendEmailCommand, type SESv2Client } from '@aws-sdk/client-sesv2'
import { MailNotSentError } from '../errors.ts'
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
      // A 4xx answer (MessageRejected, unverified identity, throttling, paused sending): SES refused it.
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode
      if (status !== undefined && status >= 400 && status < 500) throw new MailNotSentError((error as Error).message, { cause: error })
      throw error
    }
  }
}
