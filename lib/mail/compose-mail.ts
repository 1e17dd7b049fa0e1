import MailComposer from 'nodemailer/lib/mail-composer'
import { invalidRequest } from '../platform/errors.ts'

export interface OutboundMail {
  from: { address: string; name?: string | undefined }
  to: string[]
  cc: string[]
  subject: string
  text: string
  messageId: string
  inReplyTo: string | null
  references: string[]
  date: Date
  attachments?: { name: string; contentType: string; content: Buffer }[]
  /** Extra headers such as Auto-Submitted or our loop header. */
  headers?: Record<string, string>
}

const lineBreak = /[\r\n]/

/** CRLF in a header value would let one field inject others: refuse it before MIME is built. */
function assertSingleLine(field: string, value: string): void {
  if (lineBreak.test(value)) throw invalidRequest(`${field} must be a single line (it contains a line break)`, field)
}

/** Builds the MIME of an outgoing mail (nodemailer's MailComposer). */
export async function composeMail(mail: OutboundMail): Promise<Buffer> {
  assertSingleLine('from', `${mail.from.name ?? ''} ${mail.from.address}`)
  mail.to.forEach((address, index) => assertSingleLine(`to[${index}]`, address))
  mail.cc.forEach((address, index) => assertSingleLine(`cc[${index}]`, address))
  assertSingleLine('subject', mail.subject)
  for (const [field, id] of [['messageId', mail.messageId], ['inReplyTo', mail.inReplyTo ?? ''], ...mail.references.map((id, index) => [`references[${index}]`, id] as const)] as const) {
    if (/[\s<>]/.test(id)) throw invalidRequest(`${field} must be a Message-ID without spaces or brackets`, field)
  }
  for (const [name, value] of Object.entries(mail.headers ?? {})) assertSingleLine(`headers.${name}`, `${name}: ${value}`)
  mail.attachments?.forEach((attachment, index) => assertSingleLine(`attachments[${index}].name`, attachment.name))
  const composer = new MailComposer({
    from: mail.from.name ? { name: mail.from.name, address: mail.from.address } : mail.from.address,
    to: mail.to,
    cc: mail.cc,
    subject: mail.subject,
    text: mail.text,
    messageId: `<${mail.messageId}>`,
    date: mail.date,
    ...(mail.inReplyTo ? { inReplyTo: `<${mail.inReplyTo}>` } : {}),
    ...(mail.references.length > 0 ? { references: mail.references.map((id) => `<${id}>`) } : {}),
    ...(mail.headers ? { headers: mail.headers } : {}),
    attachments: (mail.attachments ?? []).map((attachment) => ({
      filename: attachment.name,
      contentType: attachment.contentType,
      content: attachment.content,
    })),
  })
  return composer.compile().build()
}
