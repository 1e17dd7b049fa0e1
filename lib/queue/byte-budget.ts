/**
 * Admits work by its size in bytes: pieces of work run side by side while their sizes together
 * fit the budget; one larger than the whole budget runs alone (it waits for everything before it
 * and holds back everything after it). First come, first served, so a big piece is never starved
 * by a stream of small ones.
 *
 * Memory, not time, is what a batch handler runs out of: parsing a mail takes about five times its
 * size, so ten mails of a batch parsed at once take what the biggest ten would.
 */
export class ByteBudget {
  private inUse = 0
  private running = 0
  private readonly waiting: { bytes: number; start: () => void }[] = []

  readonly limitBytes: number

  constructor(limitBytes: number) {
    this.limitBytes = limitBytes
    if (!(limitBytes > 0)) throw new Error(`a byte budget must be positive (got ${limitBytes})`)
  }

  /** Runs `work` once `bytes` fit the budget (or nothing else runs, for work beyond the budget). */
  async run<T>(bytes: number, work: () => Promise<T>): Promise<T> {
    const weight = Math.min(Math.max(0, bytes), this.limitBytes)
    await new Promise<void>((start) => {
      this.waiting.push({ bytes: weight, start })
      this.admit()
    })
    try {
      return await work()
    } finally {
      this.inUse -= weight
      this.running -= 1
      this.admit()
    }
  }

  private admit(): void {
    for (let next = this.waiting[0]; next && (this.running === 0 || this.inUse + next.bytes <= this.limitBytes); next = this.waiting[0]) {
      this.waiting.shift()
      this.inUse += next.bytes
      this.running += 1
      next.start()
    }
  }
}
