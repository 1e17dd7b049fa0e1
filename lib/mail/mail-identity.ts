import { createHash } from 'node:crypto'

/** Headers that identify a message; trace headers (Received, X-SES-…, Return-Path) are left out. */
const identifyingHeaders = ['message-id', 'date', 'from', 'to', 'cc', 'subject']

/**
 * A hash of what makes a mail this mail: its identifying headers and its body bytes. A sender's
 * MTA that re-sends the same mail (new trace headers, new delivery id) hashes the same; a sender
 * that reuses a Message-ID for a different mail does not.
 */
export function mailContentHash(raw: Buffer): string {
  const text = raw.toString('latin1')
  const match = /\r?\n\r?\n/.exec(text)
  const headerEnd = match ? match.index : text.length
  const bodyStart = match ? match.index + match[0].length : text.length
  const unfolded = text.slice(0, headerEnd).replace(/\r?\n[ \t]+/g, ' ')
  const picked: string[] = []
  for (const line of unfolded.split(/\r?\n/)) {
    const colon = line.indexOf(':')
    if (colon <= 0) continue
    const name = line.slice(0, colon).trim().toLowerCase()
    if (identifyingHeaders.includes(name)) picked.push(`${name}:${line.slice(colon + 1).trim()}`)
  }
  // Line endings and trailing blank lines differ between transports (SMTP adds CRLF, files use
  // LF): they do not make a different mail.
  const body = text.slice(bodyStart).replace(/\r\n/g, '\n').replace(/\s+$/, '')
  return createHash('sha256').update(picked.sort().join('\n')).update('\n\n').update(body, 'latin1').digest('hex')
}
