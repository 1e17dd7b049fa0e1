/**
 * OTRS date-based ticket numbers: YYYYMMDD + SystemID + counter (at least 6 digits),
 * e.g. 2026112342000001. Pure functions; the counter comes from the store.
 */

/** The calendar day a ticket number carries, in the system's time zone. */
export function ticketNumberDay(at: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(at)
  const part = (type: string) => parts.find((candidate) => candidate.type === type)?.value ?? ''
  return `${part('year')}${part('month')}${part('day')}`
}

export function formatTicketNumber(day: string, systemId: string, counter: number): string {
  if (!/^\d{8}$/.test(day)) throw new Error(`ticket number day must be YYYYMMDD, got "${day}"`)
  if (!Number.isSafeInteger(counter) || counter < 1) throw new Error(`ticket counter must be a positive integer, got ${counter}`)
  return `${day}${systemId}${String(counter).padStart(6, '0')}`
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** Matches a number of this system, so numbers of other systems (other SystemIDs) are not taken for ours. */
export function ticketNumberPattern(systemId: string): string {
  return `\\d{8}${escapeRegExp(systemId)}\\d{6,}`
}

/**
 * Ticket numbers quoted after the hook, in order of appearance: "[Ticket#2026112342000001]",
 * "Ticket#: 2026112342000001", "ticket# 2026…" all count; a bare number does not.
 */
export function findTicketNumbers(text: string, hook: string, systemId: string): string[] {
  const pattern = new RegExp(`${escapeRegExp(hook)}\\s*:?\\s*(${ticketNumberPattern(systemId)})(?!\\d)`, 'gi')
  return [...new Set([...text.matchAll(pattern)].map((match) => match[1]!))]
}

export function isTicketNumber(text: string, systemId: string): boolean {
  return new RegExp(`^${ticketNumberPattern(systemId)}$`).test(text)
}
