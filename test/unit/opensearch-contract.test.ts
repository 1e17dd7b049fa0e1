import { createHash } from 'node:crypto'
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import {
  bulkUpsertActions,
  createOpenSearchClient,
  OpenSearchSearchIndex,
  searchRequestBody,
  statisticsFrom,
  statisticsRequestBody,
  searchResultFrom,
  sortClauses,
  ticketIndexMapping,
  versionsPageSize,
  versionsRequestBody,
  type OpenSearchSearchIndexOptions,
} from '../../lib/search/adapters/opensearch-search-index.ts'
import type { EngineQuery, TicketDocument } from '../../lib/search/ports.ts'
import { parseQueryText } from '../../lib/search/query-text.ts'
import { DocketError } from '../../lib/platform/errors.ts'

/**
 * Contract tests of the OpenSearch adapter: the exact requests we send (method, path, body,
 * signature) and how we read the answers. A local HTTP server stands in for the domain: it
 * records each request and answers as OpenSearch does. What OpenSearch then does with a request
 * is tested by test/integration/search-engine.test.ts when an OpenSearch is at hand.
 */
interface Recorded {
  method: string
  path: string
  headers: IncomingHttpHeaders
  raw: string
  /** JSON body, or the lines of an NDJSON (bulk) body. */
  body: unknown
}
type Answer = { status: number; body: unknown }

const servers: { close(): void }[] = []
afterEach(() => {
  for (const server of servers.splice(0)) server.close()
})

