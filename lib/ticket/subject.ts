/**
 * Subjects of outgoing mail: one "Re:", one ticket marker, never "Re: Re: [Ticket#…] [Ticket#…]".
 */

// Reply and forward prefixes in the languages our users write: English, German, Dutch, Nordic,
// French, Spanish, Polish; optionally counted ("Re[2]:", "AW(3):").
const replyPrefix = /^\s*(re|aw|antw|antwort|fwd?|wg|sv|vs|tr|rv|odp|doorst)\s*(\[\d+\]|\(\d+\))?\s*:\s*/i

export function stripReplyPrefixes(subject: string): string {
  let rest = subject
  for (let previous = ''; previous !== rest; ) {
    previous = rest
    rest = rest.replace(replyPrefix, '')
  }
  return rest
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** Removes every "[Ticket#123]" / "Ticket#123" marker of this system and reply prefixes around them. */
export function cleanSubject(subject: string, hook: string): string {
  const marker = new RegExp(`\\[?\\s*${escapeRegExp(hook)}\\s*:?\\s*\\d+\\s*\\]?`, 'gi')
  let clean = stripReplyPrefixes(subject)
  for (let previous = ''; previous !== clean; ) {
    previous = clean
    clean = stripReplyPrefixes(clean.replace(marker, ' ').replace(/\s+/g, ' ').trim())
  }
  return clean
}

/**
 * The title of a new ticket from a subject: as OTRS, the subject as it is ("FW: Daniel Smith" stays),
 * but a subject that quotes a ticket number of ours (a stranger's "Re: [Ticket#…]", a split
 * article) loses the hook, the number and the reply prefixes, so no list shows another ticket's number.
 */
export function newTicketTitle(subject: string, hook: string): string {
  const marker = new RegExp(`${escapeRegExp(hook)}\\s*:?\\s*\\d+`, 'i')
  return marker.test(subject) ? cleanSubject(subject, hook) : subject.replace(/\s+/g, ' ').trim()
}

export function buildTicketSubject(subject: string, hook: string, number: string, prefix: 'Re' | 'Fwd' | null): string {
  const clean = cleanSubject(subject, hook)
  const marked = `[${hook}${number}]${clean ? ` ${clean}` : ''}`
  return prefix ? `${prefix}: ${marked}` : marked
}
