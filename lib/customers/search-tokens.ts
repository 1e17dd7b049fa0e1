/**
 * The customer search, as pure rules: what text a record is found by (its tokens), how a query is
 * read, and whether a record matches. The store keeps one index item per token (keyed by the
 * token's first two characters), so a search is one Query of one partition, never a scan; these
 * rules decide the rest, the same way for writes and reads.
 */

/** Shorter queries would read most of an index partition (OTRS's autocomplete asks for 2-3 characters). */
export const minQueryLength = 2
/** A record with more tokens is indexed by the first ones (bounded writes per record). */
export const maxTokensPerRecord = 24

/** Lower case, without accents ("Müller" → "muller"), spaces collapsed: how both sides are compared. */
export function normalizeSearchText(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase().replace(/\s+/g, ' ').trim()
}

/** The words of a query (split at spaces and commas); each must prefix some token of a match. */
export function queryWords(query: string): string[] {
  return [...new Set(normalizeSearchText(query).split(/[\s,;]+/).filter(Boolean))]
}

/** The word a search looks up in the index: the longest (most selective); undefined if none is long enough. */
export function lookupWord(words: string[]): string | undefined {
  const longest = [...words].sort((a, b) => b.length - a.length)[0]
  return longest && longest.length >= minQueryLength ? longest : undefined
}

/** The index partition of a token or a lookup word: its first two characters. */
export const tokenPartition = (token: string) => token.slice(0, minQueryLength)

/** Each word of a name, whole and in its parts ("anne-marie" → anne-marie, marie). */
function nameTokens(text: string): string[] {
  return normalizeSearchText(text)
    .split(/[\s,;]+/)
    .flatMap((word) => [word, ...word.split(/[-'.()&/]+/).slice(1)])
}

/** An address is found by itself, its local part's words and its domain ("ann.lee@x.example" → ann.lee@x.example, lee, x.example). */
function addressTokens(address: string): string[] {
  const lower = normalizeSearchText(address)
  const [local = '', domain = ''] = lower.split('@')
  return [lower, ...local.split(/[._+-]+/).slice(1), domain]
}

function finish(tokens: string[]): string[] {
  return [...new Set(tokens.filter((token) => token.length >= minQueryLength))].sort().slice(0, maxTokensPerRecord)
}

export function customerUserTokens(user: { email: string; firstName: string; lastName: string; customerId: string; companyName: string }): string[] {
  return finish([...addressTokens(user.email), ...nameTokens(user.firstName), ...nameTokens(user.lastName), ...nameTokens(user.companyName), normalizeSearchText(user.customerId), ...nameTokens(user.customerId)])
}

export function companyTokens(company: { customerId: string; name: string }): string[] {
  return finish([normalizeSearchText(company.customerId), ...nameTokens(company.customerId), ...nameTokens(company.name)])
}

/** Every query word prefixes one of the tokens. */
export function matchesAll(tokens: string[], words: string[]): boolean {
  return words.every((word) => tokens.some((token) => token.startsWith(word)))
}

/**
 * The token under which a record is listed for a lookup word: the first (in index order) that the
 * word prefixes. A record hit through several of its tokens is taken at this one only, so pages
 * never repeat it; a hit through a token it no longer has (an index item left by a race) is dropped.
 */
export function listingToken(tokens: string[], word: string): string | undefined {
  return tokens.find((token) => token.startsWith(word))
}

/** Where an empty search lists a record: by name, then its key. */
export function sortName(...parts: string[]): string {
  return normalizeSearchText(parts.filter(Boolean).join(' ')) || '~'
}
