import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createApiApp } from '../api/app.ts'
import { provisionAgentPasswords } from '../auth/auth-service.ts'
import { createLogger, type DocketLogger } from '../platform/logger.ts'
import type { RuntimeSettings } from '../platform/runtime-settings.ts'
import { FsWorkQueue } from '../queue/adapters/fs-work-queue.ts'
import { buildDependencies, localQueueDir, type Dependencies } from '../runtime/dependencies.ts'
import { createDynamoClient } from '../store/dynamodb-client.ts'
import { ensureTable } from '../store/ensure-table.ts'
import { createMailReceivedHandler } from '../../functions/mail-received.ts'
import { createMailSendHandler } from '../../functions/mail-send.ts'
import { createSearchIndexerHandler } from '../../functions/search-indexer.ts'
import { createOutboxRelayHandler } from '../../functions/outbox-relay.ts'
import { createJobsHandler } from '../../functions/jobs.ts'
import { jobCatalog } from '../jobs/catalog.ts'
import { startScheduler } from './scheduler.ts'
import { startDynamoDbLocal, type DynamoDbLocal } from './dynamodb-local.ts'
import { createLocalHttpApp, startHttpServer } from './http-server.ts'
import { startQueueWorker } from './queue-worker.ts'
import { removeRuntimeFile, writeRuntimeFile } from './runtime-file.ts'
import { startSmtpServer } from './smtp-inbound.ts'
import { startStreamPoller } from './stream-poller.ts'
import type { Context } from 'aws-lambda'

export interface LocalRuntime {
  deps: Dependencies
  httpUrl: string
  smtpPort: number
  httpPort: number
  /** Passwords set on this start for agents that had none (shown once). */
  provisioned: { login: string; password: string }[]
  inbound: FsWorkQueue<unknown>
  /** Resolves when the stream poller has handed every change so far to the indexer. */
  drainIndex(): Promise<void>
  stop(): Promise<void>
}

export const webRoot = resolve(fileURLToPath(new URL('../../web/dist', import.meta.url)))

/** Lambda handlers want a context; locally there is no Lambda, so they get a plain one. */
export function localLambdaContext(functionName: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: crypto.randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => 900_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  }
}

/**
 * `npm start`: the whole product on one machine. DynamoDB Local (on disk), the same Lambda
 * handlers fed by local queues and the stream poller, a real SMTP server and one HTTP server.
 */
export interface LocalRuntimeOptions {
  logger?: DocketLogger
  writeRuntimeFile?: boolean
  /** Delay before a failed queue message is retried (tests shorten it). */
  retryDelayMs?: (receiveCount: number) => number
  /** Run the scheduled jobs (default on; tests that run jobs by hand turn it off). */
  scheduler?: boolean
}

export async function startLocalRuntime(settings: RuntimeSettings, options: LocalRuntimeOptions = {}): Promise<LocalRuntime> {
  const logger: DocketLogger = options.logger ?? createLogger(settings.logLevel)
  const stops: (() => Promise<void>)[] = []
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch((error: unknown) => logger.error('shutdown step failed', { error: error as Error }))
  }
  try {
    let database: DynamoDbLocal | undefined
    let endpoint = settings.dynamodbEndpoint
    if (!endpoint) {
      database = await startDynamoDbLocal({ dbPath: join(settings.dataDir, 'dynamodb') })
      stops.push(() => database!.stop())
      endpoint = database.endpoint
    }
    const client = createDynamoClient({ region: settings.region, endpoint })
    await ensureTable(client, settings.tableName)
    client.destroy()

    const resolvedSettings = { ...settings, dynamodbEndpoint: endpoint }
    const deps = await buildDependencies(resolvedSettings, { logger })
    const provisioned = await provisionAgentPasswords(deps, settings.demoPassword)

    const inbound = new FsWorkQueue<unknown>(localQueueDir(settings, 'inbound'), 'inbound', { maxReceiveCount: 5, ...(options.retryDelayMs ? { retryDelayMs: options.retryDelayMs } : {}) })
    await inbound.recoverInflight()
    const outbound = deps.outbound as FsWorkQueue<unknown>
    await outbound.recoverInflight()

    const mailReceived = createMailReceivedHandler(deps)
    const mailSend = createMailSendHandler(deps)
    const indexer = createSearchIndexerHandler(deps)
    const inboundWorker = startQueueWorker(inbound, (event) => mailReceived(event, localLambdaContext('mail-received')), logger, { concurrency: 4 })
    stops.push(() => inboundWorker.stop())
    const outboundWorker = startQueueWorker(outbound, (event) => mailSend(event, localLambdaContext('mail-send')), logger, { concurrency: 2 })
    stops.push(() => outboundWorker.stop())
    // Two consumers of the table's stream, as in AWS: each with its own checkpoint.
    const poller = startStreamPoller({
      endpoint,
      tableName: settings.tableName,
      checkpointFile: join(settings.dataDir, 'stream-checkpoints.json'),
      failureFile: join(settings.dataDir, 'stream-failures', 'search-indexer.jsonl'),
      handler: (event) => indexer(event, localLambdaContext('search-indexer')),
      logger,
    })
    stops.push(() => poller.stop())
    const outboxRelay = createOutboxRelayHandler(deps)
    const relayPoller = startStreamPoller({
      endpoint,
      tableName: settings.tableName,
      checkpointFile: join(settings.dataDir, 'outbox-relay-checkpoints.json'),
      failureFile: join(settings.dataDir, 'stream-failures', 'outbox-relay.jsonl'),
      handler: (event) => outboxRelay(event, localLambdaContext('outbox-relay')),
      logger,
      intervalMs: 100,
    })
    stops.push(() => relayPoller.stop())

    if (options.scheduler !== false) {
      const jobs = createJobsHandler(deps)
      const scheduler = startScheduler(jobCatalog(deps.config), (event, context) => jobs(event, context), localLambdaContext, logger)
      stops.push(() => scheduler.stop())
    }

    let ready = false
    const smtp = await startSmtpServer({
      host: settings.host,
      port: settings.smtpPort,
      config: deps.config,
      rawMail: deps.rawMail,
      inbound,
      logger,
      spoolDir: join(settings.dataDir, 'smtp-spool'),
    })
    stops.push(() => smtp.stop())
    const http = await startHttpServer(createLocalHttpApp(createApiApp(deps, { isReady: () => ready }), webRoot), settings.host, settings.httpPort)
    stops.push(() => http.stop())
    const httpUrl = `http://${settings.host}:${http.port}`
    ready = true

    if (options.writeRuntimeFile !== false) {
      await writeRuntimeFile(settings.dataDir, { pid: process.pid, dynamodbEndpoint: endpoint, httpUrl, smtp: `${settings.host}:${smtp.port}`, startedAt: new Date().toISOString() })
      stops.unshift(() => removeRuntimeFile(settings.dataDir))
    }
    return {
      deps,
      httpUrl,
      httpPort: http.port,
      smtpPort: smtp.port,
      provisioned,
      inbound,
      drainIndex: () => poller.drain(),
      stop: stopAll,
    }
  } catch (error) {
    await stopAll()
    throw error
  }
}
