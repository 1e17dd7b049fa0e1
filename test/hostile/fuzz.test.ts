import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseMail } from '../../lib/mail/parse-mail.ts'
import { formatQueryText, parseQueryText } from '../../lib/search/query-text.ts'
import { isSafeFileName } from './hostile-mails.ts'

/**
 * Property-based fuzzing (issue 9.6) of the two parsers that read what strangers type: the mail
 * parser and the search query text. Each run uses a fresh seed (printed: FUZZ_SEED=<n> replays a
 * failure) and a time budget, so CI explores new inputs every time within ~20 s. A failure found
 * here becomes a named case in hostile-mails.ts (the corpus keeps it for good).
 */
const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Date.now() % 2 ** 31
console.log(`fuzz seed ${seed} (replay: FUZZ_SEED=${seed} npx vitest run test/hostile/fuzz.test.ts)`)

const runs = { seed, numRuns: 2500, interruptAfterTimeLimit: 10_000, markInterruptAsFailure: false }

// --- Mail -------------------------------------------------------------------------------------

const headerNames = ['From', 'To', 'Cc', 'Reply-To', 'Sender', 'Return-Path', 'Subject', 'Message-ID', 'In-Reply-To', 'References', 'Date', 'MIME-Version', 'Content-Type', 'Content-Disposition', 'Content-Transfer-Encoding', 'Content-ID', 'X-Docket-Queue', 'Auto-Submitted', 'X-Spam-Score']
const charsets = ['utf-8', 'iso-8859-1', 'windows-1252', 'utf-7', 'iso-2022-jp', 'x-unknown', '', '"utf 8"', 'koi8-r', 'gb2312']
const encodings = ['7bit', '8bit', 'base64', 'quoted-printable', 'binary', 'x-uuencode', 'bogus']

const messyText = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('', ' ', '\r\n', '\r\n\t', ';', '"', '<>', '=?', '?=', '\u0000', '\u202e', '../../', '..\\', ':', '@', ','),
  fc.tuple(fc.constantFrom(...charsets), fc.constantFrom('B', 'Q', 'X'), fc.string({ maxLength: 20 })).map(([charset, kind, text]) => `=?${charset}?${kind}?${kind === 'B' ? Buffer.from(text).toString('base64') : text}?=`),
  fc.tuple(fc.constantFrom('filename', 'name', 'filename*', 'filename*0*', 'filename*1'), messyWord()).map(([name, text]) => `${name}=${text}`),
)

function messyWord() {
  return fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('"a b.pdf"', "utf-8''%0D%0Ax.txt", '"..\\\\x.exe"', '', '"'))
}

const headerValue = fc.array(messyText, { maxLength: 6 }).map((pieces) => pieces.join(''))
const headerLine = fc.tuple(fc.oneof(fc.constantFrom(...headerNames), fc.stringMatching(/^[A-Za-z-]{1,20}$/)), headerValue).map(([name, value]) => `${name}: ${value}`)
const contentType = fc.tuple(fc.constantFrom('text/plain', 'text/html', 'application/octet-stream', 'message/rfc822', 'message/delivery-status', 'image/png', 'multipart/mixed', 'x/y'), fc.constantFrom(...charsets), fc.option(messyWord())).map(([type, charset, name]) => `Content-Type: ${type}; charset=${charset}${name === null ? '' : `; name=${name}`}`)

const leaf = fc.tuple(fc.array(fc.oneof(headerLine, contentType, fc.constantFrom(...encodings).map((encoding) => `Content-Transfer-Encoding: ${encoding}`)), { maxLength: 4 }), fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), fc.constantFrom('<p>hi<b>x</p>', '=E4=\r\n=ZZ', 'aGVsbG8=', '!!!', '<div><div><div>')))
  .map(([headers, body]) => `${headers.join('\r\n')}\r\n\r\n${body}`)

