import { randomUUID } from 'node:crypto'
import { gzipSync } from 'node:zlib'

/**
 * The hostile mail corpus (issue 9.3, the reliability checklist's "Parser limits" and "Mail
 * loops"): every case is generated here, with what it attacks and the safe outcome it must have.
 * Cases that need a ticket to attack (thread injection, forged bounces) get one through
 * `HostileContext`. Fuzz finds (test/hostile/fuzz.test.ts) are added here as regression cases.
 */
export interface HostileContext {
  /** A ticket of victim@customer.example in Support, with our auto response to it. */
  victimNumber: string
  victimCustomer: string
  /** The Message-ID of our auto response to the victim (what a real reply would quote). */
  ourMessageId: string
  fqdn: string
  /** A second ticket, of gone@nowhere.example, whose auto response "bounces" in the storm. */
  stormNumber: string
  stormMessageId: string
}

export interface ExpectedOutcome {
  action?: 'created' | 'followup' | 'duplicate' | 'ignored' | 'rejected'
  queue?: string
  state?: string
  priority?: number
  /** null: no owner. */
  owner?: string | null
  /** The victim ticket gets no article, no state change. */
  victimUntouched?: boolean
  /** A new ticket linked to the victim (the stranger guard). */
  linkedToVictim?: boolean
  /** Was an auto response sent? Checked when set. */
  autoResponse?: boolean
  /** The mail hit a parser limit: the article says why, the raw mail is kept. */
  limitExceeded?: RegExp
  /** Article notes must match. */
  note?: RegExp
  customer?: string | RegExp
  subject?: RegExp
  /** Expected attachment names (in order), or a count. */
  attachmentNames?: string[]
  attachmentCount?: number
  /** The article text must match. */
  text?: RegExp
  /** Addresses that must be marked undeliverable after this mail. */
  undeliverable?: string[]
  /** Addresses that must NOT be marked undeliverable after this mail. */
  stillDeliverable?: string[]
  /** The victim ticket's participants after this mail (a mail's own headers never add any). */
  victimParticipants?: string[]
  /** Whom the auto response went to (its recipients), when one was sent. */
  autoResponseTo?: string[]
}

export interface HostileCase {
  name: string
  /** What it attacks, one line for the summary table. */
  attack: string
  raw(context: HostileContext): Buffer
  envelope?: { sender?: string; recipients?: string[] }
  /** Runs as in AWS (SES verdict headers believed only from SES's own block). */
  aws?: boolean
  expected: ExpectedOutcome
  /** A bound other than the default per mail, with the reason in the case. */
  maxMs?: number
  /** More than one mail (storms, loops): the case sends `repeat` variants of raw (index passed). */
  repeat?: number
  rawAt?(context: HostileContext, index: number): Buffer
}

const crlf = '\r\n'
const date = 'Mon, 23 Nov 2026 09:00:00 +0000'
const stranger = 'Mallory <mallory@evil.example>'

interface Part {
  headers: string[]
  body: string | Buffer
}

function headerBlock(headers: string[]): string {
  return headers.join(crlf) + crlf + crlf
}

function toBuffer(headers: string[], body: string | Buffer): Buffer {
  return Buffer.concat([Buffer.from(headerBlock(headers), 'latin1'), typeof body === 'string' ? Buffer.from(body, 'utf8') : body])
}

function basicHeaders(fields: { from?: string | null; to?: string; subject?: string; messageId?: string; extra?: string[] } = {}): string[] {
  return [
    ...(fields.from === null ? [] : [`From: ${fields.from ?? 'Ann Customer <ann@customer.example>'}`]),
    `To: ${fields.to ?? 'support@example.com'}`,
    `Subject: ${fields.subject ?? 'hostile'}`,
    `Message-ID: <${fields.messageId ?? `${randomUUID()}@customer.example`}>`,
    `Date: ${date}`,
    'MIME-Version: 1.0',
    ...(fields.extra ?? []),
  ]
}

function plain(fields: Parameters<typeof basicHeaders>[0] = {}, body = 'Hello, something is broken.\r\n'): Buffer {
  return toBuffer([...basicHeaders(fields), 'Content-Type: text/plain; charset=utf-8'], body)
}

/** Parts as bytes: text bodies as UTF-8, binary bodies as they are, headers as Latin-1. */
function multipart(boundary: string, parts: Part[]): Buffer {
  return Buffer.concat([
    ...parts.flatMap((part) => [Buffer.from(`--${boundary}${crlf}${headerBlock(part.headers)}`, 'latin1'), typeof part.body === 'string' ? Buffer.from(part.body, 'utf8') : part.body, Buffer.from(crlf)]),
    Buffer.from(`--${boundary}--${crlf}`),
  ])
}

function withParts(fields: Parameters<typeof basicHeaders>[0], parts: Part[], type = 'mixed'): Buffer {
  const boundary = `b-${randomUUID()}`
  return toBuffer([...basicHeaders(fields), `Content-Type: multipart/${type}; boundary="${boundary}"`], multipart(boundary, parts))
}

