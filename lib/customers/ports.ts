import type { CompanyRecord, CustomerUserRecord } from '../../schemas/customers.ts'

/** Where a record is found: its search tokens and its place in the list by name (kept to remove them on a change). */
export interface DirectoryIndex {
  tokens: string[]
  sortName: string
}

export interface StoredCustomerUser extends CustomerUserRecord {
  /** Optimistic concurrency: every write checks the version it read. */
  version: number
  index: DirectoryIndex
}

export interface StoredCompany extends CompanyRecord {
  version: number
  index: DirectoryIndex
}

export type DirectoryRecordKind = 'user' | 'company'

/** One index item: the token (or sort name) it is listed under, and the record's key (email or CustomerID). */
export interface IndexEntry {
  sortKey: string
  token: string
  id: string
}

/**
 * Customer users and companies in the table. The adapter stores records and their index items;
 * the search itself (which tokens, what matches, paging) is the domain's (customer-directory.ts).
 */
export interface CustomerStore {
  getCustomerUser(email: string): Promise<StoredCustomerUser | undefined>
  getCustomerUsers(emails: string[]): Promise<Map<string, StoredCustomerUser>>
  getCompany(customerId: string): Promise<StoredCompany | undefined>
  getCompanies(customerIds: string[]): Promise<Map<string, StoredCompany>>
  /**
   * Writes the record with its index items (adding new tokens, removing gone ones) and its company
   * membership, in one transaction conditional on `previous`'s version (absent: must not exist).
   * False when someone else wrote it first.
   */
  putCustomerUser(record: StoredCustomerUser, previous: StoredCustomerUser | undefined): Promise<boolean>
  putCompany(record: StoredCompany, previous: StoredCompany | undefined): Promise<boolean>
  /**
   * Index items in order after `after` (exclusive): those whose token starts with `word`, or with
   * no word the list by name. At most `limit`; `more` when there are further items.
   */
  readIndex(kind: DirectoryRecordKind, word: string | undefined, after: string | undefined, limit: number): Promise<{ entries: IndexEntry[]; more: boolean }>
  /** Every customer user, by a parallel-free table scan: only for `docket customers reindex` (an operator's migration), never a user's path. */
  scanCustomerUsers(): AsyncIterable<StoredCustomerUser>
  /** The emails of a company's customer users, in order, after `after` (exclusive). */
  listCompanyMembers(customerId: string, after: string | undefined, limit: number): Promise<{ emails: string[]; more: boolean }>
}
