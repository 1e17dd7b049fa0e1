import { describe, expect, it } from 'vitest'
import { addBusinessMinutes, businessMinutesBetween, type BusinessCalendar } from '../../lib/ticket/business-time.ts'

/**
 * Business-hours maths, every expectation worked out by hand (local times in the comments).
 * Amsterdam: CET = UTC+1 in winter, CEST = UTC+2 from 2026-03-29 02:00 to 2026-10-25 03:00.
 * New York: EST = UTC−5, EDT = UTC−4 from 2026-03-08. Tokyo: UTC+9, no DST.
 */
const weekdaysOnly = (periods: string[]) => ({ mon: periods, tue: periods, wed: periods, thu: periods, fri: periods })

const amsterdam: BusinessCalendar = {
  timeZone: 'Europe/Amsterdam',
  workingHours: weekdaysOnly(['08:00-12:00', '13:00-17:00']),
  holidays: ['2026-12-25', '12-26', '01-01'],
}
const newYork: BusinessCalendar = { timeZone: 'America/New_York', workingHours: weekdaysOnly(['09:00-17:00']), holidays: [] }
const tokyo: BusinessCalendar = { timeZone: 'Asia/Tokyo', workingHours: weekdaysOnly(['09:00-18:00']), holidays: [] }
/** Works only on Sundays, all day: the days the clocks change in Europe. */
const sundays: BusinessCalendar = { timeZone: 'Europe/Amsterdam', workingHours: { sun: ['00:00-24:00'] }, holidays: [] }
/** Sundays 01:00–04:00: a period that spans the jump at 02:00/03:00. */
const nightShift: BusinessCalendar = { timeZone: 'Europe/Amsterdam', workingHours: { sun: ['01:00-04:00'] }, holidays: [] }

const add = (start: string, minutes: number, calendar: BusinessCalendar | undefined) => addBusinessMinutes(new Date(start), minutes, calendar).toISOString()
const between = (a: string, b: string, calendar: BusinessCalendar | undefined) => businessMinutesBetween(new Date(a), new Date(b), calendar)

describe('addBusinessMinutes', () => {
  it('stays inside one working period', () => {
    // Mon 2026-11-23 09:00 CET + 60 → 10:00 CET
    expect(add('2026-11-23T08:00:00Z', 60, amsterdam)).toBe('2026-11-23T09:00:00.000Z')
  })

  it('skips the lunch break of split working hours', () => {
    // Mon 11:30 CET: 30 min to 12:00, then 13:00 + 30 → 13:30 CET
    expect(add('2026-11-23T10:30:00Z', 60, amsterdam)).toBe('2026-11-23T12:30:00.000Z')
  })

  it('counts from the next opening when started outside working hours', () => {
    // Mon 06:00 CET → 08:00 + 30 → 08:30 CET
    expect(add('2026-11-23T05:00:00Z', 30, amsterdam)).toBe('2026-11-23T07:30:00.000Z')
    // Mon 17:00 CET (closing) → Tue 08:00 + 30 → Tue 08:30 CET
    expect(add('2026-11-23T16:00:00Z', 30, amsterdam)).toBe('2026-11-24T07:30:00.000Z')
    // Sat 2026-11-28 10:00 CET, nothing to add → Mon 08:00 CET
    expect(add('2026-11-28T09:00:00Z', 0, amsterdam)).toBe('2026-11-30T07:00:00.000Z')
  })

  it('ends at closing time rather than at the next opening when the minutes run out exactly', () => {
    // Mon 16:00 CET + 60 → Mon 17:00 CET
    expect(add('2026-11-23T15:00:00Z', 60, amsterdam)).toBe('2026-11-23T16:00:00.000Z')
  })

  it('skips weekends', () => {
    // Fri 2026-11-27 16:00 CET: 60 min on Friday, then Mon 2026-11-30 08:00 + 60 → 09:00 CET
    expect(add('2026-11-27T15:00:00Z', 120, amsterdam)).toBe('2026-11-30T08:00:00.000Z')
  })

  it('across the spring switch (2026-03-29): Friday in CET, Monday in CEST', () => {
    // Fri 2026-03-27 16:00 CET (15:00Z): 60 min; Mon 2026-03-30 08:00 CEST + 60 → 09:00 CEST = 07:00Z
    expect(add('2026-03-27T15:00:00Z', 120, amsterdam)).toBe('2026-03-30T07:00:00.000Z')
  })

  it('across the autumn switch (2026-10-25): Friday in CEST, Monday in CET', () => {
    // Fri 2026-10-23 16:30 CEST (14:30Z): 30 min; Mon 2026-10-26 08:00 CET + 30 → 08:30 CET = 07:30Z
    expect(add('2026-10-23T14:30:00Z', 60, amsterdam)).toBe('2026-10-26T07:30:00.000Z')
  })

  it('on the switch days themselves, a business minute is a real minute', () => {
    // Sun 2026-03-29 00:00 CET (Sat 23:00Z) is 23 real hours long: + 1380 min → Mon 00:00 CEST = Sun 22:00Z
    expect(add('2026-03-28T12:00:00Z', 1380, sundays)).toBe('2026-03-29T22:00:00.000Z')
    // Sun 2026-10-25 00:00 CEST (Sat 22:00Z) is 25 real hours long: + 1440 min → 23:00 CET = 22:00Z, an hour before midnight
    expect(add('2026-10-24T12:00:00Z', 1440, sundays)).toBe('2026-10-25T22:00:00.000Z')
    // 01:00–04:00 spanning the jump: 01:00 CET (00:00Z) … 04:00 CEST (02:00Z) holds 120 minutes, not 180;
    // the last 30 fall on Sun 2026-04-05 01:00–01:30 CEST = Sat 23:00–23:30Z
    expect(add('2026-03-29T00:00:00Z', 150, nightShift)).toBe('2026-04-04T23:30:00.000Z')
    // 01:00 CEST (Sat 23:00Z) … 04:00 CET (03:00Z) holds 240 minutes in autumn
    expect(add('2026-10-24T23:00:00Z', 240, nightShift)).toBe('2026-10-25T03:00:00.000Z')
  })

  it('skips one-off and yearly holidays', () => {
    // Thu 2026-12-24 16:00 CET: 60 min; Fri 12-25 holiday (2026 only), weekend; Mon 12-28 08:00 + 60 → 09:00 CET
    expect(add('2026-12-24T15:00:00Z', 120, amsterdam)).toBe('2026-12-28T08:00:00.000Z')
    // Fri 2028-12-22 16:00 CET: 60 min; weekend; Mon 2028-12-25 is a working day (the 25th was listed for 2026 only) → 09:00 CET
    expect(add('2028-12-22T15:00:00Z', 120, amsterdam)).toBe('2028-12-25T08:00:00.000Z')
    // Mon 2028-12-25 16:30 CET: 30 min; Tue 12-26 a holiday every year; Wed 12-27 08:00 + 30 → 08:30 CET
    expect(add('2028-12-25T15:30:00Z', 60, amsterdam)).toBe('2028-12-27T07:30:00.000Z')
  })

  it('works in each calendar’s own time zone and DST rules', () => {
    // New York switches on 2026-03-08: Fri 03-06 16:00 EST (21:00Z): 60 min; Mon 03-09 09:00 EDT + 60 → 10:00 EDT = 14:00Z
    expect(add('2026-03-06T21:00:00Z', 120, newYork)).toBe('2026-03-09T14:00:00.000Z')
    // One instant, three calendars: Mon 2026-03-30 07:00Z + 120
    // Amsterdam 09:00 CEST → 11:00 CEST = 09:00Z
    expect(add('2026-03-30T07:00:00Z', 120, amsterdam)).toBe('2026-03-30T09:00:00.000Z')
    // New York 03:00 EDT → opens 09:00 → 11:00 EDT = 15:00Z
    expect(add('2026-03-30T07:00:00Z', 120, newYork)).toBe('2026-03-30T15:00:00.000Z')
    // Tokyo 16:00 JST → 18:00 JST = 09:00Z
    expect(add('2026-03-30T07:00:00Z', 120, tokyo)).toBe('2026-03-30T09:00:00.000Z')
    // Tokyo 17:30 JST: 30 min; Tue 09:00 + 30 → 09:30 JST = 00:30Z
    expect(add('2026-03-30T08:30:00Z', 60, tokyo)).toBe('2026-03-31T00:30:00.000Z')
  })

  it('without a calendar, counts round the clock', () => {
    expect(add('2026-03-28T23:30:00Z', 90, undefined)).toBe('2026-03-29T01:00:00.000Z')
  })

  it('refuses negative minutes', () => {
    expect(() => addBusinessMinutes(new Date('2026-11-23T08:00:00Z'), -1, amsterdam)).toThrow(RangeError)
  })
})

