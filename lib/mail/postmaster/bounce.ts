import { findTicketNumbers } from '../../ticket/ticket-number.ts'
import { readDeliveryReport } from '../delivery-status.ts'
import { ticketOfOwnMessageId } from '../message-id.ts'
import type { PostmasterFilter } from './pipeline.ts'

/**
 * Bounces (DSN) belong to the ticket whose mail bounced: found by the original Message-ID (or
 * the ticket number in the original subject). Unmatched bounces go to the Bounces queue.
 */
export const detectBounce: PostmasterFilter = {
  name: 'detect-bounce',
  async run(context, { config, tickets }) {
    const report = readDeliveryReport(context.input.mail)
    if (!report) return
    let ticketNumber: string | null = null
    if (report.originalMessageId) {
      const own = await ticketOfOwnMessageId(config, tickets, report.originalMessageId)
      if (own && (await tickets.get(own))) ticketNumber = own
      else ticketNumber = (await tickets.findByMessageIds([report.originalMessageId]))[0]?.ticketNumber ?? null
    }
    if (!ticketNumber && report.originalSubject) {
      for (const number of findTicketNumbers(report.originalSubject, config.ticket.hook, config.system.id)) {
        if (await tickets.get(number)) {
          ticketNumber = number
          break
        }
      }
    }
    context.bounce = { failedRecipients: report.failed, originalMessageId: report.originalMessageId, ticketNumber }
    context.noAutoResponse ??= 'a delivery status notification (bounce)'
    const who = report.failed.map((entry) => `${entry.address} (${entry.status})`).join(', ') || 'recipients unknown'
    context.trace.push(ticketNumber ? `bounce of a mail of ticket ${ticketNumber}: ${who}` : `bounce of a mail that is not ours: ${who}`)
  },
}
