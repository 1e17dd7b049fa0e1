import { readHeaderBlock, type InboundMail } from './parse-mail.ts'
import type { MailStateStore } from './ports.ts'

/**
 * Delivery status notifications (RFC 3464): which recipients failed, and which message bounced.
 * Also understands the many MTAs that send a plain-text bounce with the original attached.
 */
export interface DeliveryReport {
  failed: FailedRecipient[]
  originalMessageId: string | null
  originalSubject: string | null
}

function fieldBlocks(text: string): Map<string, string>[] {
  return text
    .replace(/\r\n/g, '\n')
    .split(/\n\s*\n/)
    .map((block) => {
      const fields = new Map<string, string>()
      for (const line of block.replace(/\n[ \t]+/g, ' ').split('\n')) {
        const colon = line.indexOf(':')
        if (colon > 0) fields.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim())
      }
      return fields
    })
}

/** One recipient a mail could not be delivered to, as a DSN or SES reports it. */
export interface FailedRecipient {
  address: string
  /** Enhanced status code (RFC 3463), e.g. 5.1.1; empty when the report gives none. */
  status: string
  diagnostic: string
}

/** A reported failure in one form, whoever reported it: address in lower case, the diagnostic without its type ("smtp; "), on one line. */
export function failedRecipient(address: string, status: string | undefined, diagnosticCode: string | undefined): FailedRecipient {
  return {
    address: address.trim().toLowerCase(),
    status: (status ?? '').trim().slice(0, 32),
    diagnostic: (diagnosticCode ?? '').replace(/^[^;]*;\s*/, '').replace(/\s+/g, ' ').trim().slice(0, 200),
  }
}

/** The ticket history line of a failed delivery: one wording for a DSN and an SES bounce. */
export function deliveryFailedMessage(failed: FailedRecipient[], qualifier?: string): string {
  const recipients = failed
    .map((entry) => {
      const detail = [entry.status, entry.diagnostic].filter(Boolean).join(': ')
      return detail ? `${entry.address} (${detail})` : entry.address
    })
    .join(', ')
  return `Delivery failed${qualifier ? ` (${qualifier})` : ''}${recipients ? ` to ${recipients}` : ''}`
}

/**
 * Marks each recipient undeliverable (no more auto responses to it), with its status and
 * diagnostic as the reason. Only for failures that are final: a hard bounce, a complaint. With
 * `reportId`, applying the same report again counts nothing; returns the addresses it counted.
 */
export async function markRecipientsUndeliverable(mailState: MailStateStore, failed: FailedRecipient[], at: Date, reportId?: string): Promise<string[]> {
  const counted: string[] = []
  for (const entry of failed) if (await mailState.markUndeliverable(entry.address, `${entry.status} ${entry.diagnostic}`.trim(), at, reportId)) counted.push(entry.address)
  return counted
}

const maxFailedRecipients = 20

const addressOf = (field: string | undefined) => (field ?? '').replace(/^[^;]*;\s*/, '').replace(/^<|>$/g, '').trim().toLowerCase()

const bounceSubject = /undeliver|delivery (status|failure|has failed|problem)|returned mail|failure notice|mail delivery failed|unzustellbar|nicht zugestellt|onbestelbaar|non remis/i

export function readDeliveryReport(mail: InboundMail): DeliveryReport | null {
  const contentType = mail.headers.get('content-type')?.[0] ?? ''
  const statusPart = mail.attachments.find((attachment) => attachment.contentType === 'message/delivery-status')
  const original = mail.attachments.find((attachment) => attachment.contentType === 'message/rfc822' || attachment.contentType === 'text/rfc822-headers')
  const isReport = /multipart\/report/i.test(contentType) && /report-type\s*=\s*"?delivery-status/i.test(contentType)
  const fromRobot = /^(mailer-daemon|postmaster)@/i.test(mail.from?.address ?? '')
  if (!isReport && !statusPart && !(fromRobot && original && bounceSubject.test(mail.subject))) return null

  const failed: DeliveryReport['failed'] = []
  if (statusPart) {
    for (const block of fieldBlocks(statusPart.content.toString('utf8')).slice(1)) {
      const action = (block.get('action') ?? '').toLowerCase()
      const status = block.get('status') ?? ''
      const address = addressOf(block.get('final-recipient') ?? block.get('original-recipient'))
      if (address && address.length <= 320 && (action === 'failed' || (!action && status.startsWith('5')))) {
        failed.push(failedRecipient(address, status, block.get('diagnostic-code')))
        // A real DSN names a few recipients; a forged one must not mark thousands undeliverable.
        if (failed.length >= maxFailedRecipients) break
      }
    }
  }
  let originalMessageId: string | null = null
  let originalSubject: string | null = null
  if (original) {
    const headers = readHeaderBlock(original.content, 64 * 1024)
    const messageId = headers.find((entry) => entry.name === 'message-id')?.value
    originalMessageId = messageId ? messageId.replace(/^.*?<|>.*$/g, '').trim() || null : null
    originalSubject = headers.find((entry) => entry.name === 'subject')?.value ?? null
  }
  return { failed, originalMessageId, originalSubject }
}
