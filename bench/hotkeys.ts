import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { startLocalRuntime, type LocalRuntime } from '../lib/local/start-local.ts'
import { createLogger } from '../lib/platform/logger.ts'
import { readRuntimeSettings } from '../lib/platform/runtime-settings.ts'
import { table } from '../lib/store/table.ts'
import type { IngestRecord } from '../lib/ticket/ports.ts'
import { counterWritesPerSecond, counterWindowMs } from '../lib/ticket/ticket-counter.ts'
import { keys } from '../lib/store/keys.ts'
import { now, round, seededRandom } from './support/benchmark.ts'
import { configPath, feedWave, generateFollowUps, generateOriginals, mailCount, seed, Tracker } from './ingest.ts'
import { PartitionWriteRecorder } from './support/partition-writes.ts'

/**
 * `npm run bench -- hotkeys [--rate N] [--writers W]`: which partition key of the table and of each
 * index would take the most writes per second at N mails/s (default 1,000), against DynamoDB's
 * limit of about 1,000 write units per second per partition.
 *
 * DynamoDB Local on this machine does not take 1,000 mails/s, so the rate is not run, it is
 * computed: the ingest benchmark's 1,000 mails (the same generator, seed, waves and local runtime as
 * `npm run bench -- ingest`) go through the real pipeline, a middleware on the runtime's DynamoDB
 * client records the partition key of every item written and of every index entry that write makes
 * (bench/support/partition-writes.ts), and each key's writes per mail are multiplied by N. That is
 * each key's mean rate at a steady N mails/s of this mix; it is exact for keys whose writes grow
 * with the mail rate (queue, audit, counts), and it is what DynamoDB's per-partition limit is
 * measured against (bursts above the mean are absorbed by burst capacity, not modelled here).
 *
 * One key is not linear in the rate: the day's ticket counter. A writer (one Lambda instance or the
 * local server) takes one block of numbers per window of `counterWindowMs` for all the tickets it
 * creates in that window (lib/ticket/ticket-counter.ts), so the counter item takes at most
 * writers × 1000 / window writes per second whatever the mail rate. Its figure is that bound for
 * `--writers` instances (default 50: 1,000 mails/s at 20 mails/s per instance), or the linear
 * figure if lower; the recorded local run shows how many blocks the real code drew per ticket.
 */
const defaultRate = 1000
const defaultWriters = 50
/** DynamoDB's per-partition write limit (write units per second). */
const partitionLimit = 1000
const waveTimeoutMs = 300_000

interface KeyRate {
  key: string
  writesPerSecond: number
  unitsPerSecond: number
}