const textPart = (text = 'see attached'): Part => ({ headers: ['Content-Type: text/plain; charset=utf-8'], body: text })
const attachment = (dispositionName: string, content: string | Buffer = 'data', type = 'application/octet-stream'): Part => ({
  headers: [`Content-Type: ${type}`, `Content-Disposition: attachment; ${dispositionName}`, 'Content-Transfer-Encoding: base64'],
  body: Buffer.from(content).toString('base64'),
})
/** A file name as RFC 2231 (percent-encoded UTF-8), so any character survives into the parser. */
const rfc2231Name = (name: string) => `filename*=utf-8''${encodeURIComponent(name).replace(/'/g, '%27')}`

function nestedMultipart(depth: number): Buffer {
  let body = 'the innermost text'
  let type = 'text/plain; charset=utf-8'
  for (let level = 0; level < depth; level++) {
    const boundary = `n${level}`
    body = `--${boundary}${crlf}Content-Type: ${type}${crlf}${crlf}${body}${crlf}--${boundary}--${crlf}`
    type = `multipart/mixed; boundary="${boundary}"`
  }
  return toBuffer([...basicHeaders({ subject: `nested ${depth}` }), `Content-Type: ${type}`], body)
}

function nestedMessages(depth: number): Buffer {
  let inner = plain({ subject: 'innermost' }).toString('latin1')
  for (let level = 0; level < depth; level++) {
    const boundary = `m${level}`
    inner = [...basicHeaders({ subject: `wrapper ${level}` }), `Content-Type: multipart/mixed; boundary="${boundary}"`, '', `--${boundary}`, 'Content-Type: text/plain', '', `level ${level}`, `--${boundary}`, 'Content-Type: message/rfc822', '', inner, `--${boundary}--`, ''].join(crlf)
  }
  return Buffer.from(inner, 'latin1')
}

function dsn(fields: { failed: string; originalMessageId: string; originalSubject?: string; from?: string }): Buffer {
  const boundary = `dsn-${randomUUID()}`
  const original = [`From: support@example.com`, `To: ${fields.failed}`, `Subject: ${fields.originalSubject ?? 'Re: your request'}`, `Message-ID: <${fields.originalMessageId}>`, '', 'our reply'].join(crlf)
  return toBuffer(
    [...basicHeaders({ from: fields.from ?? 'Mail Delivery System <mailer-daemon@mx.customer.example>', subject: 'Undelivered Mail Returned to Sender' }), `Content-Type: multipart/report; report-type=delivery-status; boundary="${boundary}"`],
    multipart(boundary, [
      textPart('Your message could not be delivered.'),
      { headers: ['Content-Type: message/delivery-status'], body: ['Reporting-MTA: dns; mx.customer.example', '', `Final-Recipient: rfc822; ${fields.failed}`, 'Action: failed', 'Status: 5.1.1', 'Diagnostic-Code: smtp; 550 5.1.1 user unknown'].join(crlf) },
      { headers: ['Content-Type: message/rfc822'], body: original },
    ]),
  )
}

/** Hundreds of attachment blobs, each written durably (fsync) by the local blob store (S3 takes them in parallel). */
const blobHeavyMs = 8000

let zipBomb: Buffer | undefined
/** 64 MB of zeros, gzipped to ~64 KB: stored as it is, never unpacked. */
const gzipBomb = () => (zipBomb ??= gzipSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 }))

const forgedControls = [
  'X-Docket-Queue: Sales',
  'X-Docket-Priority: 5 very high',
  'X-Docket-State: closed successful',
  'X-Docket-Owner: admin',
  'X-Docket-Responsible: admin',
  'X-Docket-Title: pwned',
  'X-Docket-CustomerUser: ceo@example.com',
  'X-Docket-CustomerID: example.com',
  'X-Docket-DynamicField-Contract: platinum',
]

/**
 * Issue 13.1: a customer plants 16,000 lines of `invoice` ×12 (1.5 MB of one word), so that an agent's
 * search for `invoice` — and worse, `invoice` typed 8 times — made FTS5's snippet() run for minutes on
 * the event loop. test/support/search-attack.ts fires the searches at it.
 */
export function plantedSearchWordsMail(subject = 'planted search words'): Buffer {
  const line = `${Array(12).fill('invoice').join(' ')}\r\n`
  return plain({ subject, from: 'Mallory <mallory@evil.example>' }, line.repeat(16_000))
}

