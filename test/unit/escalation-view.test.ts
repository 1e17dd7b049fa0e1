import { describe, expect, it } from 'vitest'
import { escalationBucketEnd, escalationBucketOf } from '../../lib/ticket/escalation-view.ts'

describe('escalation view buckets (OTRS AgentTicketEscalationView: today, tomorrow, next week)', () => {
  it('now ends at the clock; the others at the end of today, tomorrow and the 7th day, in the time zone', () => {
    // Prepare: Monday 10:20 in Amsterdam (UTC+1 in winter).
    const now = new Date('2026-11-23T09:20:00Z')
    // Act / Assess
    expect(escalationBucketEnd('now', now, 'Europe/Amsterdam').toISOString()).toBe('2026-11-23T09:20:00.000Z')
    expect(escalationBucketEnd('today', now, 'Europe/Amsterdam').toISOString()).toBe('2026-11-23T22:59:59.999Z')
    expect(escalationBucketEnd('tomorrow', now, 'Europe/Amsterdam').toISOString()).toBe('2026-11-24T22:59:59.999Z')
    expect(escalationBucketEnd('next-week', now, 'Europe/Amsterdam').toISOString()).toBe('2026-11-30T22:59:59.999Z')
    expect(escalationBucketEnd('today', now, 'UTC').toISOString()).toBe('2026-11-23T23:59:59.999Z')
  })

  it('"today" is the agent\'s day: late evening UTC is already tomorrow in Tokyo', () => {
    const now = new Date('2026-11-23T20:00:00Z') // 05:00 on the 24th in Tokyo
    expect(escalationBucketEnd('today', now, 'Asia/Tokyo').toISOString()).toBe('2026-11-24T14:59:59.999Z')
    expect(escalationBucketEnd('today', now, 'America/New_York').toISOString()).toBe('2026-11-24T04:59:59.999Z')
  })

  it('days across a daylight saving change are 23 or 25 hours long', () => {
    // Sunday 2026-03-29 Europe/Amsterdam springs forward: that day ends at 21:59:59.999 UTC.
    const saturday = new Date('2026-03-28T12:00:00Z')
    expect(escalationBucketEnd('tomorrow', saturday, 'Europe/Amsterdam').toISOString()).toBe('2026-03-29T21:59:59.999Z')
    const autumn = new Date('2026-10-24T12:00:00Z')
    expect(escalationBucketEnd('tomorrow', autumn, 'Europe/Amsterdam').toISOString()).toBe('2026-10-25T22:59:59.999Z')
  })

  it('a ticket falls in the narrowest bucket that holds its escalation time, across month ends', () => {
    const now = new Date('2026-12-30T09:00:00Z')
    expect(escalationBucketOf('2026-12-30T08:59:00Z', now, 'UTC')).toBe('now')
    expect(escalationBucketOf('2026-12-30T09:00:00Z', now, 'UTC')).toBe('now')
    expect(escalationBucketOf('2026-12-30T23:59:59Z', now, 'UTC')).toBe('today')
    expect(escalationBucketOf('2026-12-31T12:00:00Z', now, 'UTC')).toBe('tomorrow')
    expect(escalationBucketOf('2027-01-06T23:59:59Z', now, 'UTC')).toBe('next-week')
    expect(escalationBucketOf('2027-01-07T00:00:00Z', now, 'UTC')).toBeNull()
  })
})
