import type { SearchTerm } from '../../schemas/search.ts'
import { invalidRequest } from '../platform/errors.ts'

/**
 * What one search may cost, the same for both engines (issue 13.1: one search of `invoice` ×8 over a
 * ticket of planted words froze the server for 54 s; `*a` ×1000 for 13 minutes). Terms are counted
 * after repeated ones are dropped, so `invoice invoice invoice` is one term, as it means the same.
 */
export const searchLimits = {
  /** Distinct terms (words, phrases, prefixes, exclusions). OTRS's full-text search gives up far earlier in practice. */
  maxTerms: 12,
  /** Words over all terms: a phrase of 200 words costs as much as 200 terms. */
  maxWords: 32,
  /** Prefix terms ("print*"): each one reads the postings of every word it stands for. */
  maxPrefixTerms: 4,
  /** Letters before a "*": FTS5's prefix index holds prefixes of 2 and 3 characters; "a*" would read the whole dictionary. */
  minPrefixLength: 2,
} as const

const termKey = (term: SearchTerm) => JSON.stringify([term.field, term.words, term.prefix, term.negated])

/**
 * The terms of a search, repeated ones dropped (in order), or a 400 naming `field` (`q` of the quick
 * search, `text` of the advanced one) when the search asks for more than the limits above.
 */
export function boundSearchTerms(terms: SearchTerm[], field: string): SearchTerm[] {
  const seen = new Set<string>()
  const distinct = terms.filter((term) => {
    const key = termKey(term)
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
  if (distinct.length > searchLimits.maxTerms) {
    throw invalidRequest(`the search has ${distinct.length} different terms; at most ${searchLimits.maxTerms} are allowed: leave some words out, or add a filter instead`, field)
  }
  const words = distinct.reduce((sum, term) => sum + term.words.length, 0)
  if (words > searchLimits.maxWords) {
    throw invalidRequest(`the search has ${words} words; at most ${searchLimits.maxWords} are allowed: shorten the phrases`, field)
  }
  const prefixes = distinct.filter((term) => term.prefix)
  if (prefixes.length > searchLimits.maxPrefixTerms) {
    throw invalidRequest(`the search has ${prefixes.length} words with *; at most ${searchLimits.maxPrefixTerms} are allowed: write more of the words out`, field)
  }
  const short = prefixes.find((term) => [...(term.words.at(-1) ?? '')].length < searchLimits.minPrefixLength)
  if (short) {
    throw invalidRequest(`"${short.words.at(-1)}*" is too short: a * needs at least ${searchLimits.minPrefixLength} letters before it (a leading * is ignored)`, field)
  }
  return distinct
}
