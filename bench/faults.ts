import { mkdtemp, rm } from 'node:fs/promises'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { startDynamoDbLocal } from '../lib/local/dynamodb-local.ts'
import { loadConfigFile } from '../lib/platform/config-file.ts'
import { createLogger } from '../lib/platform/logger.ts'
import { readRuntimeSettings } from '../lib/platform/runtime-settings.ts'
import { buildDependencies } from '../lib/runtime/dependencies.ts'
import { SqliteSearchIndex } from '../lib/search/adapters/sqlite-search-index.ts'
import { createDynamoClient } from '../lib/store/dynamodb-client.ts'
import { ensureTable } from '../lib/store/ensure-table.ts'
import { jobsFiredTwice, killWorkers, parallelCreates, poisonInBatch, redeliverOneMail, replayDayTwice } from '../test/support/fault-runs.ts'
import { checkSearchConsistency } from '../test/support/search-consistency.ts'
import { round, seededRandom } from './support/benchmark.ts'

/**
 * `npm run bench -- faults` (issue 9.4): the local stack as `npm start` runs it (DynamoDB Local
 * on disk, folder queues and blobs, the real handlers) under the faults the reliability checklist
 * names, each with its figure:
 *
 *   redeliveries       the same stored mail notified 1,000× at concurrency 50 → 1 article
 *   kill runs          a worker process SIGKILLed at a random point (every fourth run: right after its
 *                      commit), 100 runs; the message then goes to a fresh worker → 0 lost, 0 duplicated
 *   poison batch       1 poison among 10: 9 succeed first pass, the poison is dead-lettered after 5
 *                      receives, and replays once its cause is fixed
 *   replay             a day of raw mail replayed twice (`docket mail replay --from/--to` code) → 0 changes
 *   parallel creates   10,000 ticket creates at concurrency 50 → 0 duplicate numbers
 *   search             change events duplicated, shuffled and re-batched → index equals store
 *   jobs               every scheduled job fired twice at once and once more → exactly-once effects
 *
 * Ends with one JSON line {"redeliveries","articlesFromRedelivery","killRuns","lost","duplicated",
 * "parallelCreates","duplicateTicketNumbers","replayChanges"}. Exit code 1 when an invariant fails.
 * Flags: --redeliveries N, --kill-runs N, --max-kill-delay MS, --creates N, --replay-mails N,
 * --job-tickets N, --consistency-steps N, --seed N.
 */

const configPath = fileURLToPath(new URL('../docket.config.yaml', import.meta.url))

