import { readFile } from 'node:fs/promises'
import { basename, join, resolve } from 'node:path'
import { existsSync } from 'node:fs'
import type { ParseArgsOptionsConfig } from 'node:util'
import { setAgentPassword, type AuthDeps } from '../lib/auth/auth-service.ts'
import { DynamoAgentStore } from '../lib/auth/adapters/dynamodb-agent-store.ts'
import { systemClock } from '../lib/platform/clock.ts'
import { generatePassword, passwordHashParametersForCost } from '../lib/auth/passwords.ts'
import { ConcurrencyGate } from '../lib/platform/concurrency-gate.ts'
import { randomUUID } from 'node:crypto'
import { ingestStoredMail, previewStoredMail } from '../lib/mail/ingest-mail.ts'
import { replayRawMail } from '../lib/mail/replay.ts'
import { FsWorkQueue } from '../lib/queue/adapters/fs-work-queue.ts'
import { sqsEventFrom } from '../lib/local/aws-events.ts'
import { createMailReceivedHandler } from '../functions/mail-received.ts'
import { stripMboxSeparator } from '../lib/mail/parse-mail.ts'
import { startDynamoDbLocal } from '../lib/local/dynamodb-local.ts'
import { prepareDataDir } from '../lib/local/data-dir.ts'
import { checkPrerequisites } from '../lib/local/prerequisites.ts'
import { readRunningServer, type RuntimeInfo } from '../lib/local/runtime-file.ts'
import { storeRawMail } from '../lib/local/smtp-inbound.ts'
import { localLambdaContext, startLocalRuntime, type LocalRuntime } from '../lib/local/start-local.ts'
import { ConfigError } from '../lib/platform/config.ts'
import { loadConfigFile } from '../lib/platform/config-file.ts'
import { createLogger } from '../lib/platform/logger.ts'
import { readRuntimeSettings, type RuntimeSettings } from '../lib/platform/runtime-settings.ts'
import { buildDependencies, localQueueDir, type Dependencies } from '../lib/runtime/dependencies.ts'
import { createDocumentClient, createDynamoClient } from '../lib/store/dynamodb-client.ts'
import { ensureTable } from '../lib/store/ensure-table.ts'
import { functionCatalog, type FunctionName } from '../functions/catalog.ts'
import { jobCatalog, nextRun } from '../lib/jobs/catalog.ts'
import { runJob } from '../lib/jobs/run-job.ts'
import { reindex } from '../lib/search/reindex.ts'
import { checkIndex } from '../lib/search/check-index.ts'
import { exportCsv, importCsv } from '../lib/customers/import-export.ts'
import { reindexCustomerUsers } from '../lib/customers/customer-directory.ts'
import type { CsvRecordKind } from '../lib/customers/csv-columns.ts'
import { createWriteStream } from 'node:fs'
import { once } from 'node:events'

export interface Command {
  options?: ParseArgsOptionsConfig
  run(positionals: string[], values: Record<string, string | boolean | undefined>): Promise<number | void>
}

