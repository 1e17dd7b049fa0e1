import { createHash } from 'node:crypto'

/** Headers that identify a message; trace headers (Received, X-SES-…, Return-Path) are left out. */
const identifyingHeaders = ['message-id', 'date', 'from', 'to', 'cc', 'subject']

/** What `\s` matches among latin1 characters (tab, LF, VT, FF, CR, space, no-break space). */
const isLatin1Space = (byte: number) => byte === 0x20 || (byte >= 0x09 && byte <= 0x0d) || byte === 0xa0

/**
 * A hash of what makes a mail this mail: its identifying headers and its body bytes. A sender's
 * MTA that re-sends the same mail (new trace headers, new delivery id) hashes the same; a sender
 * that reuses a Message-ID for a different mail does not.
 *
 * Read from the bytes: only the header block becomes text. (Copying a 40 MB mail into strings
 * three times over took 90 MB of a 512 MB function; the hash is the same as that version's, as
 * stored dedupe records and blob keys depend on it: test/unit/mail-identity.test.ts.)
 */
export function mailContentHash(raw: Buffer): string {
  // The header block ends at the first blank line (\r?\n\r?\n): at most 3 bytes past the first "\n\n" or "\n\r\n".
  const ends = [raw.indexOf('\n\n'), raw.indexOf('\n\r\n')].filter((index) => index >= 0)
  const prefix = ends.length > 0 ? raw.subarray(0, Math.min(...ends) + 3).toString('latin1') : raw.toString('latin1')
  const match = /\r?\n\r?\n/.exec(prefix)
  const headerEnd = match ? match.index : raw.length
  const bodyStart = match ? match.index + match[0].length : raw.length
  const unfolded = prefix.slice(0, headerEnd).replace(/\r?\n[ \t]+/g, ' ')
  const picked: string[] = []
  for (const line of unfolded.split(/\r?\n/)) {
    const colon = line.indexOf(':')
    if (colon <= 0) continue
    const name = line.slice(0, colon).trim().toLowerCase()
    if (identifyingHeaders.includes(name)) picked.push(`${name}:${line.slice(colon + 1).trim()}`)
  }
  const hash = createHash('sha256').update(picked.sort().join('\n')).update('\n\n')
  // Line endings and trailing blank lines differ between transports (SMTP adds CRLF, files use
  // LF): they do not make a different mail. CRLF → LF and trailing white space dropped, in place.
  const body = raw.subarray(bodyStart)
  let end = body.length
  while (end > 0 && isLatin1Space(body[end - 1]!)) end--
  let from = 0
  for (let crlf = body.indexOf('\r\n'); crlf !== -1 && crlf < end; crlf = body.indexOf('\r\n', from)) {
    hash.update(body.subarray(from, crlf)).update('\n')
    from = crlf + 2
  }
  return hash.update(body.subarray(from, end)).digest('hex')
}
