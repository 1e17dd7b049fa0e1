import { textFields, type SearchFilters, type SearchTerm, type TextField } from '../../schemas/search.ts'

/**
 * Parses what an agent types into search terms and filters. Words, "quoted phrases", -exclusion,
 * field:value (text fields, and queue:/state:/owner:/customer:/number:/priority: as filters), and
 * "*" wildcards. Everything else — the characters that broke OTRS's search for the Piratenpartij
 * admins (+ - = && || > < ! ( ) { } [ ] ^ " ~ * ? : \ /) — separates words and is never passed to
 * an engine: terms come out as plain words, which each engine quotes itself.
 */
export interface ParsedQuery {
  terms: SearchTerm[]
  filters: SearchFilters
}

const fieldAliases: Record<string, TextField> = {
  title: 'title',
  subject: 'subject',
  body: 'body',
  text: 'body',
  from: 'from',
  to: 'to',
  cc: 'cc',
  attachment: 'attachment',
  attachments: 'attachment',
  file: 'attachment',
  filename: 'attachment',
}
const filterFields = ['queue', 'state', 'owner', 'responsible', 'customer', 'customerid', 'number', 'ticket', 'priority', 'lock'] as const

/** Words of a piece of text: letters and digits (any script), with "@", "." and "_" kept inside words (addresses, file names). */
export function wordsOf(text: string): string[] {
  // Case is folded before words are cut, and combining marks belong to their word: "İ" lower-cases
  // to "i" + a combining dot, so folding afterwards made words that did not read back as themselves
  // (found by test/hostile/fuzz.test.ts).
  return text.normalize('NFKC').toLowerCase().normalize('NFKC').match(/[\p{L}\p{N}][\p{L}\p{M}\p{N}@._'-]*[\p{L}\p{M}\p{N}]|[\p{L}\p{N}]/gu) ?? []
}

export function parseQueryText(input: string): ParsedQuery {
  const terms: SearchTerm[] = []
  const filters: SearchFilters = {}
  const add = <K extends keyof SearchFilters>(key: K, value: NonNullable<SearchFilters[K]> extends (infer V)[] ? V : never) => {
    const list = ((filters[key] as unknown[] | undefined) ?? []) as unknown[]
    list.push(value)
    ;(filters as Record<string, unknown>)[key] = list
  }
  // Tokens: optional "-", optional "field:", then a "quoted phrase" or a run of non-space characters.
  const tokenPattern = /(-?)(?:([A-Za-z]+):)?(?:"([^"]*)"?|(\S+))/g
  for (const match of input.slice(0, 2000).matchAll(tokenPattern)) {
    const negated = match[1] === '-'
    const fieldName = match[2]?.toLowerCase()
    const phrase = match[3]
    let raw = phrase ?? match[4] ?? ''
    if (fieldName && (filterFields as readonly string[]).includes(fieldName) && !negated) {
      const value = raw.trim()
      if (!value) continue
      if (fieldName === 'queue') add('queues', value)
      else if (fieldName === 'state') add('states', value)
      else if (fieldName === 'owner') add('owners', value)
      else if (fieldName === 'responsible') add('responsibles', value)
      else if (fieldName === 'customer') add('customers', value.toLowerCase())
      else if (fieldName === 'customerid') add('customerIds', value.toLowerCase())
      else if (fieldName === 'lock') {
        if (value === 'lock' || value === 'locked') filters.lock = 'lock'
        if (value === 'unlock' || value === 'unlocked') filters.lock = 'unlock'
      } else if (fieldName === 'priority') {
        const priority = Number.parseInt(value, 10)
        if (priority >= 1 && priority <= 5) add('priorities', priority)
      } else if (/^\d{1,40}\*?$/.test(value)) filters.number = value
      continue
    }
    const field = fieldName ? (fieldAliases[fieldName] ?? null) : null
    if (fieldName && !field) raw = `${fieldName} ${raw}` // "foo:bar" where foo is no field: both are words
    // A bare ticket number is a number search (OTRS's quick search box).
    if (!fieldName && !phrase && !negated && /^\d{8,40}\*?$/.test(raw) && raw.length >= 8) {
      filters.number = raw
      continue
    }
    if (phrase !== undefined) {
      const words = wordsOf(phrase)
      if (words.length > 0) terms.push({ field, words, prefix: false, negated })
      continue
    }
    // "*" is a wildcard: "print*" is a prefix; "*Mail*Delivery*" means each part as a prefix.
    const parts = raw.split('*')
    parts.forEach((part, index) => {
      const words = wordsOf(part)
      words.forEach((word, wordIndex) => {
        const last = wordIndex === words.length - 1
        const starred = last && index < parts.length - 1
        terms.push({ field, words: [word], prefix: starred || (raw.startsWith('*') && index > 0 && last && parts.at(-1) === ''), negated })
      })
    })
  }
  return { terms, filters }
}

const bareNumber = /^\d{8,40}$/

/**
 * A parsed query as text that parses back to the same query (saved searches and links show it):
 * single words bare, several words as a "phrase", prefixes with "*", filters as field:value.
 */
export function formatQueryText(query: ParsedQuery): string {
  const tokens = query.terms.map((term) => {
    const sign = term.negated ? '-' : ''
    const field = term.field ? `${term.field}:` : ''
    const [word] = term.words
    // A bare number of 8+ digits would read back as a ticket number search.
    const looksLikeNumber = term.words.length === 1 && bareNumber.test(word!) && !term.negated && !term.field
    if (term.prefix) return `${sign}${field}${looksLikeNumber ? '*' : ''}${word}*`
    if (term.words.length === 1 && !looksLikeNumber) return `${sign}${field}${word}`
    return `${sign}${field}"${term.words.join(' ')}"`
  })
  const value = (text: string) => (/\s/.test(text) ? `"${text}"` : text)
  const { filters } = query
  for (const queue of filters.queues ?? []) tokens.push(`queue:${value(queue)}`)
  for (const state of filters.states ?? []) tokens.push(`state:${value(state)}`)
  for (const owner of filters.owners ?? []) tokens.push(`owner:${value(owner)}`)
  for (const responsible of filters.responsibles ?? []) tokens.push(`responsible:${value(responsible)}`)
  for (const customer of filters.customers ?? []) tokens.push(`customer:${value(customer)}`)
  for (const customerId of filters.customerIds ?? []) tokens.push(`customerid:${value(customerId)}`)
  for (const priority of filters.priorities ?? []) tokens.push(`priority:${priority}`)
  if (filters.lock) tokens.push(`lock:${filters.lock}`)
  if (filters.number) tokens.push(`number:${filters.number}`)
  return tokens.join(' ')
}

export const isTextField = (value: string): value is TextField => (textFields as readonly string[]).includes(value)
