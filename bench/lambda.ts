import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { basename, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { functionCatalog, type FunctionName } from '../functions/catalog.ts'
import { startDynamoDbLocal } from '../lib/local/dynamodb-local.ts'
import { createDynamoClient } from '../lib/store/dynamodb-client.ts'
import { ensureTable } from '../lib/store/ensure-table.ts'
import { round } from './support/benchmark.ts'

/**
 * `npm run bench -- lambda [--out cdk.out] [--runs 5]`: the Lambda bundles exactly as `cdk synth`
 * left them in cdk.out (run `npm run synth` first). Per function: the size of its minified bundle,
 * and the median over fresh `node` processes of the time from importing the bundle to the first
 * event handled (bench/support/lambda-cold-start.ts). Each process gets only the variables the
 * template sets (references replaced by local stand-ins, DOCKET_CONFIG pointed at the bundle's own
 * config), plus what Lambda itself sets (region, dummy credentials, function name and memory).
 *
 * The first events (see `firstEvents`): the API answers GET /api/health; jobs runs the pending job
 * against an empty table and ses-feedback records a bounce, both on DynamoDB Local (the bench starts
 * one, so the first SDK request is measured); mail-received gets S3's test event (acknowledged,
 * no I/O); mail-send, outbox-relay and search-indexer get an empty batch (everything up to the
 * first record: their records would need S3, SES, SQS or OpenSearch). A warning on a process's
 * stderr (node:sqlite's ExperimentalWarning) fails the benchmark.
 */

const root = fileURLToPath(new URL('..', import.meta.url))
const emptyBatch = { Records: [] }
const firstEvents: Record<FunctionName, { event: string | object; what: string; expectedFailure?: RegExp }> = {
  api: { event: 'events/api-health.apigw-v2.json', what: 'GET /api/health' },
  'mail-received': { event: 'events/mail-received-s3-test-event.sqs.json', what: "S3's test event (no I/O)" },
  'mail-send': { event: emptyBatch, what: 'an empty SQS batch (no I/O)' },
  'ses-feedback': { event: 'events/ses-feedback.sqs.json', what: 'a permanent bounce recorded in DynamoDB Local' },
  'search-indexer': { event: emptyBatch, what: 'an empty stream batch (no I/O)' },
  'outbox-relay': { event: emptyBatch, what: 'an empty stream batch (no I/O)' },
  jobs: { event: 'events/jobs-pending.eventbridge.json', what: 'the pending job over an empty table in DynamoDB Local' },
  // No OpenSearch here: the drift check runs up to its first request to the cluster, which cannot connect.
  'search-maintenance': { event: { action: 'check' }, what: 'the drift check up to its first OpenSearch request (no cluster here)', expectedFailure: /ECONNREFUSED|ENOTFOUND|connect|unavailable|getaddrinfo/i },
}

interface TemplateFunction {
  Type: string
  Properties: { Environment?: { Variables?: Record<string, unknown> }; MemorySize?: number; Handler?: string }
  Metadata?: Record<string, string>
}

export interface BundledFunction {
  name: FunctionName
  /** The asset folder in cdk.out (index.mjs, its map, docket.config.json). */
  bundleDir: string
  handler: string
  memorySize: number
  environment: Record<string, unknown>
}

/** Every Docket function of the service stacks in `outDir`, with its asset and template environment. */
export function bundledFunctions(outDir: string): BundledFunction[] {
  const templates = readdirSync(outDir).filter((file) => file.endsWith('-Service.template.json'))
  if (templates.length === 0) throw new Error(`no *-Service.template.json in ${outDir}: run \`npm run synth\` (or \`npx cdk synth -o ${outDir}\`) first`)
  const constructIds = new Map((Object.keys(functionCatalog) as FunctionName[]).map((name) => [constructIdOf(name), name]))
  const found: BundledFunction[] = []
  for (const template of templates) {
    const resources = (JSON.parse(readFileSync(join(outDir, template), 'utf8')) as { Resources: Record<string, TemplateFunction> }).Resources
    for (const resource of Object.values(resources)) {
      const variables = resource.Properties.Environment?.Variables ?? {}
      if (resource.Type !== 'AWS::Lambda::Function' || variables.DOCKET_RUNTIME !== 'aws') continue
      const path = resource.Metadata?.['aws:cdk:path'] ?? ''
      const name = constructIds.get(path.split('/').at(-2) ?? '')
      const asset = resource.Metadata?.['aws:asset:path']
      if (!name || !asset) throw new Error(`${template}: cannot tell which Docket function ${path} is, or where its bundle is`)
      found.push({ name, bundleDir: join(outDir, asset), handler: resource.Properties.Handler ?? 'index.handler', memorySize: resource.Properties.MemorySize ?? 128, environment: variables })
    }
  }
  return found
}

/** functions/catalog.ts name → construct id (infra/constructs/docket-functions.ts's rule, without loading aws-cdk-lib). */
const constructIdOf = (name: string) =>
  name
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('')

/** The template's variables as strings: references (Ref, Fn::GetAtt…) become local stand-ins. */
export function localEnvironment(fn: BundledFunction, dynamodbEndpoint: string | undefined): Record<string, string> {
  const standIn = (key: string): string => {
    if (key === 'DOCKET_TABLE_NAME') return 'docket-bench'
    if (key.endsWith('_BUCKET')) return `docket-bench-${key.slice('DOCKET_'.length, -'_BUCKET'.length).toLowerCase().replace(/_/g, '-')}`
    if (key.endsWith('_QUEUE_URL')) return 'http://127.0.0.1:9/000000000000/bench'
    if (key.endsWith('_ENDPOINT')) return 'https://127.0.0.1:9'
    if (key.endsWith('_ARN') || key.endsWith('_ARNS')) return 'arn:aws:iam::000000000000:role/bench'
    return 'bench'
  }
  // The origin-verify secret (CloudFront's header) is left out: the sample API event comes without it,
  // and checking it is one string comparison.
  const variables = Object.entries(fn.environment).filter(([key]) => key !== 'DOCKET_ORIGIN_VERIFY')
  const environment = Object.fromEntries(variables.map(([key, value]) => [key, typeof value === 'string' ? value : standIn(key)]))
  return {
    ...environment,
    DOCKET_CONFIG: join(fn.bundleDir, basename(String(fn.environment.DOCKET_CONFIG ?? 'docket.config.json'))),
    ...(dynamodbEndpoint ? { DOCKET_DYNAMODB_ENDPOINT: dynamodbEndpoint } : {}),
    // What Lambda sets in every function's environment.
    AWS_REGION: 'eu-west-1',
    AWS_DEFAULT_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_SESSION_TOKEN: 'bench',
    AWS_LAMBDA_FUNCTION_NAME: fn.name,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySize),
    LAMBDA_TASK_ROOT: fn.bundleDir,
    TZ: ':UTC',
    PATH: process.env.PATH ?? '',
  }
}

