import type { AgentConfig, DocketConfig } from '../../schemas/config.ts'
import { rightsOn, type Right } from '../auth/permissions.ts'
import { forbidden, notFound } from '../platform/errors.ts'
import type { Ticket, TicketThread } from './model.ts'
import type { TicketStore } from './ports.ts'

/**
 * Queue permissions applied to one ticket. A ticket in a queue the agent cannot read does not
 * exist for them (404, so numbers of foreign queues leak nothing); a missing right is a 403.
 */
export function assertCanRead(config: DocketConfig, agent: AgentConfig, ticket: Ticket): void {
  if (!rightsOn(config, agent, ticket.queue).has('ro')) throw notFound(`ticket ${ticket.number}`)
}

export function assertRight(config: DocketConfig, agent: AgentConfig, ticket: Ticket, right: Right): void {
  const rights = rightsOn(config, agent, ticket.queue)
  if (!rights.has('ro')) throw notFound(`ticket ${ticket.number}`)
  if (!rights.has(right)) throw forbidden(`you need the "${right}" right on queue ${ticket.queue} for this`)
}

const ticketNumbers = /\b\d{10,40}\b/g
const hiddenTicket = 'another ticket'

/**
 * The other tickets a thread names (links, "merged into", numbers in history lines) that the agent
 * cannot read: links to them are left out and their numbers read "another ticket", so a foreign
 * queue's tickets show nowhere, not even that they exist. Tickets merged into this one stay named:
 * their articles are part of this thread.
 */
export async function hideUnreadableTickets(deps: { config: DocketConfig; tickets: Pick<TicketStore, 'get'> }, agent: AgentConfig, thread: TicketThread): Promise<TicketThread> {
  const { ticket } = thread
  const shown = new Set([ticket.number, ...ticket.mergedFrom])
  const named = new Set<string>()
  const collect = (text: string) => {
    for (const number of text.match(ticketNumbers) ?? []) if (!shown.has(number)) named.add(number)
  }
  thread.links.forEach((link) => collect(link.ticketNumber))
  if (ticket.mergedInto) collect(ticket.mergedInto)
  for (const entry of thread.history) {
    collect(entry.message)
    for (const change of Object.values(entry.changes ?? {})) collect(`${String(change.before)} ${String(change.after)}`)
  }
  if (named.size === 0) return thread
  const others = await Promise.all([...named].map(async (number) => [number, await deps.tickets.get(number)] as const))
  const hidden = new Set(others.filter(([, other]) => other && !rightsOn(deps.config, agent, other.queue).has('ro')).map(([number]) => number))
  if (hidden.size === 0) return thread
  const hide = (text: string) => text.replace(ticketNumbers, (number) => (hidden.has(number) ? hiddenTicket : number))
  const hideValue = (value: unknown) => (typeof value === 'string' ? hide(value) : value)
  return {
    ...thread,
    ticket: ticket.mergedInto && hidden.has(ticket.mergedInto) ? { ...ticket, mergedInto: null } : ticket,
    links: thread.links.filter((link) => !hidden.has(link.ticketNumber)),
    history: thread.history.map((entry) => ({
      ...entry,
      message: hide(entry.message),
      changes: entry.changes && Object.fromEntries(Object.entries(entry.changes).map(([field, change]) => [field, { before: hideValue(change.before), after: hideValue(change.after) }])),
    })),
  }
}
