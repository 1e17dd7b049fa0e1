import { simpleParser, type AddressObject, type Attachment, type EmailAddress, type ParsedMail } from 'mailparser'
import libmime from 'libmime'
import { defaultMimeLimits, inspectMime, type MimeLimits } from './mime-limits.ts'
import { plainTextLine, withoutUnsafeCharacters } from '../platform/plain-text.ts'
import { fieldCaps } from './field-caps.ts'
import { defaultMaxHtmlToTextChars, htmlToPlainText } from './html-text.ts'
import { defaultMaxAddressesPerHeader, flattenAddressEntries, parseAddressList, type MailAddress, type ParsedAddressEntry } from './mail-address.ts'

// Re-exported for the mail pipeline's own modules and tests; code outside ingest imports the small modules directly.
export { fieldCaps } from './field-caps.ts'
export { htmlNestingDepth, htmlToPlainText } from './html-text.ts'
export { formatAddress, formatAddressList, parseAddressList, type MailAddress } from './mail-address.ts'

export interface InboundAttachment {
  name: string
  contentType: string
  size: number
  content: Buffer
  contentId: string | null
  inline: boolean
}

/** One parsed mail: what every postmaster filter works on. */
export interface InboundMail {
  /** Header name (lower case) → decoded values, in order of appearance. */
  headers: Map<string, string[]>
  /** Every top-level header in order (name lower case): who added what is read from the order. */
  headerList: { name: string; value: string }[]
  messageId: string | null
  inReplyTo: string | null
  references: string[]
  from: MailAddress | null
  sender: MailAddress | null
  replyTo: MailAddress[]
  to: MailAddress[]
  cc: MailAddress[]
  subject: string
  date: Date | null
  text: string
  html: string | null
  attachments: InboundAttachment[]
  /** Workarounds the parser applied, shown to agents on the article. */
  notes: string[]
  /** Set when the mail exceeded a parser limit: it was not parsed in full (the raw mail is kept). */
  limitExceeded: string | null
}

export interface ParseLimits extends MimeLimits {
  /** HTML longer than this is converted to text only in part (the HTML itself is kept). */
  maxHtmlToTextChars: number
  /** Addresses kept per address header (To, Cc…); more are dropped with a note. */
  maxAddressesPerHeader: number
}

export const defaultParseLimits: ParseLimits = {
  ...defaultMimeLimits,
  maxHtmlToTextChars: defaultMaxHtmlToTextChars,
  maxAddressesPerHeader: defaultMaxAddressesPerHeader,
}

export function header(mail: InboundMail, name: string): string | undefined {
  return mail.headers.get(name.toLowerCase())?.[0]
}

function addressesOf(value: AddressObject | AddressObject[] | undefined, limit: number): MailAddress[] {
  const objects = value === undefined ? [] : Array.isArray(value) ? value : [value]
  return flattenAddressEntries(objects.flatMap((object) => object.value as EmailAddress[] as ParsedAddressEntry[]), limit)
}

function decodeHeaderValue(line: string): string {
  const value = line.slice(line.indexOf(':') + 1).replace(/\r?\n[ \t]+/g, ' ').trim()
  try {
    return libmime.decodeWords(value)
  } catch {
    return value
  }
}

function parseMessageIds(value: string | undefined): string[] {
  return [...(value ?? '').matchAll(/<([^<>\s]+)>/g)].map((match) => match[1]!)
}

/**
 * A Message-ID without its brackets, or null when it cannot be one: longer than a mail line, or
 * with whitespace, control characters or brackets inside (RFC 5322 msg-id has none). Ids go back
 * out in In-Reply-To and References of our replies.
 */
function bareMessageId(value: string): string | null {
  const bare = value.trim().replace(/^<|>$/g, '')
  return bare && bare.length <= fieldCaps.messageIdChars && !/[\s<>\u0000-\u001f\u007f-\u009f]/.test(bare) ? bare : null
}

const messageIdList = (values: string[]) => values.map(bareMessageId).filter((id): id is string => id !== null).slice(-fieldCaps.references)

/**
 * File names as a person would read them, never as a path: no directories, no control, invisible
 * or bidi-formatting characters (the "invoice\u202Efdp.exe" trick), none of the characters Windows
 * refuses (<>:"|?*, which are HTML's too), no leading dots, no trailing dots or spaces, no device
 * names (CON, NUL…), at most 255 characters and `maxBytes` UTF-8 bytes.
 */
