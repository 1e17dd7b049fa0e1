/**
 * OTRS AgentTicketEscalationView: tickets by their escalation time (the earliest SLA deadline),
 * with the filters "escalated now", "today", "tomorrow" and "next week". As in OTRS the filters
 * are cumulative: each lists every ticket whose escalation time falls before its end (OTRS
 * TicketEscalationTimeOlderDate), so "today" holds the tickets already escalated too. Days end at
 * midnight in the agent's time zone. Pure: the clock is passed in.
 */

export const escalationBuckets = ['now', 'today', 'tomorrow', 'next-week'] as const
export type EscalationBucket = (typeof escalationBuckets)[number]

/** Days after today whose end closes the bucket. */
const daysAfterToday: Record<Exclude<EscalationBucket, 'now'>, number> = { today: 0, tomorrow: 1, 'next-week': 7 }

/** The calendar date (y, m, d) and wall time of `at` in `timeZone`. */
function wallClock(at: Date, timeZone: string): { year: number; month: number; day: number; hour: number; minute: number; second: number } {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' }).formatToParts(at)
  const part = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((candidate) => candidate.type === type)?.value ?? 0)
  return { year: part('year'), month: part('month'), day: part('day'), hour: part('hour'), minute: part('minute'), second: part('second') }
}

/** The instant of local midnight starting the given calendar day in `timeZone` (DST-safe: corrected by the zone's offset then). */
function startOfLocalDay(year: number, month: number, day: number, timeZone: string): Date {
  const guess = Date.UTC(year, month - 1, day)
  let at = guess
  // Two rounds settle the offset even across a DST change on that day.
  for (let round = 0; round < 2; round++) {
    const wall = wallClock(new Date(at), timeZone)
    const wallAsUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second)
    at += guess - wallAsUtc
  }
  return new Date(at)
}

/**
 * The end of the bucket (inclusive): tickets whose escalation time is at or before it are listed.
 * "now" ends at `now`; the others at the last millisecond of today, tomorrow or the 7th day from today.
 */
export function escalationBucketEnd(bucket: EscalationBucket, now: Date, timeZone: string): Date {
  if (bucket === 'now') return now
  const today = wallClock(now, timeZone)
  const next = startOfLocalDay(today.year, today.month, today.day + daysAfterToday[bucket] + 1, timeZone)
  return new Date(next.getTime() - 1)
}

/** The narrowest bucket a ticket escalating at `due` falls in, or null when it is later than next week. */
export function escalationBucketOf(due: string, now: Date, timeZone: string): EscalationBucket | null {
  const at = Date.parse(due)
  return escalationBuckets.find((bucket) => at <= escalationBucketEnd(bucket, now, timeZone).getTime()) ?? null
}
