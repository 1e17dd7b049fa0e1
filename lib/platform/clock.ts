/** Time is injected everywhere so tests and `--now` runs control it. */
export interface Clock {
  now(): Date
}

export const systemClock: Clock = { now: () => new Date() }

export const fixedClock = (iso: string): Clock => ({ now: () => new Date(iso) })