/** A file name is safe when it is a plain name: no path, no control or invisible characters, no leading dot, ≤ 255. */
export function isSafeFileName(name: string): boolean {
  return (
    name.length > 0 &&
    name.length <= 255 &&
    !/[\\/\u0000-\u001f\u007f\u0080-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff<>:"|?*]/.test(name) &&
    !name.startsWith('.') &&
    name.trim() === name
  )
}

export const hostileCases: HostileCase[] = [
  // --- MIME structure -------------------------------------------------------------------------
  {
    name: 'deep-multipart-nesting',
    attack: '200 levels of multipart/mixed',
    raw: () => nestedMultipart(200),
    expected: { action: 'created', queue: 'Support', limitExceeded: /nesting deeper than 30/ },
  },
  {
    name: 'nesting-below-the-cap',
    attack: '25 levels of multipart/mixed (allowed)',
    raw: () => nestedMultipart(25),
    expected: { action: 'created', queue: 'Support', text: /the innermost text/ },
  },
  {
    name: 'message-rfc822-bomb',
    attack: '60 levels of attached message/rfc822 (kept as one .eml, not unpacked)',
    raw: () => nestedMessages(60),
    expected: { action: 'created', attachmentNames: ['wrapper 58.eml'] },
  },
  {
    name: 'part-flood',
    attack: '20,000 empty MIME parts',
    raw: () => withParts({ subject: 'part flood' }, Array.from({ length: 20_000 }, () => ({ headers: ['Content-Type: text/plain'], body: 'x' }))),
    expected: { action: 'created', limitExceeded: /more than 500 MIME parts/ },
  },
  {
    name: 'many-attachments-below-the-cap',
    attack: '450 attachments with 200-character names',
    raw: () => withParts({ subject: 'many files' }, [textPart(), ...Array.from({ length: 450 }, (_, index) => attachment(`filename="${'n'.repeat(196)}-${index}.txt"`, `file ${index}`, 'text/plain'))]),
    maxMs: blobHeavyMs,
    expected: { action: 'created', attachmentCount: 450 },
  },
  {
    name: 'article-size-worst-case',
    attack: 'every field at its cap at once: 480 files with 255-emoji names and long Content-IDs, emoji body and subject, 2 × 1,000 long-named recipients',
    raw: () => {
      const emoji = (count: number) => '\u{1F4A3}'.repeat(count)
      const list = (prefix: string) => Array.from({ length: 1000 }, (_, index) => `"${'N'.repeat(250)}" <${prefix}${index}@names.example>`).join(', ')
      const files = Array.from({ length: 480 }, (_, index): Part => ({
        headers: ['Content-Type: application/octet-stream', `Content-Disposition: attachment; ${rfc2231Name(`${index}${emoji(254)}.bin`)}`, `Content-ID: <${'c'.repeat(190)}${index}@x>`, 'Content-Transfer-Encoding: base64'],
        body: 'eA==',
      }))
      return withParts({ subject: `=?utf-8?B?${Buffer.from(emoji(4000)).toString('base64')}?=`, to: `support@example.com, ${list('t')}`, extra: [`Cc: ${list('c')}`] }, [{ headers: ['Content-Type: text/plain; charset=utf-8'], body: emoji(100_000) }, ...files])
    },
    maxMs: blobHeavyMs,
    expected: { action: 'created', attachmentCount: 480 },
  },
  {
    name: 'repetitive-parts',
    attack: '300 identical 20 KB parts (a zip-bomb-like repeat)',
    raw: () => withParts({ subject: 'same part many times' }, [textPart(), ...Array.from({ length: 300 }, () => attachment('filename="same.bin"', Buffer.alloc(20 * 1024, 0x41)))]),
    maxMs: blobHeavyMs,
    expected: { action: 'created', attachmentCount: 300 },
  },
  {
    name: 'gzip-bomb-attachment',
    attack: '64 MB of zeros gzipped to 64 KB',
    raw: () => withParts({ subject: 'logs attached' }, [textPart(), attachment('filename="logs.tar.gz"', gzipBomb(), 'application/gzip')]),
    expected: { action: 'created', attachmentNames: ['logs.tar.gz'] },
  },
  {
    name: 'missing-closing-boundary',
    attack: 'multipart without its closing boundary, stray boundary lines',
    raw: () => toBuffer([...basicHeaders({ subject: 'unterminated' }), 'Content-Type: multipart/mixed; boundary="open"'], '--open\r\nContent-Type: text/plain\r\n\r\nstill readable\r\n--open\r\n--other--\r\n'),
    expected: { action: 'created', text: /still readable/ },
  },
  {
    name: 'empty-boundary',
    attack: 'boundary="" and a multipart with no parts',
    raw: () => toBuffer([...basicHeaders({ subject: 'empty boundary' }), 'Content-Type: multipart/mixed; boundary=""'], '--\r\n\r\n----\r\n'),
    expected: { action: 'created' },
  },
  {
    name: 'base64-garbage',
    attack: 'base64 parts that are not base64',
    raw: () =>
      withParts({ subject: 'garbage' }, [
        { headers: ['Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: base64'], body: '!!!! not base64 at all ####\r\n====\r\n@@@' },
        { headers: ['Content-Type: application/pdf; name="a.pdf"', 'Content-Transfer-Encoding: base64'], body: '%%%%'.repeat(1000) },
      ]),
    expected: { action: 'created' },
  },
  {
    name: 'unknown-transfer-encoding',
    attack: 'Content-Transfer-Encoding: x-evil and quoted-printable garbage',
    raw: () => toBuffer([...basicHeaders({ subject: 'odd encoding' }), 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: x-evil'], 'plain words =ZZ =\r\n=4'),
    expected: { action: 'created', text: /plain words/ },
  },
  {
    name: 'long-body-line',
    attack: 'a 4 MB body without a single line break',
    raw: () => plain({ subject: 'one long line' }, 'a'.repeat(4 * 1024 * 1024)),
    expected: { action: 'created' },
  },
  {
    name: 'empty-mail',
    attack: 'zero bytes',
    raw: () => Buffer.alloc(0),
    expected: { action: 'created', customer: 'unknown-sender@invalid', autoResponse: false },
  },
  {
    name: 'headers-only-garbage',
    attack: 'no header/body separator, lines without colons, a bare mbox From line',
    raw: () => Buffer.from('From nobody Mon Nov 23 09:00:00 2026\nthis is not a header\n: empty name\nSubject: garbage headers\nX-Weird\n', 'latin1'),
    expected: { action: 'created', subject: /garbage headers/ },
  },
  // --- Headers --------------------------------------------------------------------------------
  {
    name: 'header-flood-same-name',
    attack: '60,000 Received: headers (1.9 MB)',
    raw: () => plain({ subject: 'many hops', extra: Array.from({ length: 60_000 }, (_, index) => `Received: from h${index}.example`) }),
    expected: { action: 'created', subject: /many hops/ },
  },
  {
    name: 'header-flood-distinct-names',
    attack: '60,000 distinct X- headers',
    raw: () => plain({ subject: 'distinct headers', extra: Array.from({ length: 60_000 }, (_, index) => `X-H${index}: v`) }),
    expected: { action: 'created', subject: /distinct headers/ },
  },
  {
    name: 'header-block-over-the-cap',
    attack: 'a 3 MB header block',
    raw: () => plain({ subject: 'too many headers', extra: Array.from({ length: 3000 }, (_, index) => `X-Pad-${index}: ${'p'.repeat(1000)}`) }),
    expected: { action: 'created', limitExceeded: /header block larger than/ },
  },
  {
    name: 'giant-subject-line',
    attack: 'a 1.5 MB Subject on one line',
    raw: () => plain({ subject: `big ${'S'.repeat(1_500_000)}` }),
    expected: { action: 'created', subject: /^big S{3796}$/, note: /the first 3800 are kept/ },
  },
  {
    name: 'giant-message-id',
    attack: 'a 100 KB Message-ID, In-Reply-To and References',
    raw: () => plain({ subject: 'long ids', messageId: `${'m'.repeat(100_000)}@x`, extra: [`In-Reply-To: <${'r'.repeat(100_000)}@x>`, `References: ${Array.from({ length: 5 }, (_, index) => `<${String(index).repeat(20_000)}@x>`).join(' ')}`] }),
    expected: { action: 'created' },
  },
  {
    name: 'message-ids-with-whitespace-and-controls',
    attack: 'Message-ID, In-Reply-To and References with spaces, tabs, encoded CR LF and brackets (they go back out in our replies)',
    raw: () => plain({ subject: 'odd ids', messageId: 'a b@x', extra: ['In-Reply-To: =?utf-8?Q?x=0D=0ABcc:_y@evil.example?=', 'References: <c\td@x> <ok@x> <e<f@x>'] }),
    expected: { action: 'created' },
  },
  {
    name: 'references-flood',
    attack: '20,000 Message-IDs in References',
    raw: () => plain({ subject: 'long thread', extra: [`References: ${Array.from({ length: 20_000 }, (_, index) => `<ref${index}@elsewhere.example>`).join(' ')}`] }),
    expected: { action: 'created' },
  },
  {
    name: 'huge-address-list',
    attack: '10,000 recipients in To',
    raw: () => plain({ subject: 'to everyone', to: ['support@example.com', ...Array.from({ length: 9_999 }, (_, index) => `user${index}@list.example`)].join(', ') }),
    expected: { action: 'created', queue: 'Support', note: /To had 10000 addresses; the first 1000 are kept/ },
  },
  {
    name: 'address-list-long-names',
    attack: '2 × 1,000 recipients with 400-character display names',
    raw: () => {
      const list = (prefix: string) => Array.from({ length: 1000 }, (_, index) => `"${'N'.repeat(400)}" <${prefix}${index}@names.example>`).join(', ')
      return plain({ subject: 'long names', to: `support@example.com, ${list('t')}`, extra: [`Cc: ${list('c')}`] })
    },
    expected: { action: 'created', queue: 'Support' },
  },
  {
    name: 'group-syntax-flood',
    attack: 'nested address groups and 5,000 empty groups',
    raw: () => plain({ subject: 'groups', to: `support@example.com, ${Array.from({ length: 5000 }, (_, index) => `g${index}:;`).join(' ')}, team: a@x.example, b@x.example;` }),
    expected: { action: 'created', queue: 'Support' },
  },
  {
    name: 'rfc2231-continuation-flood',
    attack: 'a file name in 20,000 RFC 2231 continuations',
    raw: () => withParts({ subject: 'continuations' }, [textPart(), { headers: ['Content-Type: application/octet-stream', `Content-Disposition: attachment; ${Array.from({ length: 20_000 }, (_, index) => `filename*${index}*=utf-8''ab%41`).join('; ')}`], body: 'eA==' }]),
    expected: { action: 'created', attachmentCount: 1 },
  },
  {
    name: 'mime-parameter-flood',
    attack: '30,000 parameters on Content-Type',
    raw: () => toBuffer([...basicHeaders({ subject: 'parameters' }), `Content-Type: text/plain; charset=utf-8; ${Array.from({ length: 30_000 }, (_, index) => `p${index}=v`).join('; ')}`], 'body text'),
    expected: { action: 'created', text: /body text/ },
  },
  {
    name: 'encoded-word-flood',
    attack: '50,000 RFC 2047 encoded words in the Subject',
    raw: () => plain({ subject: Array.from({ length: 50_000 }, () => '=?utf-8?B?w6Q=?=').join(' ') }),
    expected: { action: 'created', subject: /^ä+/ },
  },
  {
    name: 'broken-encoded-words',
    attack: 'encoded words with bad base64, unknown charsets and stray =?',
    raw: () => plain({ subject: '=?utf-8?B?####?= =?x-klingon?Q?qapla=27?= =?utf-8?Q?ok?= =?= ?= tail', from: '=?utf-8?B?!!!?= <ann@customer.example>' }),
    expected: { action: 'created', customer: 'ann@customer.example', subject: /tail/ },
  },
  {
    name: 'encoded-crlf-in-subject-and-name',
    attack: 'CR LF encoded into the Subject and the From name',
    raw: () => plain({ subject: '=?utf-8?Q?hello=0D=0ABcc:_victim@evil.example?=', from: '=?utf-8?Q?Ann=0D=0AX-Docket-Queue:_Sales?= <ann@customer.example>' }),
    expected: { action: 'created', queue: 'Support', subject: /^hello Bcc: victim@evil\.example$/ },
  },
  {
    name: 'eight-bit-headers',
    attack: 'raw UTF-8 and Latin-1 bytes in headers',
    raw: () => Buffer.concat([Buffer.from('From: J\xfcrgen <juergen@customer.example>\r\nTo: support@example.com\r\n', 'latin1'), Buffer.from('Subject: Grüße – 日本語 ✓\r\nMessage-ID: <8bit@customer.example>\r\n\r\nbody\r\n', 'utf8')]),
    expected: { action: 'created', subject: /Grüße – 日本語 ✓/ },
  },
  {
    name: 'nul-bytes',
    attack: 'NUL bytes in the Subject, a header and the body',
    raw: () => plain({ subject: 'nul\u0000in\u0000subject', extra: ['X-Nul: a\u0000b'] }, 'body\u0000with\u0000nul'),
    expected: { action: 'created', subject: /^nul ?in ?subject$/ },
  },
  {
    name: 'control-characters',
    attack: 'ESC, BEL, backspace and bidi overrides in Subject and body',
    raw: () => plain({ subject: 'ctrl\u001b[31m red\u0007\u0008 \u202egnp.exe' }, 'ansi \u001b[2J clear'),
    expected: { action: 'created' },
  },
  {
    name: 'bidi-and-controls-in-encoded-subject',
    attack: 'U+202E "exe" trick, isolates, NUL and C0/C1 controls in an RFC 2047 Subject (they survive header decoding)',
    raw: () => plain({ subject: `=?utf-8?B?${Buffer.from('report\u202Egnp.exe \u0000a\u0001b\u0085c \u2066d\u2069').toString('base64')}?=` }),
    expected: { action: 'created', subject: /^reportgnp\.exe abc d$/ },
  },
  {
    name: 'garbage-date',
    attack: 'Date: not a date, and a year 275760+ date',
    raw: () => Buffer.from(plain({ subject: 'when?' }).toString('latin1').replace(`Date: ${date}`, 'Date: Tue, 99 Foo 999999 99:99:99 +9999\r\nResent-Date: yesterday-ish'), 'latin1'),
    expected: { action: 'created', subject: /when\?/ },
  },
  {
    name: 'missing-from',
    attack: 'no From: the sender comes from Reply-To',
    raw: () => plain({ from: null, subject: 'who am i', extra: ['Reply-To: Rita <rita@customer.example>'] }),
    expected: { action: 'created', customer: 'rita@customer.example', note: /sender was taken from Reply-To/ },
  },
  {
    name: 'no-address-at-all',
    attack: 'no From, Sender, Reply-To or Return-Path, no envelope sender',
    raw: () => plain({ from: 'not an address', subject: 'anonymous' }),
    expected: { action: 'created', customer: 'unknown-sender@invalid', autoResponse: false },
  },
  {
    name: 'own-address-as-sender',
    attack: 'From: support@example.com (our own address, a loop)',
    raw: () => plain({ from: 'support@example.com', subject: 'from ourselves' }),
    expected: { action: 'created', autoResponse: false },
  },
  // --- Charsets -------------------------------------------------------------------------------
  {
    name: 'unknown-charset',
    attack: 'charset=x-does-not-exist',
    raw: () => toBuffer([...basicHeaders({ subject: 'charset' }), 'Content-Type: text/plain; charset=x-does-not-exist'], 'readable ascii'),
    expected: { action: 'created', text: /readable ascii/ },
  },
  {
    name: 'invalid-utf8',
    attack: 'charset=utf-8 with invalid byte sequences',
    raw: () => toBuffer([...basicHeaders({ subject: 'bad bytes' }), 'Content-Type: text/plain; charset=utf-8'], Buffer.from([0x6f, 0x6b, 0x20, 0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1, 0xf0, 0x28, 0x8c, 0xbc, 0x20, 0x65, 0x6e, 0x64])),
    expected: { action: 'created', text: /ok .*end/s },
  },
  {
    name: 'utf7-and-iso-2022',
    attack: 'UTF-7 and ISO-2022-JP parts, a charset with quotes and spaces',
    raw: () =>
      withParts({ subject: '=?utf-7?B?K0FPUS0=?=' }, [
        { headers: ['Content-Type: text/plain; charset=utf-7'], body: 'Hi Mom -+Jjo--!' },
        { headers: ['Content-Type: text/plain; charset="iso-2022-jp"'], body: Buffer.from('1b2442246124733b761b2842', 'hex') },
        { headers: ['Content-Type: text/plain; charset=" utf 8 "'], body: 'spaced charset' },
      ]),
    expected: { action: 'created' },
  },
  // --- HTML -----------------------------------------------------------------------------------
  {
    name: 'one-megabyte-html',
    attack: '1 MB of HTML as the only body',
    raw: () => toBuffer([...basicHeaders({ subject: 'big html' }), 'Content-Type: text/html; charset=utf-8'], `<html><body>${'<p>paragraph with <b>bold</b> text</p>'.repeat(28_000)}</body></html>`),
    expected: { action: 'created', text: /paragraph with bold text/ },
  },
  {
    name: 'five-thousand-links',
    attack: '5,001 links in HTML',
    raw: () => toBuffer([...basicHeaders({ subject: 'links' }), 'Content-Type: text/html; charset=utf-8'], `<p>${Array.from({ length: 5001 }, (_, index) => `<a href="https://l${index}.example/path?q=${index}">link ${index}</a>`).join(' ')}</p>`),
    expected: { action: 'created', text: /link 5000/ },
  },
  {
    name: 'deeply-nested-html',
    attack: '100,000 nested <div> elements',
    raw: () => toBuffer([...basicHeaders({ subject: 'deep html' }), 'Content-Type: text/html; charset=utf-8'], `${'<div>'.repeat(100_000)}deep text${'</div>'.repeat(100_000)}`),
    expected: { action: 'created', text: /deep text/ },
  },
  {
    name: 'xss-in-html-body',
    attack: 'script, event handlers, javascript: links, svg, iframe, meta refresh',
    raw: () =>
      toBuffer(
        [...basicHeaders({ subject: 'xss body' }), 'Content-Type: text/html; charset=utf-8'],
        '<p onclick="alert(1)">hi</p><script>alert(2)</script><img src=x onerror=alert(3)><a href="javascript:alert(4)">x</a><svg onload=alert(5)></svg><iframe src="https://evil.example"></iframe><meta http-equiv="refresh" content="0;url=https://evil.example"><div style="background:url(javascript:alert(6))">styled</div>',
      ),
    expected: { action: 'created', text: /hi/ },
  },
  {
    name: 'xss-in-subject-and-name',
    attack: '<script> in Subject and From name',
    raw: () => plain({ subject: '<script>alert("subject")</script><img src=x onerror=alert(1)>', from: '"<img src=x onerror=alert(2)>" <ann@customer.example>' }),
    expected: { action: 'created', subject: /^<script>alert\("subject"\)<\/script>/ },
  },
  // --- File names -----------------------------------------------------------------------------
  {
    name: 'xss-in-file-name',
    attack: 'HTML and quotes in a file name',
    raw: () => withParts({ subject: 'xss file' }, [textPart(), attachment(rfc2231Name('"><img src=x onerror=alert(1)>.pdf'))]),
    expected: { action: 'created', attachmentNames: ['___img src=x onerror=alert(1)_.pdf'] },
  },
  {
    name: 'crlf-in-file-name',
    attack: 'CR LF and a header injection in a file name',
    raw: () => withParts({ subject: 'crlf file' }, [textPart(), attachment(rfc2231Name('report\r\nContent-Type: text/html\r\n.pdf'))]),
    expected: { action: 'created', attachmentNames: ['html.pdf'] },
  },
  {
    name: 'path-traversal-file-names',
    attack: '../ and ..\\ paths, absolute paths, a drive letter',
    raw: () =>
      withParts({ subject: 'traversal' }, [
        textPart(),
        attachment('filename="../../../../etc/passwd"'),
        attachment('filename="..\\\\..\\\\windows\\\\system32\\\\evil.dll"'),
        attachment('filename="/var/www/html/shell.php"'),
        attachment('filename="C:evil.bat"'),
      ]),
    expected: { action: 'created', attachmentNames: ['passwd', 'evil.dll', 'shell.php', 'C_evil.bat'] },
  },
  {
    name: 'dot-and-empty-file-names',
    attack: 'file names ".", "..", "...", "", " ", ".htaccess"',
    raw: () =>
      withParts({ subject: 'dots' }, [textPart(), attachment('filename="."'), attachment('filename=".."'), attachment('filename="..."'), attachment('filename=""'), attachment('filename=" "'), attachment('filename=".htaccess"')]),
    expected: { action: 'created', attachmentNames: ['attachment-1.bin', 'attachment-2.bin', 'attachment-3.bin', 'attachment-4.bin', 'attachment-5.bin', 'htaccess'] },
  },
  {
    name: 'zero-width-and-bidi-file-names',
    attack: 'zero-width-only name, U+202E "exe.pdf" trick, isolates, soft hyphen',
    raw: () =>
      withParts({ subject: 'invisible' }, [
        textPart(),
        attachment(rfc2231Name('\u200b\u200c\u200d\ufeff')),
        attachment(rfc2231Name('invoice\u202efdp.exe')),
        attachment(rfc2231Name('a\u2066b\u2069c\u00ad.txt')),
      ]),
    expected: { action: 'created', attachmentNames: ['attachment-1.bin', 'invoicefdp.exe', 'abc.txt'] },
  },
  {
    name: 'reserved-and-long-file-names',
    attack: 'CON, NUL.txt, a 10,000-character name, trailing dots and spaces',
    raw: () => withParts({ subject: 'names' }, [textPart(), attachment('filename="CON"'), attachment('filename="nul.txt"'), attachment(`filename="${'x'.repeat(10_000)}.pdf"`), attachment('filename="evil.exe. . ."')]),
    expected: { action: 'created', attachmentCount: 4, attachmentNames: ['_CON', '_nul.txt', `${'x'.repeat(251)}.pdf`, 'evil.exe'] },
  },
  {
    name: 'duplicate-file-names',
    attack: 'the same name 50 times, differing only in case',
    raw: () => withParts({ subject: 'dupes' }, [textPart(), ...Array.from({ length: 50 }, (_, index) => attachment(`filename="${index % 2 ? 'A.PDF' : 'a.pdf'}"`))]),
    expected: { action: 'created', attachmentCount: 50 },
  },
  // --- Control and verdict headers ------------------------------------------------------------
  {
    name: 'forged-control-headers',
    attack: 'X-Docket-Queue/Priority/State/Owner/CustomerUser/DynamicField from a customer',
    raw: () => plain({ subject: 'please route me', extra: forgedControls }),
    expected: { action: 'created', queue: 'Support', state: 'new', priority: 3, owner: null, customer: 'ann@customer.example' },
  },
  {
    name: 'forged-ignore-header',
    attack: 'X-Docket-Ignore: yes from a customer',
    raw: () => plain({ subject: 'ignore me?', extra: ['X-Docket-Ignore: yes'] }),
    expected: { action: 'created', queue: 'Support' },
  },
  {
    name: 'forged-follow-up-controls',
    attack: 'X-Docket-FollowUp-* on a follow-up to someone else\'s ticket',
    raw: ({ victimNumber }) => plain({ subject: `Re: [Ticket#${victimNumber}]`, from: stranger, extra: ['X-Docket-FollowUp-State: closed successful', 'X-Docket-FollowUp-Owner: admin', 'X-Docket-FollowUp-Queue: Junk'] }),
    expected: { action: 'created', linkedToVictim: true, victimUntouched: true },
  },
  {
    name: 'control-header-flood',
    attack: '20,000 distinct X-Docket-DynamicField-* headers',
    raw: () => plain({ subject: 'flood of controls', extra: Array.from({ length: 20_000 }, (_, index) => `X-Docket-DynamicField-F${index}: v`) }),
    expected: { action: 'created', queue: 'Support' },
  },
  {
    name: 'forged-spam-score-below-ours',
    attack: 'the customer writes X-Spam-Score: -100 under the filter\'s 9.5',
    raw: () => Buffer.from(`X-Spam-Score: 9.5\r\n${plain({ subject: 'cheap pills', extra: ['X-Spam-Score: -100', 'X-Spam-Flag: NO'] }).toString('latin1')}`, 'latin1'),
    expected: { action: 'created', queue: 'Junk', state: 'new', autoResponse: false },
  },
  {
    name: 'forged-ses-verdict-pass',
    attack: 'in AWS: SES says FAIL on top, the mail itself says PASS',
    aws: true,
    raw: () => Buffer.from(`Return-Path: <spam@evil.example>\r\nX-SES-Spam-Verdict: FAIL\r\nX-SES-Virus-Verdict: PASS\r\n${plain({ subject: 'trust me', extra: ['X-SES-Spam-Verdict: PASS'] }).toString('latin1')}`, 'latin1'),
    expected: { action: 'created', queue: 'Junk', autoResponse: false },
  },
  {
    name: 'forged-ses-verdict-fail-locally',
    attack: 'a customer writes X-SES-Virus-Verdict: FAIL where SES is not in the path',
    raw: () => plain({ subject: 'not a virus', extra: ['X-SES-Virus-Verdict: FAIL', 'X-SES-Spam-Verdict: FAIL'] }),
    expected: { action: 'created', queue: 'Support' },
  },
  // --- Threads --------------------------------------------------------------------------------
  {
    name: 'thread-injection-by-subject',
    attack: 'a stranger quotes the victim\'s ticket number in the Subject',
    raw: ({ victimNumber }) => plain({ subject: `Re: [Ticket#${victimNumber}] I am the customer now`, from: stranger }),
    expected: { action: 'created', linkedToVictim: true, victimUntouched: true },
  },
  {
    name: 'thread-injection-forged-own-message-id',
    attack: 'In-Reply-To made up in our Message-ID format (<anything>.<number>@fqdn)',
    raw: ({ victimNumber, fqdn }) => plain({ subject: 'Re: your ticket', from: stranger, extra: [`In-Reply-To: <01AAAAAAAAAAAAAAAAAAAAAAAA.${victimNumber}@${fqdn}>`, `References: <forged.${victimNumber}@${fqdn}>`] }),
    expected: { action: 'created', victimUntouched: true },
  },
  {
    name: 'thread-injection-number-and-forged-id',
    attack: 'subject number plus a forged own-format References',
    raw: ({ victimNumber, fqdn }) => plain({ subject: `[Ticket#${victimNumber}]`, from: stranger, extra: [`References: <x.${victimNumber}@${fqdn}>`] }),
    expected: { action: 'created', linkedToVictim: true, victimUntouched: true },
  },
  {
    name: 'thread-injection-in-body',
    attack: 'the ticket number quoted in the body only',
    raw: ({ victimNumber }) => plain({ subject: 'hello', from: stranger }, `see Ticket#${victimNumber}\r\n`),
    expected: { action: 'created', victimUntouched: true },
  },
  {
    name: 'spoofed-from-with-reply-to',
    attack: "the customer's From (not authenticated), Reply-To and Cc a stranger, the ticket number quoted (thread takeover)",
    raw: ({ victimNumber, victimCustomer }) => plain({ subject: `Re: [Ticket#${victimNumber}] my new address`, from: victimCustomer, extra: [`Reply-To: ${stranger}`, 'Cc: eve@evil.example'] }, 'please write to my new address from now on\r\n'),
    // Appends as the customer's (OTRS does: sender authentication is a later issue), but lets nobody in.
    expected: { action: 'followup', victimParticipants: ['victim@customer.example'] },
  },
  {
    name: 'stranger-after-spoofed-reply-to',
    attack: 'the stranger of the spoofed Reply-To then writes into the thread themselves',
    raw: ({ victimNumber }) => plain({ subject: `Re: [Ticket#${victimNumber}] my new address`, from: stranger }),
    expected: { action: 'created', linkedToVictim: true, victimUntouched: true, autoResponse: false, victimParticipants: ['victim@customer.example'] },
  },
  {
    name: 'reply-to-backscatter',
    attack: 'a new mail whose Reply-To names a third party, to aim our auto response at them',
    raw: () => plain({ subject: 'aim the auto response elsewhere', from: 'Zoe <zoe@customer.example>', extra: ['Reply-To: backscatter-victim@innocent.example'] }),
    expected: { action: 'created', autoResponse: true, autoResponseTo: ['zoe@customer.example'] },
  },
  {
    name: 'legitimate-reply-threads',
    attack: 'control: the victim answers our mail (must thread)',
    raw: ({ ourMessageId, victimCustomer }) => plain({ subject: 'Re: thanks', from: victimCustomer, extra: [`In-Reply-To: <${ourMessageId}>`] }),
    expected: { action: 'followup' },
  },
  // --- Loops and bounces ----------------------------------------------------------------------
  {
    name: 'auto-responder-reply',
    attack: 'another helpdesk\'s auto reply (Auto-Submitted: auto-replied)',
    raw: () => plain({ from: 'helpdesk@other.example', subject: 'Your request has been received [#123]', extra: ['Auto-Submitted: auto-replied'] }),
    expected: { action: 'created', autoResponse: false },
  },
  {
    name: 'auto-responder-ping-pong',
    attack: '45 auto replies from a helpdesk that sets no header at all (cap: 40 a day)',
    repeat: 45,
    raw: () => plain({ from: 'robot@pingpong.example', subject: 'We got your mail' }),
    rawAt: (_, index) => plain({ from: 'robot@pingpong.example', subject: `We got your mail (${index})` }, `reply number ${index}\r\n`),
    expected: { action: 'created' },
  },
  {
    name: 'list-and-bulk-mail',
    attack: 'Precedence: bulk, List-Id, X-Loop',
    raw: () => plain({ from: 'news@list.example', subject: 'newsletter', extra: ['Precedence: bulk', 'List-Id: <news.list.example>', 'X-Loop: news'] }),
    expected: { action: 'created', autoResponse: false },
  },
  {
    name: 'bounce-storm',
    attack: '40 hard bounces of our mail to one address',
    repeat: 40,
    raw: ({ stormMessageId }) => dsn({ failed: 'gone@nowhere.example', originalMessageId: stormMessageId }),
    rawAt: ({ stormMessageId }, index) => dsn({ failed: 'gone@nowhere.example', originalMessageId: stormMessageId, originalSubject: `attempt ${index}` }),
    expected: { action: 'followup', autoResponse: false, undeliverable: ['gone@nowhere.example'] },
  },
  {
    name: 'bounces-not-ours',
    attack: '10 DSNs of mail we never sent',
    repeat: 10,
    raw: () => dsn({ failed: 'someone@nowhere.example', originalMessageId: 'not-ours@elsewhere.example' }),
    rawAt: (_, index) => dsn({ failed: 'someone@nowhere.example', originalMessageId: `not-ours-${index}@elsewhere.example` }),
    expected: { action: 'created', queue: 'Bounces', autoResponse: false, stillDeliverable: ['someone@nowhere.example'] },
  },
  {
    name: 'planted-search-words',
    attack: '16,000 lines of `invoice` ×12 for a costly search (issue 13.1; searched in test/integration/search-abuse.test.ts)',
    raw: () => plantedSearchWordsMail(),
    expected: { action: 'created', queue: 'Support', text: /^invoice invoice invoice/ },
  },
  {
    name: 'forged-bounce-of-our-mail',
    attack: 'a stranger forges a DSN "for" the victim quoting a made-up own-format Message-ID',
    raw: ({ victimNumber, fqdn, victimCustomer }) => dsn({ failed: victimCustomer, originalMessageId: `01BBBBBBBBBBBBBBBBBBBBBBBB.${victimNumber}@${fqdn}`, from: 'mailer-daemon@evil.example' }),
    expected: { action: 'created', queue: 'Bounces', victimUntouched: true, stillDeliverable: ['victim@customer.example'] },
  },
]