const print = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`)

/**
 * Runs `work` against the local data: the running server's DynamoDB Local when `npm start` is up,
 * otherwise a DynamoDB Local of our own on the same data dir for the duration of the command.
 */
export async function withLocalDependencies<T>(work: (deps: Dependencies) => Promise<T>): Promise<T> {
  const settings = readRuntimeSettings()
  await prepareDataDir(settings.dataDir)
  const running = await readRunningServer(settings.dataDir)
  let endpoint = settings.dynamodbEndpoint ?? running?.dynamodbEndpoint
  const database = endpoint ? undefined : await startDynamoDbLocal({ dbPath: join(settings.dataDir, 'dynamodb') })
  endpoint ??= database!.endpoint
  try {
    const client = createDynamoClient({ region: settings.region, endpoint })
    const table = await ensureTable(client, settings.tableName)
    client.destroy()
    for (const warning of await dataDirWarnings(settings, running, table)) console.error(`warning: ${warning}`)
    const deps = await buildDependencies({ ...settings, dynamodbEndpoint: endpoint }, { logger: createLogger(settings.logLevel === 'INFO' ? 'WARN' : settings.logLevel) })
    return await work(deps)
  } finally {
    await database?.stop()
  }
}

/**
 * Why the data a command is about to use may not be the data the agent looks at: the data dir
 * held no table (a typo in DOCKET_DATA_DIR, or the server runs elsewhere), or a server runs on the
 * default data dir while this command uses another one.
 */
export async function dataDirWarnings(
  settings: Pick<RuntimeSettings, 'dataDir' | 'tableName' | 'dynamodbEndpoint'>,
  running: RuntimeInfo | undefined,
  table: 'created' | 'existing',
  defaultDir = resolve('.docket'),
): Promise<string[]> {
  const warnings: string[] = []
  const where = settings.dynamodbEndpoint ? `table ${settings.tableName} at ${settings.dynamodbEndpoint}` : `data dir ${settings.dataDir}`
  if (table === 'created') warnings.push(`${where} held no Docket table: a new, empty one was created. If your server keeps its data elsewhere, set DOCKET_DATA_DIR to its data dir.`)
  if (running && settings.dynamodbEndpoint && settings.dynamodbEndpoint !== running.dynamodbEndpoint) {
    warnings.push(`the server running on ${settings.dataDir} (pid ${running.pid}) uses DynamoDB at ${running.dynamodbEndpoint}, but DOCKET_DYNAMODB_ENDPOINT points this command at ${settings.dynamodbEndpoint}.`)
  }
  if (!running && defaultDir !== settings.dataDir) {
    const other = await readRunningServer(defaultDir)
    if (other) warnings.push(`a Docket server is running on ${defaultDir} (pid ${other.pid}, ${other.httpUrl}), but this command uses ${settings.dataDir}: its changes will not show there. Set DOCKET_DATA_DIR=${defaultDir} to work on the server's data.`)
  }
  return warnings
}

function failPrerequisites(): boolean {
  const problems = checkPrerequisites()
  for (const problem of problems) console.error(`✗ ${problem.what}\n  fix: ${problem.fix}`)
  return problems.length > 0
}

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

const start: Command = {
  async run() {
    if (failPrerequisites()) return 1
    const settings = readRuntimeSettings()
    try {
      loadConfigFile(settings.configPath)
    } catch (error) {
      if (error instanceof ConfigError) {
        console.error(error.message)
        return 1
      }
      throw error
    }
    const running = await readRunningServer(settings.dataDir)
    if (running) {
      console.error(`Docket is already running on this data dir (pid ${running.pid}, ${running.httpUrl}). Stop it first (Ctrl+C where it runs, or \`kill ${running.pid}\`), or set DOCKET_DATA_DIR.`)
      return 1
    }
    console.log('Starting Docket (DynamoDB Local takes a few seconds)…')
    const runtime = await startLocalRuntime(settings)
    const { config } = runtime.deps
    const lines = [
      '',
      `Docket is running.`,
      `  Web client and API   ${runtime.httpUrl}/   (API under ${runtime.httpUrl}/api, OpenAPI at /api/openapi.json)`,
      `  Inbound mail (SMTP)  ${settings.host}:${runtime.smtpPort}   for ${config.mail.addresses.map((address) => address.address).join(', ')}`,
      `  Data                 ${settings.dataDir}   (outgoing mail: ${join(settings.dataDir, 'outbox')})`,
      '',
      'Log in as:',
      ...config.agents.map((agent) => {
        const fresh = runtime.provisioned.find((entry) => entry.login === agent.login)
        const password = fresh ? fresh.password : settings.demoPassword ? '(DOCKET_DEMO_PASSWORD)' : '(set on first start; change with `npx docket agent password ' + agent.login + '`)'
        return `  ${agent.login.padEnd(10)} password ${password}`
      }),
      '',
      'Send a test mail:',
      `  curl smtp://${settings.host}:${runtime.smtpPort} --mail-from customer@example.net --mail-rcpt support@example.com --upload-file test/fixtures/welcome.eml`,
      '',
      'Stop with Ctrl+C.',
    ]
    console.log(lines.join('\n'))
    const stopSignal = await Promise.race([
      new Promise<string>((resolve) => {
        process.once('SIGINT', () => resolve('SIGINT'))
        process.once('SIGTERM', () => resolve('SIGTERM'))
      }),
      runtime.storeLost.then((why) => {
        console.error(`${why}\nStopping Docket; start it again with \`npm start\`.`)
        return 'store lost'
      }),
    ])
    return stopRuntime(runtime, stopSignal === 'store lost' ? 1 : 0)
  },
}