interface ColdStart {
  importMs: number
  initMs: number
  /** CPU time (user + system) of the same span: less bent by a busy machine than the wall time. */
  cpuMs: number
  failed: string | null
  stderr: string
}

function coldStart(fn: BundledFunction, eventFile: string, environment: Record<string, string>): Promise<ColdStart> {
  const entry = join(fn.bundleDir, `${fn.handler.split('.')[0]}.mjs`)
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [join(root, 'bench/support/lambda-cold-start.ts'), entry, eventFile, fn.name], { env: environment, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('error', reject)
    child.on('close', (code) => {
      const line = stdout.trim().split('\n').reverse().find((candidate) => candidate.includes('"initMs"'))
      if (code !== 0 || !line) return reject(new Error(`${fn.name}: the cold start exited with ${code}\n${stderr}${stdout}`))
      resolvePromise({ ...(JSON.parse(line) as Omit<ColdStart, 'stderr'>), stderr })
    })
  })
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

export interface LambdaFigures {
  name: FunctionName
  bundleDir: string
  minifiedBytes: number
  importMs: number
  initMs: number
  cpuMs: number
  /** What the first event was. */
  what: string
  /** Handler failures and warnings on stderr (e.g. node:sqlite's ExperimentalWarning), without the process id. */
  problems: string[]
}

