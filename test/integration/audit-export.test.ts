import { spawnSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { QueryCommand } from '@aws-sdk/lib-dynamodb'
import { beforeAll, describe, expect, inject, it } from 'vitest'
import type { AuditRecord } from '../../lib/audit/ports.ts'
import type { AgentIdentity } from '../../lib/auth/auth-service.ts'
import { purgeTicket } from '../../lib/jobs/purge-ticket.ts'
import { runJob } from '../../lib/jobs/run-job.ts'
import type { Clock } from '../../lib/platform/clock.ts'
import type { Dependencies } from '../../lib/runtime/dependencies.ts'
import { createDocumentClient } from '../../lib/store/dynamodb-client.ts'
import { keys } from '../../lib/store/keys.ts'
import { DynamoTicketStore } from '../../lib/ticket/adapters/dynamodb-ticket-store.ts'
import { mergeTickets, updateTicket } from '../../lib/ticket/ticket-actions.ts'
import { ingestRaw, mail, testDependencies } from '../support/local-stack.ts'

/** Issue 9.7: the audit trail (append-only history + tombstones) exported by day, through DynamoDB Local. */
function movableClock(iso: string): Clock & { set(iso: string): void } {
  let current = new Date(iso)
  return { now: () => current, set: (next) => (current = new Date(next)) }
}

const exportRun = (deps: Dependencies, now: string, dryRun = false) => runJob(deps, { job: 'audit-export', time: new Date(now).toISOString(), dryRun })
const linesOf = async (deps: Dependencies, key: string) =>
  (await deps.auditArchive.get(key))
    .toString('utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as AuditRecord)

describe('audit export', () => {
  const clock = movableClock('2026-11-23T09:00:00Z')
  let deps: Dependencies
  let first: string
  let second: string
  let merged: string
  let dayOne: string
  let admin: AgentIdentity
  const raw = async (number: string) =>
    (
      await createDocumentClient({ region: deps.settings.region, endpoint: deps.settings.dynamodbEndpoint }).send(
        new QueryCommand({ TableName: deps.settings.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': keys.ticketPartition(number) } }),
      )
    ).Items ?? []

  beforeAll(async () => {
    const base = await testDependencies({}, { clock })
    // The store's write time (the audit day) follows the test's clock, as the wall clock would.
    const documents = createDocumentClient({ region: base.settings.region, endpoint: base.settings.dynamodbEndpoint })
    deps = { ...base, tickets: new DynamoTicketStore(documents, base.settings.tableName, { recordedAt: () => clock.now() }) }
    admin = { login: 'admin', agent: deps.config.agents.find((agent) => agent.login === 'admin')!, sessionId: 'test' }

    // Day one (2026-11-23): three tickets, a change, a merge.
    first = (await ingestRaw(deps, mail({ subject: 'audit me' }))).ticketNumber!
    second = (await ingestRaw(deps, mail({ subject: 'audit me too', from: 'bob@customer.example' }))).ticketNumber!
    merged = (await ingestRaw(deps, mail({ subject: 'duplicate of the first' }))).ticketNumber!
    clock.set('2026-11-23T15:00:00Z')
    await updateTicket(deps, admin, first, { priority: 4 })
    await mergeTickets(deps, admin, merged, first)
    dayOne = JSON.stringify(await raw(first))
  })

  it('writes the previous UTC day as sorted JSON lines: every history entry of that day, nothing of the next', async () => {
    // Act
    const result = await exportRun(deps, '2026-11-24T00:30:00Z')

    // Assess
    expect(result).toMatchObject({ job: 'audit-export', changed: 1, details: [expect.stringMatching(/^audit\/2026\/11\/23\.jsonl: \d+ line\(s\), \d+ new, written$/)] })
    const lines = await linesOf(deps, 'audit/2026/11/23.jsonl')
    expect(lines).toHaveLength(result.selected)
    expect(lines.every((line) => line.kind === 'history' && line.recordedAt.startsWith('2026-11-23'))).toBe(true)
    expect(new Set(lines.map((line) => (line.kind === 'history' ? line.ticketNumber : '')))).toEqual(new Set([first, second, merged]))
    const types = lines.map((line) => (line.kind === 'history' ? `${line.ticketNumber}:${line.type}` : ''))
    expect(types).toEqual(expect.arrayContaining([`${first}:NewTicket`, `${second}:NewTicket`, `${first}:PriorityUpdate`, `${merged}:Merged`, `${first}:Merged`]))
    expect(types).not.toContain(`${first}:TitleUpdate`)
    const sorted = [...lines].sort((a, b) => a.recordedAt.localeCompare(b.recordedAt))
    expect(lines.map((line) => line.recordedAt)).toEqual(sorted.map((line) => line.recordedAt))
    // The export holds exactly what the ticket's history shows for that day.
    const history = (await deps.tickets.getThread(first))!.history.filter((entry) => entry.at.startsWith('2026-11-23'))
    const exported = lines.filter((line): line is Extract<AuditRecord, { kind: 'history' }> => line.kind === 'history' && line.ticketNumber === first)
    expect(exported.map(({ kind: _kind, ticketNumber: _number, recordedAt: _recorded, ...entry }) => entry)).toEqual(expect.arrayContaining(history))
    expect(exported).toHaveLength(history.length)
  })

  it('running a day again, or twice at once, writes nothing new (same bytes)', async () => {
    const before = (await deps.auditArchive.get('audit/2026/11/23.jsonl')).toString('utf8')
    const [a, b] = await Promise.all([exportRun(deps, '2026-11-24T00:30:00Z'), exportRun(deps, '2026-11-24T23:59:00Z')])
    expect([a.changed, b.changed]).toEqual([0, 0])
    expect((await deps.auditArchive.get('audit/2026/11/23.jsonl')).toString('utf8')).toBe(before)
  })

  it('the next day holds its history and the tombstone; the purged ticket keeps its lines in the earlier day', async () => {
    // Day two: more history on the first, the second deleted for good (tombstone).
    clock.set('2026-11-24T08:00:00Z')
    await updateTicket(deps, admin, first, { title: 'audit me, renamed' })
    const doomed = (await deps.tickets.get(second))!
    expect(await purgeTicket(deps, second, doomed.version, { by: 'test', reason: 'purged for the audit test', at: clock.now() })).toBe(true)

    const result = await exportRun(deps, '2026-11-25T00:30:00Z')
    expect(result.changed).toBe(1)
    const lines = await linesOf(deps, 'audit/2026/11/24.jsonl')
    expect(lines).toContainEqual(expect.objectContaining({ kind: 'tombstone', number: second, by: 'test', reason: 'purged for the audit test', recordedAt: '2026-11-24T08:00:00.000Z' }))
    expect(lines).toContainEqual(expect.objectContaining({ kind: 'history', ticketNumber: first, type: 'TitleUpdate' }))
    // The second ticket's history is gone from the table, not from the archive: a re-run keeps it.
    expect(await raw(second)).toEqual([])
    const again = await exportRun(deps, '2026-11-24T00:30:00Z')
    expect(again.changed).toBe(0)
    expect((await linesOf(deps, 'audit/2026/11/23.jsonl')).filter((line) => line.kind === 'history' && line.ticketNumber === second).length).toBeGreaterThan(0)
  })

  it('history is append-only: the later changes neither rewrote nor removed an earlier item', async () => {
    const before = (JSON.parse(dayOne) as Record<string, unknown>[]).filter((item) => item.entity === 'history')
    const after = (await raw(first)).filter((item) => item.entity === 'history')
    expect(before.length).toBeGreaterThan(2)
    expect(after).toEqual(expect.arrayContaining(before))
    expect(after.length).toBeGreaterThan(before.length)
    // A second write under an existing history key is refused by the store (attribute_not_exists).
    const ticket = (await deps.tickets.get(first))!
    const existing = (before[0]!.entries as { id: string }[])[0]!
    await expect(
      deps.tickets.save({ ticket: { ...ticket, version: ticket.version + 1 }, expectedVersion: ticket.version, newArticles: [], messageIds: [], history: [{ ...existing, type: 'Misc', by: 'x', at: existing.id, message: 'rewrite', changes: null } as never] }),
    ).rejects.toThrow()
  })

  it('a dry run counts without writing; a quiet day still gets its (empty) object', async () => {
    expect(await exportRun(deps, '2026-11-27T00:30:00Z', true)).toMatchObject({ selected: 0, changed: 0, dryRun: true })
    expect(await deps.auditArchive.head('audit/2026/11/26.jsonl')).toBeUndefined()
    expect(await exportRun(deps, '2026-11-27T00:30:00Z')).toMatchObject({ selected: 0, changed: 1 })
    expect((await deps.auditArchive.get('audit/2026/11/26.jsonl')).toString('utf8')).toBe('')
    expect(await exportRun(deps, '2026-11-27T00:30:00Z')).toMatchObject({ changed: 0 })
  })

  it('`docket job run audit-export --now …` exports to the data dir (FsBlobStore)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'docket-audit-cli-'))
    const env = { ...process.env, DOCKET_DATA_DIR: dir, DOCKET_DYNAMODB_ENDPOINT: inject('dynamodbEndpoint'), DOCKET_TABLE_NAME: `audit-cli-${randomUUID()}`, DOCKET_LOG_LEVEL: 'ERROR' }
    try {
      const ingest = spawnSync(process.execPath, ['bin/docket.js', 'mail', 'ingest', 'events/welcome.eml'], { encoding: 'utf8', env, timeout: 60_000 })
      expect(ingest.status, ingest.stderr).toBe(0)
      const tomorrow = new Date(Date.now() + 86_400_000).toISOString()
      const today = new Date().toISOString().slice(0, 10)
      const exported = spawnSync(process.execPath, ['bin/docket.js', 'job', 'run', 'audit-export', '--now', tomorrow], { encoding: 'utf8', env, timeout: 60_000 })
      expect(exported.status, exported.stderr).toBe(0)
      expect(JSON.parse(exported.stdout.trim())).toMatchObject({ job: 'audit-export', changed: 1 })
      const file = join(dir, 'blobs', 'docket-audit', 'objects', 'audit', ...today.split('-')) + '.jsonl'
      expect(existsSync(file)).toBe(true)
      expect(readFileSync(file, 'utf8')).toContain('"type":"NewTicket"')
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
