import { restrictedDayFields } from '../../schemas/config.ts'

/**
 * Translates the config's 5-field cron (croner's reading, UTC) into an EventBridge schedule
 * expression that fires at exactly the same minutes.
 *
 * The differences that matter:
 * - EventBridge numbers days of the week 1–7 from Sunday (cron: 0–7, Sunday 0 or 7) and has no
 *   step (`/`) in that field, so the day-of-week field is expanded into the days it means and
 *   written again as EventBridge days (`1-5/2` = Mon, Wed, Fri = `2,4,6`; shifting digits would
 *   give `2-6/3` = Mon, Thu). `N#k` and `NL` keep their meaning with N shifted.
 * - One of day-of-month and day-of-week must be `?`. Cron runs a job on the days that match
 *   either field when both are restricted; EventBridge cannot say that, so such an expression is
 *   refused (config validation refuses it first: see `restrictedDayFields`).
 * - `*\/n` is written `<first>/n` (the form the EventBridge guide documents).
 */
export function eventBridgeCron(expression: string): string {
  const fields = expression.trim().split(/\s+/)
  if (fields.length !== 5) throw new CronNotExpressibleError(expression, 'needs 5 fields (minute hour day-of-month month day-of-week)')
  if (restrictedDayFields(expression)) {
    throw new CronNotExpressibleError(expression, 'restricts both day-of-month and day-of-week (cron runs on either; EventBridge cannot express that)')
  }
  const [minute, hour, dayOfMonth, month, dayOfWeek] = fields as [string, string, string, string, string]
  const weekdays = isAny(dayOfWeek) ? '?' : eventBridgeWeekdays(dayOfWeek.replace(/^\+/, ''), expression)
  const monthDay = weekdays === '?' ? (isAny(dayOfMonth) ? '*' : firstOfSteps(dayOfMonth, 1)) : '?'
  return `cron(${firstOfSteps(minute, 0)} ${firstOfSteps(hour, 0)} ${monthDay} ${firstOfSteps(month, 1)} ${weekdays} *)`
}

export class CronNotExpressibleError extends Error {
  override readonly name = 'CronNotExpressibleError'
  constructor(expression: string, why: string) {
    super(`cron "${expression}" ${why}`)
  }
}

function isAny(field: string): boolean {
  return field === '*' || field === '?'
}

/** `*\/n` → `<first>/n`, in every item of a list. */
function firstOfSteps(field: string, first: number): string {
  return field.replace(/(^|,)\*\//g, `$1${first}/`)
}

const dayNames: Record<string, number> = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 }

/** A cron day of week (0–7, or a name) as 0–6 with Sunday 0. */
function cronDay(text: string, expression: string): number {
  const day = /^\d+$/.test(text) ? Number(text) : dayNames[text.toLowerCase()]
  if (day === undefined || day > 7) throw new CronNotExpressibleError(expression, `has "${text}" as a day of week`)
  return day % 7
}

/** EventBridge's day-of-week field for a cron one (not `*`): the same days, numbered 1–7 from Sunday. */
function eventBridgeWeekdays(field: string, expression: string): string {
  const items = field.split(',')
  const special = items.map((item) => /^([a-z]{3}|\d)(#[1-5]|L)$/i.exec(item)).find(Boolean)
  if (special) {
    // `5#2` (the second Friday) and `5L` (the last Friday): EventBridge allows one such item, alone.
    if (items.length > 1) throw new CronNotExpressibleError(expression, `combines "${special[0]}" with other days of week, which EventBridge does not allow`)
    return `${cronDay(special[1]!, expression) + 1}${special[2]!.toUpperCase()}`
  }
  const days = new Set<number>()
  for (const item of items) {
    const match = /^(\*|[a-z]{3}|\d)(?:-([a-z]{3}|\d))?(?:\/(\d+))?$/i.exec(item)
    if (!match) throw new CronNotExpressibleError(expression, `has "${item}" in day-of-week`)
    const [, from, to, step] = match as unknown as [string, string, string | undefined, string | undefined]
    const start = from === '*' ? 0 : /^\d$/.test(from) ? Number(from) : cronDay(from, expression)
    // A range may end on 7 (Sunday): count in 0–7, then fold 7 onto 0.
    const end = from === '*' ? 6 : to === undefined ? (step === undefined ? start : 6) : to.toLowerCase() === 'sun' ? 7 : /^\d$/.test(to) ? Number(to) : cronDay(to, expression)
    for (let day = start; day <= end; day += Number(step ?? 1)) days.add(day % 7)
  }
  return compactList([...days].map((day) => day + 1).sort((a, b) => a - b))
}

/** `[2,3,4,6]` → `2-4,6`. */
function compactList(values: number[]): string {
  const parts: string[] = []
  for (let index = 0; index < values.length; ) {
    let last = index
    while (last + 1 < values.length && values[last + 1] === values[last]! + 1) last++
    parts.push(last === index ? String(values[index]) : `${values[index]}-${values[last]}`)
    index = last + 1
  }
  return parts.join(',')
}
