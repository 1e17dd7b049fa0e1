import type { CalendarConfig, SlaConfig } from '../../schemas/config.ts'
import { findQueue, stateTypeOf, type DocketConfig } from '../platform/config.ts'
import { addBusinessMinutes } from './business-time.ts'
import type { Article, EscalationBasis, EscalationKind, Ticket, TicketEscalation, TicketThread } from './model.ts'

/**
 * SLA escalation times with OTRS semantics (Kernel::System::Ticket::TicketEscalationIndexBuild),
 * pure: the ticket, its new articles and the SLA in, the deadlines out.
 *
 * - first response: creation + first response time; met by the first agent mail to the customer;
 * - update: + update time from the first customer contact not yet answered, or, once we answered,
 *   from our last mail to the customer (OTRS: the time between two contacts); every agent mail
 *   starts it afresh, a customer mail after ours starts a new deadline;
 * - solution: creation + solution time; met when the ticket is first closed.
 *
 * Nothing escalates while the ticket is closed, merged, removed or pending (OTRS's default
 * suspends pending tickets); on reopening the deadlines are computed again from the same bases.
 */

export const escalationKinds = ['firstResponse', 'update', 'solution'] as const satisfies readonly EscalationKind[]

/** OTRS's names for a reached deadline (history and notifications), and how agents read them. */
export const escalationNames: Record<EscalationKind, { otrs: string; label: string }> = {
  firstResponse: { otrs: 'EscalationResponseTimeStart', label: 'first response time' },
  update: { otrs: 'EscalationUpdateTimeStart', label: 'update time' },
  solution: { otrs: 'EscalationSolutionTimeStart', label: 'solution time' },
}

export interface EscalationPolicy {
  sla: SlaConfig
  /** Undefined: round the clock. */
  calendar: CalendarConfig | undefined
}

/** The SLA of a queue, with its calendar; null when the queue has none. */
export function escalationPolicyFor(config: DocketConfig, queue: string): EscalationPolicy | null {
  const name = findQueue(config, queue)?.sla
  const sla = name === undefined ? undefined : config.slas.find((candidate) => candidate.name === name)
  if (!sla) return null
  return { sla, calendar: sla.calendar === undefined ? undefined : config.calendars.find((calendar) => calendar.name === sla.calendar) }
}

/** Our mail to the customer (reply, reply all): meets the first response, starts the update time afresh. */
export const isAgentMailToCustomer = (article: Article) => article.sender === 'agent' && article.channel === 'email' && article.visibleToCustomer
/** The customer wrote (or called). */
export const isCustomerContact = (article: Article) => article.sender === 'customer' && article.visibleToCustomer

export const emptyBasis: EscalationBasis = { firstResponseAt: null, updateFrom: null, lastContact: null, solvedAt: null }

/** The basis after these articles, in the order they were written. */
export function foldArticles(basis: EscalationBasis, articles: readonly Article[]): EscalationBasis {
  const next = { ...basis }
  const ordered = [...articles].sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id))
  for (const article of ordered) {
    if (isAgentMailToCustomer(article)) {
      next.firstResponseAt ??= article.createdAt
      next.updateFrom = article.createdAt
      next.lastContact = 'agent'
    } else if (isCustomerContact(article)) {
      // A run of customer mails counts from its first: the customer has waited since then.
      if (next.lastContact !== 'customer') next.updateFrom = article.createdAt
      next.lastContact = 'customer'
    }
  }
  return next
}

/**
 * The basis of a ticket that has none stored (written before its queue had an SLA, or moved into
 * such a queue): from its whole thread, and its history for the first close.
 */
export function basisFromThread(config: DocketConfig, thread: Pick<TicketThread, 'ticket' | 'articles' | 'history'>): EscalationBasis {
  const closes = thread.history.filter((entry) => {
    const state = entry.type === 'StateUpdate' ? entry.changes?.state?.after : undefined
    return typeof state === 'string' && stateTypeOf(config, state) === 'closed'
  })
  const firstClose = closes.map((entry) => entry.at).sort()[0]
  return { ...foldArticles(emptyBasis, thread.articles), solvedAt: firstClose ?? thread.ticket.closedAt ?? null }
}

