import { spawnSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { describe, expect, inject, it } from 'vitest'
import { checkIndex } from '../../lib/search/check-index.ts'
import { ticketDocument } from '../../lib/search/ticket-document.ts'
import type { Dependencies } from '../../lib/runtime/dependencies.ts'
import { ingestRaw, mail, testDependencies } from '../support/local-stack.ts'
import { patchTicket } from '../support/tickets.ts'

/**
 * Issue 15.6: the index can drift from the table for good (a stream record expired during an
 * indexer outage, a deletion lost). The check compares every ticket's version with its document's,
 * finds the three kinds of drift and repairs them through the versioned writes.
 */
const indexAll = async (deps: Dependencies, numbers: string[]) => deps.search.upsert(await Promise.all(numbers.map(async (number) => ticketDocument((await deps.tickets.getThread(number))!, deps.attachments))))
const searchFor = async (deps: Dependencies, word: string) =>
  (await deps.search.search({ terms: [{ words: [word], prefix: false, negated: false, field: null }], filters: { queues: deps.config.queues.map((queue) => queue.name) }, sort: 'relevance', order: 'desc', limit: 10, offset: 0 })).hits.map((hit) => hit.number)

describe('search drift check', () => {
  it('finds a ticket missing from the index, a stale document and an orphan; --repair fixes all three; a second check finds nothing', async () => {
    const deps = await testDependencies()
    const numbers: string[] = []
    for (const subject of ['indexed fine', 'lost document zanzibar', 'stale document', 'also fine']) numbers.push((await ingestRaw(deps, mail({ subject }))).ticketNumber!)
    const [fine, lost, stale, alsoFine] = numbers as [string, string, string, string]
    await indexAll(deps, [fine, stale, alsoFine]) // `lost`: its stream record expired before the indexer saw it
    await patchTicket(deps.tickets, stale, { title: 'stale document renamed quokka' }) // a change the index never got
    const orphan = '2026010142000099'
    await deps.search.upsert([{ ...(await ticketDocument((await deps.tickets.getThread(fine))!, null)), number: orphan, title: 'orphan wombat' }]) // its deletion was lost

    // Changed a moment ago: the indexer may just be behind, so by default nothing is reported yet.
    expect(await checkIndex(deps, { repair: false })).toMatchObject({ missing: [], stale: [], orphaned: [orphan] })

    const found = await checkIndex(deps, { repair: false, graceMs: 0 })
    expect(found).toMatchObject({ tickets: 4, indexed: 4, missing: [lost], stale: [stale], orphaned: [orphan], repaired: false })
    expect(await searchFor(deps, 'zanzibar')).toEqual([])
    expect(await searchFor(deps, 'wombat')).toEqual([orphan])

    const repaired = await checkIndex(deps, { repair: true, graceMs: 0 })
    expect(repaired).toMatchObject({ missing: [lost], stale: [stale], orphaned: [orphan], repaired: true })
    expect(await searchFor(deps, 'zanzibar')).toEqual([lost])
    expect(await searchFor(deps, 'quokka')).toEqual([stale])
    expect(await searchFor(deps, 'wombat')).toEqual([])
    expect(await deps.search.count()).toBe(4)
    expect(await checkIndex(deps, { repair: false, graceMs: 0 })).toMatchObject({ tickets: 4, indexed: 4, missing: [], stale: [], orphaned: [] })
  })

  it('docket search check [--repair] prints one JSON line and exits 1 while drift remains unrepaired', () => {
    const env = { ...process.env, DOCKET_DYNAMODB_ENDPOINT: inject('dynamodbEndpoint'), DOCKET_TABLE_NAME: `drift-${randomUUID()}`, DOCKET_DATA_DIR: `/tmp/docket-drift-${randomUUID()}`, DOCKET_LOG_LEVEL: 'ERROR' }
    const check = spawnSync(process.execPath, ['bin/docket.js', 'search', 'check', '--repair'], { encoding: 'utf8', env, timeout: 60_000 })
    expect(check.status, check.stderr).toBe(0)
    expect(JSON.parse(check.stdout.trim())).toMatchObject({ tickets: 0, indexed: 0, missing: 0, stale: 0, orphaned: 0, repaired: true })
  })
})
