import { simpleParser, type AddressObject, type Attachment, type EmailAddress } from 'mailparser'
import { convert as htmlToText } from 'html-to-text'
import libmime from 'libmime'
import addressparser from 'nodemailer/lib/addressparser'

/** One parsed mail: what every postmaster filter works on. */
export interface MailAddress {
  address: string
  name: string
}

export interface InboundAttachment {
  name: string
  contentType: string
  size: number
  content: Buffer
  contentId: string | null
  inline: boolean
}

export interface InboundMail {
  /** Header name (lower case) → decoded values, in order of appearance. */
  headers: Map<string, string[]>
  messageId: string | null
  inReplyTo: string | null
  references: string[]
  from: MailAddress | null
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
}

export interface ParseLimits {
  /** HTML longer than this is not converted to text (the HTML itself is kept). */
  maxHtmlToTextBytes: number
}

const defaultLimits: ParseLimits = { maxHtmlToTextBytes: 2 * 1024 * 1024 }

export function header(mail: InboundMail, name: string): string | undefined {
  return mail.headers.get(name.toLowerCase())?.[0]
}

export function formatAddress(address: MailAddress): string {
  if (!address.name) return address.address
  const name = /[",;<>@()]/.test(address.name) ? `"${address.name.replace(/["\\]/g, '\\$&')}"` : address.name
  return `${name} <${address.address}>`
}

export const formatAddressList = (addresses: MailAddress[]) => addresses.map(formatAddress).join(', ')

/** "Ann <a@x>, b@y" → addresses (groups flattened, entries without an address dropped). */
export function parseAddressList(text: string): MailAddress[] {
  const flat: MailAddress[] = []
  const visit = (entry: { address?: string; name?: string; group?: unknown[] }) => {
    if (Array.isArray(entry.group)) (entry.group as (typeof entry)[]).forEach(visit)
    else if (entry.address) flat.push({ address: entry.address, name: entry.name ?? '' })
  }
  ;(addressparser(text) as (typeof flat[number] & { group?: unknown[] })[]).forEach(visit)
  return flat
}

function flattenAddresses(value: AddressObject | AddressObject[] | undefined): MailAddress[] {
  const objects = value === undefined ? [] : Array.isArray(value) ? value : [value]
  const flat: MailAddress[] = []
  const visit = (entry: EmailAddress) => {
    if (entry.group) entry.group.forEach(visit)
    else if (entry.address) flat.push({ address: entry.address.trim(), name: (entry.name ?? '').trim() })
  }
  objects.forEach((object) => object.value.forEach(visit))
  return flat
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

/** File names as a person would read them, never as a path: no directories, control or invisible characters. */
export function safeFileName(name: string | undefined, fallback: string): string {
  const cleaned = (name ?? '')
    .normalize('NFC')
    .replace(/[\u0000-\u001f\u007f\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]/g, '')
    .split(/[\\/]/)
    .pop()!
    .replace(/^\.+/, '')
    .trim()
  return (cleaned || fallback).slice(0, 255)
}

function attachmentName(attachment: Attachment, index: number): string {
  const extension = libmime.detectExtension(attachment.contentType || 'application/octet-stream') || 'bin'
  return safeFileName(attachment.filename, `attachment-${index + 1}.${extension}`)
}

export async function parseMail(raw: Buffer, limits: ParseLimits = defaultLimits): Promise<InboundMail> {
  const parsed = await simpleParser(raw, {
    keepCidLinks: true,
    skipTextToHtml: true,
    skipImageLinks: true,
    maxHtmlLengthToParse: limits.maxHtmlToTextBytes,
  })
  const notes: string[] = []
  const headers = new Map<string, string[]>()
  for (const { key, line } of parsed.headerLines) {
    const values = headers.get(key) ?? []
    values.push(decodeHeaderValue(line))
    headers.set(key, values)
  }
  const html = typeof parsed.html === 'string' ? parsed.html : null
  let text = parsed.text ?? ''
  if (!text.trim() && html) {
    // mailparser leaves text empty when the only body is HTML inside multipart/mixed.
    text = html.length <= limits.maxHtmlToTextBytes ? htmlToText(html, { wordwrap: false }) : ''
    if (html.length > limits.maxHtmlToTextBytes) notes.push('The HTML body is too large to convert to text; open the HTML view.')
  }
  const references = Array.isArray(parsed.references)
    ? parsed.references
    : parseMessageIds(headers.get('references')?.join(' '))
  return {
    headers,
    messageId: parsed.messageId ? parsed.messageId.replace(/^<|>$/g, '') : null,
    inReplyTo: parseMessageIds(parsed.inReplyTo)[0] ?? (parsed.inReplyTo ? parsed.inReplyTo.replace(/^<|>$/g, '') : null),
    references: references.map((id) => id.replace(/^<|>$/g, '')).filter(Boolean),
    from: flattenAddresses(parsed.from)[0] ?? null,
    replyTo: flattenAddresses(parsed.replyTo),
    to: flattenAddresses(parsed.to),
    cc: flattenAddresses(parsed.cc),
    subject: (parsed.subject ?? '').replace(/[\r\n]+/g, ' ').trim(),
    date: parsed.date && !Number.isNaN(parsed.date.getTime()) ? parsed.date : null,
    text,
    html,
    attachments: parsed.attachments.map((attachment, index) => ({
      name: attachmentName(attachment, index),
      contentType: (attachment.contentType || 'application/octet-stream').toLowerCase(),
      size: attachment.size ?? attachment.content.length,
      content: attachment.content,
      contentId: attachment.cid ?? null,
      inline: attachment.related === true || attachment.contentDisposition === 'inline',
    })),
    notes,
  }
}
