import { findQueue, firstStateOfType, isSystemAddress, stateTypeOf, type DocketConfig } from '../../platform/config.ts'
import type { StateType } from '../../../schemas/config.ts'
import { ticketTitle } from '../../platform/plain-text.ts'
import { lockAfterMove } from '../../ticket/ticket-patch.ts'
import type { Ticket } from '../../ticket/model.ts'
import { newTicketTitle } from '../../ticket/subject.ts'
import { stateAfterCustomerFollowUp } from '../../ticket/ticket-rules.ts'
import { customerIdFor, unknownSender } from '../customer-id.ts'
import type { InboundMail } from '../parse-mail.ts'
import { control, isYes, type PostmasterContext } from './pipeline.ts'
import { isUsableSender } from './sender.ts'

/**
 * From the postmaster's decision to ticket fields: control values are validated here (an unknown
 * queue, state or agent is ignored with a trace line, never an error that loses the mail).
 */

/** "4 high", "4" or "high" → 4. */
export function parsePriority(config: DocketConfig, value: string | undefined): number | undefined {
  if (!value) return undefined
  const text = value.trim().toLowerCase()
  const index = config.priorities.findIndex((name) => name.toLowerCase() === text || name.toLowerCase().replace(/^\d+\s*/, '') === text)
  if (index >= 0) return index + 1
  const number = Number.parseInt(text, 10)
  return number >= 1 && number <= 5 ? number : undefined
}

/** ISO time, OTRS's "YYYY-MM-DD HH:MM:SS" (UTC), or relative "+30m", "+4h", "+2d". */
export function parsePendingTime(value: string | undefined, now: Date): string | undefined {
  if (!value) return undefined
  const relative = /^\+(\d+)\s*([mhd])$/i.exec(value.trim())
  if (relative) {
    const unit = { m: 60_000, h: 3_600_000, d: 86_400_000 }[relative[2]!.toLowerCase() as 'm' | 'h' | 'd']
    return new Date(now.getTime() + Number(relative[1]) * unit).toISOString()
  }
  const date = new Date(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})?$/.test(value.trim()) ? `${value.trim().replace(' ', 'T')}Z` : value)
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString()
}

const isAgent = (config: DocketConfig, login: string | undefined) => (login && config.agents.some((agent) => agent.login === login) ? login : undefined)

function dynamicFieldsFrom(controls: Map<string, string>, prefix: string): Record<string, string> {
  const fields: Record<string, string> = {}
  for (const [name, value] of controls) if (name.startsWith(prefix)) fields[name.slice(prefix.length)] = value
  return fields
}

/**
 * The participants a ticket starts with (kept for the stranger guard and the reply default): its
 * customer. Participants grow only from what we can trust: later, the addresses our agents write
 * to (agent-article.ts). Never from an incoming mail's Reply-To, To or Cc: a mail's headers are
 * whatever its sender typed, and its From is not authenticated either (a spoofed follow-up must
 * not let a stranger into the thread for good).
 */
export function initialParticipants(config: DocketConfig, customer: string): string[] {
  const address = customer.toLowerCase()
  return address && address !== unknownSender.address && !isSystemAddress(config, address) ? [address] : []
}

export interface NewTicketFields {
  queue: string
  state: string
  stateType: StateType
  pendingUntil: string | null
  priority: number
  owner: string | null
  responsible: string | null
  title: string
  customer: string
  customerId: string
  dynamicFields: Record<string, string>
}

