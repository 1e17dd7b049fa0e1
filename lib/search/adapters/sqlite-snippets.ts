import type { SearchTerm, TextField } from '../../../schemas/search.ts'

/**
 * The highlighted passage of a hit, computed here in linear time instead of FTS5's snippet(): that
 * one scores every match of every phrase against every other, so its cost grows with the square of
 * the matches in a field. A ticket of 16,000 lines of planted `invoice` took minutes per hit
 * (issue 13.1). Here a field is read up to `snippetTextChars` and scanned once per term.
 *
 * Words are cut and folded as FTS5's `unicode61 remove_diacritics 2` tokenizer does (letters,
 * digits, marks and private-use characters make words; case and diacritics are folded), so a
 * passage marks what the index matched.
 */
export const snippetTextChars = 20_000
/** Words in a passage, as snippet(…, 16) gave before. */
const passageWords = 16
/** Words shown before the first match of a passage. */
const leadingWords = 3

const tokenPattern = /[\p{L}\p{N}\p{M}\p{Co}]+/gu
const fold = (token: string) => token.normalize('NFD').replace(/\p{M}+/gu, '').toLowerCase()

interface Token {
  start: number
  end: number
  folded: string
}

/** A field's text as read for the passage: `truncated` when the field goes on beyond it. */
export interface FieldText {
  field: TextField
  text: string
  truncated: boolean
}

interface Phrase {
  field: TextField | null
  tokens: string[]
  prefix: boolean
}

const escapeHtml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')

function phrasesOf(terms: SearchTerm[]): Phrase[] {
  return terms
    .filter((term) => !term.negated)
    .map((term) => ({ field: term.field, tokens: term.words.flatMap((word) => (word.match(tokenPattern) ?? []).map(fold)).filter(Boolean), prefix: term.prefix }))
    .filter((phrase) => phrase.tokens.length > 0)
}

/** Where each phrase matches: per token, the phrases that start there, and which tokens are inside a match. */
function matchesIn(tokens: Token[], phrases: Phrase[]): { startsAt: Map<number, Set<number>>; marked: Uint8Array } {
  const startsAt = new Map<number, Set<number>>()
  const marked = new Uint8Array(tokens.length)
  phrases.forEach((phrase, index) => {
    const last = phrase.tokens.length - 1
    for (let at = 0; at + last < tokens.length; at++) {
      let matches = true
      for (let offset = 0; offset <= last && matches; offset++) {
        const token = tokens[at + offset]!.folded
        const wanted = phrase.tokens[offset]!
        matches = offset === last && phrase.prefix ? token.startsWith(wanted) : token === wanted
      }
      if (!matches) continue
      ;(startsAt.get(at) ?? startsAt.set(at, new Set()).get(at)!).add(index)
      marked.fill(1, at, at + last + 1)
    }
  })
  return { startsAt, marked }
}

interface Passage {
  score: number
  html: string
}

function passageOf(field: FieldText, phrases: Phrase[]): Passage | null {
  const own = phrases.map((phrase) => (phrase.field === null || phrase.field === field.field ? phrase : null))
  const usable = own.filter((phrase): phrase is Phrase => phrase !== null)
  if (usable.length === 0 || field.text.length === 0) return null
  const tokens: Token[] = []
  for (const match of field.text.matchAll(tokenPattern)) tokens.push({ start: match.index, end: match.index + match[0].length, folded: fold(match[0]) })
  const { startsAt, marked } = matchesIn(tokens, usable)
  if (startsAt.size === 0) return null
  // The best window of `passageWords` words: most different phrases, then most matched words; the earliest wins ties.
  const starts = [...startsAt.keys()].sort((a, b) => a - b)
  let best = { from: 0, score: -1 }
  let startIndex = 0
  for (const first of starts) {
    // A few words before the match, more when the field ends sooner: a passage shows `passageWords` words when the field has them.
    const from = Math.max(0, Math.min(first - leadingWords, tokens.length - passageWords))
    const to = Math.min(tokens.length, from + passageWords)
    const distinct = new Set<number>()
    while (startIndex < starts.length && starts[startIndex]! < from) startIndex++
    for (let index = startIndex; index < starts.length && starts[index]! < to; index++) for (const phrase of startsAt.get(starts[index]!)!) distinct.add(phrase)
    let words = 0
    for (let at = from; at < to; at++) words += marked[at]!
    const score = distinct.size * 1000 + words
    if (score > best.score) best = { from, score }
    if (distinct.size === usable.length && words === to - from) break // nothing can score higher
  }
  const from = best.from
  const to = Math.min(tokens.length, from + passageWords)
  let html = from > 0 ? '…' : escapeHtml(field.text.slice(0, tokens[0]!.start))
  for (let at = from; at < to; at++) {
    const token = tokens[at]!
    if (at > from) html += escapeHtml(field.text.slice(tokens[at - 1]!.end, token.start))
    const word = escapeHtml(field.text.slice(token.start, token.end))
    html += marked[at] ? `<mark>${word}</mark>` : word
  }
  html += to < tokens.length || field.truncated ? '…' : escapeHtml(field.text.slice(tokens[to - 1]!.end))
  return { score: best.score, html }
}

/**
 * The passage of the field that matches best (fields in the order given win ties), as HTML: the text
 * escaped, matches in <mark>…</mark>. Null when no field matches within what was read.
 */
export function highlightPassage(fields: FieldText[], terms: SearchTerm[]): string | null {
  const phrases = phrasesOf(terms)
  let best: Passage | null = null
  for (const field of fields) {
    const passage = passageOf(field, phrases)
    if (passage && (!best || passage.score > best.score)) best = passage
  }
  return best?.html ?? null
}
