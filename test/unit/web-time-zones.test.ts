import { describe, expect, it } from 'vitest'
import { pickableTimeZones } from '../../web/src/time-zones.ts'

describe('time zone list (issue 14.4.5)', () => {
  it('always offers UTC, once and first, also where the browser leaves it out (Chromium)', () => {
    expect(pickableTimeZones(() => ['Africa/Abidjan', 'Europe/Berlin'])).toEqual(['UTC', 'Africa/Abidjan', 'Europe/Berlin'])
    expect(pickableTimeZones(() => ['Europe/Berlin', 'UTC']).filter((zone) => zone === 'UTC')).toHaveLength(1)
    expect(pickableTimeZones(() => { throw new Error('no Intl.supportedValuesOf') })[0]).toBe('UTC')
    expect(pickableTimeZones()).toContain('UTC')
  })
})
