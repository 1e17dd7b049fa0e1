import * as z from 'zod'
import {
  CompanyInputSchema,
  customerEmail,
  customerIdText,
  CustomerUserInputSchema,
  type CompanyRecord,
  type CustomerUserRecord,
} from '../../schemas/customers.ts'
import type { AgentConfig, DocketConfig } from '../../schemas/config.ts'
import { canManageCustomers } from '../auth/permissions.ts'
import { customerIdFor } from '../mail/customer-id.ts'
import type { Clock } from '../platform/clock.ts'
import { formatIssues } from '../platform/config.ts'
import { DocketError, forbidden, invalidRequest, notFound } from '../platform/errors.ts'
import type { CustomerStore, DirectoryRecordKind, StoredCompany, StoredCustomerUser } from './ports.ts'
import { companyTokens, customerUserTokens, listingToken, lookupWord, matchesAll, minQueryLength, queryWords, sortName } from './search-tokens.ts'

/**
 * The customer directory (OTRS Customer User and Customer administration, and the customer search
 * of every customer field): reads for any agent, changes for admins and agents whose role has
 * `manageCustomers` (OTRS: the admin group, or the customer management permission).
 */
export interface CustomerDirectoryDeps {
  customers: CustomerStore
  config: DocketConfig
  clock: Clock
}

/** Who changes a record: an agent (rights checked), or the command line run by the operator. */
export type DirectoryActor = { agent: AgentConfig } | 'operator'

export interface DirectorySearch {
  search: string
  limit: number
  cursor?: string | undefined
  valid?: 'all' | 'valid'
}

export interface DirectoryPage<T> {
  items: T[]
  next: string | null
}

/** Index items read per page at most (a search with many hits the other words rule out answers a short page with `next`). */
const readBudget = (limit: number) => Math.max(100, limit * 5)
const writeAttempts = 4

function requireRight(config: DocketConfig, actor: DirectoryActor): void {
  if (actor !== 'operator' && !canManageCustomers(config, actor.agent)) {
    throw forbidden('only admins and agents whose role has manageCustomers may add or change customer users and customers (OTRS: the admin group)')
  }
}

function parseEmail(email: string): string {
  const parsed = customerEmail.safeParse(email)
  if (!parsed.success) throw invalidRequest(`path.email: ${parsed.error.issues[0]?.message ?? 'must be an email address'}`, 'path.email')
  return parsed.data
}

function parseCustomerId(customerId: string): string {
  const parsed = customerIdText.safeParse(customerId)
  if (!parsed.success) throw invalidRequest(`path.customerId: ${parsed.error.issues[0]?.message ?? 'is not a CustomerID'}`, 'path.customerId')
  return parsed.data
}

function parseWith<S extends z.ZodType>(schema: S, input: unknown, prefix: string): z.output<S> {
  const parsed = schema.safeParse(input)
  if (parsed.success) return parsed.data
  const first = parsed.error.issues[0]
  throw invalidRequest(formatIssues(parsed.error.issues, prefix).join('; '), first ? [prefix, ...first.path.map(String)].join('.') : prefix)
}

const publicUser = ({ version: _version, index: _index, ...record }: StoredCustomerUser): CustomerUserRecord => record
const publicCompany = ({ version: _version, index: _index, ...record }: StoredCompany): CompanyRecord => record

function encodeCursor(sortKey: string): string {
  return Buffer.from(JSON.stringify({ after: sortKey })).toString('base64url')
}

function decodeCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { after?: unknown }
    if (typeof value.after === 'string') return value.after
  } catch {
    // fall through
  }
  throw invalidRequest('cursor is not one this server handed out; start again without it', 'query.cursor')
}

/**
 * One page of a search: index items in order from the cursor, each record read (BatchGetItem)
 * and kept when every query word matches, listed at its first matching token only (no repeats
 * across pages). The cursor is the last index item looked at.
 */
