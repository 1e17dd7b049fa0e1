import { describe, expect, it } from 'vitest'
import { formatQueryText, parseQueryText, wordsOf } from '../../lib/search/query-text.ts'

describe('search query text', () => {
  it('plain words, phrases, exclusions, fields and prefixes', () => {
    expect(parseQueryText('printer "paper jam" -toner subject:invoice print*')).toEqual({
      terms: [
        { field: null, words: ['printer'], prefix: false, negated: false },
        { field: null, words: ['paper', 'jam'], prefix: false, negated: false },
        { field: null, words: ['toner'], prefix: false, negated: true },
        { field: 'subject', words: ['invoice'], prefix: false, negated: false },
        { field: null, words: ['print'], prefix: true, negated: false },
      ],
      filters: {},
    })
  })

  it('filters by field:value and a bare ticket number', () => {
    expect(parseQueryText('queue:Support state:"closed successful" owner:admin priority:4 2026112342000001').filters).toEqual({
      queues: ['Support'],
      states: ['closed successful'],
      owners: ['admin'],
      priorities: [4],
      number: '2026112342000001',
    })
    expect(parseQueryText('number:20261123*').filters).toEqual({ number: '20261123*' })
  })

  it('the characters that broke OTRS searches are separators, never an error', () => {
    const nasty = '+ - = && || > < ! ( ) { } [ ] ^ " ~ * ? : \\ / a&&b (c) [d] {e} ^f ~g ?h \\i /j k:'
    const parsed = parseQueryText(nasty)
    expect(parsed.terms.flatMap((term) => term.words)).toEqual(expect.arrayContaining(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j']))
    for (const term of parsed.terms) for (const word of term.words) expect(word).toMatch(/^[\p{L}\p{N}][\p{L}\p{N}@._'-]*$/u)
  })

  it('OTRS-style wildcards: "*Mail*Delivery*System*"', () => {
    expect(parseQueryText('"*Mail*Delivery*System*"').terms).toEqual([{ field: null, words: ['mail', 'delivery', 'system'], prefix: false, negated: false }])
    expect(parseQueryText('*Mail*Delivery*System*').terms.map((term) => [term.words[0], term.prefix])).toEqual([['mail', true], ['delivery', true], ['system', true]])
  })

  it('case folds before words are cut, and marks stay in their word (fuzz find: "İ" read back as "i")', () => {
    expect(wordsOf('İstanbul')).toEqual(['i\u0307stanbul'])
    expect(wordsOf(wordsOf('İstanbul')[0]!)).toEqual(wordsOf('İstanbul'))
    const parsed = parseQueryText('İ -Ärger subject:"Straße İzmir" 12345678* queue:"First Level"')
    expect(parseQueryText(formatQueryText(parsed))).toEqual(parsed)
  })

  it('words keep addresses, file names, non-Latin scripts; case folds', () => {
    expect(wordsOf('Ann@Customer.example Заявка на генерацию report_v2.PDF')).toEqual(['ann@customer.example', 'заявка', 'на', 'генерацию', 'report_v2.pdf'])
  })
})
