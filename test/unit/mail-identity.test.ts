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