export function safeFileName(name: string | undefined, fallback: string, maxBytes = 1020): string {
  // What no text may hold (plain-text.ts), then what a file name may not either: every invisible character.
  const cleaned = withoutUnsafeCharacters((name ?? '').normalize('NFC'))
    .replace(/[\t\r\n\u00ad\u061c\u180e\u200b-\u200f\u2060-\u206f\ufeff\ufff9-\ufffb]/g, '')
    .split(/[\\/]/)
    .pop()!
    .replace(/[<>:"|?*]/g, '_')
    .replace(/^[.\s]+/, '')
    .replace(/[.\s]+$/, '')
  const named = cleaned || fallback
  const device = /^(con|prn|aux|nul|com\d|lpt\d)(\.|$)/i.test(named) ? `_${named}` : named
  if (device.length <= 255 && Buffer.byteLength(device) <= maxBytes) return device
  // Too long: the end of the stem goes, the extension (what opens the file) stays.
  const dot = device.lastIndexOf('.')
  const extension = dot > 0 && device.length - dot <= 16 ? device.slice(dot) : ''
  const stem = device.slice(0, device.length - extension.length)
  return truncateBytes(stem.slice(0, 255 - extension.length), maxBytes - Buffer.byteLength(extension)) + extension
}

/** Cuts a string to at most `maxBytes` UTF-8 bytes, never inside a character. */
function truncateBytes(value: string, maxBytes: number): string {
  if (Buffer.byteLength(value) <= maxBytes) return value
  let result = ''
  let bytes = 0
  for (const character of value) {
    bytes += Buffer.byteLength(character)
    if (bytes > maxBytes) break
    result += character
  }
  return result
}

/** Two attachments of one mail never share a name: the second "a.pdf" becomes "a-1.pdf" (as OTRS does). */
function uniqueNames(names: string[]): string[] {
  const used = new Set<string>()
  return names.map((name) => {
    let candidate = name
    const dot = name.lastIndexOf('.')
    const [stem, extension] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, '']
    for (let counter = 1; used.has(candidate.toLowerCase()); counter++) candidate = `${stem}-${counter}${extension}`
    used.add(candidate.toLowerCase())
    return candidate
  })
}

function attachmentFallbackName(attachment: Attachment, index: number): string {
  const type = (attachment.contentType || 'application/octet-stream').toLowerCase()
  if (type === 'message/rfc822') {
    // A forwarded or bounced mail is named after its subject, as mail clients show it.
    const subject = readHeaderBlock(attachment.content, 64 * 1024).find((entry) => entry.name === 'subject')?.value.trim()
    if (subject) return `${safeFileName(subject.replace(/[\\/]/g, '_'), 'message').slice(0, 200)}.eml`
  }
  const extension = type === 'message/delivery-status' ? 'txt' : libmime.detectExtension(type) || 'bin'
  const stem = type === 'message/delivery-status' ? 'delivery-status' : `attachment-${index + 1}`
  return `${stem}.${extension}`
}

/** An mbox "From " separator line is not part of the message (an MTA would not deliver it). */
export function stripMboxSeparator(raw: Buffer): Buffer {
  if (!raw.subarray(0, 5).equals(Buffer.from('From '))) return raw
  const end = raw.indexOf(0x0a)
  return end === -1 ? raw : raw.subarray(end + 1)
}

/** Top-level headers only, read by hand: for mail the full parser must not (or could not) handle. */
export function readHeaderBlock(raw: Buffer, maxBytes: number): { name: string; value: string }[] {
  const text = raw.subarray(0, maxBytes).toString('latin1')
  const end = text.search(/\r?\n\r?\n/)
  const block = (end === -1 ? text : text.slice(0, end)).replace(/\r?\n[ \t]+/g, ' ')
  const list: { name: string; value: string }[] = []
  for (const line of block.split(/\r?\n/)) {
    const colon = line.indexOf(':')
    if (colon <= 0 || /\s/.test(line.slice(0, colon).trim())) continue
    list.push({ name: line.slice(0, colon).trim().toLowerCase(), value: decodeHeaderValue(Buffer.from(line, 'latin1').toString('utf8')) })
  }
  return list
}

function headerMap(list: { name: string; value: string }[]): Map<string, string[]> {
  const headers = new Map<string, string[]>()
  for (const { name, value } of list) {
    const values = headers.get(name)
    if (values) values.push(value)
    else headers.set(name, [value])
  }
  return headers
}

function fromHeadersOnly(raw: Buffer, reason: string, limits: ParseLimits): InboundMail {
  const headerList = readHeaderBlock(raw, 256 * 1024)
  const headers = headerMap(headerList)
  const first = (name: string) => headers.get(name)?.[0]
  const date = first('date') ? new Date(first('date')!) : null
  return {
    headers,
    headerList,
    messageId: messageIdList(parseMessageIds(first('message-id')).slice(0, 1))[0] ?? null,
    inReplyTo: messageIdList(parseMessageIds(first('in-reply-to')).slice(0, 1))[0] ?? null,
    references: messageIdList(parseMessageIds(first('references'))),
    from: parseAddressList(first('from') ?? '', 1)[0] ?? null,
    sender: parseAddressList(first('sender') ?? '', 1)[0] ?? null,
    replyTo: parseAddressList(first('reply-to') ?? '', limits.maxAddressesPerHeader),
    to: parseAddressList(first('to') ?? '', limits.maxAddressesPerHeader),
    cc: parseAddressList(first('cc') ?? '', limits.maxAddressesPerHeader),
    subject: plainTextLine(first('subject') ?? '', fieldCaps.subjectChars),
    date: date && !Number.isNaN(date.getTime()) ? date : null,
    text: `This mail could not be shown: ${reason}. The original is kept; download it from the article's raw view.`,
    html: null,
    attachments: [],
    notes: [`Not parsed in full: ${reason}. The raw mail is kept.`],
    limitExceeded: reason,
  }
}

function countAddresses(value: AddressObject | AddressObject[] | undefined): number {
  const objects = value === undefined ? [] : Array.isArray(value) ? value : [value]
  let count = 0
  const visit = (entry: EmailAddress) => (entry.group ? entry.group.forEach(visit) : (count += 1))
  objects.forEach((object) => object.value.forEach(visit))
  return count
}

/**
 * Repairs two things senders get wrong, on the copy we parse (the stored raw mail is untouched):
 * - a MIME parameter such as `boundary="…"` continued on the next line without the leading
 *   whitespace folding requires (seen from Outlook/Exchange): the part would lose its boundary;
 * - a text part with a file name marked `inline` (Apple Mail): it is an attachment to the sender
 *   and to OTRS, but mailparser would paste it into the body.
 * Only header blocks are touched (the message header and the headers after a boundary line).
 */
export function repairMimeHeaders(raw: Buffer): Buffer {
  const text = raw.toString('latin1')
  if (!/;[ \t]*\r?\n[A-Za-z]|inline/i.test(text)) return raw
  const lines = text.split('\n')
  let changed = false
  let blockStart = 0
  let inHeaders = true
  const finishBlock = (end: number) => {
    const block = lines.slice(blockStart, end).join('\n')
    if (!/^content-type:\s*text\//im.test(block)) return
    for (let index = blockStart; index < end; index++) {
      const line = lines[index]!
      if (/^content-disposition:\s*inline\b/i.test(line) && /filename|name=/i.test(lines.slice(index, Math.min(end, index + 4)).join(' '))) {
        lines[index] = line.replace(/inline/i, 'attachment')
        changed = true
      }
    }
  }
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!
    const bare = line.replace(/\r$/, '')
    if (!inHeaders) {
      if (bare.startsWith('--')) {
        inHeaders = true
        blockStart = index + 1
      }
      continue
    }
    if (bare === '') {
      finishBlock(index)
      inHeaders = false
      continue
    }
    const previous = index > 0 ? lines[index - 1]!.replace(/\r$/, '').trimEnd() : ''
    if (previous.endsWith(';') && /^[A-Za-z][A-Za-z0-9-]*\*?\d*\*?="?[^:]*$/.test(bare)) {
      lines[index] = ` ${line}`
      changed = true
    }
  }
  return changed ? Buffer.from(lines.join('\n'), 'latin1') : raw
}


export async function parseMail(input: Buffer, limits: ParseLimits = defaultParseLimits): Promise<InboundMail> {
  const raw = repairMimeHeaders(stripMboxSeparator(input))
  const shape = await inspectMime(raw, limits)
  if (shape.exceeded) return fromHeadersOnly(raw, shape.exceeded, limits)
  let parsed: ParsedMail
  try {
    parsed = await simpleParser(raw, {
      maxHeadSize: limits.maxHeaderBytes,
      keepCidLinks: true,
      skipTextToHtml: true,
      skipImageLinks: true,
      skipHtmlToText: true,
      skipTextLinks: true,
      keepDeliveryStatus: true,
    })
  } catch (error) {
    return fromHeadersOnly(raw, `the MIME structure could not be read (${(error as Error).message})`, limits)
  }
  const notes: string[] = []
  const headerList = parsed.headerLines.map(({ key, line }) => ({ name: key, value: decodeHeaderValue(line) }))
  const headers = headerMap(headerList)
  const html = typeof parsed.html === 'string' ? parsed.html : null
  // NUL is never text (and breaks C-string consumers downstream); other characters are kept.
  let text = (parsed.text ?? '').replace(/\u0000/g, '')
  if (!text.trim() && html) {
    // mailparser leaves text empty when the only body is HTML (e.g. inside multipart/mixed).
    text = htmlToPlainText(html, limits.maxHtmlToTextChars)
    if (html.length > limits.maxHtmlToTextChars) notes.push('The HTML body is very large; the text shows its beginning. Open the HTML view for all of it.')
  }
  for (const [name, value] of [['To', parsed.to], ['Cc', parsed.cc]] as const) {
    const count = countAddresses(value)
    if (count > limits.maxAddressesPerHeader) notes.push(`${name} had ${count} addresses; the first ${limits.maxAddressesPerHeader} are kept.`)
  }
  const references = Array.isArray(parsed.references) ? parsed.references : parseMessageIds(headers.get('references')?.join(' '))
  const nameBytes = Math.max(40, Math.min(1020, Math.floor(fieldCaps.attachmentNameBytes / Math.max(1, parsed.attachments.length))))
  const names = uniqueNames(parsed.attachments.map((attachment, index) => safeFileName(attachment.filename, attachmentFallbackName(attachment, index), nameBytes)))
  const rawSubject = (parsed.subject ?? '').replace(/[\r\n]+/g, ' ').trim()
  if (rawSubject.length > fieldCaps.subjectChars) notes.push(`The subject had ${rawSubject.length} characters; the first ${fieldCaps.subjectChars} are kept.`)
  const messageId = parsed.messageId ? bareMessageId(parsed.messageId) : null
  if (parsed.messageId && !messageId) notes.push(`The Message-ID is longer than ${fieldCaps.messageIdChars} characters and was ignored.`)
  return {
    headers,
    headerList,
    messageId,
    inReplyTo: messageIdList(parsed.inReplyTo ? [parseMessageIds(parsed.inReplyTo)[0] ?? parsed.inReplyTo] : [])[0] ?? null,
    references: messageIdList(references),
    from: addressesOf(parsed.from, 1)[0] ?? null,
    sender: parseAddressList(headers.get('sender')?.[0] ?? '', 1)[0] ?? null,
    replyTo: addressesOf(parsed.replyTo, limits.maxAddressesPerHeader),
    to: addressesOf(parsed.to, limits.maxAddressesPerHeader),
    cc: addressesOf(parsed.cc, limits.maxAddressesPerHeader),
    subject: plainTextLine(rawSubject, fieldCaps.subjectChars),
    date: parsed.date && !Number.isNaN(parsed.date.getTime()) ? parsed.date : null,
    text,
    html,
    attachments: parsed.attachments.map((attachment, index) => ({
      name: names[index]!,
      contentType: plainTextLine(attachment.contentType || 'application/octet-stream', fieldCaps.contentTypeChars).toLowerCase(),
      size: attachment.content.length,
      content: attachment.content,
      contentId: attachment.cid && attachment.cid.length <= fieldCaps.contentIdChars ? plainTextLine(attachment.cid, fieldCaps.contentIdChars) : null,
      inline: attachment.related === true || attachment.contentDisposition === 'inline',
    })),
    notes,
    limitExceeded: null,
  }
}
