import type { BlobStore } from '../blobs/ports.ts'
import type { Clock } from '../platform/clock.ts'
import type { DocketLogger } from '../platform/logger.ts'
import type { TicketStore } from '../ticket/ports.ts'
import type { Transmission } from '../ticket/model.ts'
import type { MailSender } from './ports.ts'

export interface SendArticleDeps {
  tickets: TicketStore
  attachments: BlobStore
  mailSender: MailSender
  clock: Clock
  logger: DocketLogger
}

/**
 * Sends the stored MIME of one outbound article and records the outcome on the article. A message
 * for an article already sent is acknowledged without sending again (queues deliver twice).
 * A failure is recorded and rethrown, so the queue retries it and finally dead-letters it.
 */
export async function sendArticleMail(deps: SendArticleDeps, ticketNumber: string, articleId: string): Promise<'sent' | 'already-sent' | 'nothing-to-send'> {
  const article = await deps.tickets.getArticle(ticketNumber, articleId)
  if (!article?.transmission || !article.rawBlobKey) {
    deps.logger.warn('outbound message for an article with nothing to send', { ticketNumber, articleId })
    return 'nothing-to-send'
  }
  const previous = article.transmission
  if (previous.status === 'sent') return 'already-sent'
  const attempt: Transmission = { ...previous, attempts: previous.attempts + 1, changedAt: deps.clock.now().toISOString() }
  // Record the attempt before sending: a lost race with another delivery of the same message stops here.
  if (!(await deps.tickets.updateTransmission(ticketNumber, articleId, attempt, previous))) return 'already-sent'
  try {
    const raw = await deps.attachments.get(article.rawBlobKey)
    const { providerMessageId } = await deps.mailSender.send({ raw, from: previous.sender, recipients: previous.recipients })
    await deps.tickets.updateTransmission(ticketNumber, articleId, { ...attempt, status: 'sent', error: null, providerMessageId, changedAt: deps.clock.now().toISOString() }, null)
    deps.logger.info('mail sent', { ticketNumber, articleId, providerMessageId })
    return 'sent'
  } catch (error) {
    await deps.tickets.updateTransmission(ticketNumber, articleId, { ...attempt, status: 'failed', error: (error as Error).message, changedAt: deps.clock.now().toISOString() }, null)
    throw error
  }
}