/** A stop takes at most this long; then the process exits anyway (DynamoDB Local follows it: see dynamodb-local.ts). */
const stopDeadlineMs = 9000

/** Stops the runtime in order (see LocalRuntime.stop), within the deadline; a second Ctrl+C exits at once. */
async function stopRuntime(runtime: LocalRuntime, exitCode: number): Promise<number> {
  console.log('Stopping Docket…')
  const forced = new Promise<number>((resolve) => {
    const now = () => resolve(130)
    process.once('SIGINT', now)
    process.once('SIGTERM', now)
    setTimeout(() => {
      console.error(`Docket did not stop within ${stopDeadlineMs / 1000} s; exiting anyway`)
      resolve(1)
    }, stopDeadlineMs).unref()
  })
  const code = await Promise.race([runtime.stop().then(() => exitCode), forced])
  if (code === exitCode) console.log('Docket stopped.')
  // Everything is closed; a client that keeps a socket open must not keep the process alive.
  setTimeout(() => process.exit(code), 500).unref()
  return code
}

const configCheck: Command = {
  async run(positionals) {
    const file = resolve(positionals[0] ?? readRuntimeSettings().configPath)
    try {
      const config = loadConfigFile(file)
      console.log(`${file} is valid: ${config.queues.length} queues, ${config.mail.addresses.length} addresses, ${config.agents.length} agents.`)
      return 0
    } catch (error) {
      if (error instanceof ConfigError) {
        console.error(error.message)
        return 1
      }
      throw error
    }
  },
}

const day = /^\d{4}-\d{2}-\d{2}$/

const mailIngest: Command = {
  options: { 'dry-run': { type: 'boolean' }, from: { type: 'string' }, to: { type: 'string' } },
  async run(positionals, values) {
    const dryRun = values['dry-run'] === true
    if (typeof values.from === 'string') {
      if (!dryRun) throw new Error('--from/--to re-run archived mail: use `docket mail replay --from … --to …` (or add --dry-run to preview)')
      return mailReplay.run([], values)
    }
    if (positionals.length === 0) throw new Error('give one or more mail files, or - for standard input (or --dry-run --from DAY --to DAY)')
    return withLocalDependencies(async (deps) => {
      let failures = 0
      for (const source of positionals) {
        try {
          const raw = stripMboxSeparator(source === '-' ? await readStdin() : await readFile(source))
          if (dryRun) {
            // A dry run writes nothing: the mail is parsed from a scratch copy that is removed again.
            const key = `dry-run/${randomUUID()}.eml`
            await deps.rawMail.put(key, raw)
            try {
              print({ ...(await previewStoredMail(deps, { bucket: deps.rawMail.bucket, key })), dryRun: true, ...(positionals.length > 1 ? { file: source } : {}) })
            } finally {
              await deps.rawMail.delete(key)
            }
            continue
          }
          const key = await storeRawMail(deps.rawMail, raw, { recipients: [] })
          const outcome = await ingestStoredMail(deps, { bucket: deps.rawMail.bucket, key })
          print({ action: outcome.action, ticketNumber: outcome.ticketNumber, articleId: outcome.articleId, queue: outcome.queue, ...(outcome.reason ? { reason: outcome.reason } : {}), ...(positionals.length > 1 ? { file: source } : {}) })
        } catch (error) {
          failures++
          print({ action: 'failed', file: source, error: (error as Error).message })
        }
      }
      return failures > 0 ? 1 : 0
    })
  },
}

