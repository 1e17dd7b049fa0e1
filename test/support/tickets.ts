import type { Ticket } from '../../lib/ticket/model.ts'
import type { TicketStore } from '../../lib/ticket/ports.ts'
import { historyEntry } from '../../lib/ticket/ticket-rules.ts'

/**
 * Sets ticket fields directly in the store, as a test's shortcut around the ticket actions, with
 * the one history entry every change must have (the store refuses a change without one).
 */
export async function patchTicket(tickets: TicketStore, number: string, patch: Partial<Ticket>): Promise<Ticket> {
  const ticket = await tickets.get(number)
  if (!ticket) throw new Error(`no ticket ${number}`)
  const updated = { ...ticket, ...patch, version: ticket.version + 1 }
  await tickets.save({ ticket: updated, expectedVersion: ticket.version, newArticles: [], history: [historyEntry('Misc', 'test', new Date(), `test set ${Object.keys(patch).join(', ')}`)], messageIds: [] })
  return updated
}
