import { createTransport, type Transporter } from 'nodemailer'
import type { MailSender } from '../ports.ts'

/** Local: outgoing mail through an SMTP relay (config mail.relay). */
export class SmtpRelayMailSender implements MailSender {
  private readonly transport: Transporter

  constructor(relay: { host: string; port: number; secure: boolean }) {
    this.transport = createTransport({ host: relay.host, port: relay.port, secure: relay.secure })
  }

  async send(message: { raw: Buffer; from: string; recipients: string[] }): Promise<{ providerMessageId: string }> {
    const info = await this.transport.sendMail({ envelope: { from: message.from, to: message.recipients }, raw: message.raw })
    return { providerMessageId: String(info.messageId ?? info.response) }
  }
}
