import type { DocketConfig } from '../platform/config.ts'
import { firstStateOfType, stateTypeOf } from '../platform/config.ts'
import { invalidRequest } from '../platform/errors.ts'
import { newId } from '../platform/ids.ts'
import type { HistoryEntry, HistoryType, Ticket } from './model.ts'

/** Pure ticket rules (OTRS semantics). Time comes in as an argument. */

export function historyEntry(type: HistoryType, by: string, at: Date, message: string, changes: HistoryEntry['changes'] = null): HistoryEntry {
  return { id: newId(at), type, by, at: at.toISOString(), message, changes }
}

/**
 * The state an agent asks for, checked as OTRS does: it exists, merged only by merging, pending
 * states need a pending time (now or later), and no other state takes one.
 */
export function resolveStateChange(
  config: DocketConfig,
  request: { state: string; pendingUntil?: string | null | undefined },
  now: Date,
  fields: { state: string; pendingUntil: string },
): { state: string; stateType: Ticket['stateType']; pendingUntil: string | null } {
  const { state, stateType } = resolveState(config, request.state, fields.state)
  if (stateType === 'merged') throw invalidRequest('tickets become "merged" by merging them (POST …/merge), not by setting the state', fields.state)
  if (stateType.startsWith('pending')) {
    if (!request.pendingUntil) throw invalidRequest(`the pending state "${state}" needs a pending time`, fields.pendingUntil)
    const until = new Date(request.pendingUntil)
    if (Number.isNaN(until.getTime())) throw invalidRequest('must be a date and time, e.g. 2026-12-01T09:00:00Z', fields.pendingUntil)
    if (until.getTime() < now.getTime() - 60_000) throw invalidRequest('the pending time must not be in the past', fields.pendingUntil)
    return { state, stateType, pendingUntil: until.toISOString() }
  }
  if (request.pendingUntil) throw invalidRequest(`only pending states take a pending time; "${state}" is not one`, fields.pendingUntil)
  return { state, stateType, pendingUntil: null }
}

export function resolveState(config: DocketConfig, state: string, field = 'state'): { state: string; stateType: Ticket['stateType'] } {
  const stateType = stateTypeOf(config, state)
  if (!stateType) {
    throw invalidRequest(`unknown state "${state}"; use one of: ${config.states.map((candidate) => candidate.name).join(', ')}`, field)
  }
  return { state, stateType }
}

/** A ticket as it is born: every field set, defaults as in OTRS (priority 3, unlocked, no owner). */
export function newTicketRecord(fields: Pick<Ticket, 'number' | 'title' | 'queue' | 'state' | 'stateType'> & Partial<Ticket> & { at: Date }): Ticket {
  const { at, ...rest } = fields
  return {
    priority: 3,
    lock: 'unlock',
    owner: null,
    responsible: null,
    customer: null,
    customerId: null,
    pendingUntil: null,
    mergedInto: null,
    articleCount: 0,
    participants: [],
    dynamicFields: {},
    mergedFrom: [],
    timeUnits: 0,
    ...rest,
    createdAt: at.toISOString(),
    changedAt: at.toISOString(),
    version: 1,
  }
}

/**
 * Whether an address takes part in the ticket's mail exchange: its customer, or an address our
 * agents wrote to (participants). The stranger guard and the reply default trust only these.
 */
export function takesPartIn(ticket: Pick<Ticket, 'customer' | 'participants'>, address: string): boolean {
  const normalized = address.trim().toLowerCase()
  return normalized !== '' && (normalized === ticket.customer?.toLowerCase() || ticket.participants.includes(normalized))
}

/** A customer's follow-up: a new ticket stays new, any other state becomes open (OTRS). */
export function stateAfterCustomerFollowUp(config: DocketConfig, ticket: Ticket): string {
  if (ticket.stateType === 'new') return ticket.state
  return firstStateOfType(config, 'open')
}

