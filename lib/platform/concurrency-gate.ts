/** How a task waits for a slot. */
export interface GateTicket {
  /** Goes ahead of ordinary waiters (e.g. an agent at an address they logged in from), with a reserve of its own. */
  priority?: boolean
  /** Who asks (e.g. a client address): each owner may have one task waiting, so one caller cannot fill the queue. */
  owner?: string
}

/**
 * At most `concurrency` tasks run at once; up to `queueLimit` wait, one per owner (first come,
 * first served, except that priority waiters go first); any more are refused at once with the
 * estimated wait, so a flood is answered quickly instead of piling up work nobody waits for, and
 * one flooding caller cannot keep others from their turn.
 */
export class ConcurrencyGate {
  private readonly concurrency: number
  private readonly queueLimit: number
  private running = 0
  private readonly waiting: { start: () => void; priority: boolean; owner: string | undefined }[] = []
  /** Moving average of a task's duration, for the Retry-After estimate. */
  private averageMs = 100

  constructor(concurrency: number, queueLimit: number) {
    this.concurrency = concurrency
    this.queueLimit = queueLimit
  }

  get load(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length }
  }

  /** Runs `task` in a slot; throws `refuse(seconds)` when it may not wait for one. */
  async run<T>(task: () => Promise<T>, refuse: (retryAfterSeconds: number) => Error, ticket: GateTicket = {}): Promise<T> {
    if (this.running >= this.concurrency) {
      const priority = ticket.priority === true
      const full = this.waiting.length >= (priority ? 2 * this.queueLimit + 1 : this.queueLimit)
      const ownerWaits = ticket.owner !== undefined && this.waiting.some((waiter) => waiter.owner === ticket.owner)
      if (full || (ownerWaits && !priority)) throw refuse(this.estimatedWaitSeconds())
      await new Promise<void>((start) => {
        const waiter = { start, priority, owner: ticket.owner }
        const firstOrdinary = priority ? this.waiting.findIndex((other) => !other.priority) : -1
        this.waiting.splice(firstOrdinary === -1 ? this.waiting.length : firstOrdinary, 0, waiter)
      })
    } else this.running++
    const started = performance.now()
    try {
      return await task()
    } finally {
      this.averageMs = this.averageMs * 0.8 + (performance.now() - started) * 0.2
      const next = this.waiting.shift()
      // The slot passes straight to the next waiter, so `running` stays as it is.
      if (next) next.start()
      else this.running--
    }
  }

  private estimatedWaitSeconds(): number {
    return Math.max(1, Math.ceil(((this.waiting.length + this.running) * this.averageMs) / this.concurrency / 1000))
  }
}
