import type { AgentConfig, DocketConfig } from '../../schemas/config.ts'
import { mayOwnIn, rightsOn, type Right } from '../auth/permissions.ts'
import { customerIdFor } from '../mail/customer-id.ts'
import { findQueue } from '../platform/config.ts'
import { ticketTitle } from '../platform/plain-text.ts'
import { forbidden, invalidRequest, notFound } from '../platform/errors.ts'
import type { Ticket } from './model.ts'
import { resolveStateChange } from './ticket-rules.ts'

/** What an agent may change on a ticket in one go (PATCH /api/tickets/{number}, bulk actions). */
export interface TicketPatch {
  state?: string | undefined
  pendingUntil?: string | null | undefined
  queue?: string | undefined
  priority?: number | undefined
  owner?: string | undefined
  responsible?: string | null | undefined
  lock?: 'lock' | 'unlock' | undefined
  title?: string | undefined
  customer?: string | undefined
  customerId?: string | undefined
  dynamicFields?: Record<string, string> | undefined
  /** An internal note with the change; closing from the zoom needs one (OTRS: a single "." will do). */
  note?: string | undefined
}

/** From where: the zoom asks for a note when closing; bulk actions and jobs do not. */
export type PatchSource = 'zoom' | 'bulk'

/** Who may own a ticket or be responsible for it in a queue (OTRS: the owner/responsible lists hold agents with rw there). */
export function mayOwn(config: DocketConfig, candidate: AgentConfig, queue: string): boolean {
  return candidate.enabled && rightsOn(config, candidate, queue).has('rw')
}

/** Agents who may be picked as owner or responsible of a ticket in this queue: the pickers offer exactly these. */
export function assignableAgents(config: DocketConfig, queue: string): AgentConfig[] {
  return config.agents.filter((candidate) => mayOwn(config, candidate, queue))
}

const agentLabel = (agent: AgentConfig) => `${`${agent.firstName} ${agent.lastName}`.trim() || agent.login} (${agent.login})`

const fieldOf = (source: PatchSource, name: string) => (source === 'bulk' ? `body.changes.${name}` : `body.${name}`)

function requireRight(config: DocketConfig, agent: AgentConfig, queue: string, right: Right, what: string): void {
  if (!rightsOn(config, agent, queue).has(right)) throw forbidden(`you need the "${right}" right on queue ${queue} to ${what}`)
}

/**
 * The lock of a ticket moved to `queue`: released when its owner may not work there (no rw), so
 * the new queue's agents can take it and the former owner stops holding (and hearing about) a
 * ticket they cannot even read. The owner stays recorded, as on any unlock (OTRS).
 */
export function lockAfterMove(config: DocketConfig, ticket: Pick<Ticket, 'lock' | 'owner'>, queue: string): Ticket['lock'] {
  if (ticket.lock !== 'lock' || ticket.owner === null) return ticket.lock
  const owner = config.agents.find((agent) => agent.login === ticket.owner)
  return owner && mayOwnIn(config, owner, queue) ? 'lock' : 'unlock'
}

/**
 * The agent a ticket of `queue` may be given to: the owner works in the queue (rw), the
 * responsible may at least read it. Anyone else is a 400 on `field`.
 */
export function assignableAgent(config: DocketConfig, role: 'owner' | 'responsible', login: string, queue: string, field: string): string {
  const agent = config.agents.find((candidate) => candidate.login === login && candidate.enabled)
  // Owner and responsible alike: an agent who may work in the queue (the pickers offer exactly these, issue 14.4.3).
  if (!agent || !mayOwn(config, agent, queue)) {
    const what = role === 'owner' ? 'be the owner' : 'be responsible'
    throw invalidRequest(`${agent ? agentLabel(agent) : `"${login}"`} cannot ${what}: they have no write access to queue ${queue}. Pick one of the agents offered.`, field)
  }
  return agent.login
}

/**
 * Applies a patch to a ticket: OTRS's rules and permissions, pure (the clock comes in). Returns
 * the changed fields; throws 400 naming the field, 403 for a missing right, 404 when the agent
 * cannot read the ticket, 409 for a change the ticket's state forbids.
 */
