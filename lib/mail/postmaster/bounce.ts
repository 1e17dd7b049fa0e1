import { findTicketNumbers } from '../../ticket/ticket-number.ts'
import { readDeliveryReport } from '../delivery-status.ts'
import { ticketOfOwnMessageId } from '../message-id.ts'
import type { PostmasterDeps, PostmasterFilter } from './pipeline.ts'

/**
 * The ticket a mail that bounced belongs to: by its Message-ID (one of ours, proven by the record
 * of the mail we sent, or one in the index), else by a ticket number in its subject. Used for
 * DSNs and for SES's bounce and complaint notifications alike.
 */
export async function ticketOfBouncedMail(
  { config, tickets }: Pick<PostmasterDeps, 'config' | 'tickets'>,
  original: { messageId: string | null; subject: string | null },
): Promise<string | null> {
  if (original.messageId) {
    const own = await ticketOfOwnMessageId(config, tickets, original.messageId)
    if (own && (await tickets.get(own))) return own
    const indexed = (await tickets.findByMessageIds([original.messageId]))[0]?.ticketNumber
    if (indexed) return indexed
  }
  for (const number of original.subject ? findTicketNumbers(original.subject, config.ticket.hook, config.system.id) : []) {
    if (await tickets.get(number)) return number
  }
  return null
}

/**
 * Bounces (DSN) belong to the ticket whose mail bounced: found by the original Message-ID (or
 * the ticket number in the original subject). Unmatched bounces go to the Bounces queue.
 */
export const detectBounce: PostmasterFilter = {
  name: 'detect-bounce',
  async run(context, deps) {
    const report = readDeliveryReport(context.input.mail)
    if (!report) return
    const ticketNumber = await ticketOfBouncedMail(deps, { messageId: report.originalMessageId, subject: report.originalSubject })
    context.bounce = { failedRecipients: report.failed, originalMessageId: report.originalMessageId, ticketNumber }
    context.noAutoResponse ??= 'a delivery status notification (bounce)'
    const who = report.failed.map((entry) => `${entry.address} (${entry.status})`).join(', ') || 'recipients unknown'
    context.trace.push(ticketNumber ? `bounce of a mail of ticket ${ticketNumber}: ${who}` : `bounce of a mail that is not ours: ${who}`)
  },
}
