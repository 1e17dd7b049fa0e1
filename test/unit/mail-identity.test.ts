import { createHash } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { mailContentHash } from '../../lib/mail/mail-identity.ts'

const base = ['From: a@example.com', 'To: support@example.com', 'Subject: hi', 'Message-ID: <1@example.com>', 'Date: Mon, 23 Nov 2026 09:00:00 +0000', '', 'Body', ''].join('\n')

describe('mail content hash (dedupe key)', () => {
  it('ignores trace headers and line endings that transports add', () => {
    const resent = `Received: from mx.example.net\r\nReturn-Path: <a@example.com>\r\nX-SES-Spam-Verdict: PASS\r\n${base.replace(/\n/g, '\r\n')}\r\n`
    expect(mailContentHash(Buffer.from(resent))).toBe(mailContentHash(Buffer.from(base)))
  })

  it('tells apart different mails that reuse one Message-ID', () => {
    const other = base.replace('Body', 'Another body').replace('Subject: hi', 'Subject: hi again')
    expect(mailContentHash(Buffer.from(other))).not.toBe(mailContentHash(Buffer.from(base)))
  })
})

/** The hash as first written (whole-mail strings); stored dedupe records and blob keys depend on it staying the same. */
function referenceHash(raw: Buffer): string {
  const text = raw.toString('latin1')
  const match = /\r?\n\r?\n/.exec(text)
  const headerEnd = match ? match.index : text.length
  const bodyStart = match ? match.index + match[0].length : text.length
  const picked: string[] = []
  for (const line of text.slice(0, headerEnd).replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':')
    if (colon <= 0) continue
    const name = line.slice(0, colon).trim().toLowerCase()
    if (['message-id', 'date', 'from', 'to', 'cc', 'subject'].includes(name)) picked.push(`${name}:${line.slice(colon + 1).trim()}`)
  }
  const body = text.slice(bodyStart).replace(/\r\n/g, '\n').replace(/\s+$/, '')
  return createHash('sha256').update(picked.sort().join('\n')).update('\n\n').update(body, 'latin1').digest('hex')
}

describe('mail content hash read from the bytes (issue 15.5: no whole-mail strings)', () => {
  it('is the hash of the string version for any mail (property, fast-check)', () => {
    const piece = fc.constantFrom('\r\n', '\n', '\r', ' ', '\t', '\u00a0', '\u000b', '\u000c', 'Subject: x', 'From: a@b', ':', 'x', '\u00e9', '\u0085', '\r\n\r\n', '\n\n', '\n\r\n', ' folded')
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), (pieces) => {
        const raw = Buffer.from(pieces.join(''), 'latin1')
        expect(mailContentHash(raw)).toBe(referenceHash(raw))
      }),
      { numRuns: 2000 },
    )
    for (const raw of ['', '\r\n', 'Subject: only headers', 'Subject: a\r\n\r\n', `${base}\r\n \t\u00a0\r\n`, base.replace(/\n/g, '\r\n')]) {
      expect(mailContentHash(Buffer.from(raw, 'latin1'))).toBe(referenceHash(Buffer.from(raw, 'latin1')))
    }
  })
})