/** `docket mail replay`: dead letters of the inbound queue (default), or archived raw mail of a day range. */
const mailReplay: Command = {
  options: { 'dry-run': { type: 'boolean' }, from: { type: 'string' }, to: { type: 'string' }, dead: { type: 'boolean' } },
  async run(_positionals, values) {
    const dryRun = values['dry-run'] === true
    if (typeof values.from === 'string') {
      const from = values.from
      const to = typeof values.to === 'string' ? values.to : from
      if (!day.test(from) || !day.test(to)) throw new Error('--from and --to take days, e.g. --from 2026-11-16 --to 2026-11-22')
      return withLocalDependencies(async (deps) => {
        const counts: Record<string, number> = {}
        for await (const result of replayRawMail(deps, { from, to }, dryRun)) {
          counts[result.action] = (counts[result.action] ?? 0) + 1
          print(result)
        }
        print({ summary: true, from, to, dryRun, ...counts })
        return counts.failed ? 1 : 0
      })
    }
    if (dryRun) throw new Error('--dry-run needs a day range (--from … --to …)')
    return withLocalDependencies(async (deps) => {
      const inbound = new FsWorkQueue<unknown>(localQueueDir(deps.settings, 'inbound'), 'inbound', { maxReceiveCount: 5 })
      const letters = await inbound.listDead()
      if (letters.length === 0) {
        print({ summary: true, deadLetters: 0 })
        return 0
      }
      const handler = createMailReceivedHandler(deps)
      let failed = 0
      for (const letter of letters) {
        const response = await handler(sqsEventFrom('inbound', [{ ...letter, receiveCount: 1 }]), localLambdaContext('mail-received'))
        const ok = response.batchItemFailures.length === 0
        if (ok) await inbound.removeDead(letter)
        else failed++
        print({ deadLetter: letter.id, replayed: ok, ...(ok ? {} : { error: 'failed again; it stays in the dead-letter folder' }), lastError: letter.errors.at(-1) ?? null })
      }
      print({ summary: true, deadLetters: letters.length, replayed: letters.length - failed, failed })
      return failed > 0 ? 1 : 0
    })
  },
}

/**
 * Runs `work` against a deployed Docket's table (`--table`, the data stack's TableName output) with
 * the caller's AWS credentials: only the agent store, which is all setting a password needs. The
 * config file must be the one deployed (it declares the agents and the password policy).
 */
async function withDeployedAgentStore<T>(tableName: string, region: string | undefined, work: (deps: AuthDeps) => Promise<T>): Promise<T> {
  const settings = readRuntimeSettings()
  const config = loadConfigFile(settings.configPath)
  // DOCKET_DYNAMODB_ENDPOINT, when set, points at DynamoDB Local instead (tests).
  const documents = createDocumentClient({ region: region ?? settings.region, endpoint: settings.dynamodbEndpoint })
  const unavailable = async (): Promise<never> => {
    throw new Error('not available from the command line')
  }
  try {
    return await work({
      config,
      agents: new DynamoAgentStore(documents, tableName),
      clock: systemClock,
      jwtSecret: unavailable,
      totpKey: unavailable,
      passwordHashing: passwordHashParametersForCost(settings.passwordHashCost),
      passwordChecks: new ConcurrencyGate(1, 0),
    })
  } finally {
    documents.destroy()
  }
}

