import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import type { Browser } from 'playwright-core'
import { startDynamoDbLocal, type DynamoDbLocal } from '../lib/local/dynamodb-local.ts'
import { startLocalRuntime, type LocalRuntime } from '../lib/local/start-local.ts'
import { createLogger } from '../lib/platform/logger.ts'
import { readRuntimeSettings } from '../lib/platform/runtime-settings.ts'
import type { Dependencies } from '../lib/runtime/dependencies.ts'
import { buildWeb } from '../scripts/build-web.ts'
import { launchChromium } from '../test/support/chromium.ts'
import { createDocumentClient } from '../lib/store/dynamodb-client.ts'
import { now, percentile, round, seededRandom } from './support/benchmark.ts'
import { generateTicket, load } from './support/ticket-table.ts'
import type { StateType } from '../schemas/config.ts'

/**
 * `npm run bench -- web`: how fast the agent web client shows a 500-ticket queue view in
 * Chromium, and how big the production bundle is.
 *
 * The whole local runtime (HTTP, SMTP, queues; DynamoDB Local in memory: this measures the client,
 * `npm run bench -- views` measures the store) with N open tickets in the queue Raw, written as the
 * store writes them. Chromium (Debian's, /usr/bin/chromium) logs in once, then opens
 * /queues/Raw again and again; each figure runs from navigation start (performance.timeOrigin) to
 * the animation frame in which all rows are in the table: HTML, JS, the API call, React's render.
 * "cold" is the first open with an empty cache, "warm" the later ones (assets cached, as an agent
 * works all day). Bundle: every file of web/dist/assets with its size and gzip -9 size.
 *
 * Flags: --tickets N (default 520), --runs N (default 7).
 */

export interface ChunkSize {
  file: string
  bytes: number
  gzip: number
}

/** Sizes of the built client's files (after `npm run build:web`), largest first. */
export async function bundleSizes(assetsDir = 'web/dist/assets'): Promise<{ chunks: ChunkSize[]; totalBytes: number; totalGzip: number; initialGzip: number }> {
  const files = (await readdir(assetsDir)).filter((file) => /\.(js|css)$/.test(file))
  const chunks = await Promise.all(
    files.map(async (file) => {
      const content = await readFile(join(assetsDir, file))
      return { file, bytes: content.length, gzip: gzipSync(content, { level: 9 }).length }
    }),
  )
  chunks.sort((a, b) => b.gzip - a.gzip)
  const index = await readFile(join(assetsDir, '..', 'index.html'), 'utf8')
  // What the first page load fetches: the entry script and stylesheet named in index.html.
  const initial = chunks.filter((chunk) => index.includes(chunk.file))
  return {
    chunks,
    totalBytes: chunks.reduce((sum, chunk) => sum + chunk.bytes, 0),
    totalGzip: chunks.reduce((sum, chunk) => sum + chunk.gzip, 0),
    initialGzip: initial.reduce((sum, chunk) => sum + chunk.gzip, 0),
  }
}

/**
 * Writes `count` open tickets into `queue`, exactly as the store writes tickets (the shared
 * generator of bench/support/ticket-table.ts), straight into the table: seconds instead of the
 * minute that mailing 500 tickets through ingest takes on 2 cores. The view reads them the same way.
 */
export async function seedTickets(deps: Dependencies, count: number, queue = 'Raw'): Promise<void> {
  const random = seededRandom(20261123)
  const tickets = Array.from({ length: count }, (_, index) => {
    const ticket = generateTicket(random, index, count)
    const stateType: StateType = index % 5 === 0 ? 'open' : 'new'
    return { ...ticket, queue, stateType, state: stateType, lock: 'unlock' as const, owner: null, pendingUntil: null }
  })
  const documents = createDocumentClient({ region: deps.settings.region, endpoint: deps.settings.dynamodbEndpoint })
  try {
    await load(documents, deps.settings.tableName, tickets)
  } finally {
    documents.destroy()
  }
}

/**
 * Opens `/queues/<queue>` `runs` times in one logged-in tab; each time from navigation start to
 * the frame in which `expectedRows` rows are in the table. The first run has an empty cache.
 */
