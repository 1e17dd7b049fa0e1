import { describe, expect, it } from 'vitest'
import { highlightPassage, snippetTextChars } from '../../lib/search/adapters/sqlite-snippets.ts'
import { boundSearchTerms, searchLimits } from '../../lib/search/query-limits.ts'
import { parseQueryText } from '../../lib/search/query-text.ts'
import { DocketError } from '../../lib/platform/errors.ts'

const bound = (text: string, field = 'q') => boundSearchTerms(parseQueryText(text).terms, field)
const refusal = (text: string, field = 'q') => {
  try {
    bound(text, field)
  } catch (error) {
    return error
  }
  throw new Error(`"${text.slice(0, 40)}" was not refused`)
}

describe('search limits (issue 13.1)', () => {
  it('repeated terms are one: `invoice` ×8 is `invoice`; a phrase, a prefix, a field or an exclusion of the same word are other terms', () => {
    expect(bound(Array(8).fill('invoice').join(' '))).toEqual([{ field: null, words: ['invoice'], prefix: false, negated: false }])
    expect(bound('Invoice INVOICE invoice "invoice" invoice* subject:invoice -invoice invoice*').map((term) => [term.field, term.prefix, term.negated])).toEqual([
      [null, false, false],
      [null, true, false],
      ['subject', false, false],
      [null, false, true],
    ])
    // `*a` ×N with spaces: a leading * is dropped, so it is the word a, once.
    expect(bound(Array(666).fill('*a').join(' '))).toEqual([{ field: null, words: ['a'], prefix: false, negated: false }])
  })

  it('at the limits a search passes; one more is a 400 naming the field, saying what to do', () => {
    const words = (count: number) => Array.from({ length: count }, (_, index) => `word${index}`)
    expect(bound(words(searchLimits.maxTerms).join(' '))).toHaveLength(searchLimits.maxTerms)
    expect(refusal(words(searchLimits.maxTerms + 1).join(' '))).toMatchObject({
      code: 'invalid_request',
      status: 400,
      field: 'q',
      message: 'the search has 13 different terms; at most 12 are allowed: leave some words out, or add a filter instead',
    })
    expect(bound(`"${words(16).join(' ')}" "${words(16).join(' ')}"`)).toHaveLength(1)
    expect(refusal(`"${words(20).join(' ')}" "${words(13).join(' ')} again"`, 'text')).toMatchObject({ field: 'text', message: expect.stringMatching(/34 words; at most 32/) })
    expect(bound('ab* cd* ef* gh*')).toHaveLength(4)
    expect(refusal('ab* cd* ef* gh* ij*')).toMatchObject({ message: expect.stringMatching(/5 words with \*; at most 4/) })
  })

  it('a one-letter prefix is refused (it reads the whole dictionary); `*a` ×1000 among them', () => {
    expect(refusal('a*')).toMatchObject({ field: 'q', message: '"a*" is too short: a * needs at least 2 letters before it (a leading * is ignored)' })
    const flood = refusal('*a'.repeat(1000))
    expect(flood).toBeInstanceOf(DocketError)
    expect(flood).toMatchObject({ code: 'invalid_request', message: expect.stringMatching(/"a\*" is too short/) })
    expect(bound('ab*')).toEqual([{ field: null, words: ['ab'], prefix: true, negated: false }])
    expect(() => bound('ü*')).toThrow(/too short/)
  })
})

describe('passages (issue 13.1: linear, bounded, instead of FTS5 snippet())', () => {
  const terms = (text: string) => parseQueryText(text).terms

  it('marks the words, phrases and prefixes that match, folded as the index folds them, HTML-escaped', () => {
    const fields = [
      { field: 'title' as const, text: 'Printer on fire', truncated: false },
      { field: 'body' as const, text: 'The office printer <HP> shows error E42 & smells of smoke.', truncated: false },
    ]
    expect(highlightPassage(fields, terms('e42'))).toBe('The office printer &lt;HP&gt; shows error <mark>E42</mark> &amp; smells of smoke.')
    expect(highlightPassage(fields, terms('"error e42" smok*'))).toBe('The office printer &lt;HP&gt; shows <mark>error</mark> <mark>E42</mark> &amp; smells of <mark>smoke</mark>.')
    // A word in two fields: the field with more different matches wins; the title wins a tie.
    expect(highlightPassage(fields, terms('printer'))).toBe('<mark>Printer</mark> on fire')
    expect(highlightPassage(fields, terms('printer fire'))).toBe('<mark>Printer</mark> on <mark>fire</mark>')
    expect(highlightPassage([{ field: 'body', text: 'Größe und Straße, café', truncated: false }], terms('grosse cafe strasse'))).toBe('Größe und Straße, <mark>café</mark>')
    expect(highlightPassage(fields, terms('subject:printer'))).toBeNull()
    expect(highlightPassage(fields, terms('-printer'))).toBeNull()
  })

  it('a long field: 16 words around the best place, … where text is left out', () => {
    const text = `${Array.from({ length: 40 }, (_, index) => `w${index}`).join(' ')} invoice and more ${Array.from({ length: 40 }, (_, index) => `v${index}`).join(' ')}`
    expect(highlightPassage([{ field: 'body', text, truncated: false }], terms('invoice'))).toBe('…w37 w38 w39 <mark>invoice</mark> and more v0 v1 v2 v3 v4 v5 v6 v7 v8 v9…')
    expect(highlightPassage([{ field: 'body', text: 'invoice at the end', truncated: true }], terms('invoice'))).toBe('<mark>invoice</mark> at the end…')
  })

  it('the planted field (issue 13.1) costs milliseconds: time grows with the text, not with the square of the matches', () => {
    const planted = `${Array(12).fill('invoice').join(' ')}\r\n`.repeat(16_000).slice(0, snippetTextChars)
    const many = terms('invoice invoic* "invoice invoice" body:invoice inv* "invoice invoice invoice"')
    highlightPassage([{ field: 'body', text: planted, truncated: true }], many) // warm up
    const started = performance.now()
    const passage = highlightPassage([{ field: 'body', text: planted, truncated: true }], many)
    expect(performance.now() - started).toBeLessThan(250)
    expect(passage).toMatch(/^(<mark>invoice<\/mark>\s+){15}<mark>invoice<\/mark>…$/)
  })
})