const agentPassword: Command = {
  options: { password: { type: 'string' }, table: { type: 'string' }, region: { type: 'string' } },
  async run(positionals, values) {
    const login = positionals[0]
    if (!login) throw new Error('give the agent login, e.g. `docket agent password admin`')
    const given = typeof values.password === 'string' ? values.password : undefined
    const set = async (deps: AuthDeps) => {
      const chosen = given ?? generatePassword(deps.config.auth.passwordPolicy)
      await setAgentPassword(deps, login, chosen)
      return chosen
    }
    const table = typeof values.table === 'string' ? values.table : undefined
    const password = table ? await withDeployedAgentStore(table, typeof values.region === 'string' ? values.region : undefined, set) : await withLocalDependencies(set)
    console.log(`Password of ${login} set${given === undefined ? `: ${password}` : ''}${table ? ` in ${table}` : ''}; their sessions have ended`)
  },
}

const invoke: Command = {
  async run(positionals) {
    const [name, eventFile] = positionals
    const entry = name ? functionCatalog[name as FunctionName] : undefined
    if (!entry || !eventFile) throw new Error(`usage: docket invoke <${Object.keys(functionCatalog).join('|')}> <event.json>`)
    const event: unknown = JSON.parse(await readFile(eventFile, 'utf8'))
    return withLocalDependencies(async (deps) => {
      if (name === 'mail-received') await seedSampleMail(deps, event, eventFile)
      const handler = (await entry.load())(deps)
      print(await handler(event as never, localLambdaContext(name!)))
    })
  },
}

/** Sample mail events refer to raw mail keys; a sample .eml beside the event file is stored under that key first. */
async function seedSampleMail(deps: Dependencies, event: unknown, eventFile: string): Promise<void> {
  const bodies = ((event as { Records?: { body?: string }[] }).Records ?? []).map((record) => record.body ?? '{}')
  for (const body of bodies) {
    const notification = JSON.parse(body) as { Records?: { s3?: { object?: { key?: string } } }[] }
    for (const record of notification.Records ?? []) {
      const key = decodeURIComponent((record.s3?.object?.key ?? '').replace(/\+/g, ' '))
      const sample = join(resolve(eventFile, '..'), basename(key))
      if (key && !(await deps.rawMail.head(key)) && existsSync(sample)) {
        await deps.rawMail.put(key, await readFile(sample), { contentType: 'message/rfc822' })
        console.error(`(stored ${sample} as raw mail ${key} for this event)`)
      }
    }
  }
}

const jobList: Command = {
  async run() {
    const settings = readRuntimeSettings()
    const config = loadConfigFile(settings.configPath)
    const now = new Date()
    for (const job of jobCatalog(config)) {
      const next = nextRun(job, now)
      console.log(`${job.name.padEnd(28)} ${(job.schedule ?? 'by hand').padEnd(14)} next ${next ? next.toISOString() : '-'.padEnd(24)}  ${job.description}`)
    }
  },
}

const jobRun: Command = {
  options: { now: { type: 'string' }, 'dry-run': { type: 'boolean' } },
  async run(positionals, values) {
    const name = positionals.join(' ')
    if (!name) throw new Error('usage: docket job run <name> [--now <ISO time>] [--dry-run]')
    const time = typeof values.now === 'string' ? values.now : undefined
    if (time !== undefined && Number.isNaN(Date.parse(time))) throw new Error('--now takes an ISO time, e.g. 2026-11-30T00:00:00Z')
    return withLocalDependencies(async (deps) => {
      const result = await runJob(deps, { job: name, dryRun: values['dry-run'] === true, ...(time ? { time: new Date(time).toISOString() } : {}) })
      for (const line of result.details ?? []) console.error(`  ${line}`)
      print({ job: result.job, selected: result.selected, changed: result.changed, dryRun: result.dryRun })
    })
  },
}

const searchReindex: Command = {
  async run(_positionals, values) {
    const stage = stageOf(values)
    if (stage) {
      print({ stage, ...(await invokeDeployedMaintenance(stage, regionOf(values), { action: 'reindex' })) })
      return 0
    }
    return withLocalDependencies(async (deps) => {
      const width = 30
      const result = await reindex(deps, (progress) => {
        if (!process.stderr.isTTY) return
        const filled = Math.min(width, Math.round((progress.tickets % (width * 100)) / 100))
        process.stderr.write(`\r${progress.phase.padEnd(9)} [${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${progress.tickets} tickets, ${progress.perSecond.toFixed(0)}/s   `)
      })
      if (process.stderr.isTTY) process.stderr.write('\n')
      print({ tickets: result.tickets, caughtUp: result.caughtUp, seconds: Number(result.seconds.toFixed(1)), perSecond: Math.round(result.perSecond), live: await deps.search.count() })
    })
  },
}

