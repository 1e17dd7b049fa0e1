import type { AgentConfig } from '../../schemas/config.ts'
import { queueReaders } from '../auth/permissions.ts'
import { isOutOfOffice, loadEffectivePreferences } from '../auth/preferences.ts'
import type { Ticket } from '../ticket/model.ts'
import type { JobDeps } from './job.ts'

/**
 * Who a timed job tells about a ticket (pending reminders, escalations): the owner of a locked
 * ticket when present, else (or when the owner is away) the agents who watch the queue (My Queues)
 * and are not out of office. One read of the agents' preferences.
 */
export async function ownerOrQueueWatchers(deps: Pick<JobDeps, 'config' | 'agents'>, ticket: Ticket, at: Date): Promise<AgentConfig[]> {
  const candidates = queueReaders(deps.config, ticket.queue)
  const preferences = await loadEffectivePreferences(deps, candidates)
  const present = candidates.filter((agent) => !isOutOfOffice(preferences.get(agent.login)!, at))
  const owner = ticket.lock === 'lock' ? present.find((agent) => agent.login === ticket.owner) : undefined
  if (owner) return [owner]
  return present.filter((agent) => preferences.get(agent.login)!.myQueues.includes(ticket.queue))
}