const { part } = fc.letrec<{ part: string }>((tie) => ({
  part: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.tuple(fc.constantFrom('b1', 'b2', '', 'x y', 'b1'), fc.array(tie('part'), { maxLength: 4 }), fc.boolean()).map(
      ([boundary, parts, closed]) => `Content-Type: multipart/mixed; boundary="${boundary}"\r\n\r\n${parts.map((inner) => `--${boundary}\r\n${inner}\r\n`).join('')}${closed ? `--${boundary}--\r\n` : ''}`,
    ),
  ),
}))

const rawMail = fc.oneof(
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 2000 }).map((bytes) => Buffer.from(bytes)) },
  {
    weight: 4,
    arbitrary: fc.tuple(fc.array(headerLine, { maxLength: 12 }), part, fc.boolean()).map(([headers, body, mbox]) => Buffer.from(`${mbox ? 'From x@y Mon Nov 23 09:00:00 2026\n' : ''}${headers.join('\r\n')}\r\n${body}`, 'latin1')),
  },
)

describe('fuzz: parseMail', () => {
  it('never throws, stays fast, and gives plain strings and safe file names', async () => {
    let checked = 0
    await fc.assert(
      fc.asyncProperty(rawMail, async (raw) => {
        const started = performance.now()
        const mail = await parseMail(raw)
        expect(performance.now() - started).toBeLessThan(2000)
        expect(typeof mail.text).toBe('string')
        expect(typeof mail.subject).toBe('string')
        expect(mail.subject).not.toMatch(/[\r\n\u0000]/)
        expect(mail.subject.length).toBeLessThanOrEqual(3800)
        for (const address of [mail.from, mail.sender, ...mail.to, ...mail.cc, ...mail.replyTo]) {
          if (address) expect(`${address.name}${address.address}`).not.toMatch(/[\r\n]/)
        }
        for (const file of mail.attachments) expect(isSafeFileName(file.name), JSON.stringify(file.name)).toBe(true)
        for (const id of [mail.messageId, mail.inReplyTo, ...mail.references]) if (id) expect(id.length).toBeLessThanOrEqual(998)
        checked++
      }),
      runs,
    )
    console.log(`fuzz parseMail: ${checked} mails`)
    expect(checked).toBeGreaterThan(20)
  }, 30_000)
})

// --- Search query text --------------------------------------------------------------------------

const queryToken = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.constantFrom('queue:', 'state:', 'owner:', 'customer:', 'customerid:', 'number:', 'ticket:', 'priority:', 'lock:', 'subject:', 'from:', 'body:', 'attachment:', 'foo:', '-', '"', '*', '&&', '||', '(', ')', '\\', 'İ', 'ß', 'ﷺ', '½', '2026112342000001', '12345678*'),
  fc.stringMatching(/^-?[a-z]{0,8}:?"?[\w* .-]{0,12}"?$/),
)
const queryText = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 200 }), fc.array(queryToken, { maxLength: 12 }).map((tokens) => tokens.join(' ')), fc.array(queryToken, { maxLength: 12 }).map((tokens) => tokens.join('')))

describe('fuzz: search query text', () => {
  it('never throws, and a parsed query reads back as itself', () => {
    let checked = 0
    fc.assert(
      fc.property(queryText, (text) => {
        const parsed = parseQueryText(text)
        for (const term of parsed.terms) {
          expect(term.words.length).toBeGreaterThan(0)
          for (const word of term.words) expect(word).toMatch(/^[\p{L}\p{N}]([\p{L}\p{M}\p{N}@._'-]*[\p{L}\p{M}\p{N}])?$/u)
        }
        const formatted = formatQueryText(parsed)
        fc.pre(formatted.length <= 2000) // longer text is cut by the parser (NFKC can expand a character 18×)
        expect(parseQueryText(formatted)).toEqual(parsed)
        checked++
      }),
      { ...runs, numRuns: 20_000, interruptAfterTimeLimit: 6000 },
    )
    console.log(`fuzz query text: ${checked} queries`)
    expect(checked).toBeGreaterThan(100)
  }, 30_000)
})