async function searchIndex<T extends { valid: boolean; index: { tokens: string[] } }>(
  deps: CustomerDirectoryDeps,
  kind: DirectoryRecordKind,
  request: DirectorySearch,
  load: (ids: string[]) => Promise<Map<string, T>>,
): Promise<DirectoryPage<T>> {
  const words = queryWords(request.search)
  const word = lookupWord(words)
  if (words.length > 0 && word === undefined) throw invalidRequest(`query.search: type at least ${minQueryLength} characters, or none to list all`, 'query.search')
  let after = decodeCursor(request.cursor)
  const items: T[] = []
  let read = 0
  for (;;) {
    const batch = Math.min(100, Math.max(request.limit * 2, 20))
    const { entries, more } = await deps.customers.readIndex(kind, word, after, batch)
    read += entries.length
    const records = await load(entries.map((entry) => entry.id))
    for (const entry of entries) {
      after = entry.sortKey
      const record = records.get(entry.id)
      if (!record) continue
      if (request.valid === 'valid' && !record.valid) continue
      if (word !== undefined && (listingToken(record.index.tokens, word) !== entry.token || !matchesAll(record.index.tokens, words))) continue
      items.push(record)
      if (items.length === request.limit) return { items, next: encodeCursor(entry.sortKey) }
    }
    if (!more) return { items, next: null }
    if (read >= readBudget(request.limit)) return { items, next: after === undefined ? null : encodeCursor(after) }
  }
}

export async function searchCustomerUsers(deps: CustomerDirectoryDeps, request: DirectorySearch): Promise<DirectoryPage<CustomerUserRecord>> {
  const page = await searchIndex(deps, 'user', request, (ids) => deps.customers.getCustomerUsers(ids))
  return { items: page.items.map(publicUser), next: page.next }
}

export async function searchCompanies(deps: CustomerDirectoryDeps, request: DirectorySearch): Promise<DirectoryPage<CompanyRecord>> {
  const page = await searchIndex(deps, 'company', request, (ids) => deps.customers.getCompanies(ids))
  return { items: page.items.map(publicCompany), next: page.next }
}

export async function getCustomerUser(deps: Pick<CustomerDirectoryDeps, 'customers'>, email: string): Promise<CustomerUserRecord> {
  const record = await deps.customers.getCustomerUser(parseEmail(email))
  if (!record) throw notFound(`customer user ${email}`)
  return publicUser(record)
}

export async function getCompany(deps: Pick<CustomerDirectoryDeps, 'customers'>, customerId: string): Promise<CompanyRecord> {
  const record = await deps.customers.getCompany(parseCustomerId(customerId))
  if (!record) throw notFound(`customer ${customerId}`)
  return publicCompany(record)
}

/** A company's customer users by address (only those whose record still names this company). */
export async function listCompanyUsers(deps: Pick<CustomerDirectoryDeps, 'customers'>, customerId: string, request: { limit: number; cursor?: string | undefined }): Promise<DirectoryPage<CustomerUserRecord>> {
  const id = parseCustomerId(customerId)
  const { emails, more } = await deps.customers.listCompanyMembers(id, decodeCursor(request.cursor), request.limit)
  const records = await deps.customers.getCustomerUsers(emails)
  const items = emails.map((email) => records.get(email)).filter((record) => record !== undefined && record.customerId.toLowerCase() === id.toLowerCase())
  return { items: (items as StoredCustomerUser[]).map(publicUser), next: more && emails.length > 0 ? encodeCursor(emails.at(-1)!) : null }
}

/** Creates or changes a customer user (PUT semantics: fields left out take their defaults). */
export async function saveCustomerUser(deps: CustomerDirectoryDeps, actor: DirectoryActor, email: string, input: unknown): Promise<{ record: CustomerUserRecord; created: boolean }> {
  requireRight(deps.config, actor)
  const address = parseEmail(email)
  const fields = parseWith(CustomerUserInputSchema, input, 'body')
  const customerId = fields.customerId ?? customerIdFor(deps.config, address)
  const company = await deps.customers.getCompany(customerId)
  for (let attempt = 0; attempt < writeAttempts; attempt++) {
    const previous = await deps.customers.getCustomerUser(address)
    const record = buildUser(deps, address, { ...fields, customerId }, company?.name ?? '', previous)
    if (await deps.customers.putCustomerUser(record, previous)) return { record: publicUser(record), created: previous === undefined }
  }
  throw new DocketError('conflict', `customer user ${address} was changed by someone else at the same time; try again`)
}

function buildUser(deps: CustomerDirectoryDeps, email: string, fields: Omit<CustomerUserRecord, 'email' | 'name' | 'companyName' | 'createdAt' | 'changedAt'>, companyName: string, previous: StoredCustomerUser | undefined): StoredCustomerUser {
  const now = deps.clock.now().toISOString()
  const base = { ...fields, email, companyName }
  return {
    ...base,
    name: `${fields.firstName} ${fields.lastName}`.trim() || email,
    createdAt: previous?.createdAt || now,
    changedAt: now,
    version: (previous?.version ?? 0) + 1,
    index: { tokens: customerUserTokens(base), sortName: sortName(fields.lastName, fields.firstName, email) },
  }
}

