/**
 * CSV import and export of customer users and companies: which column is which field. A header
 * row names the columns, either with the API's field names (`email`, `firstName`, …) or with the
 * names of OTRS's CSV export (UserEmail, UserFirstname, CustomerCompanyName, ValidID, …), in any
 * case and order. Pure: the command line reads the file and the directory writes the records.
 */

export type CsvRecordKind = 'customers' | 'companies'

const customerUserColumns: Record<string, string> = {
  email: 'email',
  useremail: 'email',
  userlogin: 'login',
  firstname: 'firstName',
  userfirstname: 'firstName',
  lastname: 'lastName',
  userlastname: 'lastName',
  customerid: 'customerId',
  usercustomerid: 'customerId',
  phone: 'phone',
  userphone: 'phone',
  mobile: 'mobile',
  usermobile: 'mobile',
  street: 'street',
  userstreet: 'street',
  zip: 'zip',
  userzip: 'zip',
  city: 'city',
  usercity: 'city',
  country: 'country',
  usercountry: 'country',
  comment: 'comment',
  usercomment: 'comment',
  valid: 'valid',
  validid: 'valid',
}

const companyColumns: Record<string, string> = {
  customerid: 'customerId',
  name: 'name',
  customercompanyname: 'name',
  street: 'street',
  customercompanystreet: 'street',
  zip: 'zip',
  customercompanyzip: 'zip',
  city: 'city',
  customercompanycity: 'city',
  country: 'country',
  customercompanycountry: 'country',
  url: 'url',
  customercompanyurl: 'url',
  comment: 'comment',
  customercompanycomment: 'comment',
  valid: 'valid',
  validid: 'valid',
}

/** The export's columns (the API's names, so an export imports again as it is). */
export const exportColumns: Record<CsvRecordKind, string[]> = {
  customers: ['email', 'firstName', 'lastName', 'customerId', 'phone', 'mobile', 'street', 'zip', 'city', 'country', 'comment', 'valid'],
  companies: ['customerId', 'name', 'street', 'zip', 'city', 'country', 'url', 'comment', 'valid'],
}

export interface ColumnMapping {
  /** Column index → field; null for a column we do not import (reported once). */
  fields: (string | null)[]
  ignored: string[]
}

/** Reads the header row; throws when the key column (email / CustomerID) is missing. */
export function mapHeader(kind: CsvRecordKind, header: string[]): ColumnMapping {
  const known = kind === 'customers' ? customerUserColumns : companyColumns
  const fields = header.map((name) => known[name.trim().replace(/^\uFEFF/, '').toLowerCase()] ?? null)
  const ignored = header.filter((_, index) => fields[index] === null).map((name) => name.trim())
  const seen = new Set<string>()
  fields.forEach((field, index) => {
    if (field && seen.has(field)) throw new Error(`column "${header[index]!.trim()}" names ${field} a second time`)
    if (field) seen.add(field)
  })
  if (kind === 'customers' && !seen.has('email') && !seen.has('login')) throw new Error('the header row needs an email column (email, UserEmail or UserLogin)')
  if (kind === 'companies' && !seen.has('customerId')) throw new Error('the header row needs a customerId column (customerId or CustomerID)')
  return { fields, ignored }
}

/** OTRS ValidID: 1 valid, 2 invalid, 3 invalid-temporarily; also true/false, yes/no, valid/invalid; empty is valid. */
export function parseValid(text: string): boolean {
  const value = text.trim().toLowerCase()
  if (['', '1', 'true', 'yes', 'valid'].includes(value)) return true
  if (['0', '2', '3', 'false', 'no', 'invalid', 'invalid-temporarily'].includes(value)) return false
  throw new Error(`valid: "${text}" is not 1/2/3 (OTRS ValidID), true/false or valid/invalid`)
}

export interface MappedRow {
  /** The email (customer users) or CustomerID (companies). */
  key: string
  /** The body of a PUT: empty cells are left out, so their defaults apply. */
  fields: Record<string, string | boolean>
}

/** One data row → the record's key and fields; throws with what is wrong. */
export function mapRow(kind: CsvRecordKind, mapping: ColumnMapping, row: string[]): MappedRow {
  const fields: Record<string, string | boolean> = {}
  let login = ''
  mapping.fields.forEach((field, index) => {
    const cell = (row[index] ?? '').trim()
    if (!field || cell === '') return
    if (field === 'login') login = cell
    else if (field === 'valid') fields.valid = parseValid(cell)
    else fields[field] = cell
  })
  if (kind === 'customers') {
    // OTRS's UserLogin is often the address too; an email column wins.
    const key = typeof fields.email === 'string' ? fields.email : login.includes('@') ? login : ''
    if (!key) throw new Error(login ? `email: the login "${login}" is not an address and there is no email` : 'email: is empty')
    delete fields.email
    return { key, fields }
  }
  const key = typeof fields.customerId === 'string' ? fields.customerId : ''
  if (!key) throw new Error('customerId: is empty')
  delete fields.customerId
  return { key, fields }
}

/** A record as an export row (booleans as true/false). */
export function exportRow(kind: CsvRecordKind, record: Record<string, unknown>): string[] {
  return exportColumns[kind].map((column) => {
    const value = record[column]
    return typeof value === 'boolean' ? String(value) : typeof value === 'string' ? value : ''
  })
}