export async function run(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      redeliveries: { type: 'string', default: '1000' },
      'kill-runs': { type: 'string', default: '100' },
      'max-kill-delay': { type: 'string', default: '400' },
      creates: { type: 'string', default: '10000' },
      'replay-mails': { type: 'string', default: '300' },
      'job-tickets': { type: 'string', default: '100' },
      'consistency-steps': { type: 'string', default: '200' },
      seed: { type: 'string', default: '20261123' },
    },
  })
  const number = (name: keyof typeof values) => Number(values[name])
  const dataDir = await mkdtemp(join(tmpdir(), 'docket-faults-'))
  const database = await startDynamoDbLocal({ dbPath: join(dataDir, 'dynamodb') })
  const failures: string[] = []
  const check = (ok: boolean, what: string) => {
    if (!ok) failures.push(what)
  }
  try {
    const settings = { ...readRuntimeSettings({ DOCKET_CONFIG: configPath }), dataDir, dynamodbEndpoint: database.endpoint, tableName: 'docket-faults', logLevel: 'ERROR' as const }
    const client = createDynamoClient({ region: settings.region, endpoint: database.endpoint })
    await ensureTable(client, settings.tableName)
    client.destroy()
    // The configuration is read once: the run must not depend on the file staying as it is.
    const deps = await buildDependencies(settings, { logger: createLogger('SILENT'), config: loadConfigFile(settings.configPath) })
    const started = performance.now()
    console.log(`faults on the local stack: DynamoDB Local on disk in ${dataDir}; ${cpus().length} cores, load ${loadavg().map((value) => round(value, 1)).join('/')} (other processes skew the timings, never the counts)`)

    const redelivery = await redeliverOneMail(deps, number('redeliveries'), 50)
    console.log(`redeliveries       ${redelivery.redeliveries} notifications of one stored mail at concurrency ${redelivery.concurrency}: ${redelivery.articles} article(s), ${redelivery.failures} failed deliveries, ${round(redelivery.ms)} ms`)
    check(redelivery.articles === 1, 'redeliveries made more or less than one article')

    const kills = await killWorkers(deps, number('kill-runs'), number('max-kill-delay'), seededRandom(number('seed')))
    console.log(`kill runs          ${kills.runs} workers SIGKILLed after 0–${values['max-kill-delay']} ms or right after their commit, then a fresh worker: lost ${kills.lost}, duplicated ${kills.duplicated}; killed ${Object.entries(kills.phases).map(([phase, count]) => `${phase} ${count}`).join(', ')}; ${round(kills.ms / 1000, 1)} s`)
    check(kills.lost === 0 && kills.duplicated === 0, 'a killed worker lost or duplicated mail')

    const poison = await poisonInBatch(deps)
    console.log(`poison batch       ${poison.batch} in one batch: ${poison.firstPassSucceeded} succeeded first pass, ${poison.firstPassFailed} reported failed; dead-lettered after ${poison.deadAfterReceives} receives; replay after the fix ${poison.replayed ? 'ingested it' : 'FAILED'}`)
    check(poison.firstPassSucceeded === 9 && poison.firstPassFailed === 1 && poison.deadAfterReceives === 5 && poison.replayed, 'the poison batch did not isolate the poison')

    const replay = await replayDayTwice(deps, number('replay-mails'))
    console.log(`replay             a day of ${replay.mails} mails (10 % follow-ups) replayed twice: ${replay.changes} changes; replay actions ${JSON.stringify(replay.actions)}`)
    check(replay.changes === 0, 'replaying a day changed something')

    const creates = await parallelCreates(deps, number('creates'), 50)
    console.log(`parallel creates   ${creates.creates} at concurrency 50: ${creates.duplicateNumbers} duplicate ticket numbers, ${round(creates.creates / (creates.ms / 1000))} creates/s`)
    check(creates.duplicateNumbers === 0, 'duplicate ticket numbers')

    // A table of its own: the check compares every ticket of the stream with the index.
    const consistencySettings = { ...settings, tableName: 'docket-consistency' }
    const consistencyClient = createDynamoClient({ region: settings.region, endpoint: database.endpoint })
    await ensureTable(consistencyClient, consistencySettings.tableName)
    consistencyClient.destroy()
    const consistencyDeps = await buildDependencies(consistencySettings, { logger: createLogger('SILENT'), config: deps.config })
    const search = new SqliteSearchIndex(join(dataDir, 'search'))
    const consistency = await checkSearchConsistency(consistencyDeps, search, { seed: number('seed'), steps: number('consistency-steps') })
    console.log(`search index       ${consistency.steps} random changes, ${consistency.records} change events delivered ${consistency.deliveries} times (duplicated, shuffled, re-batched): ${consistency.mismatches.length} mismatches, ${consistency.batchFailures} batch failures, ${consistency.indexCount} documents for ${consistency.tickets - consistency.deleted} live tickets`)
    for (const mismatch of consistency.mismatches.slice(0, 5)) console.log(`  mismatch: ${mismatch}`)
    check(consistency.mismatches.length === 0 && consistency.batchFailures === 0 && consistency.indexCount === consistency.tickets - consistency.deleted, 'the index differs from the store')

    const jobs = await jobsFiredTwice(deps, number('job-tickets'))
    console.log(`jobs               each job fired twice at once and once more, ${jobs.ticketsPerKind} tickets per kind: reminders ${jobs.remindersSent}, auto-closed ${jobs.autoClosed}, Junk removed ${jobs.junkRemoved}, Junk purged ${jobs.junkPurged}; ${jobs.extraEffects} extra effects`)
    check(jobs.extraEffects === 0 && jobs.remindersSent === jobs.ticketsPerKind && jobs.autoClosed === jobs.ticketsPerKind && jobs.junkRemoved === jobs.ticketsPerKind && jobs.junkPurged === jobs.ticketsPerKind, 'a job acted more or less than once')

    console.log(`total ${round((performance.now() - started) / 1000, 1)} s${failures.length ? `; FAILED: ${failures.join('; ')}` : '; every invariant held'}`)
    console.log(
      JSON.stringify({
        redeliveries: redelivery.redeliveries,
        articlesFromRedelivery: redelivery.articles,
        killRuns: kills.runs,
        lost: kills.lost,
        duplicated: kills.duplicated,
        parallelCreates: creates.creates,
        duplicateTicketNumbers: creates.duplicateNumbers,
        replayChanges: replay.changes,
      }),
    )
    return failures.length === 0 ? 0 : 1
  } finally {
    await database.stop()
    await rm(dataDir, { recursive: true, force: true })
  }
}
