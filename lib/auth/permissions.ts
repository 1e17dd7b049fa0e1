import type { AgentConfig, DocketConfig } from '../../schemas/config.ts'

/** OTRS queue permissions: rw implies every other right. */
export type Right = 'ro' | 'rw' | 'create' | 'move_into' | 'note' | 'owner' | 'priority'

const allRights: Right[] = ['ro', 'rw', 'create', 'move_into', 'note', 'owner', 'priority']

/** The rights an agent holds on a queue, from roles → groups, or all of them for admins. Pure. */
export function rightsOn(config: DocketConfig, agent: AgentConfig, queueName: string): Set<Right> {
  if (agent.admin) return new Set(allRights)
  const queue = config.queues.find((candidate) => candidate.name === queueName)
  if (!queue) return new Set()
  const rights = new Set<Right>()
  for (const roleName of agent.roles) {
    const role = config.roles.find((candidate) => candidate.name === roleName)
    for (const right of role?.groups[queue.group] ?? []) rights.add(right)
  }
  if (rights.has('rw')) return new Set(allRights)
  return rights
}

export function hasRight(config: DocketConfig, agent: AgentConfig, queueName: string, right: Right): boolean {
  return rightsOn(config, agent, queueName).has(right)
}

/**
 * Whether an agent may be told about a ticket in this queue, checked when a mail to agents is
 * written (notifications, reminders, escalations, GenericAgent): an enabled agent who may read
 * the queue (a ticket moved away must not keep mailing its former owner).
 */
export function mayReadQueue(config: DocketConfig, agent: AgentConfig, queueName: string): boolean {
  return agent.enabled && rightsOn(config, agent, queueName).has('ro')
}

/** The enabled agents who may read a queue. */
export function queueReaders(config: DocketConfig, queueName: string): AgentConfig[] {
  return config.agents.filter((agent) => mayReadQueue(config, agent, queueName))
}

/** Whether an agent may own (work on) tickets in a queue: the rw right, as for assigning an owner. */
export function mayOwnIn(config: DocketConfig, agent: AgentConfig, queueName: string): boolean {
  return agent.enabled && rightsOn(config, agent, queueName).has('rw')
}

/** Queues the agent may read (ro, or rw which includes it). */
export function readableQueues(config: DocketConfig, agent: AgentConfig): string[] {
  return config.queues.filter((queue) => rightsOn(config, agent, queue.name).has('ro')).map((queue) => queue.name)
}

/**
 * Adding and changing customer users and companies (OTRS: agents in the admin group, or the
 * customer management permission): admins, and agents with a role that has `manageCustomers`.
 * Reading them is every agent's right.
 */
export function canManageCustomers(config: DocketConfig, agent: AgentConfig): boolean {
  return agent.admin || agent.roles.some((name) => config.roles.find((role) => role.name === name)?.manageCustomers === true)
}