/** Whether deadlines run at all in this state (OTRS: not when closed, merged or removed; pending suspends). */
export function canEscalate(ticket: Pick<Ticket, 'stateType'>): boolean {
  return ticket.stateType === 'new' || ticket.stateType === 'open'
}

/**
 * The escalation of `ticket` (its new state) after `newArticles`, counting from `basis` (what the
 * earlier articles left). Notifications already sent are kept for a deadline that is unchanged (or
 * only suspended), so a deadline is never notified twice; a new deadline starts unnotified.
 */
export function computeEscalation(ticket: Ticket, policy: EscalationPolicy, newArticles: readonly Article[], basis: EscalationBasis): TicketEscalation {
  const folded = foldArticles(basis, newArticles)
  if (ticket.stateType === 'closed' && !folded.solvedAt) folded.solvedAt = ticket.closedAt ?? ticket.changedAt
  const { sla, calendar } = policy
  const after = (from: string, minutes: number | undefined) => (minutes === undefined ? null : addBusinessMinutes(new Date(from), minutes, calendar).toISOString())
  const deadlines: Record<EscalationKind, string | null> = {
    firstResponse: folded.firstResponseAt ? null : after(ticket.createdAt, sla.firstResponseMinutes),
    update: after(folded.updateFrom ?? ticket.createdAt, sla.updateMinutes),
    solution: folded.solvedAt ? null : after(ticket.createdAt, sla.solutionMinutes),
  }
  const previous = ticket.escalation?.notified ?? {}
  const active = canEscalate(ticket)
  const notified: TicketEscalation['notified'] = {}
  for (const kind of escalationKinds) {
    const sent = previous[kind]
    // Deadlines are computed while suspended too: a pending ticket keeps what was sent for them.
    if (sent !== undefined && sent === deadlines[kind]) notified[kind] = sent
  }
  const due = (kind: EscalationKind) => (active ? deadlines[kind] : null)
  // A deadline that was running and had passed by this write was missed, whatever this write does to it.
  const before = ticket.escalation
  const breached: TicketEscalation['breached'] = { ...before?.breached }
  for (const kind of escalationKinds) {
    const running = before ? dueOf(before, kind) : null
    const missed = running !== null && running <= ticket.changedAt ? running : before?.notified[kind]
    if (missed !== undefined && breached[kind] === undefined) breached[kind] = missed
  }
  const earliest = (kinds: readonly EscalationKind[]) => kinds.map(due).filter((time): time is string => time !== null).sort()[0] ?? null
  return {
    sla: sla.name,
    firstResponseDue: due('firstResponse'),
    updateDue: due('update'),
    solutionDue: due('solution'),
    nextDue: earliest(escalationKinds),
    notifyAt: earliest(escalationKinds.filter((kind) => notified[kind] !== deadlines[kind])),
    notified,
    breached,
    basis: folded,
  }
}

const dueOf = (escalation: TicketEscalation, kind: EscalationKind): string | null =>
  kind === 'firstResponse' ? escalation.firstResponseDue : kind === 'update' ? escalation.updateDue : escalation.solutionDue

/** The deadlines reached by `now` that were not notified yet (what the escalation job acts on). */
export function reachedDeadlines(escalation: TicketEscalation | null | undefined, now: string): { kind: EscalationKind; due: string }[] {
  if (!escalation) return []
  const dues: Record<EscalationKind, string | null> = { firstResponse: escalation.firstResponseDue, update: escalation.updateDue, solution: escalation.solutionDue }
  return escalationKinds.flatMap((kind) => {
    const due = dues[kind]
    return due !== null && due <= now && escalation.notified[kind] !== due ? [{ kind, due }] : []
  })
}

/** The SLA's "escalating soon" window, in minutes (0 for an SLA that is no longer configured). */
export function warnBeforeMinutes(config: DocketConfig, sla: string): number {
  return config.slas.find((candidate) => candidate.name === sla)?.warnBeforeMinutes ?? 0
}
