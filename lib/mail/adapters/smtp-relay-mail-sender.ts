import { createTransport, type Transporter } from 'nodemailer'
import { MailNotSentError } from '../errors.ts'
import type { MailSender } from '../ports.ts'

/** Errors before the relay could have taken the mail (nodemailer's codes). */
const refusedBeforeData = new Set(['ECONNECTION', 'EDNS', 'EAUTH', 'ENOAUTH', 'EENVELOPE', 'ETLS', 'EMESSAGE'])

/** Local: outgoing mail through an SMTP relay (config mail.relay). */
export class SmtpRelayMailSender implements MailSender {
  readonly idempotent = false
  private readonly transport: Transporter

  constructor(relay: { host: string; port: number; secure: boolean }) {
    this.transport = createTransport({ host: relay.host, port: relay.port, secure: relay.secure })
  }

  async send(message: { raw: Buffer; from: string; recipients: string[] }): Promise<{ providerMessageId: string }> {
    try {
      const info = await this.transport.sendMail({ envelope: { from: message.from, to: message.recipients }, raw: message.raw })
      return { providerMessageId: String(info.messageId ?? info.response) }
    } catch (error) {
      const { code, responseCode } = error as { code?: string; responseCode?: number }
      // The relay answered with a refusal, or we never got to hand the mail over: nothing went out.
      // A timeout or a dropped connection during DATA leaves it open (not wrapped).
      if (responseCode !== undefined || (code !== undefined && refusedBeforeData.has(code))) throw new MailNotSentError((error as Error).message, { cause: error })
      throw error
    }
  }
}