describe('businessMinutesBetween', () => {
  it('counts only working time, across weekends, lunch breaks and the spring switch', () => {
    expect(between('2026-03-27T15:00:00Z', '2026-03-30T07:00:00Z', amsterdam)).toBe(120)
    // Mon 11:00 → 14:00 CET: 60 before lunch, 60 after
    expect(between('2026-11-23T10:00:00Z', '2026-11-23T13:00:00Z', amsterdam)).toBe(120)
  })

  it('a week is five working days of eight hours; a week with a holiday is four', () => {
    // Mon 2026-11-23 00:00 CET → Mon 2026-11-30 00:00 CET
    expect(between('2026-11-22T23:00:00Z', '2026-11-29T23:00:00Z', amsterdam)).toBe(2400)
    // Mon 2026-12-21 → Mon 2026-12-28: Friday the 25th is off
    expect(between('2026-12-20T23:00:00Z', '2026-12-27T23:00:00Z', amsterdam)).toBe(1920)
  })

  it('the switch days are 23 and 25 hours long', () => {
    expect(between('2026-03-28T23:00:00Z', '2026-03-29T22:00:00Z', sundays)).toBe(1380)
    expect(between('2026-10-24T22:00:00Z', '2026-10-25T23:00:00Z', sundays)).toBe(1500)
    expect(between('2026-03-28T00:00:00Z', '2026-03-30T00:00:00Z', nightShift)).toBe(120)
    expect(between('2026-10-24T00:00:00Z', '2026-10-26T00:00:00Z', nightShift)).toBe(240)
  })

  it('is negative backwards, zero outside working hours, plain minutes without a calendar', () => {
    expect(between('2026-03-30T07:00:00Z', '2026-03-27T15:00:00Z', amsterdam)).toBe(-120)
    expect(between('2026-11-28T09:00:00Z', '2026-11-29T20:00:00Z', amsterdam)).toBe(0)
    expect(between('2026-11-28T09:00:00Z', '2026-11-28T09:45:00Z', undefined)).toBe(45)
  })

  it('undoes addBusinessMinutes from any start inside working hours', () => {
    const starts = ['2026-03-27T08:15:00Z', '2026-10-23T14:59:00Z', '2026-12-24T07:00:00Z', '2026-11-23T11:00:00Z']
    for (const start of starts) {
      for (const minutes of [1, 59, 480, 1620, 10_000]) {
        for (const calendar of [amsterdam, newYork, tokyo]) {
          const inside = addBusinessMinutes(new Date(start), 0, calendar)
          expect(businessMinutesBetween(inside, addBusinessMinutes(inside, minutes, calendar), calendar)).toBe(minutes)
        }
      }
    }
  })
})
