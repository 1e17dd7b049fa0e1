import { readDeliveryReport } from '../delivery-report.ts'
import { ticketOfBouncedMail } from '../delivery-status.ts'
import type { PostmasterFilter } from './pipeline.ts'

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