/** The next version of a ticket: bumps version and change time, and notes when it was closed or removed. */
export function nextVersion(ticket: Ticket, at: Date, patch: Partial<Ticket>): Ticket {
  const next: Ticket = { ...ticket, ...patch, version: ticket.version + 1, changedAt: at.toISOString() }
  if (next.stateType === 'removed' && ticket.stateType !== 'removed') next.removedAt = at.toISOString()
  if (next.stateType !== 'removed' && ticket.removedAt) next.removedAt = null
  if (next.stateType === 'closed' && ticket.stateType !== 'closed') next.closedAt = at.toISOString()
  if (next.stateType !== 'closed' && ticket.closedAt) next.closedAt = null
  // OTRS (AgentTicketActionCommon) unlocks a ticket set to a close state: a closed ticket is never left locked, whoever closes it.
  if (next.stateType === 'closed' && next.lock === 'lock') next.lock = 'unlock'
  return next
}

/** A reached pending reminder reminds again this long after the last reminder, until someone acts. */
export const pendingReminderRepeatMs = 86_400_000

/** When the pending job next acts on a ticket: its pending time, or the next 24-hourly reminder. */
export function pendingDueAt(ticket: Ticket): string | null {
  if (!ticket.stateType.startsWith('pending') || !ticket.pendingUntil) return null
  return ticket.reminder && ticket.reminder.for === ticket.pendingUntil ? ticket.reminder.nextAt : ticket.pendingUntil
}

/** History entries for every field that differs between two versions of a ticket. */
export function describeChanges(before: Ticket, after: Ticket, by: string, at: Date): HistoryEntry[] {
  const entries: HistoryEntry[] = []
  const changed = <K extends keyof Ticket>(field: K) => before[field] !== after[field]
  const entry = (type: HistoryType, field: keyof Ticket, message: string) =>
    entries.push(historyEntry(type, by, at, message, { [field]: { before: before[field], after: after[field] } }))
  if (changed('state')) entry('StateUpdate', 'state', `Old: "${before.state}" New: "${after.state}"`)
  if (changed('queue')) entry('Move', 'queue', `Ticket moved from queue "${before.queue}" to "${after.queue}"`)
  if (changed('lock')) entry(after.lock === 'lock' ? 'Lock' : 'Unlock', 'lock', after.lock === 'lock' ? 'Ticket locked' : 'Ticket unlocked')
  const takenOver = before.lock === 'lock' && after.lock === 'lock' && before.owner !== null
  if (changed('owner')) entry('OwnerUpdate', 'owner', `New owner is "${after.owner ?? '-'}"${takenOver ? ` (took over the lock from "${before.owner}")` : ''}`)
  if (changed('responsible')) entry('ResponsibleUpdate', 'responsible', `New responsible is "${after.responsible ?? '-'}"`)
  if (changed('priority')) entry('PriorityUpdate', 'priority', `Changed priority from ${before.priority} to ${after.priority}`)
  if (changed('title')) entry('TitleUpdate', 'title', `Title changed from "${before.title}" to "${after.title}"`)
  if (changed('customer')) entry('CustomerUpdate', 'customer', `Customer changed to "${after.customer ?? '-'}"`)
  else if (changed('customerId')) entry('CustomerUpdate', 'customerId', `CustomerID changed to "${after.customerId ?? '-'}"`)
  if (changed('mergedInto') && after.mergedInto) entry('Merged', 'mergedInto', `Merged into ticket ${after.mergedInto}`)
  if (changed('pendingUntil') && after.pendingUntil) entry('SetPendingTime', 'pendingUntil', `Pending time set to ${after.pendingUntil}`)
  // OTRS writes one TicketDynamicFieldUpdate per field: "FieldName=…;Value=…;OldValue=…".
  const fields = new Set([...Object.keys(before.dynamicFields ?? {}), ...Object.keys(after.dynamicFields ?? {})])
  for (const name of [...fields].sort()) {
    const old = before.dynamicFields?.[name] ?? ''
    const value = after.dynamicFields?.[name] ?? ''
    if (old === value) continue
    const change = { [`dynamicFields.${name}`]: { before: old || null, after: value || null } }
    entries.push(historyEntry('TicketDynamicFieldUpdate', by, at, `FieldName=${name};Value=${value};OldValue=${old}`, change))
  }
  return entries
}
