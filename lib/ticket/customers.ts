import type { AgentIdentity } from '../auth/auth-service.ts'
import { readableQueues } from '../auth/permissions.ts'
import type { Page, TicketListItem } from './ports.ts'
import type { ViewDeps } from './views.ts'

/**
 * The customer information center's tickets (OTRS "Customers"): those of a customer user or of a
 * whole company (CustomerID), only in queues the agent may read. The records themselves are the
 * customer directory's (lib/customers).
 */
export interface CustomerTicketsRequest {
  order: 'asc' | 'desc'
  limit: number
  cursor?: string | undefined
}

/** A customer user's tickets, every state type, newest first by default. */
export function listCustomerTickets(deps: ViewDeps, identity: AgentIdentity, email: string, request: CustomerTicketsRequest): Promise<Page<TicketListItem>> {
  return listReadable(deps, identity, { by: 'customer', email }, request)
}

/** A company's tickets (every customer user of the CustomerID), every state type. */
export function listCompanyTickets(deps: ViewDeps, identity: AgentIdentity, customerId: string, request: CustomerTicketsRequest): Promise<Page<TicketListItem>> {
  return listReadable(deps, identity, { by: 'company', customerId }, request)
}

async function listReadable(deps: ViewDeps, identity: AgentIdentity, query: { by: 'customer'; email: string } | { by: 'company'; customerId: string }, request: CustomerTicketsRequest): Promise<Page<TicketListItem>> {
  // The queue restriction is a filter inside the query, so pages are full and paging skips nothing.
  const queues = readableQueues(deps.config, identity.agent)
  if (queues.length === 0) return { items: [], next: null }
  return deps.tickets.listItemsByIndex([query], { order: request.order, limit: request.limit, cursor: request.cursor, queues })
}
