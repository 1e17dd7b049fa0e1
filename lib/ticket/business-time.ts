import { DateTime } from 'luxon'
import { weekdays, type CalendarConfig } from '../../schemas/config.ts'

/**
 * Business-hours maths (OTRS: TimeCalc's DestinationTime and WorkingTime), pure. A calendar's
 * working periods and holidays are wall-clock times in its own time zone; a business minute is a
 * real minute that falls inside a working period. So on the day a clock jumps, a period that
 * spans the jump is an hour shorter (spring) or longer (autumn), and a period that does not
 * span it is unaffected, whatever the offset from UTC is that day. Luxon does the zone rules.
 *
 * `calendar` undefined means round the clock (an SLA without a calendar).
 */
export type BusinessCalendar = Pick<CalendarConfig, 'timeZone' | 'workingHours' | 'holidays'>

interface CompiledCalendar {
  timeZone: string
  /** Luxon weekday (1 = Monday … 7 = Sunday) → periods in minutes after local midnight, sorted. */
  periods: [start: number, end: number][][]
  holidays: Set<string>
}

const minute = 60_000
// A calendar with working periods has one at least every week; this bounds the walk should a
// calendar have only holidays left (every working day a holiday) instead of looping for ever.
const maxDays = 366 * 20

const compiled = new WeakMap<BusinessCalendar, CompiledCalendar>()

function compile(calendar: BusinessCalendar): CompiledCalendar {
  let result = compiled.get(calendar)
  if (!result) {
    const toMinutes = (clock: string) => {
      const [hours, minutes] = clock.split(':').map(Number) as [number, number]
      return hours * 60 + minutes
    }
    const periods = [[], ...weekdays.map((day) =>
      (calendar.workingHours[day] ?? [])
        .map((period) => period.split('-').map(toMinutes) as [number, number])
        .sort((a, b) => a[0] - b[0]),
    )]
    result = { timeZone: calendar.timeZone, periods, holidays: new Set(calendar.holidays) }
    compiled.set(calendar, result)
  }
  return result
}

/** The working periods of one local day, as instants (empty on holidays and closed days). */
function workingPeriodsOf(calendar: CompiledCalendar, day: DateTime): [start: number, end: number][] {
  const date = day.toISODate()!
  if (calendar.holidays.has(date) || calendar.holidays.has(date.slice(5))) return []
  const at = (minutes: number) =>
    minutes >= 24 * 60
      ? day.plus({ days: 1 }).startOf('day').toMillis()
      : DateTime.fromObject({ year: day.year, month: day.month, day: day.day, hour: Math.floor(minutes / 60), minute: minutes % 60 }, { zone: calendar.timeZone }).toMillis()
  return calendar.periods[day.weekday]!.map(([start, end]) => [at(start), at(end)] as [number, number]).filter(([start, end]) => end > start)
}

/** Local days from the one holding `from` on: where each starts, and its working periods. */
function* days(calendar: CompiledCalendar, from: number): Generator<{ start: number; periods: [start: number, end: number][] }> {
  let day = DateTime.fromMillis(from, { zone: calendar.timeZone }).startOf('day')
  for (let count = 0; count < maxDays; count++) {
    yield { start: day.toMillis(), periods: workingPeriodsOf(calendar, day) }
    day = day.plus({ days: 1 }).startOf('day')
  }
  throw new RangeError(`the calendar has no working time within ${maxDays} days`)
}

/**
 * The instant `minutes` business minutes after `start` (OTRS DestinationTime). Starting outside
 * working hours counts from the next working period; the result is always inside one (or at its end).
 */
export function addBusinessMinutes(start: Date, minutes: number, calendar: BusinessCalendar | undefined): Date {
  if (minutes < 0) throw new RangeError('minutes must not be negative')
  if (!calendar) return new Date(start.getTime() + minutes * minute)
  let remaining = minutes * minute
  for (const { periods } of days(compile(calendar), start.getTime())) {
    for (const [periodStart, periodEnd] of periods) {
      const from = Math.max(periodStart, start.getTime())
      if (from >= periodEnd) continue
      if (remaining <= periodEnd - from) return new Date(from + remaining)
      remaining -= periodEnd - from
    }
  }
  throw new RangeError('unreachable: days() ends by throwing')
}

/** Business minutes between two instants (OTRS WorkingTime); negative when `b` is before `a`. */
export function businessMinutesBetween(a: Date, b: Date, calendar: BusinessCalendar | undefined): number {
  if (b.getTime() < a.getTime()) return -businessMinutesBetween(b, a, calendar)
  if (!calendar) return (b.getTime() - a.getTime()) / minute
  const [from, to] = [a.getTime(), b.getTime()]
  let total = 0
  for (const { start, periods } of days(compile(calendar), from)) {
    if (start >= to) break
    for (const [periodStart, periodEnd] of periods) total += Math.max(0, Math.min(periodEnd, to) - Math.max(periodStart, from))
  }
  return total / minute
}