export async function measureQueueRender(browser: Browser, baseUrl: string, options: { queue: string; login: string; password: string; expectedRows: number; runs: number }): Promise<number[]> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  const page = await context.newPage()
  // Log in through the API and hand the session to the tab, so every run is the queue view alone.
  const response = await fetch(`${baseUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: options.login, password: options.password }) })
  if (!response.ok) throw new Error(`login failed: ${response.status}`)
  const session = await response.text()
  await context.addInitScript((value) => sessionStorage.setItem('docket.session', value), session)
  const samples: number[] = []
  for (let run = 0; run < options.runs; run++) {
    await page.goto(`${baseUrl}/queues/${encodeURIComponent(options.queue)}`, { waitUntil: 'commit' })
    const handle = await page.waitForFunction(
      (rows) => (document.querySelectorAll('.ticket-table tbody tr').length >= rows ? performance.now() : false),
      options.expectedRows,
      { polling: 'raf', timeout: 30_000 },
    )
    samples.push((await handle.jsonValue()) as number)
  }
  await context.close()
  return samples
}

export async function run(args: string[]): Promise<number> {
  const flag = (name: string, fallback: number) => {
    const at = args.indexOf(name)
    return at >= 0 ? Number(args[at + 1]) : fallback
  }
  const tickets = flag('--tickets', 520)
  const runs = Math.max(2, flag('--runs', 7))
  const password = 'bench-Password-1!'
  const dataDir = await mkdtemp(join(tmpdir(), 'docket-bench-web-'))
  let database: DynamoDbLocal | undefined
  let runtime: LocalRuntime | undefined
  let browser: Browser | undefined
  try {
    buildWeb()
    const bundle = await bundleSizes()
    database = await startDynamoDbLocal()
    const settings = readRuntimeSettings({
      DOCKET_DYNAMODB_ENDPOINT: database.endpoint,
      DOCKET_CONFIG: 'docket.config.yaml',
      DOCKET_DATA_DIR: dataDir,
      PORT: '0',
      SMTP_PORT: '0',
      DOCKET_LOG_LEVEL: 'ERROR',
      DOCKET_DEMO_PASSWORD: password,
    })
    runtime = await startLocalRuntime(settings, { logger: createLogger('ERROR'), writeRuntimeFile: false, scheduler: false })
    let started = now()
    await seedTickets(runtime.deps, tickets)
    const seedMs = now() - started
    browser = await launchChromium()
    started = now()
    const samples = await measureQueueRender(browser, runtime.httpUrl, { queue: 'Raw', login: 'admin', password, expectedRows: Math.min(500, tickets), runs })
    const [cold, ...warm] = samples as [number, ...number[]]

    console.log(`web client: the ${Math.min(500, tickets)}-row queue view (/queues/Raw, ${tickets} tickets in the queue), Chromium ${browser.version()}`)
    console.log(`  wrote ${tickets} tickets in ${round(seedMs / 1000, 1)} s`)
    console.log(`  navigation start → all rows rendered: cold ${round(cold)} ms; warm p50 ${round(percentile(warm, 50))} ms, max ${round(Math.max(...warm))} ms (${warm.length} runs)`)
    console.log(`  load average ${loadavg().map((value) => round(value, 1)).join(' / ')} on this machine's cores: timings are noisy when it is busy`)
    console.log(`bundle (web/dist/assets, gzip -9): total ${round(bundle.totalGzip / 1024, 1)} KB gzip (${round(bundle.totalBytes / 1024, 1)} KB raw); first load ${round(bundle.initialGzip / 1024, 1)} KB gzip`)
    for (const chunk of bundle.chunks) console.log(`  ${chunk.file.padEnd(34)} ${String(round(chunk.gzip / 1024, 1)).padStart(7)} KB gzip ${String(round(chunk.bytes / 1024, 1)).padStart(8)} KB`)
    console.log(
      JSON.stringify({
        benchmark: 'web',
        tickets,
        rows: Math.min(500, tickets),
        coldMs: round(cold),
        warmP50Ms: round(percentile(warm, 50)),
        warmMaxMs: round(Math.max(...warm)),
        loadAverage: round(loadavg()[0]!, 1),
        bundleGzipBytes: bundle.totalGzip,
        initialGzipBytes: bundle.initialGzip,
        chunks: bundle.chunks.map((chunk) => ({ file: chunk.file, gzip: chunk.gzip, bytes: chunk.bytes })),
      }),
    )
    return cold < 1000 && percentile(warm, 50) < 1000 ? 0 : 1
  } finally {
    await browser?.close()
    await runtime?.stop()
    await database?.stop()
    await rm(dataDir, { recursive: true, force: true })
  }
}