export function newTicketFields(config: DocketConfig, context: PostmasterContext, mail: InboundMail, now: Date): NewTicketFields {
  const { controls, trace } = context
  let queue = controls.get(control.queue) ?? config.mail.defaultQueue
  if (!findQueue(config, queue)) {
    trace.push(`queue "${queue}" does not exist; default queue ${config.mail.defaultQueue} instead`)
    queue = config.mail.defaultQueue
  }
  if (context.bounce && !context.bounce.ticketNumber && config.mail.bounceQueue) queue = config.mail.bounceQueue
  let state = firstStateOfType(config, 'new')
  const requested = controls.get(control.state)
  if (requested) {
    if (stateTypeOf(config, requested)) state = requested
    else trace.push(`state "${requested}" does not exist; the ticket is new`)
  }
  const stateType = stateTypeOf(config, state)!
  const pendingUntil = stateType.startsWith('pending') ? (parsePendingTime(controls.get(control.pendingTime), now) ?? new Date(now.getTime() + 86_400_000).toISOString()) : null
  const requestedCustomer = controls.get(control.customerUser)?.trim().toLowerCase()
  const customer = isUsableSender(requestedCustomer) ? requestedCustomer : context.sender.address || unknownSender.address
  return {
    queue,
    state,
    stateType,
    pendingUntil,
    priority: parsePriority(config, controls.get(control.priority)) ?? 3,
    owner: isAgent(config, controls.get(control.owner)) ?? null,
    responsible: isAgent(config, controls.get(control.responsible)) ?? null,
    // X-Docket-Title comes from header values (filter captures, trusted headers): cleaned like any subject. Never another
    // ticket's number in a title: "Re: [Ticket#…] …" from a stranger becomes a new ticket titled "…" (issue 14.4.7).
    title: ticketTitle(controls.get(control.title) ?? '') || ticketTitle(newTicketTitle(mail.subject, config.ticket.hook)) || '(no subject)',
    customer,
    customerId: controls.get(control.customerId)?.trim() || customerIdFor(config, customer),
    dynamicFields: dynamicFieldsFrom(controls, 'X-Docket-DynamicField-'),
  }
}

/** How a customer follow-up changes the ticket (OTRS): reopen, lock to the owner again, and the X-Docket-FollowUp-* controls. */
export function followUpFields(config: DocketConfig, context: PostmasterContext, ticket: Ticket): { state: string; patch: Partial<Ticket> } {
  const { controls, trace } = context
  const patch: Partial<Ticket> = {}
  let state = stateAfterCustomerFollowUp(config, ticket)
  if (isYes(controls.get(control.followUpStateKeep))) state = ticket.state
  const requested = controls.get(control.followUpState)
  if (requested) {
    if (stateTypeOf(config, requested)) state = requested
    else trace.push(`state "${requested}" does not exist; ignored`)
  }
  const stateType = stateTypeOf(config, state)!
  patch.state = state
  patch.stateType = stateType
  patch.pendingUntil = stateType.startsWith('pending') ? (parsePendingTime(controls.get(control.followUpPendingTime), new Date()) ?? ticket.pendingUntil) : null
  const reopened = (ticket.stateType === 'closed' || ticket.stateType === 'removed') && stateType === 'open'
  if (reopened && ticket.owner && findQueue(config, ticket.queue)?.lockOnFollowUp) patch.lock = 'lock'
  const queue = controls.get(control.followUpQueue)
  if (queue && findQueue(config, queue) && queue !== ticket.queue) patch.queue = queue
  const priority = parsePriority(config, controls.get(control.followUpPriority))
  if (priority) patch.priority = priority
  const owner = isAgent(config, controls.get(control.followUpOwner))
  if (owner) patch.owner = owner
  if (patch.queue && lockAfterMove(config, { lock: patch.lock ?? ticket.lock, owner: patch.owner ?? ticket.owner }, patch.queue) === 'unlock') patch.lock = 'unlock'
  const responsible = isAgent(config, controls.get(control.followUpResponsible))
  if (responsible) patch.responsible = responsible
  const title = ticketTitle(controls.get(control.followUpTitle) ?? '')
  if (title) patch.title = title
  const dynamicFields = dynamicFieldsFrom(controls, 'X-Docket-FollowUp-DynamicField-')
  if (Object.keys(dynamicFields).length > 0) patch.dynamicFields = { ...ticket.dynamicFields, ...dynamicFields }
  return { state, patch }
}
