import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { apiLogin, demoPassword, ingestRaw, mail, startTestRuntime } from '../support/local-stack.ts'
import { patchTicket } from '../support/tickets.ts'
import { SqliteSearchIndex } from '../../lib/search/adapters/sqlite-search-index.ts'
import { reindex } from '../../lib/search/reindex.ts'

/** Issue 6 through the real local stack: mail → DynamoDB → stream → indexer → SQLite FTS5 → API. */
describe('search', () => {
  let runtime: Awaited<ReturnType<typeof startTestRuntime>>
  let admin: string
  let sales: string
  const numbers: Record<string, string> = {}
  const search = async (token: string, query: string) => {
    const response = await fetch(`${runtime.httpUrl}/api/search?${query}`, { headers: { authorization: `Bearer ${token}` } })
    return { status: response.status, body: (await response.json()) as { items: { number: string; title: string; highlights: string[] }[]; next: string | null; error?: { field?: string } } }
  }
  const found = async (token: string, q: string) => (await search(token, `q=${encodeURIComponent(q)}`)).body.items.map((item) => item.number)

  beforeAll(async () => {
    runtime = await startTestRuntime()
    admin = await apiLogin(runtime.httpUrl)
    sales = await apiLogin(runtime.httpUrl, 'sales', demoPassword)
    const add = async (key: string, fields: Parameters<typeof mail>[0]) => (numbers[key] = (await ingestRaw(runtime.deps, mail(fields))).ticketNumber!)
    await add('printer', { subject: 'Printer on fire', body: 'The office printer shows error E42 and smells of smoke.', from: 'Ann <ann@customer.example>' })
    await add('invoice', { subject: 'Invoice 2026-11 wrong', body: 'The amount on the invoice is wrong; the printer was not ordered.', from: 'bob@billing.example' })
    await add('sales', { subject: 'Quote for 20 printers', body: 'Please send a quote for twenty printers.', to: 'sales@example.com', from: 'carol@buyer.example' })
    await add('german', { subject: 'Drucker defekt – Größe', body: 'Der Drucker zeigt Fehler. Straße und Größe.', from: 'dieter@kunde.example' })
    await add('delivery', { subject: 'Mail Delivery System notice', body: 'Undelivered mail returned to sender.', from: 'MAILER-DAEMON@mx.example' })
    await runtime.drainIndex()
  })
  afterAll(() => runtime.cleanup())

  it('finds words in subjects and bodies, ranks subject matches first, highlights safely', async () => {
    const result = await search(admin, 'q=printer')
    expect(result.status).toBe(200)
    expect(result.body.items.map((item) => item.number)).toEqual(expect.arrayContaining([numbers.printer, numbers.invoice]))
    expect(result.body.items[0]!.number).toBe(numbers.printer)
    expect(result.body.items[0]!.highlights[0]).toMatch(/<mark>[Pp]rinter<\/mark>/)
  })

  it('phrases, exclusions, prefixes, field:value and OTRS wildcards', async () => {
    expect(await found(admin, '"error E42"')).toEqual([numbers.printer])
    expect(await found(admin, 'printer -invoice')).toEqual([numbers.printer])
    expect(await found(admin, 'print*')).toEqual(expect.arrayContaining([numbers.printer, numbers.invoice]))
    expect(await found(admin, 'from:bob@billing.example')).toEqual([numbers.invoice])
    expect(await found(admin, '"*Mail*Delivery*System*"')).toEqual([numbers.delivery])
    expect(await found(admin, 'subject:drucker')).toEqual([numbers.german])
    expect(await found(admin, 'grosse')).toEqual([])
  })

  it('the characters that broke OTRS searches never break ours', async () => {
    for (const nasty of ['+ - = && || > < ! ( ) { } [ ] ^ " ~ * ? : \\ /', 'printer)', '"unclosed', 'a:b:c', '-', '*', 'NOT AND OR NEAR(', "'; DROP TABLE tickets; --"]) {
      const result = await search(admin, `q=${encodeURIComponent(nasty)}`)
      expect(result.status, nasty).toBe(200)
    }
  })

  it('a ticket number finds its ticket; a prefix finds many', async () => {
    expect(await found(admin, numbers.printer!)).toEqual([numbers.printer])
    expect((await found(admin, `${numbers.printer!.slice(0, 10)}*`)).length).toBe(5)
  })

  it('only queues the agent may read: filtered in the query, not after paging', async () => {
    expect(await found(sales, 'printer*')).toEqual([numbers.sales])
    expect(await found(sales, numbers.printer!)).toEqual([])
    expect((await search(sales, `q=printer&queue=Support`)).body.items).toEqual([])
  })

  it('filters and sorting; cursor paging', async () => {
    const byQueue = await search(admin, 'q=&queue=Sales')
    expect(byQueue.body.items.map((item) => item.number)).toEqual([numbers.sales])
    const first = await search(admin, 'q=&sort=created&order=asc&limit=2')
    expect(first.body.items).toHaveLength(2)
    const second = await search(admin, `q=&sort=created&order=asc&limit=2&cursor=${first.body.next}`)
    expect(second.body.items.map((item) => item.number)).not.toContain(first.body.items[0]!.number)
    expect((await search(admin, 'q=&cursor=garbage')).status).toBe(400)
  })

  it('changes are indexed from the stream: new state, new article, deletion', async () => {
    await patchTicket(runtime.deps.tickets, numbers.printer!, { state: 'closed successful', stateType: 'closed' })
    await ingestRaw(runtime.deps, mail({ subject: `Re: [Ticket#${numbers.invoice}] Invoice`, body: 'Also the VAT number xylophone123 is wrong.', from: 'bob@billing.example' }))
    await runtime.drainIndex()
    await runtime.drainIndex()
    expect((await search(admin, 'q=printer&stateType=closed')).body.items.map((item) => item.number)).toEqual([numbers.printer])
    expect(await found(admin, 'xylophone123')).toEqual([numbers.invoice])
  })

  it('saved searches per agent', async () => {
    const headers = { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }
    const saved = await fetch(`${runtime.httpUrl}/api/me/searches`, { method: 'POST', headers, body: JSON.stringify({ name: 'Printers', query: { text: 'printer', filters: {}, sort: 'relevance', order: 'desc' } }) })
    expect(saved.status).toBe(201)
    const list = (await (await fetch(`${runtime.httpUrl}/api/me/searches`, { headers })).json()) as { items: { id: string; name: string }[] }
    expect(list.items.map((item) => item.name)).toEqual(['Printers'])
    const salesList = (await (await fetch(`${runtime.httpUrl}/api/me/searches`, { headers: { authorization: `Bearer ${sales}` } })).json()) as { items: unknown[] }
    expect(salesList.items).toEqual([])
    expect((await fetch(`${runtime.httpUrl}/api/me/searches/${list.items[0]!.id}`, { method: 'DELETE', headers })).status).toBe(204)
  })

  it('docket search reindex rebuilds from the store while searches keep working', async () => {
    const before = (await found(admin, 'printer*')).sort()
    // Not spawnSync: the server runs in this process and must keep answering while the reindex runs.
    let done = false
    const reindexing = promisify(execFile)(process.execPath, ['bin/docket.js', 'search', 'reindex'], {
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, DOCKET_DATA_DIR: runtime.deps.settings.dataDir, DOCKET_DYNAMODB_ENDPOINT: runtime.deps.settings.dynamodbEndpoint!, DOCKET_TABLE_NAME: runtime.deps.settings.tableName, DOCKET_LOG_LEVEL: 'ERROR' },
    }).finally(() => (done = true))
    const during: string[][] = []
    while (!done) {
      during.push((await found(admin, 'printer*')).sort())
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    const result = await reindexing
    expect(JSON.parse(result.stdout.trim())).toMatchObject({ tickets: 5, live: 5 })
    expect(during.length).toBeGreaterThan(0)
    for (const hits of during) expect(hits).toEqual(before)
    expect((await found(admin, 'printer*')).sort()).toEqual(before)
  })

  it('a reindex catches up what changed and what was deleted while it copied (found in the audit index, not by a second scan)', async () => {
    const scratch = await mkdtemp(join(tmpdir(), 'docket-reindex-'))
    const rebuilt = new SqliteSearchIndex(scratch)
    const renamed = numbers.invoice!
    const doomed = (await ingestRaw(runtime.deps, mail({ subject: 'Short-lived ticket', body: 'deleted during the reindex' }))).ticketNumber!
    const store = runtime.deps.tickets
    let changedMeanwhile = false
    // The store as the reindex sees it: after the first ticket is copied, an agent renames one ticket and a purge deletes another.
    const tickets = Object.create(store, {
      scanThreads: {
        value: async function* (options: { segment: number; totalSegments: number }) {
          for await (const thread of store.scanThreads(options)) {
            yield thread
            if (!changedMeanwhile) {
              changedMeanwhile = true
              await patchTicket(store, renamed, { title: 'Renamed meanwhile quokka' })
              await store.deleteTicket((await store.getThread(doomed))!, { by: 'test', reason: 'deleted during the reindex', at: new Date().toISOString() })
            }
          }
        },
      },
    }) as typeof store
    try {
      const result = await reindex({ tickets, attachments: runtime.deps.attachments, search: rebuilt })
      expect(changedMeanwhile).toBe(true)
      expect(result.caughtUp).toBeGreaterThanOrEqual(2)
      const byNumber = async (number: string) => (await rebuilt.search({ terms: [], filters: { queues: ['Raw', 'Support', 'Sales', 'Junk', 'Bounces'], number }, sort: 'created', order: 'desc', limit: 1, offset: 0 })).hits
      expect((await byNumber(renamed))[0]?.title).toBe('Renamed meanwhile quokka')
      expect(await byNumber(doomed)).toEqual([])
      // The live index learns of the rename and the purge through the stream, which may lag under load.
      await runtime.drainIndex()
      expect(await rebuilt.count()).toBe(await runtime.deps.search.count())
    } finally {
      await rm(scratch, { recursive: true, force: true })
    }
  })
})
