import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { readDeliveryReport } from '../../lib/mail/delivery-report.ts'
import { htmlToPlainText, parseMail, repairMimeHeaders, safeFileName } from '../../lib/mail/parse-mail.ts'
import { matchFilter } from '../../lib/mail/postmaster/configured-filters.ts'
import { parsePendingTime, parsePriority } from '../../lib/mail/postmaster/decision.ts'
import { sesVerdicts } from '../../lib/mail/postmaster/spam-verdict.ts'
import { customerIdFor } from '../../lib/mail/customer-id.ts'
import { renderTemplate } from '../../lib/mail/render-template.ts'
import { parseConfig } from '../../lib/platform/config-file.ts'

const config = parseConfig(readFileSync('docket.config.yaml', 'utf8'))

describe('file names', () => {
  it('never a path, never control or invisible characters', () => {
    expect(safeFileName('../../etc/passwd', 'x')).toBe('passwd')
    expect(safeFileName('C:\\Users\\evil\\a.exe', 'x')).toBe('a.exe')
    expect(safeFileName('inv\u200boice\r\n.pdf', 'x')).toBe('invoice.pdf')
    expect(safeFileName('\u202eexe.pdf', 'x')).toBe('exe.pdf')
    expect(safeFileName('...', 'fallback.bin')).toBe('fallback.bin')
    expect(safeFileName('a'.repeat(300), 'x')).toHaveLength(255)
  })
})

describe('MIME repairs on the parsed copy', () => {
  it('folds a parameter continued without whitespace back into its header', () => {
    const broken = Buffer.from('Content-Type: multipart/alternative; \r\nboundary="b"\r\n\r\n--b\r\n')
    expect(repairMimeHeaders(broken).toString()).toContain('multipart/alternative; \r\n boundary="b"')
  })
  it('turns an inline text part with a file name into an attachment', async () => {
    const raw = 'From: a@x.example\r\nSubject: t\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nbody\r\n--b\r\nContent-Type: text/plain; name="notes.txt"\r\nContent-Disposition: inline; filename="notes.txt"\r\n\r\nattached\r\n--b--\r\n'
    const mail = await parseMail(Buffer.from(raw))
    expect(mail.attachments.map((attachment) => attachment.name)).toEqual(['notes.txt'])
    expect(mail.text.trim()).toBe('body')
  })
  it('leaves bodies alone', () => {
    const raw = Buffer.from('Subject: x\r\n\r\nprice: 3;\r\nvalue=4\r\n')
    expect(repairMimeHeaders(raw)).toBe(raw)
  })
})

describe('HTML to text', () => {
  it('converts, and falls back when html-to-text cannot (deep nesting)', () => {
    expect(htmlToPlainText('<p>Hello <b>you</b></p><script>alert(1)</script>')).toBe('Hello you')
    const deep = `${'<div>'.repeat(20_000)}deep &amp; nested${'</div>'.repeat(20_000)}`
    expect(htmlToPlainText(deep)).toContain('deep & nested')
  })
})

describe('delivery status notifications', () => {
  it('reads failed recipients and the bounced message', async () => {
    const raw = readFileSync('test/fixtures/corpus/otrs/PostMaster-Test10.box')
    const report = readDeliveryReport(await parseMail(raw))
    expect(report).not.toBeNull()
    expect(report!.originalSubject).toContain('[Ticket#2007070610001801]')
    expect(report!.failed.length).toBeGreaterThan(0)
  })
  it('an ordinary mail is no bounce', async () => {
    expect(readDeliveryReport(await parseMail(Buffer.from('From: a@x.example\r\nSubject: hi\r\n\r\nbody\r\n')))).toBeNull()
  })
})

describe('SES verdicts', () => {
  it('only from the block SES put on top', () => {
    const top = [
      { name: 'received', value: 'from x by inbound-smtp.eu-west-1.amazonaws.com' },
      { name: 'x-ses-spam-verdict', value: 'FAIL' },
      { name: 'x-ses-virus-verdict', value: 'PASS' },
      { name: 'from', value: 'a@x.example' },
      { name: 'x-ses-spam-verdict', value: 'PASS' },
    ]
    expect(sesVerdicts(top)).toEqual({ spam: 'FAIL', virus: 'PASS' })
    expect(sesVerdicts([{ name: 'from', value: 'a@x' }, { name: 'x-ses-spam-verdict', value: 'FAIL' }])).toEqual({ spam: null, virus: null })
  })
})

describe('control values', () => {
  it('priorities by number, name or both', () => {
    expect(parsePriority(config, '4 high')).toBe(4)
    expect(parsePriority(config, 'very high')).toBe(5)
    expect(parsePriority(config, '2')).toBe(2)
    expect(parsePriority(config, 'urgent')).toBeUndefined()
  })
  it('pending times: ISO, OTRS format, relative', () => {
    const now = new Date('2026-11-23T10:00:00Z')
    expect(parsePendingTime('2026-12-01 08:00:00', now)).toBe('2026-12-01T08:00:00.000Z')
    expect(parsePendingTime('+2d', now)).toBe('2026-11-25T10:00:00.000Z')
    expect(parsePendingTime('2026-11-24T12:00:00+01:00', now)).toBe('2026-11-24T11:00:00.000Z')
    expect(parsePendingTime('soon', now)).toBeUndefined()
  })
})

describe('postmaster filter matching', () => {
  const mail = async (headers: string, body = 'body') => parseMail(Buffer.from(`${headers}\r\n\r\n${body}\r\n`))
  const filter = (match: { header: string; value: string; negate?: boolean }[]) => ({ name: 'f', match: match.map((condition) => ({ negate: false, ...condition })), set: {}, stopAfterMatch: false })
  it('all conditions, case-insensitive, with named groups', async () => {
    const parsed = await mail('From: Nagios <NAGIOS@mon.example>\r\nSubject: PROBLEM: web1 down')
    expect(matchFilter(filter([{ header: 'from', value: '^nagios' }, { header: 'Subject', value: 'problem: (?<host>\\S+)' }]), parsed)).toEqual({ host: 'web1' })
    expect(matchFilter(filter([{ header: 'From', value: 'nagios' }, { header: 'Subject', value: 'recovery' }]), parsed)).toBeNull()
  })
  it('negation, missing headers and the body', async () => {
    const parsed = await mail('From: a@x.example\r\nSubject: hello', 'please refund')
    expect(matchFilter(filter([{ header: 'X-Spam-Flag', value: 'yes', negate: true }]), parsed)).toEqual({})
    expect(matchFilter(filter([{ header: 'Body', value: 'REFUND' }]), parsed)).toEqual({})
  })
})

describe('CustomerID and templates', () => {
  it('company domains group customers; free-mail users stand alone', () => {
    expect(customerIdFor(config, 'Ann@Customer.example')).toBe('customer.example')
    expect(customerIdFor(config, 'ann@gmail.com')).toBe('ann@gmail.com')
  })
  it('renders variables, unknown ones empty', () => {
    expect(renderTemplate('Dear {{ customer.name }}, ticket {{ticket.number}}{{nope}}', { 'customer.name': 'Ann', 'ticket.number': 1 })).toBe('Dear Ann, ticket 1')
  })
})
