import { normalizeMessageId } from '../../store/keys.ts'
import { findTicketNumbers } from '../../ticket/ticket-number.ts'
import type { PostmasterFilter } from './pipeline.ts'

/** Follow-up by a ticket number of ours in the subject (with the configured hook). */
export const followUpBySubject: PostmasterFilter = {
  name: 'follow-up-by-subject',
  async run(context, { config, tickets }) {
    if (context.followUp) return
    for (const number of findTicketNumbers(context.input.mail.subject, config.ticket.hook, config.system.id)) {
      if (await tickets.get(number)) {
        context.followUp = { ticketNumber: number, by: 'subject' }
        context.trace.push(`follow-up to ${number} (ticket number in subject)`)
        return
      }
    }
  },
}

/** Follow-up by In-Reply-To / References against the Message-IDs of articles we know. */
export const followUpByReferences: PostmasterFilter = {
  name: 'follow-up-by-references',
  async run(context, { tickets }) {
    if (context.followUp) return
    const { mail } = context.input
    // The direct parent first, then the thread from newest to oldest.
    const candidates = [...(mail.inReplyTo ? [mail.inReplyTo] : []), ...[...mail.references].reverse()]
    if (candidates.length === 0) return
    const hits = await tickets.findByMessageIds(candidates.slice(0, 50))
    for (const candidate of candidates) {
      const hit = hits.find((entry) => normalizeMessageId(entry.messageId) === normalizeMessageId(candidate))
      if (hit) {
        context.followUp = { ticketNumber: hit.ticketNumber, by: 'message-id' }
        context.trace.push(`follow-up to ${hit.ticketNumber} (threads by Message-ID <${candidate}>)`)
        return
      }
    }
  },
}