/**
 * `--stage <stage>`: runs the search maintenance in the deployed Docket, by invoking its
 * search-maintenance function (named by the service stack's SearchMaintenanceFunction output) with
 * the AWS CLI and the caller's credentials. Only that function may rebuild the index: it runs with
 * the OpenSearch master user's role, which an admin's own credentials are not mapped to.
 */
async function invokeDeployedMaintenance(stage: string, region: string | undefined, payload: object): Promise<Record<string, unknown>> {
  const { execFileSync } = await import('node:child_process')
  const { mkdtempSync, readFileSync, rmSync } = await import('node:fs')
  const { tmpdir } = await import('node:os')
  const regionArgs = region ? ['--region', region] : []
  const aws = (args: string[], outfile: string[] = []) => {
    try {
      return execFileSync('aws', [...args, ...regionArgs, ...outfile], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 16 * 1024 * 1024 })
    } catch (error) {
      const failure = error as { code?: string; stderr?: string }
      if (failure.code === 'ENOENT') throw new Error('--stage needs the AWS CLI (`aws`) with credentials for the account Docket is deployed in', { cause: error })
      throw new Error(`aws ${args.slice(0, 2).join(' ')} failed: ${(failure.stderr ?? String(error)).trim()}`, { cause: error })
    }
  }
  const stack = `Docket-${stage}-Service`
  const name = aws(['cloudformation', 'describe-stacks', '--stack-name', stack, '--query', "Stacks[0].Outputs[?OutputKey=='SearchMaintenanceFunction'].OutputValue", '--output', 'text']).trim()
  if (!name || name === 'None') throw new Error(`${stack} has no SearchMaintenanceFunction output: deploy this version first (npx cdk deploy --all -c stage=${stage})`)
  const dir = mkdtempSync(join(tmpdir(), 'docket-invoke-'))
  try {
    const out = join(dir, 'result.json')
    // Synchronous, up to the function's 15 minutes: no read timeout on the CLI's side.
    const status = JSON.parse(aws(['lambda', 'invoke', '--function-name', name, '--cli-binary-format', 'raw-in-base64-out', '--cli-read-timeout', '0', '--payload', JSON.stringify(payload)], [out])) as { FunctionError?: string }
    const result = JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>
    if (status.FunctionError) throw new Error(`${name} failed: ${String(result.errorMessage ?? JSON.stringify(result))}`)
    return result
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const stageOf = (values: Record<string, string | boolean | undefined>) => (typeof values.stage === 'string' ? values.stage : undefined)
const regionOf = (values: Record<string, string | boolean | undefined>) => (typeof values.region === 'string' ? values.region : undefined)

/** `docket search check [--repair]`: one JSON line of counts (examples on stderr); exit 1 when drift is left unrepaired. */
const searchCheck: Command = {
  async run(_positionals, values) {
    const repair = values.repair === true
    const stage = stageOf(values)
    if (stage) {
      const result = await invokeDeployedMaintenance(stage, regionOf(values), { action: 'check', repair })
      const { examples, ...counts } = result as { examples?: string[] } & Record<string, unknown>
      if (examples?.length) console.error(`drift: ${examples.join(' ')}`)
      print({ stage, ...counts })
      return !repair && Number(counts.missing) + Number(counts.stale) + Number(counts.orphaned) > 0 ? 1 : 0
    }
    return withLocalDependencies(async (deps) => {
      const result = await checkIndex(deps, { repair })
      for (const kind of ['missing', 'stale', 'orphaned'] as const) if (result[kind].length > 0) console.error(`${kind}: ${result[kind].slice(0, 20).join(' ')}${result[kind].length > 20 ? ' …' : ''}`)
      print({ tickets: result.tickets, indexed: result.indexed, missing: result.missing.length, stale: result.stale.length, orphaned: result.orphaned.length, repaired: repair, seconds: Number(result.seconds.toFixed(1)) })
      return !repair && result.missing.length + result.stale.length + result.orphaned.length > 0 ? 1 : 0
    })
  },
}

/**
 * `docket customers|companies import FILE.csv` (OTRS's CSV export columns or the API's names; ends
 * with one JSON line {imported, updated, failed: [{line, error}]}; exit 1 when a row failed) and
 * `docket customers|companies export [FILE.csv]` (stdout without a file).
 */
function directoryCommand(kind: CsvRecordKind): Command {
  const usage = `usage: docket ${kind} import <file.csv>  |  docket ${kind} export [file.csv]`
  return {
    async run(positionals) {
      const [action, file, ...extra] = positionals
      if (extra.length > 0) throw new Error(usage)
      if (action === 'import') {
        if (!file) throw new Error(usage)
        const text = await readFile(resolve(file), 'utf8')
        return withLocalDependencies(async (deps) => {
          const result = await importCsv(deps, kind, text, (columns) => console.error(`ignored columns: ${columns.join(', ')}`))
          print(result)
          return result.failed.length > 0 ? 1 : 0
        })
      }
      if (action === 'reindex' && kind === 'customers' && !file) {
        return withLocalDependencies(async (deps) => {
          print(await reindexCustomerUsers(deps))
        })
      }
      if (action === 'export') {
        return withLocalDependencies(async (deps) => {
          const out = file ? createWriteStream(resolve(file)) : process.stdout
          for await (const chunk of exportCsv(deps, kind)) if (!out.write(chunk)) await once(out, 'drain')
          if (file) await new Promise((done) => (out as ReturnType<typeof createWriteStream>).end(done))
        })
      }
      throw new Error(usage)
    },
  }
}

export const commands: Record<string, Command> = {
  customers: directoryCommand('customers'),
  companies: directoryCommand('companies'),
  search: {
    options: { repair: { type: 'boolean' }, stage: { type: 'string' }, region: { type: 'string' } },
    async run(positionals, values) {
      if (positionals[0] === 'reindex') return searchReindex.run(positionals.slice(1), values)
      if (positionals[0] === 'check') return searchCheck.run(positionals.slice(1), values)
      throw new Error('usage: docket search reindex [--stage S]  |  docket search check [--repair] [--stage S]')
    },
  },
  job: {
    options: { ...jobRun.options },
    async run(positionals, values) {
      if (positionals[0] === 'list') return jobList.run(positionals.slice(1), values)
      if (positionals[0] === 'run') return jobRun.run(positionals.slice(1), values)
      throw new Error('usage: docket job list | docket job run <name> [--now <ISO time>] [--dry-run]')
    },
  },
  start,
  'config': { async run(positionals, values) { if (positionals[0] !== 'check') throw new Error('usage: docket config check [file]'); return configCheck.run(positionals.slice(1), values) } },
  'mail': {
    options: { ...mailIngest.options, ...mailReplay.options },
    async run(positionals, values) {
      if (positionals[0] === 'ingest') return mailIngest.run(positionals.slice(1), values)
      if (positionals[0] === 'replay') return mailReplay.run(positionals.slice(1), values)
      throw new Error('usage: docket mail ingest [--dry-run] <file.eml ...|->  |  docket mail replay [--from DAY --to DAY [--dry-run]]')
    },
  },
  'agent': {
    options: agentPassword.options!,
    async run(positionals, values) {
      if (positionals[0] === 'password') return agentPassword.run(positionals.slice(1), values)
      throw new Error('usage: docket agent password <login> [--password P] [--table NAME [--region R]]')
    },
  },
  invoke,
}
