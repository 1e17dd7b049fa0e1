import type { DocketConfig } from '../platform/config.ts'
import type { Clock } from '../platform/clock.ts'
import { notFound } from '../platform/errors.ts'
import { ConcurrentUpdateError } from './errors.ts'
import { basisFromThread, computeEscalation, emptyBasis, escalationPolicyFor } from './escalation.ts'
import type { Ticket } from './model.ts'
import type { TicketChange, TicketStore } from './ports.ts'
import { formatTicketNumber, ticketNumberDay } from './ticket-number.ts'
import type { TicketCounter } from './ticket-counter.ts'

export interface TicketServiceDeps {
  config: DocketConfig
  tickets: TicketStore
  clock: Clock
  ticketNumbers: TicketCounter
}

// Many writers on one ticket (a busy thread, a bulk action) take turns: retries back off with
// full jitter so they spread out instead of colliding again. Each round lets one writer through, so
// the last of n writers needs about n attempts: 100 covers a burst of follow-ups to one ticket even
// when the store answers slowly (a Lambda's or the API's own timeout ends a hopeless one sooner, and
// a mail is then retried from its queue).
const maxAttempts = 100
const backoff = (attempt: number) => new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(1000, 10 * 2 ** attempt)))

/** Allocates the next ticket number of today (in the system's time zone). */
export async function allocateTicketNumber({ config, ticketNumbers }: TicketServiceDeps, at: Date): Promise<string> {
  const day = ticketNumberDay(at, config.system.timeZone)
  return formatTicketNumber(day, config.system.id, await ticketNumbers.next(day))
}

/**
 * Creates a ticket: `build` receives a fresh number and returns the change to write. A number is
 * never reused; on the (theoretical) clash with an existing ticket a new one is drawn.
 */
export async function createTicket(deps: TicketServiceDeps, build: (number: string, at: Date) => TicketChange | Promise<TicketChange>): Promise<TicketChange> {
  for (let attempt = 1; ; attempt++) {
    const at = deps.clock.now()
    const change = await settleEscalation(deps, await build(await allocateTicketNumber(deps, at), at))
    try {
      await deps.tickets.save({ ...change, expectedVersion: null })
      return change
    } catch (error) {
      if (!(error instanceof ConcurrentUpdateError) || attempt >= maxAttempts) throw error
    }
  }
}

/**
 * Read–modify–write of one ticket with optimistic concurrency: `change` sees the current ticket
 * and returns what to write; a concurrent writer makes us re-read and try again, so no update is lost.
 */
export async function changeTicket<T>(
  deps: TicketServiceDeps,
  number: string,
  change: (ticket: Ticket, at: Date) => Promise<{ change: TicketChange | null; result: T }> | { change: TicketChange | null; result: T },
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const ticket = await deps.tickets.get(number)
    if (!ticket) throw notFound(`ticket ${number}`)
    const outcome = await change(ticket, deps.clock.now())
    if (!outcome.change) return outcome.result
    await settleEscalation(deps, outcome.change)
    try {
      await deps.tickets.save({ ...outcome.change, expectedVersion: ticket.version })
      return outcome.result
    } catch (error) {
      if (!(error instanceof ConcurrentUpdateError) || attempt >= maxAttempts) throw error
      await backoff(attempt)
    }
  }
}

/**
 * The one place escalation times are kept (issue 5.4): every ticket write passes here once its
 * change is planned and before it is stored, so the stored deadlines always follow the ticket's
 * new state, queue and articles. Sets `change.ticket.escalation` in place, so a caller that
 * returns the ticket it built returns what was stored. A ticket without a stored basis (written
 * before its queue had an SLA, or just moved into one) gets it from its thread, once.
 */
export async function settleEscalation(deps: Pick<TicketServiceDeps, 'config' | 'tickets'>, change: TicketChange): Promise<TicketChange> {
  const { ticket } = change
  const policy = escalationPolicyFor(deps.config, ticket.queue)
  if (!policy) {
    if (ticket.escalation) ticket.escalation = null
    return change
  }
  let basis = ticket.escalation?.basis
  if (!basis) {
    const thread = change.expectedVersion === null ? undefined : await deps.tickets.getThread(ticket.number)
    basis = thread ? basisFromThread(deps.config, thread) : emptyBasis
  }
  ticket.escalation = computeEscalation(ticket, policy, change.newArticles, basis)
  return change
}
