import { SqliteSearchIndex } from '../search/adapters/sqlite-search-index.ts'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createApiApp } from '../api/app.ts'
import { provisionAgentPasswords } from '../auth/auth-service.ts'
import { createLogger, type DocketLogger } from '../platform/logger.ts'
import type { RuntimeSettings } from '../platform/runtime-settings.ts'
import { FsWorkQueue } from '../queue/adapters/fs-work-queue.ts'
import { buildDependencies, localBlobStores, localQueueDir, type Dependencies } from '../runtime/dependencies.ts'
import { createDynamoClient } from '../store/dynamodb-client.ts'
import { ensureTable } from '../store/ensure-table.ts'
import { createMailReceivedHandler } from '../../functions/mail-received.ts'
import { createMailSendHandler } from '../../functions/mail-send.ts'
import { createSearchIndexerHandler } from '../../functions/search-indexer.ts'
import { createOutboxRelayHandler } from '../../functions/outbox-relay.ts'
import { createJobsHandler } from '../../functions/jobs.ts'
import { jobCatalog } from '../jobs/catalog.ts'
import { startScheduler } from './scheduler.ts'
import { prepareDataDir } from './data-dir.ts'
import { startDynamoDbLocal, type DynamoDbLocal } from './dynamodb-local.ts'
import { createLocalHttpApp, startHttpServer } from './http-server.ts'
import { findExposedListeners, ListenerExposedError, type Listener } from './listener-exposure.ts'
import { startQueueWorker } from './queue-worker.ts'
import { removeRuntimeFile, writeRuntimeFile } from './runtime-file.ts'
import { startSmtpServer } from './smtp-inbound.ts'
import { startStreamPoller } from './stream-poller.ts'
import type { Context, SQSBatchResponse } from 'aws-lambda'
import { jobsTimeoutSeconds } from '../../schemas/jobs.ts'

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
  /** Resolves (with why) if the store stops on its own: DynamoDB Local died; the runtime is useless then. */
  storeLost: Promise<string>
  /** Pollers, workers and jobs first, then SMTP and HTTP, the store last, then the runtime file. Safe to call twice. */
  stop(): Promise<void>
}

/** The order of shutdown: nothing may still use the store when it stops, and the lock goes last. */
const stopPhases = ['consumers', 'intake', 'store', 'lock'] as const
type StopPhase = (typeof stopPhases)[number]

/** How long open SMTP sessions and HTTP requests get to finish when stopping (the whole stop stays within 10 s). */
const intakeGraceMs = 2000

export const webRoot = resolve(fileURLToPath(new URL('../../web/dist', import.meta.url)))

