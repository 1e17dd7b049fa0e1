import { readFileSync } from 'node:fs'
import { Cron } from 'croner'
import { describe, expect, it } from 'vitest'
import { CronNotExpressibleError, eventBridgeCron } from '../../lib/jobs/event-bridge-cron.ts'
import { ConfigError } from '../../lib/platform/config.ts'
import { parseConfig } from '../../lib/platform/config-file.ts'

/** cron (croner, UTC) → the EventBridge expression that fires at the same minutes. */
const table: [cron: string, eventBridge: string][] = [
  ['* * * * *', 'cron(* * * * ? *)'],
  ['30 0 * * *', 'cron(30 0 * * ? *)'],
  ['0 0 * * 0', 'cron(0 0 ? * 1 *)'], // Sunday: cron 0, EventBridge 1
  ['0 0 * * 7', 'cron(0 0 ? * 1 *)'], // Sunday written 7
  ['0 0 * * 6', 'cron(0 0 ? * 7 *)'], // Saturday
  ['0 8 * * 1-5', 'cron(0 8 ? * 2-6 *)'], // Monday to Friday
  ['0 8 * * 1-5/2', 'cron(0 8 ? * 2,4,6 *)'], // Mon, Wed, Fri (not 2-6/3: Mon, Thu)
  ['0 8 * * */2', 'cron(0 8 ? * 1,3,5,7 *)'], // Sun, Tue, Thu, Sat
  ['0 8 * * 0,6', 'cron(0 8 ? * 1,7 *)'],
  ['0 8 * * 5-7', 'cron(0 8 ? * 1,6-7 *)'], // Fri, Sat, Sun
  ['0 8 * * 0-6', 'cron(0 8 ? * 1-7 *)'],
  ['0 8 * * MON-FRI', 'cron(0 8 ? * 2-6 *)'],
  ['0 8 * * mon,wed', 'cron(0 8 ? * 2,4 *)'],
  ['0 8 * * SAT-SUN', 'cron(0 8 ? * 1,7 *)'],
  ['0 8 * * 5#2', 'cron(0 8 ? * 6#2 *)'], // the second Friday
  ['0 8 * * 1L', 'cron(0 8 ? * 2L *)'], // the last Monday
  ['0 8 1 * *', 'cron(0 8 1 * ? *)'],
  ['0 8 1,15 * *', 'cron(0 8 1,15 * ? *)'],
  ['0 8 L * *', 'cron(0 8 L * ? *)'],
  ['*/5 * * * *', 'cron(0/5 * * * ? *)'],
  ['0 */6 * * *', 'cron(0 0/6 * * ? *)'],
  ['0 0 */10 * *', 'cron(0 0 1/10 * ? *)'],
  ['0 0 1 */3 *', 'cron(0 0 1 1/3 ? *)'],
  ['15,45 9-17 * JAN-MAR 1-5', 'cron(15,45 9-17 ? JAN-MAR 2-6 *)'],
]

/** The days of week (0–6, Sunday 0) on which croner fires in four weeks from a Sunday. */
function cronerWeekdays(expression: string): number[] {
  const runs = new Cron(expression, { timezone: 'UTC', paused: true }).nextRuns(2000, new Date('2026-03-01T00:00:00Z'))
  return [...new Set(runs.filter((run) => run < new Date('2026-03-29T00:00:00Z')).map((run) => run.getUTCDay()))].sort()
}

/** The days of week (0–6) an EventBridge day-of-week field of plain days and ranges means. */
function eventBridgeWeekdays(field: string): number[] {
  const days = field.split(',').flatMap((part) => {
    const [from, to] = part.split('-').map(Number) as [number, number | undefined]
    return Array.from({ length: (to ?? from) - from + 1 }, (_, offset) => from + offset - 1)
  })
  return [...new Set(days)].sort()
}

describe('cron → EventBridge', () => {
  it.each(table)('%s → %s', (cron, eventBridge) => {
    expect(eventBridgeCron(cron)).toBe(eventBridge)
  })

  it('every converted day-of-week list means the days croner runs on', () => {
    for (const [cron, eventBridge] of table) {
      const field = eventBridge.split(' ')[4]!
      if (!/^[\d,-]+$/.test(field) || !/^\S+ \S+ \* \* /.test(cron)) continue
      expect(eventBridgeWeekdays(field), cron).toEqual(cronerWeekdays(cron))
    }
  })

  it('refuses what EventBridge cannot express: day-of-month and day-of-week both restricted (cron: either), # in a list', () => {
    expect(() => eventBridgeCron('0 8 1 * 1')).toThrow(CronNotExpressibleError)
    expect(() => eventBridgeCron('0 8 1-7 * MON')).toThrow(/restricts both day-of-month and day-of-week/)
    expect(() => eventBridgeCron('0 8 * * 1#1,5')).toThrow(/combines "1#1" with other days/)
  })

  it('config validation refuses such a schedule, naming the field', () => {
    const demo = readFileSync('docket.config.yaml', 'utf8')
    const both = demo.replace('schedule: "0 0 * * 0"', 'schedule: "0 0 1 * 0"')
    expect(both).not.toBe(demo)
    expect(() => parseConfig(both)).toThrow(ConfigError)
    expect(() => parseConfig(both)).toThrow(/jobs\.junkPurge\.schedule: restricts both day-of-month and day-of-week/)
  })
})
