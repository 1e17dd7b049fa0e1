import type { AgentConfig } from '../../schemas/config.ts'
import { queueReaders } from '../auth/permissions.ts'
import { isOutOfOffice, loadEffectivePreferences } from '../auth/preferences.ts'
import type { Ticket } from '../ticket/model.ts'
import { mayOwn } from '../ticket/ticket-patch.ts'
import type { JobDeps } from './job.ts'

/**
 * Who a timed job tells about a ticket (pending reminders, escalations): the owner of a locked
 * ticket when present; else (the ticket is unlocked, or its owner is out of office) the
 * responsible agent when present (owner away); else the agents who watch the queue (My Queues) and
 * are not out of office; and when none of them does, every present agent who may work in the
 * queue, so a reminder of an away owner never goes to nobody (issue 14.4.11). As the owner's, the
 * ticket's watchers who are present too. Only agents who may read the ticket. One read of preferences.
 */
export async function ownerOrQueueWatchers(deps: Pick<JobDeps, 'config' | 'agents'>, ticket: Ticket, at: Date): Promise<AgentConfig[]> {
  const candidates = queueReaders(deps.config, ticket.queue)
  const preferences = await loadEffectivePreferences(deps, candidates)
  const present = candidates.filter((agent) => !isOutOfOffice(preferences.get(agent.login)!, at))
  const watchers = present.filter((agent) => (ticket.watchers ?? []).includes(agent.login))
  const first = firstRecipients(deps, ticket, present, (agent) => preferences.get(agent.login)!.myQueues.includes(ticket.queue))
  return [...first, ...watchers.filter((agent) => !first.includes(agent))]
}

function firstRecipients(deps: Pick<JobDeps, 'config'>, ticket: Ticket, present: AgentConfig[], watchesQueue: (agent: AgentConfig) => boolean): AgentConfig[] {
  const owner = ticket.lock === 'lock' ? present.find((agent) => agent.login === ticket.owner) : undefined
  if (owner) return [owner]
  const ownerAway = ticket.lock === 'lock' && ticket.owner !== null
  const responsible = ownerAway ? present.find((agent) => agent.login === ticket.responsible) : undefined
  if (responsible) return [responsible]
  const queueWatchers = present.filter(watchesQueue)
  if (queueWatchers.length > 0 || !ownerAway) return queueWatchers
  return present.filter((agent) => mayOwn(deps.config, agent, ticket.queue))
}
