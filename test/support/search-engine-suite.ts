import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { EngineQuery, SearchIndex, TicketDocument } from '../../lib/search/ports.ts'
import { parseQueryText } from '../../lib/search/query-text.ts'

/**
 * What every search engine must do with an EngineQuery, whichever engine it is: the SQLite FTS5
 * index locally, OpenSearch in AWS. Call it inside a describe with a factory that opens an empty
 * index; test/integration/search-engine.test.ts runs it against each engine it can reach.
 *
 * The corpus avoids words that share a stem across tickets: OpenSearch also matches stemmed
 * forms (English, German, Dutch), so "printers" would find "printer" there and not locally.
 * Where the engines may differ on purpose (stemming, scores), the suite does not look.
 */
export interface EngineUnderTest {
  index: SearchIndex
  cleanup(): Promise<void>
}

const base = {
  responsible: null,
  lock: 'unlock',
  closedAt: null,
  pendingUntil: null,
  cc: '',
  attachment: '',
  to: 'support@example.com',
} as const

/** Five tickets, A–E. */
export const corpus: Record<'A' | 'B' | 'C' | 'D' | 'E', TicketDocument> = {
  A: {
    ...base,
    number: '2026110142000001',
    version: 1,
    title: 'Printer on fire',
    subject: 'Printer on fire',
    body: 'The office printer <HP> shows error E42 & smells of smoke.',
    from: 'Ann <ann@customer.example>',
    queue: 'Support',
    state: 'new',
    stateType: 'new',
    priority: 3,
    owner: null,
    customer: 'ann@customer.example',
    customerId: 'customer.example',
    createdAt: '2026-11-01T10:00:00.000Z',
    changedAt: '2026-11-05T10:00:00.000Z',
  },
  B: {
    ...base,
    number: '2026110242000002',
    version: 4,
    title: 'Invoice 2026-11 wrong',
    subject: 'Invoice 2026-11 wrong',
    body: 'The amount on the invoice is wrong; the printer was not ordered.',
    from: 'bob@billing.example',
    cc: 'accounts@billing.example',
    queue: 'Support',
    state: 'open',
    stateType: 'open',
    priority: 4,
    owner: 'agent1',
    responsible: 'agent2',
    lock: 'lock',
    customer: 'bob@billing.example',
    customerId: 'billing.example',
    createdAt: '2026-11-02T10:00:00.000Z',
    changedAt: '2026-11-03T10:00:00.000Z',
  },
  C: {
    ...base,
    number: '2026110342000003',
    version: 2,
    title: 'Quote for twenty laptops',
    subject: 'Quote for twenty laptops',
    body: 'Please send a quote for twenty laptops.',
    from: 'carol@buyer.example',
    to: 'sales@example.com',
    attachment: 'quote-request.txt\nBudget approved by finance',
    queue: 'Sales',
    state: 'closed successful',
    stateType: 'closed',
    priority: 2,
    owner: null,
    customer: 'carol@buyer.example',
    customerId: 'buyer.example',
    createdAt: '2026-11-03T10:00:00.000Z',
    changedAt: '2026-11-04T10:00:00.000Z',
    closedAt: '2026-11-04T10:00:00.000Z',
  },
  D: {
    ...base,
    number: '2026110442000004',
    version: 3,
    title: 'Drucker defekt',
    subject: 'Drucker defekt',
    body: 'Der Drucker zeigt Fehler E17. Treffen im Café, Straße und Größe.',
    from: 'dieter@kunde.example',
    queue: 'Support',
    state: 'pending reminder',
    stateType: 'pending reminder',
    priority: 5,
    owner: 'agent2',
    customer: 'dieter@kunde.example',
    customerId: 'kunde.example',
    createdAt: '2026-11-04T10:00:00.000Z',
    changedAt: '2026-11-06T10:00:00.000Z',
    pendingUntil: '2026-11-10T08:00:00.000Z',
  },
  E: {
    ...base,
    number: '2026110542000005',
    version: 1,
    title: 'Mail Delivery System notice',
    subject: 'Mail Delivery System notice',
    body: 'Undelivered mail returned to sender.',
    from: 'MAILER-DAEMON@mx.example',
    queue: 'Raw',
    state: 'new',
    stateType: 'new',
    priority: 3,
    owner: null,
    customer: null,
    customerId: null,
    createdAt: '2026-11-05T10:00:00.000Z',
    changedAt: '2026-11-02T10:00:00.000Z',
  },
}

