import type { TicketStore } from './ports.ts'

/**
 * How long a writer (a Lambda instance, the local server) gathers the new tickets it creates into
 * one block of numbers: at most one counter write per window per writer.
 */
export const counterWindowMs = 100

/** The most writes per second the day's counter item takes from `writers` busy writers. */
export const counterWritesPerSecond = (writers: number): number => (writers * 1000) / counterWindowMs

interface Waiter {
  resolve: (value: number) => void
  reject: (error: unknown) => void
}

interface DayState {
  waiting: Waiter[]
  drawing: boolean
  timer: ReturnType<typeof setTimeout> | undefined
}

/**
 * The per-day ticket counter (OTRS Ticket::NumberGenerator::Date): numbers come from one atomic ADD
 * on the day's counter item, so they never repeat, across processes (Lambda instances, the local
 * server) and restarts, and every number drawn is used: no gaps and no numbers parked in a process.
 *
 * The counter is one item, and an item takes about 1,000 writes per second (DynamoDB's
 * per-partition limit): one ADD per ticket would make it the first key to break at 1,000 mails/s.
 * So a writer draws numbers in blocks of exactly the tickets waiting for one (group commit): when
 * no draw of its own is in flight and its last draw is at least `counterWindowMs` old, it draws at
 * once (ADD 1 for a lone ticket: no delay at a helpdesk's usual rate); otherwise the requests that
 * arrive meanwhile wait for the next draw, which takes `ADD n` for all n of them. A writer thus
 * writes the counter at most 1000 / counterWindowMs times a second however many tickets it creates,
 * and a new ticket waits at most one window for its number, only when its writer is busy.
 *
 * What this does to "consecutive": numbers still run 1, 2, 3… per day with no gaps (a gap only when
 * a ticket's write fails after its number was drawn, as before), and a ticket's number is still
 * drawn after the tickets drawn before it. What changes is only the order between writers within a
 * window: two Lambda instances creating tickets within the same 100 ms may interleave their blocks
 * (instance A's tickets get 41–44, B's 45–46, though one of B's came a few ms before one of A's).
 * Blocks reserved ahead per process (Docket before) left numbers unused at every cold start; these
 * never do, because a block is never larger than the tickets waiting for it.
 */
export class TicketCounter {
  private readonly store: Pick<TicketStore, 'reserveTicketCounters'>
  private readonly days = new Map<string, DayState>()
  private readonly clock: () => number
  /** When this writer last drew (any day): the window is the writer's, not the day's. */
  private lastDrawAt = Number.NEGATIVE_INFINITY

  constructor(store: Pick<TicketStore, 'reserveTicketCounters'>, options: { clock?: () => number } = {}) {
    this.store = store
    this.clock = options.clock ?? (() => Date.now())
  }

  /** The next counter value of the day (YYYYMMDD in the system's time zone), from 1. */
  next(day: string): Promise<number> {
    return new Promise((resolve, reject) => {
      let state = this.days.get(day)
      if (!state) this.days.set(day, (state = { waiting: [], drawing: false, timer: undefined }))
      state.waiting.push({ resolve, reject })
      this.pump(day, state)
    })
  }

  private pump(day: string, state: DayState): void {
    if (state.drawing || state.timer !== undefined) return
    if (state.waiting.length === 0) {
      this.days.delete(day)
      return
    }
    // Clamped to one window, should the wall clock step back.
    const wait = Math.min(counterWindowMs, this.lastDrawAt + counterWindowMs - this.clock())
    if (wait > 0) {
      state.timer = setTimeout(() => {
        state.timer = undefined
        this.pump(day, state)
      }, wait)
      return
    }
    const block = state.waiting.splice(0)
    state.drawing = true
    this.lastDrawAt = this.clock()
    void this.store.reserveTicketCounters(day, block.length).then(
      (last) => {
        // The ADD answers the counter after the block: the block is the `block.length` values up to it, in request order.
        const first = last - block.length + 1
        block.forEach((waiter, index) => waiter.resolve(first + index))
      },
      (error: unknown) => block.forEach((waiter) => waiter.reject(error)),
    ).finally(() => {
      state.drawing = false
      this.pump(day, state)
    })
  }
}
