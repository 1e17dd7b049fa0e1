/**
 * Fixed-window rate limits: at most `limit` hits per key in each window of `seconds`. A fixed
 * window can let through up to twice the limit across a boundary; that is accepted for flood
 * control (it needs one conditional counter write per hit in DynamoDB, like the other caps).
 */
export interface RateWindow {
  /** The window's start (ISO), part of its counter's key. */
  id: string
  endsAt: Date
  /** Whole seconds until the window ends (at least 1): the Retry-After of a refused hit. */
  retryAfterSeconds: number
}

/** The window of `seconds` that contains `now`. Pure. */
export function rateWindowAt(now: Date, seconds: number): RateWindow {
  const length = seconds * 1000
  const start = Math.floor(now.getTime() / length) * length
  const endsAt = new Date(start + length)
  return { id: new Date(start).toISOString(), endsAt, retryAfterSeconds: Math.max(1, Math.ceil((endsAt.getTime() - now.getTime()) / 1000)) }
}

/**
 * In-process counters for a single server (the local SMTP intake, which is one process by
 * design). Only the current window is kept per key, so memory is bounded by the keys of one window.
 */
export class WindowCounter {
  private readonly seconds: number
  private readonly limit: number
  private window: RateWindow | undefined
  private readonly hits = new Map<string, number>()

  constructor(seconds: number, limit: number) {
    this.seconds = seconds
    this.limit = limit
  }

  /** Counts a hit of `key` at `now`; the Retry-After seconds when it is over the limit, otherwise 0. */
  hit(key: string, now: Date): number {
    const window = rateWindowAt(now, this.seconds)
    if (window.id !== this.window?.id) {
      this.window = window
      this.hits.clear()
    }
    const count = (this.hits.get(key) ?? 0) + 1
    this.hits.set(key, count)
    return count > this.limit ? window.retryAfterSeconds : 0
  }
}
