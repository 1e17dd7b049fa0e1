import { readFile } from 'node:fs/promises'
import type { SQSEvent } from 'aws-lambda'
import { createMailReceivedHandler } from '../../functions/mail-received.ts'
import { localLambdaContext } from '../../lib/local/start-local.ts'
import { createLogger } from '../../lib/platform/logger.ts'
import type { RuntimeSettings } from '../../lib/platform/runtime-settings.ts'
import { buildDependencies } from '../../lib/runtime/dependencies.ts'

/**
 * The mail-received function in a fresh process of its own, as Lambda runs it: one SQS batch
 * (a JSON file, argv[3]) through the real handler, with the process's memory watched. Settings
 * come as JSON in argv[2]. Prints one JSON line: the handler's answer and the memory figures (MB).
 */
const settings = JSON.parse(process.argv[2]!) as RuntimeSettings
const event = JSON.parse(await readFile(process.argv[3]!, 'utf8')) as SQSEvent
const deps = await buildDependencies(settings, { logger: createLogger('SILENT') })
const handler = createMailReceivedHandler(deps)

const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10
const before = process.memoryUsage()
let peakHeap = before.heapUsed + before.arrayBuffers
const sampler = setInterval(() => {
  const now = process.memoryUsage()
  peakHeap = Math.max(peakHeap, now.heapUsed + now.arrayBuffers)
}, 5)
const started = performance.now()
const response = await handler(event, localLambdaContext('mail-received'))
const ms = Math.round(performance.now() - started)
clearInterval(sampler)
// maxRSS: the process's peak resident set (kB), what Lambda's memory limit counts.
const peakRss = process.resourceUsage().maxRSS * 1024
process.stdout.write(
  `${JSON.stringify({ response, ms, baselineRssMb: mb(before.rss), peakRssMb: mb(peakRss), rssGrowthMb: mb(peakRss - before.rss), heapAndBuffersGrowthMb: mb(peakHeap - before.heapUsed - before.arrayBuffers) })}\n`,
)
process.exit(0)
