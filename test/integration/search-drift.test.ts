import { spawnSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
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

  it('--stage invokes the deployed search-maintenance function (named by the stack output) through the AWS CLI, with no read timeout', () => {
    // A stand-in for the AWS CLI: records its arguments, answers as the CLI does.
    const bin = mkdtempSync(join(tmpdir(), 'docket-fake-aws-'))
    const calls = join(bin, 'calls.jsonl')
    writeFileSync(
      join(bin, 'aws'),
      `#!${process.execPath}
const fs = require('node:fs')
const args = process.argv.slice(2)
fs.appendFileSync(${JSON.stringify(calls)}, JSON.stringify(args) + '\\n')
if (args[0] === 'cloudformation') process.stdout.write('Docket-prod-Service-SearchMaintenance1234\\n')
else {
  const payload = JSON.parse(args[args.indexOf('--payload') + 1])
  const result = payload.action === 'check' ? { action: 'check', tickets: 120, indexed: 119, missing: 1, stale: 0, orphaned: 0, repaired: payload.repair, seconds: 2.5, examples: ['2026112342000007'] } : { action: 'reindex', tickets: 120, caughtUp: 3, seconds: 9, perSecond: 13, live: 120 }
  fs.writeFileSync(args.at(-1), JSON.stringify(result))
  process.stdout.write(JSON.stringify({ StatusCode: 200, ExecutedVersion: '$LATEST' }))
}
`,
    )
    chmodSync(join(bin, 'aws'), 0o755)
    const env = { ...process.env, PATH: `${bin}:${process.env.PATH}`, DOCKET_LOG_LEVEL: 'ERROR' }
    const check = spawnSync(process.execPath, ['bin/docket.js', 'search', 'check', '--stage', 'prod', '--region', 'eu-west-1'], { encoding: 'utf8', env, timeout: 60_000 })
    expect(check.status, check.stderr).toBe(1) // drift found, not repaired
    expect(JSON.parse(check.stdout.trim())).toEqual({ stage: 'prod', action: 'check', tickets: 120, indexed: 119, missing: 1, stale: 0, orphaned: 0, repaired: false, seconds: 2.5 })
    expect(check.stderr).toContain('2026112342000007')
    const reindex = spawnSync(process.execPath, ['bin/docket.js', 'search', 'reindex', '--stage', 'prod'], { encoding: 'utf8', env, timeout: 60_000 })
    expect(reindex.status, reindex.stderr).toBe(0)
    expect(JSON.parse(reindex.stdout.trim())).toMatchObject({ stage: 'prod', action: 'reindex', tickets: 120, live: 120 })

    const recorded = readFileSync(calls, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as string[])
    expect(recorded[0]).toEqual(['cloudformation', 'describe-stacks', '--stack-name', 'Docket-prod-Service', '--query', "Stacks[0].Outputs[?OutputKey=='SearchMaintenanceFunction'].OutputValue", '--output', 'text', '--region', 'eu-west-1'])
    expect(recorded[1]).toEqual([
      'lambda', 'invoke', '--function-name', 'Docket-prod-Service-SearchMaintenance1234', '--cli-binary-format', 'raw-in-base64-out', '--cli-read-timeout', '0',
      '--payload', '{"action":"check","repair":false}', '--region', 'eu-west-1', expect.stringMatching(/result\.json$/),
    ])
    expect(recorded[3]!.slice(0, 11)).toEqual(['lambda', 'invoke', '--function-name', 'Docket-prod-Service-SearchMaintenance1234', '--cli-binary-format', 'raw-in-base64-out', '--cli-read-timeout', '0', '--payload', '{"action":"reindex"}', expect.stringMatching(/result\.json$/)])
  })
})