async function fakeOpenSearch(answer: (request: Recorded) => Answer) {
  const requests: Recorded[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8')
      const ndjson = String(req.headers['content-type'] ?? '').includes('ndjson')
      const body = raw === '' ? undefined : ndjson ? raw.trimEnd().split('\n').map((line) => JSON.parse(line) as unknown) : (JSON.parse(raw) as unknown)
      const request = { method: req.method!, path: req.url!, headers: req.headers, raw, body }
      requests.push(request)
      const { status, body: reply } = answer(request)
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(reply))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  servers.push({ close: () => (server.closeAllConnections(), server.close()) })
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const adapter = (options: Partial<OpenSearchSearchIndexOptions> = {}) =>
    new OpenSearchSearchIndex({
      client: createOpenSearchClient({ endpoint: url, region: 'eu-west-1', credentials: async () => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' }) }),
      sleep: async () => undefined,
      ...options,
    })
  return { requests, adapter, lines: () => requests.map((request) => `${request.method} ${request.path}`) }
}

const notFound = (type = 'index_not_found_exception'): Answer => ({ status: 404, body: { error: { type, reason: 'no such index [docket-tickets]', root_cause: [{ type, reason: 'no such index' }] }, status: 404 } })
const ok = (body: unknown = { acknowledged: true }): Answer => ({ status: 200, body })
const bulkAnswer = (request: Recorded, status: (action: string, id: string, position: number) => number = () => 201): Answer => {
  const actions = (request.body as Record<string, { _id: string }>[]).filter((line) => 'index' in line || 'delete' in line)
  const items = actions.map((line, position) => {
    const action = 'index' in line ? 'index' : 'delete'
    const id = line[action]!._id
    const code = status(action, id, position)
    const error = code >= 300 ? { type: code === 409 ? 'version_conflict_engine_exception' : code === 429 ? 'es_rejected_execution_exception' : 'mapper_parsing_exception', reason: 'refused' } : undefined
    return { [action]: { _index: 'docket-tickets-initial', _id: id, status: code, ...(error ? { error } : {}) } }
  })
  return ok({ took: 3, errors: items.some((item) => Object.values(item)[0]!.status >= 300), items })
}

const ticket = (overrides: Partial<TicketDocument> = {}): TicketDocument => ({
  number: '2026112342000001',
  version: 7,
  title: 'Printer on fire',
  queue: 'Support',
  state: 'open',
  stateType: 'open',
  priority: 3,
  owner: 'admin',
  responsible: null,
  lock: 'lock',
  customer: 'ann@customer.example',
  customerId: 'customer.example',
  createdAt: '2026-11-23T09:00:00.000Z',
  changedAt: '2026-11-23T10:00:00.000Z',
  closedAt: null,
  pendingUntil: null,
  subject: 'Printer on fire',
  body: 'The printer shows error E42.',
  from: 'Ann <ann@customer.example>',
  to: 'support@example.com',
  cc: '',
  attachment: 'photo.jpg',
  sla: 'Support standard',
  firstResponseAt: '2026-11-23T09:30:00.000Z',
  firstResponseMinutes: 30,
  solvedAt: null,
  solutionMinutes: null,
  breaches: ['update'],
  ...overrides,
})
const { version: _version, ...ticketSource } = ticket()

describe('OpenSearch contract: index creation and writes', () => {
  it('first write: finds no alias, creates the first index with its mapping behind the alias, then bulk-indexes with the ticket version as external version, signed with SigV4 for es', async () => {
    const fake = await fakeOpenSearch((request) => (request.path === '/_alias/docket-tickets' ? notFound('aliases_not_found_exception') : request.path.endsWith('/_bulk') ? bulkAnswer(request) : ok()))
    const index = fake.adapter()

    await index.upsert([ticket()])
    await index.upsert([ticket({ version: 8 })])

    expect(fake.lines()).toEqual(['GET /_alias/docket-tickets', 'PUT /docket-tickets-initial', 'POST /docket-tickets/_bulk', 'POST /docket-tickets/_bulk'])
    const creation = fake.requests[1]!
    expect(creation.body).toEqual({ ...ticketIndexMapping(), aliases: { 'docket-tickets': {} } })
    expect(fake.requests[2]!.body).toEqual([{ index: { _id: '2026112342000001', version: 7, version_type: 'external' } }, ticketSource])
    expect(fake.requests[2]!.headers['content-type']).toBe('application/x-ndjson')
    for (const request of fake.requests) {
      expect(request.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/es\/aws4_request, SignedHeaders=\S*host\S*, Signature=[0-9a-f]{64}$/)
      expect(request.headers['x-amz-content-sha256']).toBe(createHash('sha256').update(request.raw).digest('hex'))
    }
  })

  it('the mapping: keyword filters, integer priority, dates, text fields folded and in English, German and Dutch, one shard, long tombstones, a result window for the deepest page', () => {
    const { settings, mappings } = ticketIndexMapping()
    expect(settings.index).toEqual({
      number_of_shards: 1,
      auto_expand_replicas: '0-1',
      max_result_window: 10_201,
      gc_deletes: '1d',
      highlight: { max_analyzed_offset: 1_000_000 },
    })
    expect(settings.analysis).toEqual({
      tokenizer: { docket_words: { type: 'pattern', pattern: '[^\\p{L}\\p{N}\\p{M}]+' } },
      analyzer: { docket_folding: { type: 'custom', tokenizer: 'docket_words', filter: ['lowercase', 'asciifolding'] } },
    })
    expect(mappings.dynamic).toBe('strict')
    const text = {
      type: 'text',
      analyzer: 'docket_folding',
      index_options: 'offsets',
      fields: { english: { type: 'text', analyzer: 'english' }, german: { type: 'text', analyzer: 'german' }, dutch: { type: 'text', analyzer: 'dutch' } },
    }
    expect(mappings.properties).toEqual({
      number: { type: 'keyword' },
      queue: { type: 'keyword' },
      state: { type: 'keyword' },
      stateType: { type: 'keyword' },
      owner: { type: 'keyword' },
      responsible: { type: 'keyword' },
      lock: { type: 'keyword' },
      customer: { type: 'keyword' },
      customerId: { type: 'keyword' },
      priority: { type: 'integer' },
      createdAt: { type: 'date' },
      changedAt: { type: 'date' },
      closedAt: { type: 'date' },
      pendingUntil: { type: 'date' },
      sla: { type: 'keyword' },
      firstResponseAt: { type: 'date' },
      firstResponseMinutes: { type: 'float' },
      solvedAt: { type: 'date' },
      solutionMinutes: { type: 'float' },
      breaches: { type: 'keyword' },
      title: text,
      subject: text,
      body: text,
      from: text,
      to: text,
      cc: text,
      attachment: text,
    })
    // Every field of a document is mapped (dynamic: strict refuses anything else).
    expect(Object.keys(mappings.properties).sort()).toEqual(Object.keys(ticketSource).sort())
  })

  it('indexers starting side by side: "already exists" means another one created it', async () => {
    const fake = await fakeOpenSearch((request) =>
      request.path === '/_alias/docket-tickets'
        ? notFound()
        : request.method === 'PUT'
          ? { status: 400, body: { error: { type: 'resource_already_exists_exception', reason: 'index [docket-tickets-initial/abc] already exists', root_cause: [] }, status: 400 } }
          : bulkAnswer(request),
    )
    await fake.adapter().upsert([ticket()])
    expect(fake.lines()).toEqual(['GET /_alias/docket-tickets', 'PUT /docket-tickets-initial', 'POST /docket-tickets/_bulk'])
  })

  it('the indexer (master user) maps the reader roles to read-only access on our indexes', async () => {
    const fake = await fakeOpenSearch((request) => (request.path === '/_alias/tickets' ? ok({ 'tickets-initial': { aliases: { tickets: {} } } }) : request.path.endsWith('/_bulk') ? bulkAnswer(request) : ok({ status: 'OK' })))
    await fake.adapter({ alias: 'tickets', readerRoleArns: ['arn:aws:iam::123456789012:role/Api'] }).remove([{ number: '1', version: 1 }])
    expect(fake.lines()).toEqual(['GET /_alias/tickets', 'PUT /_plugins/_security/api/roles/tickets-reader', 'PUT /_plugins/_security/api/rolesmapping/tickets-reader', 'POST /tickets/_bulk'])
    expect(fake.requests[1]!.body).toEqual({ cluster_permissions: [], index_permissions: [{ index_patterns: ['tickets*'], allowed_actions: ['read'] }] })
    expect(fake.requests[2]!.body).toEqual({ backend_roles: ['arn:aws:iam::123456789012:role/Api'] })
  })

  it('bulk delete with the version (external_gte: the last state\'s own version deletes it); missing documents and newer versions are fine', async () => {
    const fake = await fakeOpenSearch((request) => (request.path.startsWith('/_alias') ? ok({ 'docket-tickets-initial': {} }) : bulkAnswer(request, (_action, id) => (id === 'B' ? 404 : id === 'C' ? 409 : 200))))
    await fake.adapter().remove([
      { number: 'A', version: 3 },
      { number: 'B', version: Number.MAX_SAFE_INTEGER },
      { number: 'C', version: 1 },
    ])
    expect(fake.lines()).toEqual(['GET /_alias/docket-tickets', 'POST /docket-tickets/_bulk'])
    expect(fake.requests[1]!.body).toEqual([
      { delete: { _id: 'A', version: 3, version_type: 'external_gte' } },
      { delete: { _id: 'B', version: 9007199254740991, version_type: 'external_gte' } },
      { delete: { _id: 'C', version: 1, version_type: 'external_gte' } },
    ])
  })

  it('409 version conflicts are success (a newer version is there); 429 items are sent again, alone; other item errors are reported', async () => {
    let bulks = 0
    const fake = await fakeOpenSearch((request) => {
      if (request.path.startsWith('/_alias')) return ok({ 'docket-tickets-initial': {} })
      bulks++
      return bulkAnswer(request, (_action, id) => (id === 'old' ? 409 : id === 'busy' && bulks === 1 ? 429 : 201))
    })
    const index = fake.adapter()
    await index.upsert([ticket({ number: 'old' }), ticket({ number: 'busy' }), ticket({ number: 'fine' })])
    expect(fake.lines()).toEqual(['GET /_alias/docket-tickets', 'POST /docket-tickets/_bulk', 'POST /docket-tickets/_bulk'])
    expect((fake.requests[2]!.body as { index?: { _id: string } }[]).flatMap((line) => (line.index ? [line.index._id] : []))).toEqual(['busy'])

    const refusing = await fakeOpenSearch((request) => (request.path.startsWith('/_alias') ? ok({ x: {} }) : bulkAnswer(request, (_action, id) => (id === 'bad' ? 400 : 201))))
    await expect(refusing.adapter().upsert([ticket({ number: 'bad' }), ticket({ number: 'good' })])).rejects.toThrow(/refused 1 of 2 writes to docket-tickets: bad: 400 mapper_parsing_exception refused/)
  })

  it('a whole request refused for load (429, 503) is sent again with backoff; after the last try the error is thrown', async () => {
    let calls = 0
    const fake = await fakeOpenSearch((request) => {
      if (request.path.startsWith('/_alias')) return ok({ x: {} })
      calls++
      return calls === 1 ? { status: 429, body: { error: { type: 'too_many_requests' }, status: 429 } } : calls === 2 ? { status: 503, body: { error: { type: 'unavailable' }, status: 503 } } : bulkAnswer(request)
    })
    const waits: number[] = []
    await fake.adapter({ sleep: async (ms) => void waits.push(ms) }).upsert([ticket()])
    expect(fake.lines()).toEqual(['GET /_alias/docket-tickets', 'POST /docket-tickets/_bulk', 'POST /docket-tickets/_bulk', 'POST /docket-tickets/_bulk'])
    expect(waits).toHaveLength(2)
    expect(waits[0]).toBeLessThanOrEqual(100)
    expect(waits[1]).toBeLessThanOrEqual(200)

    const overloaded = await fakeOpenSearch((request) => (request.path.startsWith('/_alias') ? ok({ x: {} }) : { status: 429, body: { error: { type: 'too_many_requests' }, status: 429 } }))
    await expect(overloaded.adapter({ attempts: 3 }).upsert([ticket()])).rejects.toMatchObject({ statusCode: 429 })
    expect(overloaded.lines().filter((line) => line.endsWith('_bulk'))).toHaveLength(3)
  })

  it('large batches are split into bulk requests under the size limit; tests may ask writes to wait for a refresh', async () => {
    const fake = await fakeOpenSearch((request) => (request.path.startsWith('/_alias') ? ok({ x: {} }) : bulkAnswer(request)))
    // Room for two actions of this ticket, not three.
    const one = bulkUpsertActions([ticket({ number: '1' })])[0]!.map((line) => `${JSON.stringify(line)}\n`).join('').length
    const limit = 2 * one + 20
    await fake.adapter({ maxBulkBytes: limit, refresh: 'wait_for' }).upsert([ticket({ number: '1' }), ticket({ number: '2' }), ticket({ number: '3' })])
    const bulks = fake.requests.filter((request) => request.path.includes('_bulk'))
    expect(bulks.map((request) => request.path)).toEqual(['/docket-tickets/_bulk?refresh=wait_for', '/docket-tickets/_bulk?refresh=wait_for'])
    expect(bulks.map((request) => (request.body as object[]).length)).toEqual([4, 2])
    for (const request of bulks) expect(Buffer.byteLength(request.raw)).toBeLessThanOrEqual(limit)
  })
})

describe('OpenSearch contract: rebuild and alias swap', () => {
  it('builds docket-tickets-<timestamp> without refreshes, writes to it directly, then moves the alias in one call and drops the old index', async () => {
    const fake = await fakeOpenSearch((request) => (request.path === '/_alias/docket-tickets' ? ok({ 'docket-tickets-initial': { aliases: { 'docket-tickets': {} } } }) : request.path.endsWith('/_bulk') ? bulkAnswer(request) : ok()))
    const index = fake.adapter({ now: () => new Date('2026-11-23T10:15:00.123Z') })

    const rebuild = await index.beginRebuild()
    await rebuild.upsert([ticket()])
    await rebuild.remove([{ number: '2026112342000009', version: Number.MAX_SAFE_INTEGER }])
    await rebuild.swap()

    const next = 'docket-tickets-20261123101500123'
    expect(fake.lines()).toEqual([`PUT /${next}`, `POST /${next}/_bulk`, `POST /${next}/_bulk`, `PUT /${next}/_settings`, `POST /${next}/_refresh`, 'GET /_alias/docket-tickets', 'POST /_aliases', 'DELETE /docket-tickets-initial'])
    const mapping = ticketIndexMapping()
    expect(fake.requests[0]!.body).toEqual({ ...mapping, settings: { ...mapping.settings, index: { ...mapping.settings.index, refresh_interval: '-1' } } })
    expect(fake.requests[1]!.body).toEqual([{ index: { _id: '2026112342000001', version: 7, version_type: 'external' } }, ticketSource])
    expect(fake.requests[3]!.body).toEqual({ index: { refresh_interval: null } })
    expect(fake.requests[6]!.body).toEqual({
      actions: [{ remove: { index: 'docket-tickets-initial', alias: 'docket-tickets' } }, { add: { index: next, alias: 'docket-tickets' } }],
    })
  })

  it('a swap on a domain without a live index only adds the alias; abandoning deletes the new index', async () => {
    const fake = await fakeOpenSearch((request) => (request.path === '/_alias/docket-tickets' ? notFound('aliases_not_found_exception') : ok()))
    const index = fake.adapter({ now: () => new Date('2026-11-23T10:15:00.123Z') })
    await (await index.beginRebuild()).swap()
    expect(fake.requests.find((request) => request.path === '/_aliases')!.body).toEqual({ actions: [{ add: { index: 'docket-tickets-20261123101500123', alias: 'docket-tickets' } }] })
    expect(fake.lines()).not.toContain('DELETE /docket-tickets-20261123101500123')

    const abandoned = await fakeOpenSearch(() => ok())
    await (await abandoned.adapter({ now: () => new Date('2026-11-24T00:00:00.000Z') }).beginRebuild()).abandon()
    expect(abandoned.lines()).toEqual(['PUT /docket-tickets-20261124000000000', 'DELETE /docket-tickets-20261124000000000'])
  })
})

describe('OpenSearch contract: queries', () => {
  const typical: EngineQuery = {
    terms: parseQueryText('printer "error E42" -invoice print* from:bob@billing.example').terms,
    filters: {
      queues: ['Support', 'Sales'],
      states: ['open'],
      stateTypes: ['open', 'pending reminder'],
      priorities: [3, 4],
      owners: ['admin'],
      responsibles: ['sales'],
      customers: ['ann@customer.example'],
      customerIds: ['customer.example'],
      lock: 'lock',
      created: { from: '2026-11-01T00:00:00+01:00' },
      changed: { from: '2026-11-01T00:00:00Z', to: '2026-11-30T23:59:59Z' },
      closed: { to: '2026-12-01T00:00:00Z' },
      pending: { from: '2026-11-20T00:00:00Z', to: '2026-11-21T00:00:00Z' },
      number: '20261123*',
    },
    sort: 'relevance',
    order: 'desc',
    limit: 25,
    offset: 50,
  }
  const allVariants = ['title^8', 'title.english^8', 'title.german^8', 'title.dutch^8', 'subject^5', 'subject.english^5', 'subject.german^5', 'subject.dutch^5', 'body', 'body.english', 'body.german', 'body.dutch', 'from^2', 'from.english^2', 'from.german^2', 'from.dutch^2', 'to', 'to.english', 'to.german', 'to.dutch', 'cc', 'cc.english', 'cc.german', 'cc.dutch', 'attachment', 'attachment.english', 'attachment.german', 'attachment.dutch']
  const highlightFields = Object.fromEntries(allVariants.map((name) => [name.replace(/\^\d+$/, ''), {}]))

  it('a typical query: words, phrase, exclusion, prefix, field term, every filter, readable queues, relevance, paging, highlights', async () => {
    const fake = await fakeOpenSearch(() => ok({ took: 1, timed_out: false, hits: { hits: [] } }))
    await fake.adapter().search(typical)
    expect(fake.lines()).toEqual(['POST /docket-tickets/_search'])
    expect(fake.requests[0]!.body).toEqual({
      from: 50,
      size: 26,
      timeout: '5000ms',
      track_total_hits: false,
      _source: ['number', 'title', 'queue', 'state', 'stateType', 'priority', 'owner', 'customer', 'createdAt', 'changedAt'],
      query: {
        bool: {
          must: [
            { multi_match: { query: 'printer', type: 'phrase', fields: allVariants, tie_breaker: 0.3 } },
            { multi_match: { query: 'error e42', type: 'phrase', fields: allVariants, tie_breaker: 0.3 } },
            { multi_match: { query: 'print', type: 'phrase_prefix', fields: ['title^8', 'subject^5', 'body', 'from^2', 'to', 'cc', 'attachment'], max_expansions: 500 } },
            { multi_match: { query: 'bob@billing.example', type: 'phrase', fields: ['from^2', 'from.english^2', 'from.german^2', 'from.dutch^2'], tie_breaker: 0.3 } },
          ],
          filter: [
            { terms: { queue: ['Support', 'Sales'] } },
            { terms: { state: ['open'] } },
            { terms: { stateType: ['open', 'pending reminder'] } },
            { terms: { priority: [3, 4] } },
            { terms: { owner: ['admin'] } },
            { terms: { responsible: ['sales'] } },
            { terms: { customer: ['ann@customer.example'] } },
            { terms: { customerId: ['customer.example'] } },
            { term: { lock: 'lock' } },
            { range: { createdAt: { gte: '2026-10-31T23:00:00.000Z' } } },
            { range: { changedAt: { gte: '2026-11-01T00:00:00.000Z', lte: '2026-11-30T23:59:59.000Z' } } },
            { range: { closedAt: { lte: '2026-12-01T00:00:00.000Z' } } },
            { range: { pendingUntil: { gte: '2026-11-20T00:00:00.000Z', lte: '2026-11-21T00:00:00.000Z' } } },
            { prefix: { number: '20261123' } },
          ],
          must_not: [{ multi_match: { query: 'invoice', type: 'phrase', fields: allVariants, tie_breaker: 0.3 } }],
        },
      },
      sort: [{ _score: { order: 'desc' } }, { changedAt: { order: 'desc' } }, { number: { order: 'desc' } }],
      highlight: { type: 'unified', encoder: 'html', pre_tags: ['<mark>'], post_tags: ['</mark>'], fragment_size: 150, number_of_fragments: 1, fields: highlightFields },
    })
  })

  it('no readable queue matches nothing; an exact number is a term; no words: no scoring clauses, no highlight', () => {
    const body = searchRequestBody({ terms: [], filters: { queues: [], number: '2026112342000001' }, sort: 'relevance', order: 'desc', limit: 10, offset: 0 })
    expect(body).toEqual({
      from: 0,
      size: 11,
      timeout: '5000ms',
      track_total_hits: false,
      _source: ['number', 'title', 'queue', 'state', 'stateType', 'priority', 'owner', 'customer', 'createdAt', 'changedAt'],
      query: { bool: { filter: [{ match_none: {} }, { term: { number: '2026112342000001' } }] } },
      sort: [{ changedAt: { order: 'desc' } }, { number: { order: 'desc' } }],
    })
    const onlyExcluded = searchRequestBody({ terms: parseQueryText('-spam').terms, filters: { queues: ['Support'], states: [] }, sort: 'relevance', order: 'asc', limit: 1, offset: 0 })
    expect(onlyExcluded.query).toEqual({ bool: { filter: [{ terms: { queue: ['Support'] } }, { match_none: {} }], must_not: [{ multi_match: { query: 'spam', type: 'phrase', fields: allVariants, tie_breaker: 0.3 } }] } })
    expect(onlyExcluded).not.toHaveProperty('highlight')
  })

  it('each sort order, as the SQLite adapter sorts', () => {
    expect(sortClauses({ sort: 'relevance', order: 'desc' }, true)).toEqual([{ _score: { order: 'desc' } }, { changedAt: { order: 'desc' } }, { number: { order: 'desc' } }])
    expect(sortClauses({ sort: 'relevance', order: 'asc' }, true)).toEqual([{ _score: { order: 'asc' } }, { changedAt: { order: 'desc' } }, { number: { order: 'asc' } }])
    expect(sortClauses({ sort: 'relevance', order: 'asc' }, false)).toEqual([{ changedAt: { order: 'asc' } }, { number: { order: 'asc' } }])
    expect(sortClauses({ sort: 'created', order: 'asc' }, true)).toEqual([{ createdAt: { order: 'asc' } }, { number: { order: 'asc' } }])
    expect(sortClauses({ sort: 'changed', order: 'desc' }, false)).toEqual([{ changedAt: { order: 'desc' } }, { number: { order: 'desc' } }])
    expect(sortClauses({ sort: 'priority', order: 'desc' }, true)).toEqual([{ priority: { order: 'desc' } }, { createdAt: { order: 'desc' } }, { number: { order: 'desc' } }])
  })

  it('hits become SearchHits: one highlight per matching field (its own text, else a language variant), HTML-safe; one hit beyond the limit means more', () => {
    const source = { number: '1', title: 'Printer on fire', queue: 'Support', state: 'open', stateType: 'open', priority: 4, owner: null, customer: 'ann@customer.example', createdAt: '2026-11-23T09:00:00.000Z', changedAt: '2026-11-23T10:00:00.000Z' }
    const result = searchResultFrom(
      {
        hits: {
          hits: [
            { _id: '1', _source: source, highlight: { 'body.english': ['the <mark>printers</mark> &amp; &lt;HP&gt;'], title: ['<mark>Printer</mark> on fire'], 'title.english': ['ignored: the field\'s own text wins'], cc: ['<script>x</script> <mark>a</mark>'] } },
            { _id: '2', _source: { ...source, number: '2' } },
            { _id: '3', _source: { ...source, number: '3' } },
          ],
        },
      },
      2,
    )
    expect(result.more).toBe(true)
    expect(result.hits.map((hit) => hit.number)).toEqual(['1', '2'])
    expect(result.hits[0]).toEqual({ ...source, highlights: ['<mark>Printer</mark> on fire', 'the <mark>printers</mark> &amp; &lt;HP&gt;', '&lt;script>x&lt;/script> <mark>a</mark>'] })
    expect(result.hits[1]!.highlights).toEqual([])
    expect(searchResultFrom({ hits: { hits: [{ _id: '1', _source: source }] } }, 1).more).toBe(false)
  })

  it('a search answers from the response; no index yet is no hits, count 0; a refused role is a clear 503', async () => {
    const source = { number: '1', title: 'T', queue: 'Support', state: 'new', stateType: 'new', priority: 3, owner: null, customer: null, createdAt: 'c', changedAt: 'd' }
    const fake = await fakeOpenSearch((request) => (request.path.endsWith('_count') ? ok({ count: 3 }) : ok({ hits: { hits: [{ _id: '1', _source: source }] } })))
    expect(await fake.adapter().search({ ...typical, limit: 1 })).toEqual({ hits: [{ ...source, highlights: [] }], more: false })
    expect(await fake.adapter().count()).toBe(3)
    expect(fake.lines()).toEqual(['POST /docket-tickets/_search', 'GET /docket-tickets/_count'])

    const empty = await fakeOpenSearch(() => notFound())
    expect(await empty.adapter().search(typical)).toEqual({ hits: [], more: false })
    expect(await empty.adapter().count()).toBe(0)

    const refused = await fakeOpenSearch(() => ({ status: 403, body: { error: { type: 'security_exception', reason: 'no permissions for [indices:data/read/search]', root_cause: [] }, status: 403 } }))
    const error = await refused.adapter().search(typical).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(DocketError)
    expect(error).toMatchObject({ code: 'unavailable', message: expect.stringMatching(/maps the API's role/) })
  })
})

describe('OpenSearch contract: the cost of a search is bounded (issue 13.1)', () => {
  const query = (text: string, paging: Partial<Pick<EngineQuery, 'limit' | 'offset'>> = {}): EngineQuery => ({
    terms: parseQueryText(text).terms,
    filters: { queues: ['Support'] },
    sort: 'relevance',
    order: 'desc',
    limit: 25,
    offset: 0,
    ...paging,
  })
  const folded = ['title^8', 'subject^5', 'body', 'from^2', 'to', 'cc', 'attachment']

  it('repeated words are one clause; the time limit is in the body; prefixes are phrase_prefix with bounded expansions, never wildcard, regexp or query_string', () => {
    const body = searchRequestBody(query(Array(8).fill('invoice').join(' ')), 2_500)
    expect(body).toMatchObject({ from: 0, size: 26, timeout: '2500ms', track_total_hits: false })
    expect((body.query as { bool: { must: unknown[] } }).bool.must).toHaveLength(1)
    // A leading * is dropped by the parser: "*voice*" is the prefix voice*, as OTRS's "*" means.
    const prefixes = searchRequestBody(query('*voice* inv*'))
    expect((prefixes.query as { bool: { must: unknown[] } }).bool.must).toEqual([
      { multi_match: { query: 'voice', type: 'phrase_prefix', fields: folded, max_expansions: 500 } },
      { multi_match: { query: 'inv', type: 'phrase_prefix', fields: folded, max_expansions: 500 } },
    ])
    expect(JSON.stringify(prefixes)).not.toMatch(/"(wildcard|regexp|query_string|simple_query_string|fuzzy)"/)
  })

  it('too many terms, words or prefixes, a one-letter prefix, a page beyond the result window: 400 before any request', async () => {
    const refusals: [string, RegExp][] = [
      [Array.from({ length: 13 }, (_, index) => `word${index}`).join(' '), /13 different terms; at most 12/],
      [`"${Array.from({ length: 33 }, (_, index) => `w${index}`).join(' ')}"`, /33 words; at most 32/],
      ['ab* cd* ef* gh* ij*', /5 words with \*; at most 4/],
      ['*a'.repeat(1000), /"a\*" is too short/],
    ]
    for (const [text, message] of refusals) {
      const fake = await fakeOpenSearch(() => ok({ hits: { hits: [] } }))
      const error = await fake
        .adapter()
        .search(query(text))
        .catch((caught: unknown) => caught)
      expect(error, text.slice(0, 40)).toMatchObject({ code: 'invalid_request', field: 'text', message: expect.stringMatching(message) })
      expect(fake.requests).toEqual([])
    }
    expect(() => searchRequestBody(query('invoice', { offset: 10_001, limit: 200 }))).toThrow(/at most 10200 hits deep/)
    expect(searchRequestBody(query('invoice', { offset: 10_000, limit: 200 }))).toMatchObject({ from: 10_000, size: 201 })
  })

  it('a search the domain stopped at its timeout (timed_out: partial hits) is a 503 timeout, not a short list; a search is not sent again after a 500 or 504', async () => {
    const source = { number: '1', title: 'T', queue: 'Support', state: 'new', stateType: 'new', priority: 3, owner: null, customer: null, createdAt: 'c', changedAt: 'd' }
    const partial = await fakeOpenSearch(() => ok({ timed_out: true, hits: { hits: [{ _id: '1', _source: source }] } }))
    const timedOut = await partial
      .adapter({ searchTimeoutMs: 3_000 })
      .search(query('invoice'))
      .catch((caught: unknown) => caught)
    expect(timedOut).toBeInstanceOf(DocketError)
    expect(timedOut).toMatchObject({ code: 'timeout', status: 503, message: expect.stringMatching(/took longer than 3 s and was stopped; narrow it/) })
    expect(partial.requests[0]!.body).toMatchObject({ timeout: '3000ms' })

    for (const status of [500, 504]) {
      const failing = await fakeOpenSearch(() => ({ status, body: { error: { type: 'search_phase_execution_exception', reason: 'too costly', root_cause: [] }, status } }))
      await expect(failing.adapter().search(query('invoice'))).rejects.toBeDefined()
      expect(failing.lines(), String(status)).toEqual(['POST /docket-tickets/_search'])
    }
    const throttled = await fakeOpenSearch(() => ({ status: 429, body: { error: { type: 'es_rejected_execution_exception', reason: 'busy', root_cause: [] }, status: 429 } }))
    await expect(throttled.adapter({ attempts: 3 }).search(query('invoice'))).rejects.toBeDefined()
    expect(throttled.lines()).toHaveLength(3)
  })
})

describe('OpenSearch contract: statistics', () => {
  const days = [
    { day: '2026-10-24', from: '2026-10-23T22:00:00.000Z', to: '2026-10-24T22:00:00.000Z' },
    // The DST switch in Amsterdam: a 25-hour day.
    { day: '2026-10-25', from: '2026-10-24T22:00:00.000Z', to: '2026-10-25T23:00:00.000Z' },
  ]
  const query = { queues: ['Support', 'Sales'], days }

  it('one aggregation-only request: created/closed per day (the agent\'s day boundaries) and queue, open by state, durations, SLA breaches', () => {
    const range = (field: string) => ({ range: { [field]: { gte: '2026-10-23T22:00:00.000Z', lt: '2026-10-25T23:00:00.000Z' } } })
    const perDay = (field: string) => ({
      filter: range(field),
      aggs: {
        days: {
          date_range: { field, keyed: false, ranges: days.map((day) => ({ key: day.day, from: day.from, to: day.to })) },
          aggs: { queues: { terms: { field: 'queue', size: 2 } } },
        },
      },
    })
    const durations = (at: string, minutes: string) => ({
      filter: range(at),
      aggs: { tickets: { value_count: { field: minutes } }, average: { avg: { field: minutes } }, percentiles: { percentiles: { field: minutes, percents: [50, 90] } } },
    })
    expect(statisticsRequestBody(query)).toEqual({
      size: 0,
      track_total_hits: false,
      query: { bool: { filter: [{ terms: { queue: ['Support', 'Sales'] } }] } },
      aggs: {
        created: perDay('createdAt'),
        closed: perDay('closedAt'),
        open: {
          filter: { bool: { must_not: [{ terms: { stateType: ['closed', 'merged', 'removed'] } }] } },
          aggs: { queues: { terms: { field: 'queue', size: 2 }, aggs: { states: { terms: { field: 'state', size: 200 } } } } },
        },
        firstResponse: durations('firstResponseAt', 'firstResponseMinutes'),
        solution: durations('solvedAt', 'solutionMinutes'),
        slaBreaches: {
          filter: { bool: { filter: [{ exists: { field: 'sla' } }, range('createdAt')] } },
          aggs: {
            queues: {
              terms: { field: 'queue', size: 2 },
              aggs: { firstResponse: { filter: { term: { breaches: 'firstResponse' } } }, update: { filter: { term: { breaches: 'update' } } }, solution: { filter: { term: { breaches: 'solution' } } } },
            },
          },
        },
      },
    })
  })

  it('the response becomes the engine statistics; no tickets: null durations', async () => {
    const bucket = (key: string, count: number, queues: [string, number][]) => ({ key, doc_count: count, queues: { buckets: queues.map(([queue, n]) => ({ key: queue, doc_count: n })) } })
    const statistics = statisticsFrom({
      aggregations: {
        created: { days: { buckets: [bucket('2026-10-24', 3, [['Support', 2], ['Sales', 1]]), bucket('2026-10-25', 0, [])] } },
        closed: { days: { buckets: [bucket('2026-10-24', 0, []), bucket('2026-10-25', 1, [['Support', 1]])] } },
        open: { queues: { buckets: [{ key: 'Support', doc_count: 2, states: { buckets: [{ key: 'new', doc_count: 1 }, { key: 'open', doc_count: 1 }] } }] } },
        firstResponse: { tickets: { value: 2 }, average: { value: 45.04 }, percentiles: { values: { '50.0': 30, '90.0': 60 } } },
        solution: { tickets: { value: 0 }, average: { value: null }, percentiles: { values: { '50.0': null, '90.0': null } } },
        slaBreaches: { queues: { buckets: [{ key: 'Support', doc_count: 2, firstResponse: { doc_count: 1 }, update: { doc_count: 0 }, solution: { doc_count: 0 } }] } },
      },
    })
    expect(statistics).toEqual({
      perDay: [
        { day: '2026-10-24', queue: 'Support', created: 2, closed: 0 },
        { day: '2026-10-24', queue: 'Sales', created: 1, closed: 0 },
        { day: '2026-10-25', queue: 'Support', created: 0, closed: 1 },
      ],
      openByState: [
        { queue: 'Support', state: 'new', count: 1 },
        { queue: 'Support', state: 'open', count: 1 },
      ],
      firstResponse: { tickets: 2, averageMinutes: 45, medianMinutes: 30, p90Minutes: 60 },
      solution: { tickets: 0, averageMinutes: null, medianMinutes: null, p90Minutes: null },
      slaBreaches: [{ queue: 'Support', tickets: 2, firstResponse: 1, update: 0, solution: 0 }],
    })
  })

  it('sends the body to the alias; no index yet is no statistics', async () => {
    const fake = await fakeOpenSearch((request) => (request.path === '/docket-tickets/_search' ? notFound() : ok()))
    const statistics = await fake.adapter().statistics(query)
    expect(fake.lines()).toEqual(['POST /docket-tickets/_search'])
    expect(fake.requests[0]!.body).toEqual(statisticsRequestBody(query))
    expect(statistics).toMatchObject({ perDay: [], openByState: [], slaBreaches: [], firstResponse: { tickets: 0, averageMinutes: null } })
  })
})

describe('OpenSearch contract: the drift check\'s listing (issue 15.6)', () => {
  it('lists number and _version of every live document: no source, sorted by number, paged with search_after (never from), until a short page', async () => {
    const numbers = Array.from({ length: versionsPageSize + 2 }, (_, index) => `2026112342${String(index).padStart(6, '0')}`)
    const fake = await fakeOpenSearch((request) => {
      const body = request.body as { size: number; search_after?: [string] }
      const start = body.search_after ? numbers.indexOf(body.search_after[0]) + 1 : 0
      return ok({ timed_out: false, hits: { hits: numbers.slice(start, start + body.size).map((number, index) => ({ _index: 'docket-tickets-initial', _id: number, _version: index + 1, _score: null, sort: [number] })) } })
    })
    const pages: { number: string; version: number }[][] = []
    for await (const page of fake.adapter().versions()) pages.push(page)

    expect(fake.lines()).toEqual(['POST /docket-tickets/_search', 'POST /docket-tickets/_search'])
    expect(fake.requests[0]!.body).toEqual({ size: 5000, _source: false, version: true, track_total_hits: false, query: { match_all: {} }, sort: [{ number: { order: 'asc' } }] })
    expect(fake.requests[1]!.body).toEqual({ ...versionsRequestBody(undefined), search_after: [numbers[versionsPageSize - 1]] })
    expect(pages.map((page) => page.length)).toEqual([versionsPageSize, 2])
    expect(pages[0]![0]).toEqual({ number: numbers[0], version: 1 })
    expect(pages.flat().map((entry) => entry.number)).toEqual(numbers)
  })

  it('no index yet lists nothing; a refused role is the clear 503', async () => {
    const none = await fakeOpenSearch(() => notFound())
    for await (const page of none.adapter().versions()) expect.unreachable(`no page expected, got ${page.length}`)
    const refused = await fakeOpenSearch(() => ({ status: 403, body: { error: { type: 'security_exception', reason: 'no permissions' }, status: 403 } }))
    const listing = async () => {
      for await (const page of refused.adapter().versions()) void page
    }
    await expect(listing()).rejects.toBeInstanceOf(DocketError)
  })

  it('the repair writes as the indexer does: documents with the ticket version as external version, orphans removed with a version no late update beats', async () => {
    const fake = await fakeOpenSearch((request) => (request.path === '/_alias/docket-tickets' ? ok({ 'docket-tickets-initial': { aliases: { 'docket-tickets': {} } } }) : request.path.endsWith('/_bulk') ? bulkAnswer(request) : ok()))
    const index = fake.adapter()
    await index.upsert([ticket({ version: 9 })])
    await index.remove([{ number: '2026010142000099', version: Number.MAX_SAFE_INTEGER }])
    expect(fake.lines()).toEqual(['GET /_alias/docket-tickets', 'POST /docket-tickets/_bulk', 'POST /docket-tickets/_bulk'])
    expect((fake.requests[1]!.body as unknown[])[0]).toEqual({ index: { _id: '2026112342000001', version: 9, version_type: 'external' } })
    expect(fake.requests[2]!.body).toEqual([{ delete: { _id: '2026010142000099', version: Number.MAX_SAFE_INTEGER, version_type: 'external_gte' } }])
  })
})
