import type { AgentConfig, DocketConfig } from '../../schemas/config.ts'
import { rightsOn, type Right } from '../auth/permissions.ts'
import { forbidden, notFound } from '../platform/errors.ts'
import type { Ticket } from './model.ts'

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