/** Measures every Docket function bundled in `outDir`: `runs` cold starts each, in fresh processes, against a DynamoDB Local it starts. */
export async function measureLambdas(outDir: string, runs: number): Promise<LambdaFigures[]> {
  const functions = bundledFunctions(outDir)
  const database = await startDynamoDbLocal()
  const scratch = mkdtempSync(join(tmpdir(), 'docket-bench-lambda-'))
  try {
    await ensureTable(createDynamoClient({ region: 'eu-west-1', endpoint: database.endpoint }), 'docket-bench')
    const figures: LambdaFigures[] = []
    for (const fn of functions) {
      const { event, what, expectedFailure } = firstEvents[fn.name]
      const eventFile = typeof event === 'string' ? join(root, event) : join(scratch, `${fn.name}.json`)
      if (typeof event !== 'string') writeFileSync(eventFile, JSON.stringify(event))
      const environment = localEnvironment(fn, database.endpoint)
      const starts: ColdStart[] = []
      for (let index = 0; index < runs; index++) starts.push(await coldStart(fn, eventFile, environment))
      const warnings = (start: ColdStart) => start.stderr.split('\n').filter((line) => /Warning/.test(line)).map((line) => line.replace(/^\(node:\d+\) /, ''))
      figures.push({
        name: fn.name,
        bundleDir: fn.bundleDir,
        minifiedBytes: statSync(join(fn.bundleDir, 'index.mjs')).size,
        importMs: round(median(starts.map((start) => start.importMs)), 1),
        initMs: round(median(starts.map((start) => start.initMs)), 1),
        cpuMs: round(median(starts.map((start) => start.cpuMs)), 1),
        what,
        problems: [...new Set(starts.flatMap((start) => [expectedFailure?.test(start.failed ?? '') ? null : start.failed, ...warnings(start)]).filter((line): line is string => !!line))],
      })
    }
    return figures
  } finally {
    rmSync(scratch, { recursive: true, force: true })
    await database.stop()
  }
}

export async function run(args: string[]): Promise<number> {
  const option = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined)
  const outDir = resolve(option('--out') ?? join(root, 'cdk.out'))
  const runs = Number(option('--runs') ?? 5)
  if (!existsSync(outDir)) throw new Error(`${outDir} does not exist: run \`npm run synth\` first (or pass --out <dir>)`)
  console.log(`Lambda cold starts from ${outDir} (median of ${runs} fresh processes each; load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores)`)
  const figures = await measureLambdas(outDir, runs)
  for (const fn of figures) {
    console.log(`  ${fn.name.padEnd(15)} ${(fn.minifiedBytes / 1024).toFixed(0).padStart(5)} KiB  import ${fn.importMs.toFixed(0).padStart(4)} ms  to first event handled ${fn.initMs.toFixed(0).padStart(4)} ms (CPU ${fn.cpuMs.toFixed(0).padStart(4)} ms)  (${fn.what})`)
    for (const problem of fn.problems) console.log(`    ✗ ${problem}`)
  }
  console.log(
    JSON.stringify({
      functions: figures.map(({ name, minifiedBytes, initMs }) => ({ name, minifiedBytes, initMs })),
      maxMinifiedBytes: Math.max(...figures.map((fn) => fn.minifiedBytes)),
      maxInitMs: Math.max(...figures.map((fn) => fn.initMs)),
    }),
  )
  return figures.some((fn) => fn.problems.length > 0) ? 1 : 0
}
