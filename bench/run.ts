import type { Benchmark } from './support/benchmark.ts'
import { profileSection } from './support/cpu-profile.ts'

/**
 * `npm run bench -- <name> [--profile] [args…]` runs bench/<name>.ts's `run()`. Adding a
 * benchmark is one line in this table (plus its file).
 *
 * `--profile` takes a CPU profile and prints the top self-time functions on stderr. A benchmark
 * that sets `profilesItself` profiles only its measured window (e.g. ingest: not the data
 * generation, not DynamoDB Local's start); any other is profiled as a whole.
 */
const benchmarks: Record<string, { what: string; load: () => Promise<Benchmark> }> = {
  ingest: { what: '1,000 mails through the local mail pipeline (intake → queue → mail-received → DynamoDB Local on disk)', load: () => import('./ingest.ts') },
  jobs: { what: 'the pending and Junk jobs over 100,000 tickets in DynamoDB Local on disk, with 0 to 1,000 tickets due', load: () => import('./jobs.ts') },
  views: { what: 'the 500-ticket queue view (GET /api/tickets?queue=Support&limit=500) over 100,000 tickets in DynamoDB Local on disk', load: () => import('./views.ts') },
  web: { what: 'the agent web client in Chromium: a 500-ticket queue view from navigation to rows rendered, cold and warm; the production bundle size (gzip per chunk)', load: () => import('./web.ts') },
  search: { what: 'SQLite FTS5 search over 100,000 tickets / 1,000,000 articles: index time, memory, disk, query latency per kind, reindex from DynamoDB Local on disk', load: () => import('./search.ts') },
  abuse: { what: 'issue 13 attacks at once on the local runtime (a search freeze, 10 parallel oversized mails, a login flood): p95 of /api/health and a queue view', load: () => import('./abuse.ts') },
  hotkeys: { what: 'the busiest partition key of the table and of each index at --rate N mails/s (default 1,000), from every write of the ingest benchmark recorded', load: () => import('./hotkeys.ts') },
  lambda: { what: 'the Lambda bundles in cdk.out (run `npm run synth` first): minified size and cold start (import → first event handled) per function', load: () => import('./lambda.ts') },
  faults: { what: 'fault injection on the local stack: 1,000 redeliveries, 100 killed workers, a poison batch, a day replayed twice, 10,000 parallel creates, duplicated/reordered change events, jobs fired twice (issue 9.4)', load: () => import('./faults.ts') },
}

function usage(): string {
  const names = Object.entries(benchmarks).map(([name, { what }]) => `  ${name.padEnd(10)} ${what}`)
  return ['usage: npm run bench -- <name> [--profile] [options of the benchmark]', 'benchmarks:', ...names].join('\n')
}

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv
  const entry = name === undefined ? undefined : benchmarks[name]
  if (!entry) {
    console.error(`${name === undefined ? 'which benchmark?' : `unknown benchmark "${name}"`}\n${usage()}`)
    return 2
  }
  const benchmark = await entry.load()
  if (args.includes('--profile') && !benchmark.profilesItself) return profileSection(name!, () => benchmark.run(args))
  return benchmark.run(args)
}

const code = await main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error)
  return 1
})
process.exitCode = code
// A benchmark stops what it started; should a stray handle keep the process up, do not hang.
setTimeout(() => process.exit(code), 5000).unref()
