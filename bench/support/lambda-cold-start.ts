/**
 * One cold start of a bundled Lambda function, in a fresh process (spawned by bench/lambda.ts with
 * only the environment its template sets): imports the bundle, hands it one event, and prints
 * `{"importMs","initMs","cpuMs","result","failed"}` on stdout. initMs runs from just before the import until the
 * handler's promise settles: the module load, the settings, the config, the dependencies and the
 * first event, as Lambda's INIT plus the first INVOKE would, without the runtime's own start.
 *
 * usage: node bench/support/lambda-cold-start.ts <bundle/index.mjs> <event.json> <functionName>
 */
import { readFileSync } from 'node:fs'
import { pathToFileURL } from 'node:url'

const [bundle, eventFile, functionName] = process.argv.slice(2)
if (!bundle || !eventFile || !functionName) throw new Error('usage: lambda-cold-start.ts <index.mjs> <event.json> <function name>')
const event: unknown = JSON.parse(readFileSync(eventFile, 'utf8'))
const context = {
  functionName,
  functionVersion: '$LATEST',
  invokedFunctionArn: `arn:aws:lambda:${process.env.AWS_REGION}:000000000000:function:${functionName}`,
  memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ?? '512',
  awsRequestId: '00000000-0000-4000-8000-000000000000',
  logGroupName: `/aws/lambda/${functionName}`,
  logStreamName: 'bench',
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => 30_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
}

const cpuAtStart = process.cpuUsage()
const started = performance.now()
const module = (await import(pathToFileURL(bundle).href)) as { handler?: (event: unknown, context: unknown) => Promise<unknown> }
const imported = performance.now()
if (typeof module.handler !== 'function') throw new Error(`${bundle} exports no function "handler"`)
let result: unknown
let failed: string | null = null
try {
  result = await module.handler(event, context)
} catch (error) {
  failed = error instanceof Error ? `${error.name}: ${error.message}` : String(error)
}
const handled = performance.now()
const cpu = process.cpuUsage(cpuAtStart)
process.stdout.write(`${JSON.stringify({ importMs: imported - started, initMs: handled - started, cpuMs: (cpu.user + cpu.system) / 1000, result: result ?? null, failed })}\n`)
