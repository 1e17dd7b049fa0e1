import type { AgentIdentity } from '../auth/auth-service.ts'
import { readableQueues } from '../auth/permissions.ts'
import { notFound } from '../platform/errors.ts'
import type { CustomerUser, Page, TicketListItem } from './ports.ts'
import type { ViewDeps } from './views.ts'

/**
 * The customer information center (OTRS "Customers"): a customer user, created from the sender of
 * their first mail, and the tickets of a customer user or of a whole company (CustomerID), only
 * in queues the agent may read.
 */
export interface CustomerTicketsRequest {
  order: 'asc' | 'desc'
  limit: number
  cursor?: string | undefined
}

/** Customer users are not bound to a queue: any agent may look one up (as in OTRS). */
export async function getCustomerUser(deps: Pick<ViewDeps, 'tickets'>, email: string): Promise<CustomerUser> {
  const customer = await deps.tickets.getCustomer(email)
  if (!customer) throw notFound(`customer user ${email}`)
  return customer
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
