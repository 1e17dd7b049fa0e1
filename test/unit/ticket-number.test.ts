import { describe, expect, it } from 'vitest'
import { findTicketNumbers, formatTicketNumber, isTicketNumber, ticketNumberDay } from '../../lib/ticket/ticket-number.ts'
import { buildTicketSubject, cleanSubject } from '../../lib/ticket/subject.ts'

describe('ticket numbers (OTRS date format)', () => {
  it('formats YYYYMMDD + system id + 6-digit counter', () => {
    expect(formatTicketNumber('20261123', '42', 1)).toBe('2026112342000001')
    expect(formatTicketNumber('20261123', '42', 18)).toBe('2026112342000018')
    expect(formatTicketNumber('20261123', '42', 1_234_567)).toBe('20261123421234567')
  })

  it('rejects malformed days and counters', () => {
    expect(() => formatTicketNumber('2026-11-23', '42', 1)).toThrow(/YYYYMMDD/)
    expect(() => formatTicketNumber('20261123', '42', 0)).toThrow(/positive/)
  })

  it('takes the day in the system time zone', () => {
    const lateEvening = new Date('2026-11-23T23:30:00Z')
    expect(ticketNumberDay(lateEvening, 'UTC')).toBe('20261123')
    expect(ticketNumberDay(lateEvening, 'Europe/Amsterdam')).toBe('20261124')
    expect(ticketNumberDay(lateEvening, 'America/New_York')).toBe('20261123')
  })

  it('recognises numbers after the hook, in any common spelling', () => {
    const hook = 'Ticket#'
    expect(findTicketNumbers('Re: [Ticket#2026112342000001] printer', hook, '42')).toEqual(['2026112342000001'])
    expect(findTicketNumbers('AW: Ticket#: 2026112342000001', hook, '42')).toEqual(['2026112342000001'])
    expect(findTicketNumbers('Fwd: TICKET# 2026112342000001 and [Ticket#2026112342000002]', hook, '42')).toEqual(['2026112342000001', '2026112342000002'])
  })

  it('ignores bare numbers and numbers of other systems', () => {
    expect(findTicketNumbers('Order 2026112342000001', 'Ticket#', '42')).toEqual([])
    expect(findTicketNumbers('[Ticket#2026112310000001]', 'Ticket#', '42')).toEqual([])
    expect(isTicketNumber('2026112342000001', '42')).toBe(true)
    expect(isTicketNumber('2026112310000001', '42')).toBe(false)
  })
})

describe('reply subjects', () => {
  it('one Re:, one marker, however the customer wrote it', () => {
    expect(buildTicketSubject('My printer is on fire', 'Ticket#', '2026112342000001', 'Re')).toBe('Re: [Ticket#2026112342000001] My printer is on fire')
    expect(buildTicketSubject('Re: RE: AW: [Ticket#2026112342000001] Re: My printer', 'Ticket#', '2026112342000001', 'Re')).toBe(
      'Re: [Ticket#2026112342000001] My printer',
    )
    expect(buildTicketSubject('WG: Fwd: Antw: SV: printer', 'Ticket#', '2026112342000001', 'Fwd')).toBe('Fwd: [Ticket#2026112342000001] printer')
  })

  it('cleans counted prefixes and stray markers', () => {
    expect(cleanSubject('Re[2]: AW(3): Ticket#2026112342000001 hello', 'Ticket#')).toBe('hello')
    expect(buildTicketSubject('', 'Ticket#', '2026112342000001', 'Re')).toBe('Re: [Ticket#2026112342000001]')
  })
})
