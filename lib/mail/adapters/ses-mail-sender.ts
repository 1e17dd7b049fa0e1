import { SendEmailCommand, type SESv2Client } from '@aws-sdk/client-sesv2'
import type { MailSender } from '../ports.ts'

/** AWS: SES v2 SendEmail with the raw MIME we composed (our Message-ID and threading headers intact). */
export class SesMailSender implements MailSender {
  private readonly client: SESv2Client
  private readonly configurationSet: string | undefined

  constructor(client: SESv2Client, configurationSet: string | undefined) {
    this.client = client
    this.configurationSet = configurationSet
  }

  async send(message: { raw: Buffer; from: string; recipients: string[] }): Promise<{ providerMessageId: string }> {
    const result = await this.client.send(
      new SendEmailCommand({
        FromEmailAddress: message.from,
        Destination: { ToAddresses: message.recipients },
        Content: { Raw: { Data: message.raw } },
        ...(this.configurationSet ? { ConfigurationSetName: this.configurationSet } : {}),
      }),
    )
    return { providerMessageId: result.MessageId ?? '' }
  }
}
