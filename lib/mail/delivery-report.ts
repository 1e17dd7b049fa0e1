import { failedRecipient, type FailedRecipient } from './delivery-status.ts'
import { readHeaderBlock, type InboundMail } from './parse-mail.ts'

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
