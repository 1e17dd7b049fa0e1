import addressparser from 'nodemailer/lib/addressparser'
import { plainTextLine } from '../platform/plain-text.ts'
import { fieldCaps } from './field-caps.ts'

/**
 * Mail addresses as the domain handles them: parsed from a header's text and formatted back.
 * Apart from the MIME parser (parse-mail.ts) so that the API and the jobs, which format and read
 * addresses but never parse a mail, do not carry the parser and its charset tables.
 */
export interface MailAddress {
  address: string
  name: string
}

/** Addresses kept per address header (To, Cc…) unless a caller says otherwise. */
export const defaultMaxAddressesPerHeader = 1000

export function formatAddress(address: MailAddress): string {
  if (!address.name) return address.address
  const name = /[",;<>@()]/.test(address.name) ? `"${address.name.replace(/["\\]/g, '\\$&')}"` : address.name
  return `${name} <${address.address}>`
}

export const formatAddressList = (addresses: MailAddress[]) => addresses.map(formatAddress).join(', ')

export interface ParsedAddressEntry {
  address?: string
  name?: string
  group?: ParsedAddressEntry[]
}

export function flattenAddressEntries(entries: ParsedAddressEntry[], limit: number): MailAddress[] {
  const flat: MailAddress[] = []
  const visit = (entry: ParsedAddressEntry) => {
    if (flat.length >= limit) return
    if (Array.isArray(entry.group)) entry.group.forEach(visit)
    else if (entry.address && entry.address.includes('@') && entry.address.length <= fieldCaps.addressChars) {
      flat.push({ address: plainTextLine(entry.address, fieldCaps.addressChars), name: plainTextLine(entry.name ?? '', fieldCaps.displayNameChars) })
    }
  }
  entries.forEach(visit)
  return flat
}

/** "Ann <a@x>, b@y" → addresses (groups flattened, entries without an address dropped). */
export function parseAddressList(text: string, limit = defaultMaxAddressesPerHeader): MailAddress[] {
  return flattenAddressEntries(addressparser(text) as ParsedAddressEntry[], limit)
}