const allQueues = ['Support', 'Sales', 'Raw']
const keyOf = Object.fromEntries(Object.entries(corpus).map(([key, document]) => [document.number, key]))

type QueryOptions = Partial<Omit<EngineQuery, 'terms' | 'filters'>> & { filters?: Partial<EngineQuery['filters']> }
const engineQuery = (text: string, options: QueryOptions = {}): EngineQuery => ({
  terms: parseQueryText(text).terms,
  filters: { queues: allQueues, ...options.filters },
  sort: options.sort ?? 'relevance',
  order: options.order ?? 'desc',
  limit: options.limit ?? 50,
  offset: options.offset ?? 0,
})

const lab = (number: string, version: number, title: string): TicketDocument => ({ ...corpus.A, number, version, title, subject: title, body: '', queue: 'Lab' })

export function searchEngineSuite(open: () => Promise<EngineUnderTest>): void {
  describe('matching, filters, sorting, paging, highlights', () => {
    let engine: EngineUnderTest
    const run = (text: string, options?: QueryOptions) => engine.index.search(engineQuery(text, options))
    /** Keys of the hits, in order. */
    const found = async (text: string, options?: QueryOptions) => (await run(text, options)).hits.map((hit) => keyOf[hit.number] ?? hit.number)
    /** Keys of the hits, as a set (the order is not the point). */
    const foundSet = async (text: string, options?: QueryOptions) => (await found(text, options)).sort()

    beforeAll(async () => {
      engine = await open()
      await engine.index.upsert(Object.values(corpus))
    })
    afterAll(async () => {
      await engine?.cleanup()
    })

    it('words: every word must match, in any text field; a title match ranks first', async () => {
      expect(await found('printer')).toEqual(['A', 'B'])
      expect(await found('laptops')).toEqual(['C'])
      expect(await found('invoice wrong')).toEqual(['B'])
      expect(await found('invoice laptops')).toEqual([])
      expect(await found('xylophone')).toEqual([])
    })

    it('phrases match the words in order', async () => {
      expect(await found('"error E42"')).toEqual(['A'])
      expect(await found('"E42 error"')).toEqual([])
      expect(await found('"twenty laptops"')).toEqual(['C'])
    })

    it('exclusions: -word drops every ticket with the word, in any field or in the one named', async () => {
      expect(await found('printer -invoice')).toEqual(['A'])
      expect(await foundSet('-printer')).toEqual(['C', 'D', 'E'])
      expect(await found('printer -title:printer')).toEqual(['B'])
      expect(await found('-"error E42"', { sort: 'created', order: 'asc' })).toEqual(['B', 'C', 'D', 'E'])
    })

    it('prefixes: word* matches the words that begin so', async () => {
      expect(await foundSet('print*')).toEqual(['A', 'B'])
      expect(await found('lapt*')).toEqual(['C'])
      expect(await found('deliv*')).toEqual(['E'])
      expect(await found('print* -invoi*')).toEqual(['A'])
      // A phrase whose last word is a prefix (the query model allows it; the parser does not make one).
      const phrasePrefix = async (words: string[]) => (await engine.index.search({ ...engineQuery(''), terms: [{ field: null, words, prefix: true, negated: false }] })).hits.map((hit) => keyOf[hit.number])
      expect(await phrasePrefix(['twenty', 'lap'])).toEqual(['C'])
      expect(await phrasePrefix(['lap', 'twenty'])).toEqual([])
    })

    it('field:value looks in one field only', async () => {
      expect(await found('title:printer')).toEqual(['A'])
      expect(await found('from:bob@billing.example')).toEqual(['B'])
      expect(await found('cc:accounts')).toEqual(['B'])
      expect(await found('attachment:budget')).toEqual(['C'])
      expect(await found('subject:drucker')).toEqual(['D'])
      expect(await found('from:printer')).toEqual([])
    })

    it('case and accents do not matter', async () => {
      expect(await found('CAFE')).toEqual(['D'])
      expect(await found('café')).toEqual(['D'])
      expect(await found('größe')).toEqual(['D'])
    })

    it('filters: each one, alone and with words; an empty list matches nothing', async () => {
      expect(await foundSet('', { filters: { queues: ['Sales'] } })).toEqual(['C'])
      expect(await foundSet('', { filters: { queues: [] } })).toEqual([])
      expect(await foundSet('printer', { filters: { queues: ['Sales'] } })).toEqual([])
      expect(await foundSet('', { filters: { states: ['open'] } })).toEqual(['B'])
      expect(await foundSet('', { filters: { states: [] } })).toEqual([])
      expect(await foundSet('', { filters: { stateTypes: ['closed', 'pending reminder'] } })).toEqual(['C', 'D'])
      expect(await foundSet('', { filters: { priorities: [5, 2] } })).toEqual(['C', 'D'])
      expect(await foundSet('', { filters: { owners: ['agent1'] } })).toEqual(['B'])
      expect(await foundSet('', { filters: { responsibles: ['agent2'] } })).toEqual(['B'])
      expect(await foundSet('', { filters: { lock: 'lock' } })).toEqual(['B'])
      expect(await foundSet('', { filters: { lock: 'unlock' } })).toEqual(['A', 'C', 'D', 'E'])
      expect(await foundSet('', { filters: { customers: ['carol@buyer.example'] } })).toEqual(['C'])
      expect(await foundSet('', { filters: { customerIds: ['kunde.example', 'billing.example'] } })).toEqual(['B', 'D'])
      expect(await foundSet('', { filters: { created: { from: '2026-11-04T10:00:00Z' } } })).toEqual(['D', 'E'])
      expect(await foundSet('', { filters: { changed: { to: '2026-11-03T11:00:00+01:00' } } })).toEqual(['B', 'E'])
      expect(await foundSet('', { filters: { changed: { from: '2026-11-03T00:00:00Z', to: '2026-11-05T00:00:00Z' } } })).toEqual(['B', 'C'])
      expect(await foundSet('', { filters: { closed: { from: '2026-11-01T00:00:00Z' } } })).toEqual(['C'])
      expect(await foundSet('', { filters: { pending: { to: '2026-11-30T00:00:00Z' } } })).toEqual(['D'])
      expect(await foundSet('', { filters: { number: corpus.A.number } })).toEqual(['A'])
      expect(await foundSet('', { filters: { number: '202611014*' } })).toEqual(['A'])
      expect(await foundSet('', { filters: { number: '2026110*' } })).toEqual(['A', 'B', 'C', 'D', 'E'])
      expect(await foundSet('printer', { filters: { stateTypes: ['open'], priorities: [4] } })).toEqual(['B'])
    })

    it('sorting: created, changed, priority (then created), relevance without words is by change', async () => {
      expect(await found('', { sort: 'created', order: 'asc' })).toEqual(['A', 'B', 'C', 'D', 'E'])
      expect(await found('', { sort: 'created', order: 'desc' })).toEqual(['E', 'D', 'C', 'B', 'A'])
      expect(await found('', { sort: 'changed', order: 'desc' })).toEqual(['D', 'A', 'C', 'B', 'E'])
      expect(await found('', { sort: 'changed', order: 'asc' })).toEqual(['E', 'B', 'C', 'A', 'D'])
      expect(await found('', { sort: 'priority', order: 'desc' })).toEqual(['D', 'B', 'E', 'A', 'C'])
      expect(await found('', { sort: 'priority', order: 'asc' })).toEqual(['C', 'A', 'E', 'B', 'D'])
      expect(await found('', { sort: 'relevance', order: 'desc' })).toEqual(['D', 'A', 'C', 'B', 'E'])
      expect(await found('printer', { sort: 'created', order: 'desc' })).toEqual(['B', 'A'])
    })

    it('paging: offset and limit, and whether more follow', async () => {
      const page = async (offset: number) => {
        const result = await run('', { sort: 'created', order: 'asc', limit: 2, offset })
        return { keys: result.hits.map((hit) => keyOf[hit.number]), more: result.more }
      }
      expect(await page(0)).toEqual({ keys: ['A', 'B'], more: true })
      expect(await page(2)).toEqual({ keys: ['C', 'D'], more: true })
      expect(await page(4)).toEqual({ keys: ['E'], more: false })
      expect(await page(10)).toEqual({ keys: [], more: false })
    })

    it('hits carry the ticket fields and, for words, HTML-escaped passages with the matches marked', async () => {
      const [hit] = (await run('e42')).hits
      expect(hit).toMatchObject({
        number: corpus.A.number,
        title: 'Printer on fire',
        queue: 'Support',
        state: 'new',
        stateType: 'new',
        priority: 3,
        owner: null,
        customer: 'ann@customer.example',
        createdAt: corpus.A.createdAt,
        changedAt: corpus.A.changedAt,
      })
      expect(hit!.highlights.some((passage) => passage.includes('<mark>E42</mark>') && passage.includes('&lt;HP&gt;') && passage.includes('&amp;'))).toBe(true)
      const printer = (await run('printer')).hits
      expect(printer[0]!.highlights.join(' ')).toMatch(/<mark>printer<\/mark>/i)
      for (const passage of printer.flatMap((each) => each.highlights)) expect(passage.replace(/<\/?mark>/g, '')).not.toMatch(/[<>]/)
      expect((await run('', { filters: { queues: ['Sales'] } })).hits[0]!.highlights).toEqual([])
    })
  })

  describe('versions: late and repeated writes never move a ticket back', () => {
    let engine: EngineUnderTest
    const titles = async (word: string) => (await engine.index.search({ ...engineQuery(word), filters: { queues: ['Lab'] } })).hits.map((hit) => `${hit.number} ${hit.title}`)

    beforeAll(async () => {
      engine = await open()
    })
    afterAll(async () => {
      await engine?.cleanup()
    })

    it('an older upsert after a newer one changes nothing; the same version twice keeps the first', async () => {
      await engine.index.upsert([lab('9000000000000001', 2, 'second state')])
      await engine.index.upsert([lab('9000000000000001', 1, 'first state')])
      expect(await titles('state')).toEqual(['9000000000000001 second state'])
      expect(await titles('first')).toEqual([])

      await engine.index.upsert([lab('9000000000000002', 3, 'alpha version')])
      await engine.index.upsert([lab('9000000000000002', 3, 'beta version')])
      expect(await titles('version')).toEqual(['9000000000000002 alpha version'])
    })

    it('a removed ticket is not brought back by its last state arriving late, nor by an older one; a newer write is a new life', async () => {
      await engine.index.upsert([lab('9000000000000003', 5, 'removed ticket')])
      await engine.index.remove([{ number: '9000000000000003', version: 5 }])
      expect(await titles('removed')).toEqual([])
      await engine.index.upsert([lab('9000000000000003', 5, 'removed ticket')])
      await engine.index.upsert([lab('9000000000000003', 4, 'removed ticket')])
      expect(await titles('removed')).toEqual([])
      await engine.index.upsert([lab('9000000000000003', 6, 'removed ticket restored')])
      expect(await titles('removed')).toEqual(['9000000000000003 removed ticket restored'])
    })

    it('a removal that arrives before the ticket was ever indexed still wins over it', async () => {
      await engine.index.remove([{ number: '9000000000000004', version: Number.MAX_SAFE_INTEGER }])
      await engine.index.upsert([lab('9000000000000004', 1, 'purged ticket')])
      expect(await titles('purged')).toEqual([])
    })

    it('count is the live documents only', async () => {
      // 1 and 2 live, 3 live again, 4 never.
      expect(await engine.index.count()).toBe(3)
    })
  })

  describe('rebuild: a new index next to the live one, swapped in whole', () => {
    let engine: EngineUnderTest
    const numbers = async () => (await engine.index.search({ ...engineQuery(''), filters: { queues: ['Lab'] } })).hits.map((hit) => hit.number).sort()

    beforeAll(async () => {
      engine = await open()
    })
    afterAll(async () => {
      await engine?.cleanup()
    })

    it('searches see the old index until the swap, then only the new one; an abandoned rebuild changes nothing', async () => {
      await engine.index.upsert([lab('9100000000000001', 1, 'old index')])
      const rebuild = await engine.index.beginRebuild()
      await rebuild.upsert([lab('9100000000000002', 1, 'new index'), lab('9100000000000003', 1, 'new index')])
      await rebuild.remove([{ number: '9100000000000003', version: Number.MAX_SAFE_INTEGER }])
      expect(await numbers()).toEqual(['9100000000000001'])
      await rebuild.swap()
      expect(await numbers()).toEqual(['9100000000000002'])
      expect(await engine.index.count()).toBe(1)

      const abandoned = await engine.index.beginRebuild()
      await abandoned.upsert([lab('9100000000000004', 1, 'abandoned')])
      await abandoned.abandon()
      expect(await numbers()).toEqual(['9100000000000002'])
      // The live index takes writes as before.
      await engine.index.upsert([lab('9100000000000005', 1, 'after the swap')])
      expect(await numbers()).toEqual(['9100000000000002', '9100000000000005'])
    })
  })
}
