import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { DynamoDBRecord } from 'aws-lambda'
import { describe, expect, it } from 'vitest'
import { purgeTicket } from '../../lib/jobs/purge-ticket.ts'
import { startStreamPoller } from '../../lib/local/stream-poller.ts'
import { createLogger } from '../../lib/platform/logger.ts'
import { SqliteSearchIndex } from '../../lib/search/adapters/sqlite-search-index.ts'
import { indexChanges } from '../../lib/search/indexer.ts'
import type { SearchIndex } from '../../lib/search/ports.ts'
import { ingestRaw, mail, testDependencies } from '../support/local-stack.ts'

/** A small seeded generator, so a failure can be replayed. */
function random(seed: number) {
  let state = seed
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31
    return state / 2 ** 31
  }
}

async function indexed(search: SearchIndex, number: string) {
  const result = await search.search({ terms: [], filters: { queues: ['Raw', 'Support', 'Sales', 'Junk', 'Bounces'], number }, sort: 'changed', order: 'desc', limit: 1, offset: 0 })
  return result.hits[0]
}

describe('search index consistency', () => {
  it('random creates, updates and deletes, their change events duplicated and reordered → the index equals the store', async () => {
    const deps = await testDependencies()
    const search = new SqliteSearchIndex(await mkdtemp(join(tmpdir(), 'docket-consistency-')))
    const records: DynamoDBRecord[] = []
    const poller = startStreamPoller({
      endpoint: deps.settings.dynamodbEndpoint!,
      tableName: deps.settings.tableName,
      checkpointFile: join(deps.settings.dataDir, 'consistency-checkpoints.json'),
      handler: async (event) => {
        records.push(...event.Records)
      },
      logger: createLogger('SILENT'),
      intervalMs: 50,
    })
    const next = random(20261123)
    const numbers: string[] = []
    const deleted = new Set<string>()
    for (let step = 0; step < 60; step++) {
      const roll = next()
      const live = numbers.filter((number) => !deleted.has(number))
      if (roll < 0.35 || live.length === 0) {
        numbers.push((await ingestRaw(deps, mail({ subject: `case ${step} word${step}`, body: `body ${step}` }))).ticketNumber!)
      } else if (roll < 0.65) {
        const number = live[Math.floor(next() * live.length)]!
        await ingestRaw(deps, mail({ subject: `Re: [Ticket#${number}] follow-up ${step}`, body: `follow-up text step${step}` }))
      } else if (roll < 0.9) {
        const number = live[Math.floor(next() * live.length)]!
        const ticket = (await deps.tickets.get(number))!
        await deps.tickets.save({ ticket: { ...ticket, title: `renamed ${step}`, priority: 1 + Math.floor(next() * 5), version: ticket.version + 1 }, expectedVersion: ticket.version, newArticles: [], history: [], messageIds: [] })
      } else {
        const number = live[Math.floor(next() * live.length)]!
        const ticket = (await deps.tickets.get(number))!
        await purgeTicket(deps, number, ticket.version, { by: 'test', reason: 'consistency', at: new Date() })
        deleted.add(number)
      }
    }
    await poller.drain()
    await poller.drain()
    await poller.stop()
    expect(records.length).toBeGreaterThan(100)

    // Deliver every record 1–3 times, in a shuffled order, in batches of random size.
    const deliveries = records.flatMap((record) => Array.from({ length: 1 + Math.floor(next() * 3) }, () => record))
    for (let index = deliveries.length - 1; index > 0; index--) {
      const other = Math.floor(next() * (index + 1))
      ;[deliveries[index], deliveries[other]] = [deliveries[other]!, deliveries[index]!]
    }
    for (let start = 0; start < deliveries.length; ) {
      const size = 1 + Math.floor(next() * 25)
      const response = await indexChanges({ ...deps, search }, deliveries.slice(start, start + size))
      expect(response.batchItemFailures).toEqual([])
      start += size
    }

    for (const number of numbers) {
      const ticket = await deps.tickets.get(number)
      const hit = await indexed(search, number)
      if (!ticket) {
        expect(hit, `${number} was deleted`).toBeUndefined()
        continue
      }
      expect(hit, `${number} is in the index`).toMatchObject({ number, title: ticket.title, priority: ticket.priority, state: ticket.state, changedAt: ticket.changedAt })
    }
    expect(deleted.size).toBeGreaterThan(0)
    expect(await search.count()).toBe(numbers.length - deleted.size)
  }, 120_000)
})
