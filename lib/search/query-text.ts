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
  return (text.normalize('NFKC').match(/[\p{L}\p{N}][\p{L}\p{N}@._'-]*[\p{L}\p{N}]|[\p{L}\p{N}]/gu) ?? []).map((word) => word.toLowerCase())
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

export const isTextField = (value: string): value is TextField => (textFields as readonly string[]).includes(value)
