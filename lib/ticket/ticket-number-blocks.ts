import type { TicketStore } from './ports.ts'

/**
 * Ticket counters handed out in blocks: one atomic ADD reserves `blockSize` numbers of the day for
 * this process (a Lambda instance, the local server), which then draws from memory. The per-day
 * counter item stops being a hot key (one write per block instead of per ticket); numbers stay
 * unique and rise within a process. The price: numbers of concurrent processes interleave, and a
 * process that ends leaves the rest of its block unused (gaps, which OTRS numbers have too).
 */
export class TicketNumberBlocks {
  private readonly store: Pick<TicketStore, 'reserveTicketCounters'>
  private readonly blockSize: number
  private block: { day: string; next: number; last: number } | undefined
  private pending: Promise<void> | undefined

  constructor(store: Pick<TicketStore, 'reserveTicketCounters'>, blockSize: number) {
    this.store = store
    this.blockSize = blockSize
  }

  async next(day: string): Promise<number> {
    for (;;) {
      const block = this.block
      if (block && block.day === day && block.next <= block.last) return block.next++
      // One reservation at a time; everyone waiting draws from the new block.
      this.pending ??= this.store.reserveTicketCounters(day, this.blockSize).then(
        (last) => {
          this.block = { day, next: last - this.blockSize + 1, last }
          this.pending = undefined
        },
        (error: unknown) => {
          this.pending = undefined
          throw error
        },
      )
      await this.pending
    }
  }
}
