import type { BlobStore } from '../blobs/ports.ts'
import type { Clock } from '../platform/clock.ts'
import type { DocketLogger } from '../platform/logger.ts'
import type { TicketStore } from '../ticket/ports.ts'
import type { Transmission } from '../ticket/model.ts'
import type { OutboundMessage } from '../../schemas/messages.ts'
import type { MailSender } from './ports.ts'

export interface SendArticleDeps {
  tickets: TicketStore
  attachments: BlobStore
  mailSender: MailSender
  clock: Clock
  logger: DocketLogger
}

export type SendOutcome = 'sent' | 'already-sent' | 'nothing-to-send'

/**
 * Sends one outbound message's stored MIME and records the outcome. The attempt is recorded
 * before sending (conditional on the attempt count read), so a second delivery of the same queue
 * message cannot send it again; a message for mail already sent is acknowledged. A failure is
 * recorded and rethrown: the queue retries it and finally dead-letters it.
 */
export async function sendOutbound(deps: SendArticleDeps, message: OutboundMessage): Promise<SendOutcome> {
  return message.kind === 'send-article' ? sendArticleMail(deps, message.ticketNumber, message.articleId) : sendOutboundMail(deps, message.outboundMailId)
}

export async function sendArticleMail(deps: SendArticleDeps, ticketNumber: string, articleId: string): Promise<SendOutcome> {
  const article = await deps.tickets.getArticle(ticketNumber, articleId)
  if (!article?.transmission || !article.rawBlobKey) {
    deps.logger.warn('outbound message for an article with nothing to send', { ticketNumber, articleId })
    return 'nothing-to-send'
  }
  const previous = article.transmission
  if (previous.status === 'sent') return 'already-sent'
  const attempt: Transmission = { ...previous, attempts: previous.attempts + 1, changedAt: deps.clock.now().toISOString() }
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

export async function sendOutboundMail(deps: SendArticleDeps, id: string): Promise<SendOutcome> {
  const mail = await deps.tickets.getOutboundMail(id)
  if (!mail) {
    deps.logger.warn('outbound message for an unknown mail', { outboundMailId: id })
    return 'nothing-to-send'
  }
  if (mail.status === 'sent') return 'already-sent'
  const attempts = mail.attempts + 1
  if (!(await deps.tickets.updateOutboundMail(id, { status: mail.status, attempts, error: mail.error, changedAt: deps.clock.now().toISOString() }, mail))) return 'already-sent'
  try {
    const raw = await deps.attachments.get(mail.rawBlobKey)
    const { providerMessageId } = await deps.mailSender.send({ raw, from: mail.sender, recipients: mail.recipients })
    await deps.tickets.updateOutboundMail(id, { status: 'sent', attempts, error: null, changedAt: deps.clock.now().toISOString() }, null)
    deps.logger.info('mail sent', { ticketNumber: mail.ticketNumber, outboundMailId: id, kind: mail.kind, providerMessageId })
    return 'sent'
  } catch (error) {
    await deps.tickets.updateOutboundMail(id, { status: 'failed', attempts, error: (error as Error).message, changedAt: deps.clock.now().toISOString() }, null)
    throw error
  }
}
