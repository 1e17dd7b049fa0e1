import type { TicketStore } from './ports.ts'

/**
 * The per-day ticket counter (OTRS Ticket::NumberGenerator::Date): every new ticket takes the next
 * value with one atomic ADD on the day's counter item, so numbers are consecutive within a day,
 * across processes (Lambda instances, the local server) and across restarts, and never repeat.
 *
 * Why not blocks reserved per process (what Docket did before): a block of 10 left up to 9 numbers
 * unused at every restart or cold start, and two processes interleaved their numbers, so agents saw
 * numbers jump by 10. The price of one write per ticket on one item is a ceiling of about 1,000
 * new tickets per second per day (DynamoDB's per-partition write rate), far above a helpdesk's mail
 * rate; the counter update is a single-item write outside the ticket's transaction, so it never
 * conflicts with it. A gap is left only when a ticket's write fails after its number was drawn.
 */
export class TicketCounter {
  private readonly store: Pick<TicketStore, 'reserveTicketCounters'>

  constructor(store: Pick<TicketStore, 'reserveTicketCounters'>) {
    this.store = store
  }

  /** The next counter value of the day (YYYYMMDD in the system's time zone), from 1. */
  next(day: string): Promise<number> {
    return this.store.reserveTicketCounters(day, 1)
  }
}