function option(args: string[], name: string, fallback: number): number {
  const at = args.indexOf(name)
  if (at < 0) return fallback
  const value = Number(args[at + 1])
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} needs a positive number`)
  return value
}

export async function run(args: string[]): Promise<number> {
  const rate = option(args, '--rate', defaultRate)
  const writers = option(args, '--writers', defaultWriters)
  const started = now()
  const dataDir = await mkdtemp(join(tmpdir(), 'docket-bench-hotkeys-'))
  let runtime: LocalRuntime | undefined
  try {
    const settings = readRuntimeSettings({
      DOCKET_CONFIG: configPath,
      DOCKET_DATA_DIR: dataDir,
      PORT: '0',
      SMTP_PORT: '0',
      DOCKET_LOG_LEVEL: 'ERROR',
      DOCKET_DEMO_PASSWORD: 'bench-Password-1!',
    })
    runtime = await startLocalRuntime(settings, { logger: createLogger('ERROR'), writeRuntimeFile: false })
    // Every store of the runtime shares one document client (lib/runtime/dependencies.ts); its stack is the client's.
    const recorder = new PartitionWriteRecorder()
    recorder.attach((runtime.deps.tickets as unknown as { client: DynamoDBDocumentClient }).client)

    const tracker = new Tracker()
    const save = runtime.deps.tickets.save.bind(runtime.deps.tickets)
    runtime.deps.tickets.save = async (input) => {
      await save(input)
      for (const change of Array.isArray(input) ? input : [input]) {
        if (change.ingest) tracker.done(change.ingest.identity.objectKey, change.ingest.record.action, change.ticket.number)
      }
    }
    const recordIngest = runtime.deps.tickets.recordIngest.bind(runtime.deps.tickets)
    runtime.deps.tickets.recordIngest = async (identity, record: IngestRecord, outbound) => {
      const recorded = await recordIngest(identity, record, outbound)
      if (recorded) tracker.done(identity.objectKey, record.action, record.ticketNumber)
      return recorded
    }

    const ingestStarted = now()
    const random = seededRandom(seed)
    const originals = await generateOriginals(random)
    await feedWave(runtime, tracker, originals)
    await tracker.settle(runtime, waveTimeoutMs)
    const ticketOf = new Map([...tracker.deliveries.values()].filter((delivery) => delivery.ticketNumber).map((delivery) => [delivery.mail.index, delivery.ticketNumber!]))
    await feedWave(runtime, tracker, await generateFollowUps(random, originals, (index) => ticketOf.get(index)))
    await tracker.settle(runtime, waveTimeoutMs)
    // What the stream consumers write after the commit (outbound mail, notifications) belongs to the mail too: wait for quiet.
    const ingestMs = now() - ingestStarted
    for (let last = recorder.totalWrites(), waited = 0; waited < 30_000; waited += 2000) {
      await sleep(2000)
      const total = recorder.totalWrites()
      if (total === last) break
      last = total
    }
    const done = [...tracker.deliveries.values()].filter((delivery) => delivery.doneAt !== undefined).length
    const created = [...tracker.deliveries.values()].filter((delivery) => delivery.action === 'created').length
    const failures: string[] = []
    if (done !== mailCount) failures.push(`${mailCount - done} of ${mailCount} mails were not ingested`)

    const perSecond = (writes: number) => (writes / done) * rate
    const counterKeys = new Set([...recorder.table.keys()].filter((key) => key.startsWith(keys.ticketCounter('').pk)))
    const counterWrites = [...counterKeys].reduce((sum, key) => sum + recorder.table.get(key)!, 0)
    // The counter: the real code's blocks bound its writes (see above); every other key scales with the rate.
    const counterBound = counterWritesPerSecond(writers)
    // Per day's counter item (a run across midnight draws from two).
    const counterRateOf = (key: string) => Math.min(perSecond(recorder.table.get(key) ?? 0), counterBound)
    const counterRate = Math.max(0, ...[...counterKeys].map(counterRateOf))
    const rates = (writes: ReadonlyMap<string, number>, units: ReadonlyMap<string, number>, counter = false): KeyRate[] =>
      [...writes].map(([key, count]) => {
        const bounded = counter && counterKeys.has(key)
        return { key, writesPerSecond: bounded ? counterRateOf(key) : perSecond(count), unitsPerSecond: bounded ? counterRateOf(key) : perSecond(units.get(key) ?? 0) }
      })
    const detail = (name: string, keyRates: KeyRate[]) => {
      const byWrites = [...keyRates].sort((a, b) => b.writesPerSecond - a.writesPerSecond || a.key.localeCompare(b.key))
      const byUnits = [...keyRates].sort((a, b) => b.unitsPerSecond - a.unitsPerSecond || a.key.localeCompare(b.key))
      return {
        index: name,
        keys: keyRates.length,
        busiestKey: byWrites[0]?.key ?? null,
        busiestKeyWritesPerSecond: round(byWrites[0]?.writesPerSecond ?? 0, 1),
        busiestUnitsKey: byUnits[0]?.key ?? null,
        busiestKeyWriteUnitsPerSecond: round(byUnits[0]?.unitsPerSecond ?? 0, 1),
        next: byWrites.slice(1, 3).map((entry) => `${entry.key} ${round(entry.writesPerSecond, 1)}`),
      }
    }
    const tableDetail = detail('table', rates(recorder.table, recorder.tableUnits, true))
    const perIndex = Object.entries(table.indexes).map(([name, index]) => detail(`${index.name} (${name})`, rates(recorder.indexes.get(index.name)!, recorder.indexUnits.get(index.name)!)))
    const all = [tableDetail, ...perIndex]
    const top = [...all].sort((a, b) => b.busiestKeyWritesPerSecond - a.busiestKeyWritesPerSecond)[0]!
    const topUnits = [...all].sort((a, b) => b.busiestKeyWriteUnitsPerSecond - a.busiestKeyWriteUnitsPerSecond)[0]!
    if (top.busiestKeyWritesPerSecond > partitionLimit) failures.push(`${top.busiestKey} (${top.index}) takes ${top.busiestKeyWritesPerSecond} writes/s at ${rate} mails/s, above ${partitionLimit}`)
    if (topUnits.busiestKeyWriteUnitsPerSecond > partitionLimit) failures.push(`${topUnits.busiestUnitsKey} (${topUnits.index}) takes ${topUnits.busiestKeyWriteUnitsPerSecond} write units/s at ${rate} mails/s, above ${partitionLimit}`)

    const lines = [
      `Docket hot keys at ${rate} mails/s: the ingest benchmark's ${mailCount} mails (seed ${seed}, ${created} new tickets) through the real local pipeline,`,
      '  every write recorded by a middleware on the DynamoDB client; per key: writes (and 1 KB write units) per mail × rate (mean rate; see bench/hotkeys.ts).',
      `  writes recorded: ${recorder.totalWrites()} (table items and index entries), ${(recorder.totalWrites() / done).toFixed(2)} per mail; requests: ${[...recorder.operations].map(([name, count]) => `${name} ${count}`).join(', ')}`,
      `  ticket counter: ${counterWrites} blocks drawn for ${created} new tickets here; at ${rate} mails/s at most ${round(counterBound)} writes/s for ${writers} writers (one block per ${counterWindowMs} ms per writer) → ${round(counterRate, 1)}/s`,
      `  ${'where'.padEnd(22)} ${'writes/s'.padStart(9)} busiest key by writes; ${'units/s'.padStart(8)} busiest key by write units`,
      ...all.map(
        (entry) =>
          `  ${entry.index.padEnd(22)} ${String(entry.busiestKeyWritesPerSecond).padStart(9)} ${entry.busiestKey ?? '-'}; ${String(entry.busiestKeyWriteUnitsPerSecond).padStart(8)} ${entry.busiestUnitsKey ?? '-'}  (${entry.keys} keys; next by writes: ${entry.next.join(', ') || '-'})`,
      ),
      `  limit ${partitionLimit} per partition → ${failures.length === 0 ? 'no key above it' : 'EXCEEDED'}; ingest ${(ingestMs / 1000).toFixed(1)} s, whole benchmark ${((now() - started) / 1000).toFixed(1)} s`,
      ...failures.map((failure) => `FAILED: ${failure}`),
    ]
    console.log(lines.join('\n'))
    console.log(
      JSON.stringify({
        mailsPerSecond: rate,
        busiestKey: top.busiestKey,
        busiestKeyWritesPerSecond: top.busiestKeyWritesPerSecond,
        busiestKeyIn: top.index,
        busiestUnitsKey: topUnits.busiestUnitsKey,
        busiestKeyWriteUnitsPerSecond: topUnits.busiestKeyWriteUnitsPerSecond,
        limit: partitionLimit,
        method: 'recorded writes per key per mail of the ingest benchmark x rate (mean); ticket counter bounded by writers x 1000/window',
        writers,
        table: { busiestKey: tableDetail.busiestKey, busiestKeyWritesPerSecond: tableDetail.busiestKeyWritesPerSecond, busiestKeyWriteUnitsPerSecond: tableDetail.busiestKeyWriteUnitsPerSecond },
        indexes: Object.fromEntries(
          perIndex.map((entry) => [entry.index, { busiestKey: entry.busiestKey, busiestKeyWritesPerSecond: entry.busiestKeyWritesPerSecond, busiestKeyWriteUnitsPerSecond: entry.busiestKeyWriteUnitsPerSecond }]),
        ),
      }),
    )
    return failures.length === 0 ? 0 : 1
  } finally {
    await runtime?.stop()
    await rm(dataDir, { recursive: true, force: true })
  }
}