export function planTicketPatch(config: DocketConfig, agent: AgentConfig, ticket: Ticket, patch: TicketPatch, now: Date, source: PatchSource = 'zoom'): Partial<Ticket> {
  const rights = rightsOn(config, agent, ticket.queue)
  if (!rights.has('ro')) throw notFound(`ticket ${ticket.number}`)
  const changesSomething = Object.entries(patch).some(([key, value]) => value !== undefined && key !== 'note')
  if (!changesSomething && !patch.note) throw invalidRequest('nothing to change: give at least one field', source === 'bulk' ? 'body.changes' : 'body')
  if (patch.note !== undefined && !patch.note.trim()) throw invalidRequest('the note must not be empty (a single "." will do)', fieldOf(source, 'note'))
  if (patch.note) requireRight(config, agent, ticket.queue, 'note', 'add a note')

  // OTRS "required lock": while another agent holds the lock, only they (or an admin) move, close or reassign it.
  // Taking the ticket over (lock it, or make oneself the owner) is the way in for anyone with the "owner" right.
  const lockHolder = ticket.lock === 'lock' && ticket.owner !== null && ticket.owner !== agent.login ? ticket.owner : null
  const takesOver = lockHolder !== null && (patch.lock === 'lock' || patch.owner === agent.login)
  if (takesOver && !rights.has('owner')) {
    throw forbidden(`${lockHolder} is working on ticket ${ticket.number} (it is locked to them). Ask them to release it, or ask an admin for the "owner" permission on queue ${ticket.queue} to take it over.`)
  }
  if (lockHolder !== null && !takesOver && !agent.admin && (patch.state !== undefined || patch.queue !== undefined || patch.owner !== undefined)) {
    throw forbidden(`${lockHolder} is working on ticket ${ticket.number} (it is locked to them): only they can change its state, queue or owner. You can add a note, or take the ticket over.`)
  }

  const next: Partial<Ticket> = {}
  if (patch.state !== undefined || patch.pendingUntil !== undefined) {
    requireRight(config, agent, ticket.queue, 'rw', 'change the state')
    const resolved = resolveStateChange(config, { state: patch.state ?? ticket.state, pendingUntil: patch.pendingUntil === undefined ? (patch.state === undefined ? ticket.pendingUntil : undefined) : patch.pendingUntil }, now, {
      state: fieldOf(source, 'state'),
      pendingUntil: fieldOf(source, 'pendingUntil'),
    })
    if (resolved.stateType === 'closed' && ticket.stateType !== 'closed' && source === 'zoom' && !patch.note) {
      throw invalidRequest('closing a ticket needs a note saying why (a single "." will do)', fieldOf(source, 'note'))
    }
    Object.assign(next, resolved)
  }
  if (patch.queue !== undefined && patch.queue !== ticket.queue) {
    if (!findQueue(config, patch.queue)) throw invalidRequest(`unknown queue "${patch.queue}"`, fieldOf(source, 'queue'))
    requireRight(config, agent, ticket.queue, 'rw', 'move the ticket')
    requireRight(config, agent, patch.queue, 'move_into', 'move tickets into it')
    next.queue = patch.queue
  }
  if (patch.priority !== undefined) {
    requireRight(config, agent, ticket.queue, 'priority', 'change the priority')
    next.priority = patch.priority
  }
  const queueAfter = next.queue ?? ticket.queue
  if (patch.owner !== undefined && patch.owner !== ticket.owner) {
    requireRight(config, agent, ticket.queue, 'owner', 'change the owner')
    next.owner = assignableAgent(config, 'owner', patch.owner, queueAfter, fieldOf(source, 'owner'))
  }
  if (patch.responsible !== undefined && patch.responsible !== ticket.responsible) {
    requireRight(config, agent, ticket.queue, 'rw', 'change the responsible agent')
    next.responsible = patch.responsible === null ? null : assignableAgent(config, 'responsible', patch.responsible, queueAfter, fieldOf(source, 'responsible'))
  }
  if (patch.lock === 'lock' && ticket.lock !== 'lock') {
    requireRight(config, agent, ticket.queue, 'rw', 'lock the ticket')
    next.lock = 'lock'
    // OTRS: locking takes the ticket: it is locked to whoever locks it (unless an owner was given).
    next.owner ??= agent.login
  } else if (patch.lock === 'lock' && lockHolder !== null && patch.owner === undefined) {
    // Taking over a ticket locked by someone else (checked above: the "owner" right): it stays locked, now to this agent.
    next.owner = agent.login
  }
  if (patch.lock === 'unlock' && ticket.lock === 'lock') {
    // OTRS AgentTicketLock: "Sorry, you need to be the ticket owner to perform this action." Others take it over instead.
    if (ticket.owner !== null && ticket.owner !== agent.login && (next.owner ?? ticket.owner) !== agent.login) {
      throw forbidden(`only ${ticket.owner}, who holds the lock of ticket ${ticket.number}, can unlock it. You can take it over instead (needs the "owner" permission on queue ${ticket.queue}).`)
    }
    next.lock = 'unlock'
  }
  if (next.queue !== undefined && lockAfterMove(config, { lock: next.lock ?? ticket.lock, owner: next.owner ?? ticket.owner }, next.queue) === 'unlock') next.lock = 'unlock'
  if (patch.title !== undefined) {
    requireRight(config, agent, ticket.queue, 'rw', 'rename the ticket')
    const title = ticketTitle(patch.title)
    if (!title) throw invalidRequest('the title must hold some visible text', fieldOf(source, 'title'))
    next.title = title
  }
  if (patch.customer !== undefined || patch.customerId !== undefined) {
    requireRight(config, agent, ticket.queue, 'rw', 'change the customer')
    const customer = patch.customer?.trim().toLowerCase() ?? ticket.customer
    next.customer = customer
    next.customerId = patch.customerId?.trim() || (customer ? customerIdFor(config, customer) : null)
  }
  if (patch.dynamicFields !== undefined) {
    requireRight(config, agent, ticket.queue, 'rw', 'change dynamic fields')
    next.dynamicFields = { ...ticket.dynamicFields, ...patch.dynamicFields }
  }
  return next
}