/** Lambda handlers want a context; locally there is no Lambda, so they get a plain one. */
export function localLambdaContext(functionName: string, timeoutMs = 900_000): Context {
  const deadline = Date.now() + timeoutMs
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: crypto.randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => deadline - Date.now(),
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
  const steps: { name: string; phase: StopPhase; stop: () => Promise<void> }[] = []
  const onStop = (phase: StopPhase, name: string, stop: () => Promise<void>) => steps.push({ name, phase, stop })
  let stopping: Promise<void> | undefined
  const stopAll = () =>
    (stopping ??= (async () => {
      for (const phase of stopPhases) {
        const due = steps.filter((step) => step.phase === phase)
        await Promise.all(due.map((step) => step.stop().catch((error: unknown) => logger.error('shutdown step failed', { step: step.name, error: error as Error }))))
      }
    })())
  await prepareDataDir(settings.dataDir)
  try {
    let database: DynamoDbLocal | undefined
    let endpoint = settings.dynamodbEndpoint
    if (!endpoint) {
      database = await startDynamoDbLocal({ dbPath: join(settings.dataDir, 'dynamodb') })
      onStop('store', 'DynamoDB Local', () => database!.stop())
      endpoint = database.endpoint
    }
    const client = createDynamoClient({ region: settings.region, endpoint })
    await ensureTable(client, settings.tableName)
    client.destroy()

    const resolvedSettings = { ...settings, dynamodbEndpoint: endpoint }
    const deps = await buildDependencies(resolvedSettings, { logger })
    // The search threads end with the store: a search still running then stops at its next row check.
    const { search } = deps
    if (search instanceof SqliteSearchIndex) onStop('store', 'search index', () => search.close())
    const provisioned = await provisionAgentPasswords(deps, settings.demoPassword)

    const inbound = new FsWorkQueue<unknown>(localQueueDir(settings, 'inbound'), 'inbound', { maxReceiveCount: 5, ...(options.retryDelayMs ? { retryDelayMs: options.retryDelayMs } : {}) })
    await inbound.recoverInflight()
    const outbound = deps.outbound as FsWorkQueue<unknown>
    await outbound.recoverInflight()

    const mailReceived = createMailReceivedHandler(deps)
    const mailSend = createMailSendHandler(deps)
    const indexer = createSearchIndexerHandler(deps)
    const inboundWorker = startQueueWorker(inbound, (event) => mailReceived(event, localLambdaContext('mail-received')), logger, { concurrency: 4 })
    onStop('consumers', 'inbound worker', () => inboundWorker.stop())
    const outboundWorker = startQueueWorker(outbound, (event) => mailSend(event, localLambdaContext('mail-send')), logger, { concurrency: 2 })
    onStop('consumers', 'outbound worker', () => outboundWorker.stop())
    // Two consumers of the table's stream, as in AWS: each with its own checkpoint.
    const poller = startStreamPoller({
      endpoint,
      tableName: settings.tableName,
      checkpointFile: join(settings.dataDir, 'stream-checkpoints.json'),
      failureFile: join(settings.dataDir, 'stream-failures', 'search-indexer.jsonl'),
      handler: (event) => indexer(event, localLambdaContext('search-indexer')),
      logger,
    })
    onStop('consumers', 'search indexer stream poller', () => poller.stop())
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
    onStop('consumers', 'outbox relay stream poller', () => relayPoller.stop())

    // The jobs queue is worked also without the scheduler: later slices of a run started by hand go there.
    const jobQueue = deps.jobQueue as FsWorkQueue<unknown>
    await jobQueue.recoverInflight()
    const jobs = createJobsHandler(deps)
    // One slice per invocation, with the Lambda function's time limit, as the jobs queue's event source in AWS.
    const jobsWorker = startQueueWorker(jobQueue, async (event) => (await jobs(event, localLambdaContext('jobs', jobsTimeoutSeconds * 1000))) as SQSBatchResponse, logger, { batchSize: 1, concurrency: 2 })
    onStop('consumers', 'jobs worker', () => jobsWorker.stop())
    if (options.scheduler !== false) {
      const scheduler = startScheduler(jobCatalog(deps.config), deps.jobQueue, logger)
      onStop('consumers', 'scheduler', () => scheduler.stop())
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
    // Bounded: the SMTP server waits up to 30 s for open sessions; what they still deliver lands in the queue folder.
    onStop('intake', 'SMTP server', () => Promise.race([smtp.stop(), new Promise<void>((resolve) => setTimeout(resolve, intakeGraceMs).unref())]))
    const http = await startHttpServer(createLocalHttpApp(createApiApp(deps, { isReady: () => ready }), webRoot, localBlobStores(deps)), settings.host, settings.httpPort)
    onStop('intake', 'HTTP server', () => http.stop(intakeGraceMs))
    const httpUrl = `http://${settings.host}:${http.port}`

    const hostFix = `set DOCKET_HOST to the one address to serve on (now ${settings.host}), e.g. DOCKET_HOST=127.0.0.1`
    const listeners: Listener[] = [
      { name: 'HTTP (web client and API)', port: http.port, host: settings.host, fix: hostFix },
      { name: 'SMTP (mail intake)', port: smtp.port, host: settings.host, fix: hostFix },
    ]
    if (database) {
      listeners.push({
        name: 'DynamoDB Local (the database: no authentication)',
        port: database.port,
        host: database.host,
        fix: 'it must listen on loopback only: restore lib/local/java/DynamoDbLocalOnHost.class (`git checkout lib/local/java`), which binds it there',
      })
    }
    const exposed = await findExposedListeners(listeners)
    if (exposed.length > 0) throw new ListenerExposedError(exposed)
    // PORT=0 (a free port): the default web URL is known only now (see withDefaultWebUrl).
    if (settings.httpPort === 0 && deps.config.system.webUrl?.endsWith(':0')) deps.config.system.webUrl = httpUrl
    ready = true

    if (options.writeRuntimeFile !== false) {
      await writeRuntimeFile(settings.dataDir, {
        pid: process.pid,
        ...(database?.pid ? { dynamodbPid: database.pid } : {}),
        dynamodbEndpoint: endpoint,
        httpUrl,
        smtp: `${settings.host}:${smtp.port}`,
        startedAt: new Date().toISOString(),
      })
      onStop('lock', 'runtime file', () => removeRuntimeFile(settings.dataDir))
    }
    // Unless we stopped it: then the pollers, workers and jobs keep failing against nothing, so say why and stop.
    const storeLost = new Promise<string>((resolve) => {
      void database?.exited.then((how) => {
        if (!stopping) resolve(`DynamoDB Local stopped on its own (${how})${database.stderr() ? `: ${database.stderr()}` : ''}`)
      })
    })
    return {
      deps,
      httpUrl,
      httpPort: http.port,
      smtpPort: smtp.port,
      provisioned,
      inbound,
      drainIndex: () => poller.drain(),
      storeLost,
      stop: stopAll,
    }
  } catch (error) {
    await stopAll()
    throw error
  }
}
