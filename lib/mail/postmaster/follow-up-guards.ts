import { findQueue } from '../../platform/config.ts'
import { takesPartIn } from '../../ticket/ticket-rules.ts'
import { customerIdFor } from '../customer-id.ts'
import type { PostmasterFilter } from './pipeline.ts'

/** A follow-up to a merged ticket goes to the ticket it was merged into (following chains). */
export const followMergedTickets: PostmasterFilter = {
  name: 'follow-merged-tickets',
  async run(context, { tickets }) {
    if (!context.followUp) return
    const seen = new Set<string>()
    for (let ticket = await tickets.get(context.followUp.ticketNumber); ticket?.stateType === 'merged' && ticket.mergedInto && !seen.has(ticket.number); ticket = await tickets.get(ticket.mergedInto)) {
      seen.add(ticket.number)
      context.trace.push(`ticket ${ticket.number} was merged into ${ticket.mergedInto}`)
      context.followUp = { ...context.followUp, ticketNumber: ticket.mergedInto }
    }
  },
}

/**
 * Quoting a ticket number is not proof of taking part: a leading peer lets any sender write into
 * any ticket that way. Trusted writers are the ticket's customer, users of its CustomerID, every
 * address our agents wrote to (participants), our agents, and any mail that threads by
 * Message-ID. Anyone else who quotes the number gets a new ticket, linked to the quoted one, and
 * no auto response (the guard's stranger may be a forged sender: answering would be backscatter).
 */
export const strangerGuard: PostmasterFilter = {
  name: 'stranger-guard',
  async run(context, { config, tickets }) {
    const followUp = context.followUp
    if (!followUp || followUp.by === 'message-id' || context.threadsInto.has(followUp.ticketNumber)) return
    const ticket = await tickets.get(followUp.ticketNumber)
    if (!ticket) return
    const sender = context.sender.address
    const trusted =
      sender !== '' &&
      (takesPartIn(ticket, sender) ||
        (ticket.customerId !== null && customerIdFor(config, sender) === ticket.customerId.toLowerCase()) ||
        config.agents.some((agent) => agent.email.toLowerCase() === sender))
    if (trusted) return
    context.followUp = null
    context.newTicketLinkedTo = { ticketNumber: ticket.number, reason: `${sender || 'an unknown sender'} quoted ticket ${ticket.number} but takes no part in it` }
    context.trace.push(`not a follow-up: ${context.newTicketLinkedTo.reason}; a new ticket is linked to it`)
    context.noAutoResponse ??= `${sender || 'an unknown sender'} is a stranger to ticket ${ticket.number} (stranger guard)`
  },
}

/** Follow-ups to closed tickets follow the queue's policy (OTRS follow-up option): reopen, reject, or a new ticket. */
export const followUpPolicy: PostmasterFilter = {
  name: 'follow-up-policy',
  async run(context, { config, tickets }) {
    const followUp = context.followUp
    if (!followUp) return
    const ticket = await tickets.get(followUp.ticketNumber)
    if (!ticket || (ticket.stateType !== 'closed' && ticket.stateType !== 'removed')) return
    const policy = findQueue(config, ticket.queue)?.followUp ?? 'reopen'
    if (policy === 'reject') {
      context.rejected = { ticketNumber: ticket.number, reason: `follow-ups to closed tickets of queue ${ticket.queue} are rejected` }
      context.followUp = null
      context.trace.push(`rejected: ${context.rejected.reason}`)
    } else if (policy === 'new-ticket') {
      context.newTicketLinkedTo = { ticketNumber: ticket.number, reason: `ticket ${ticket.number} is closed and queue ${ticket.queue} opens a new ticket for follow-ups` }
      context.followUp = null
      context.trace.push(context.newTicketLinkedTo.reason)
    }
  },
}
