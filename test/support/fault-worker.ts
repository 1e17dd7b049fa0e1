import { createMailReceivedHandler } from '../../functions/mail-received.ts'
import { startQueueWorker } from '../../lib/local/queue-worker.ts'
import { localLambdaContext } from '../../lib/local/start-local.ts'
import { createLogger } from '../../lib/platform/logger.ts'
import type { RuntimeSettings } from '../../lib/platform/runtime-settings.ts'
import { FsWorkQueue } from '../../lib/queue/adapters/fs-work-queue.ts'
import { buildDependencies, localQueueDir } from '../../lib/runtime/dependencies.ts'

/**
 * A local mail worker in a process of its own, to be killed (test/support/fault-runs.ts): the
 * inbound folder queue and the real mail-received handler, exactly as `npm start` runs them.
 * Settings come as JSON in argv[2]; "ready" on stdout once it polls the queue.
 */
const settings = JSON.parse(process.argv[2]!) as RuntimeSettings
const logger = createLogger('SILENT')
const deps = await buildDependencies(settings, { logger })
const inbound = new FsWorkQueue<unknown>(localQueueDir(settings, 'inbound'), 'inbound', { maxReceiveCount: 5, retryDelayMs: () => 0 })
await inbound.init()
const handler = createMailReceivedHandler(deps)
startQueueWorker(inbound, (event) => handler(event, localLambdaContext('mail-received')), logger, { concurrency: 1, batchSize: 1, pollMs: 10 })
process.stdout.write('ready\n')
