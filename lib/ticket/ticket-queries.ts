import type { AgentIdentity } from '../auth/auth-service.ts'
import { readableQueues, rightsOn } from '../auth/permissions.ts'
import { stateTypeOf } from '../platform/config.ts'
import { invalidRequest, notFound } from '../platform/errors.ts'
import type { StateType } from '../../schemas/config.ts'
import { assertCanRead, hideUnreadableTickets } from './access.ts'
import type { TicketThread } from './model.ts'
import type { Page, TicketListItem } from './ports.ts'
import type { TicketServiceDeps } from './ticket-service.ts'

/** The state types of OTRS's "open" views: everything not closed, merged or removed. */
export const viewableStateTypes: StateType[] = ['new', 'open', 'pending reminder', 'pending auto']

export interface TicketListRequest {
  queue?: string | undefined
  state?: string | undefined
  stateType?: StateType | undefined
  order: 'asc' | 'desc'
  limit: number
  cursor?: string | undefined
}

/** A queue view, limited to the queues the agent may read. */
export async function listTickets(deps: TicketServiceDeps, identity: AgentIdentity, request: TicketListRequest): Promise<Page<TicketListItem>> {
  let queues: string[]
  if (request.queue !== undefined) {
    if (!rightsOn(deps.config, identity.agent, request.queue).has('ro')) throw notFound(`queue ${request.queue}`)
    queues = [request.queue]
  } else {
    queues = readableQueues(deps.config, identity.agent)
  }
  let stateTypes: StateType[]
  if (request.state !== undefined) {
    const type = stateTypeOf(deps.config, request.state)
    if (!type) throw invalidRequest(`unknown state "${request.state}"`, 'query.state')
    stateTypes = [type]
  } else {
    stateTypes = request.stateType ? [request.stateType] : viewableStateTypes
  }
  return deps.tickets.listTicketItems({ queues, stateTypes, state: request.state, order: request.order, limit: request.limit, cursor: request.cursor })
}

export async function getTicketThread(deps: TicketServiceDeps, identity: AgentIdentity, number: string): Promise<TicketThread> {
  const thread = await deps.tickets.getThread(number)
  if (!thread) throw notFound(`ticket ${number}`)
  assertCanRead(deps.config, identity.agent, thread.ticket)
  return thread
}

/** The ticket zoom: the thread as this agent may see it, other tickets they cannot read hidden (links, numbers in the history). */
export async function getTicketZoom(deps: TicketServiceDeps, identity: AgentIdentity, number: string): Promise<TicketThread> {
  return hideUnreadableTickets(deps, identity.agent, await getTicketThread(deps, identity, number))
}
