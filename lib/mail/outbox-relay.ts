import type { DynamoDBRecord } from 'aws-lambda'
import type { OutboundMessage } from '../../schemas/messages.ts'
import { streamImages } from '../store/stream-images.ts'

/**
 * Transactional outbox: a mail to send is written in the same transaction as the change that
 * causes it (a reply article, an auto response, a notification), with status "queued". The
 * table's stream then delivers it here and it is put on the outbound queue. So a mail is sent if
 * and only if its change committed, however the writer failed afterwards.
 *
 * Only a transition into "queued" counts (insert, or a failed mail queued again); the sender's
 * own bookkeeping (attempts, sent, failed) never queues a mail twice.
 */
export function outboundMessageFor(record: DynamoDBRecord): OutboundMessage | null {
  const { newImage, oldImage } = streamImages(record)
  if (!newImage) return null
  if (newImage.entity === 'article') {
    const now = (newImage.transmission as { status?: string } | null | undefined)?.status
    const before = (oldImage?.transmission as { status?: string } | null | undefined)?.status
    if (now === 'queued' && before !== 'queued') return { kind: 'send-article', ticketNumber: String(newImage.ticketNumber), articleId: String(newImage.id) }
  }
  if (newImage.entity === 'outbound-mail' && newImage.status === 'queued' && oldImage?.status !== 'queued') {
    return { kind: 'send-mail', outboundMailId: String(newImage.id) }
  }
  return null
}
