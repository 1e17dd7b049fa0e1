import type { AgentConfig } from '../../schemas/config.ts'
import { queueReaders } from '../auth/permissions.ts'
import { isOutOfOffice, loadEffectivePreferences } from '../auth/preferences.ts'
import type { Ticket } from '../ticket/model.ts'
import type { JobDeps } from './job.ts'

/**
 * Who a timed job tells about a ticket (pending reminders, escalations): the owner of a locked
 * ticket when present, else (or when the owner is away) the agents who watch the queue (My Queues)
 * and are not out of office; and, as its owner, the ticket's watchers who are present. Only agents
 * who may read the ticket. One read of the agents' preferences.
 */
export async function ownerOrQueueWatchers(deps: Pick<JobDeps, 'config' | 'agents'>, ticket: Ticket, at: Date): Promise<AgentConfig[]> {
  const candidates = queueReaders(deps.config, ticket.queue)
  const preferences = await loadEffectivePreferences(deps, candidates)
  const present = candidates.filter((agent) => !isOutOfOffice(preferences.get(agent.login)!, at))
  const watchers = present.filter((agent) => (ticket.watchers ?? []).includes(agent.login))
  const owner = ticket.lock === 'lock' ? present.find((agent) => agent.login === ticket.owner) : undefined
  const first = owner ? [owner] : present.filter((agent) => preferences.get(agent.login)!.myQueues.includes(ticket.queue))
  return [...first, ...watchers.filter((agent) => !first.includes(agent))]
}