/** Creates or changes a company; a new name is written into its customer users' search tokens. */
export async function saveCompany(deps: CustomerDirectoryDeps, actor: DirectoryActor, customerId: string, input: unknown): Promise<{ record: CompanyRecord; created: boolean }> {
  requireRight(deps.config, actor)
  const id = parseCustomerId(customerId)
  const fields = parseWith(CompanyInputSchema, input, 'body')
  for (let attempt = 0; attempt < writeAttempts; attempt++) {
    const previous = await deps.customers.getCompany(id)
    const now = deps.clock.now().toISOString()
    const record: StoredCompany = {
      ...fields,
      customerId: previous?.customerId ?? id,
      createdAt: previous?.createdAt || now,
      changedAt: now,
      version: (previous?.version ?? 0) + 1,
      index: { tokens: companyTokens({ customerId: id, name: fields.name }), sortName: sortName(fields.name, id) },
    }
    if (await deps.customers.putCompany(record, previous)) {
      if (previous?.name !== record.name) await renameInUsers(deps, record)
      return { record: publicCompany(record), created: previous === undefined }
    }
  }
  throw new DocketError('conflict', `customer ${id} was changed by someone else at the same time; try again`)
}

/** Rare (an admin renames a company): its customer users are found by the new name from now on. */
async function renameInUsers(deps: CustomerDirectoryDeps, company: StoredCompany): Promise<void> {
  let after: string | undefined
  for (;;) {
    const { emails, more } = await deps.customers.listCompanyMembers(company.customerId, after, 100)
    const records = await deps.customers.getCustomerUsers(emails)
    for (const email of emails) {
      for (let attempt = 0; attempt < writeAttempts; attempt++) {
        const previous = attempt === 0 ? records.get(email) : await deps.customers.getCustomerUser(email)
        if (!previous || previous.customerId.toLowerCase() !== company.customerId.toLowerCase() || previous.companyName === company.name) break
        const { email: _email, name: _name, companyName: _companyName, createdAt: _createdAt, changedAt: _changedAt, version: _version, index: _index, ...fields } = previous
        if (await deps.customers.putCustomerUser({ ...buildUser(deps, email, fields, company.name, previous), changedAt: previous.changedAt }, previous)) break
      }
    }
    if (!more || emails.length === 0) return
    after = emails.at(-1)
  }
}

/** Every record in name order, page by page (the CSV export). */
export async function* allCustomerUsers(deps: CustomerDirectoryDeps): AsyncIterable<CustomerUserRecord> {
  let cursor: string | undefined
  do {
    const page = await searchCustomerUsers(deps, { search: '', limit: 100, cursor })
    yield* page.items
    cursor = page.next ?? undefined
  } while (cursor)
}

export async function* allCompanies(deps: CustomerDirectoryDeps): AsyncIterable<CompanyRecord> {
  let cursor: string | undefined
  do {
    const page = await searchCompanies(deps, { search: '', limit: 100, cursor })
    yield* page.items
    cursor = page.next ?? undefined
  } while (cursor)
}

/**
 * `docket customers reindex`: customer users stored before they were records (only a name, no
 * search items) get their fields, search items and company membership. Idempotent; skips records
 * already indexed as they would be now.
 */
export async function reindexCustomerUsers(deps: CustomerDirectoryDeps): Promise<{ checked: number; reindexed: number }> {
  let checked = 0
  let reindexed = 0
  const companies = new Map<string, string>()
  for await (const stored of deps.customers.scanCustomerUsers()) {
    checked++
    const key = stored.customerId.toLowerCase()
    if (!companies.has(key)) companies.set(key, (await deps.customers.getCompany(stored.customerId))?.name ?? '')
    const { email, name: _name, companyName: _companyName, createdAt: _createdAt, changedAt: _changedAt, version: _version, index: _index, ...fields } = stored
    const record = { ...buildUser(deps, email, fields, companies.get(key) ?? '', stored), changedAt: stored.changedAt }
    if (stored.version > 0 && record.index.sortName === stored.index.sortName && record.index.tokens.join('\n') === stored.index.tokens.join('\n')) continue
    // A legacy item has no membership item yet either: write it as for a changed company.
    if (await deps.customers.putCustomerUser(record, stored.version > 0 ? stored : { ...stored, customerId: '' })) reindexed++
  }
  return { checked, reindexed }
}
