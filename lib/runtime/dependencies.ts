import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager'
import { S3Client } from '@aws-sdk/client-s3'
import { SESv2Client } from '@aws-sdk/client-sesv2'
import { SQSClient } from '@aws-sdk/client-sqs'
import { randomBytes } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import type { OutboundMessage } from '../../schemas/messages.ts'
import { jobsMaxReceiveCount, type ScheduledJobEvent } from '../../schemas/jobs.ts'
import { DynamoAgentStore } from '../auth/adapters/dynamodb-agent-store.ts'
import type { AuthDeps } from '../auth/auth-service.ts'
import { DynamoAuditTrail } from '../audit/adapters/dynamodb-audit-trail.ts'
import type { AuditExportDeps } from '../audit/export-audit-day.ts'
import { passwordHashParametersForCost } from '../auth/passwords.ts'
import { FsBlobStore } from '../blobs/adapters/fs-blob-store.ts'
import { LocalUrlSigner } from '../blobs/local-url-signer.ts'
import { S3BlobStore } from '../blobs/adapters/s3-blob-store.ts'
import { OutboxMailSender } from '../mail/adapters/outbox-mail-sender.ts'
import { SesMailSender } from '../mail/adapters/ses-mail-sender.ts'
import { SmtpRelayMailSender } from '../mail/adapters/smtp-relay-mail-sender.ts'
import type { IngestDeps } from '../mail/ingest-mail.ts'
import type { SendArticleDeps } from '../mail/send-article-mail.ts'
import { systemClock, type Clock } from '../platform/clock.ts'
import { loadConfigFile, withDefaultWebUrl, type DocketConfig } from '../platform/config.ts'
import { createLogger, type DocketLogger } from '../platform/logger.ts'
import type { RuntimeSettings } from '../platform/runtime-settings.ts'
import { FsWorkQueue } from '../queue/adapters/fs-work-queue.ts'
import { SqsWorkQueue } from '../queue/adapters/sqs-work-queue.ts'
import type { RetryableQueue, WorkQueue } from '../queue/ports.ts'
import { createDocumentClient } from '../store/dynamodb-client.ts'
import { DynamoTicketStore } from '../ticket/adapters/dynamodb-ticket-store.ts'
import { SqliteSearchIndex } from '../search/adapters/sqlite-search-index.ts'
import { DynamoSavedSearchStore } from '../search/adapters/dynamodb-saved-search-store.ts'
import type { SearchIndex } from '../search/ports.ts'
import type { SavedSearchStore } from '../search/saved-searches.ts'
import { DocketError } from '../platform/errors.ts'
import { ConcurrencyGate } from '../platform/concurrency-gate.ts'
import { TicketCounter } from '../ticket/ticket-counter.ts'
import { DynamoMailStateStore } from '../mail/adapters/dynamodb-mail-state-store.ts'
import type { AgentArticleDeps } from '../ticket/agent-article.ts'
import { DynamoCustomerStore } from '../customers/adapters/dynamodb-customer-store.ts'
import type { CustomerStore } from '../customers/ports.ts'

/** Everything the domain needs, built once per process from the runtime (aws or local). */
export interface Dependencies extends IngestDeps, AgentArticleDeps, SendArticleDeps, AuthDeps, AuditExportDeps {
  search: SearchIndex
  savedSearches: SavedSearchStore
  /** Customer users and companies (the customer directory). */
  customers: CustomerStore
  settings: RuntimeSettings
  config: DocketConfig
  clock: Clock
  logger: DocketLogger
  /** Producers put outgoing mail on it; mail-send, its consumer, may delay a failed send's retry. */
  outbound: WorkQueue<OutboundMessage> & RetryableQueue
  /** Scheduled job runs and the later slices of long ones (the jobs function puts its continuations here). */
  jobQueue: WorkQueue<ScheduledJobEvent>
}

export interface BuildOptions {
  config?: DocketConfig
  clock?: Clock
  logger?: DocketLogger
}

/** The one place that chooses adapters: AWS services in Lambda, their local stand-ins otherwise. */
export async function buildDependencies(settings: RuntimeSettings, options: BuildOptions = {}): Promise<Dependencies> {
  const config = withDefaultWebUrl(options.config ?? loadConfigFile(settings.configPath), settings.host, settings.httpPort)
  const logger = options.logger ?? createLogger(settings.logLevel)
  const clock = options.clock ?? systemClock
  if (settings.runtime === 'local' && !settings.dynamodbEndpoint) {
    throw new Error('local runtime needs a DynamoDB Local endpoint (started by `npm start`, or DOCKET_DYNAMODB_ENDPOINT)')
  }
  const documents = createDocumentClient({ region: settings.region, endpoint: settings.dynamodbEndpoint })
  const tickets = new DynamoTicketStore(documents, settings.tableName)
  const agents = new DynamoAgentStore(documents, settings.tableName)
  const mailState = new DynamoMailStateStore(documents, settings.tableName)
  const savedSearches = new DynamoSavedSearchStore(documents, settings.tableName)
  const auditTrail = new DynamoAuditTrail(documents, settings.tableName)
  const customers = new DynamoCustomerStore(documents, settings.tableName)
  const ticketNumbers = new TicketCounter(tickets)
  const passwordHashing = passwordHashParametersForCost(settings.passwordHashCost)
  const passwordChecks = new ConcurrencyGate(config.auth.loginRate.hashingConcurrency, config.auth.loginRate.hashingQueue)
  const common = {
    settings,
    config,
    clock,
    logger,
    tickets,
    agents,
    mailState,
    ticketNumbers,
    savedSearches,
    passwordHashing,
    passwordChecks,
    auditTrail,
    customers,
  }

  if (settings.runtime === 'aws') {
    const s3 = new S3Client({ region: settings.region })
    if (!settings.outboundQueueUrl) throw new Error('DOCKET_OUTBOUND_QUEUE_URL is not set')
    const sqs = new SQSClient({ region: settings.region })
    const jobsQueueUrl = settings.jobsQueueUrl
    return {
      ...common,
      rawMail: new S3BlobStore(s3, settings.rawMailBucket),
      attachments: new S3BlobStore(s3, settings.attachmentsBucket),
      auditArchive: new S3BlobStore(s3, settings.auditBucket),
      outbound: new SqsWorkQueue<OutboundMessage>(sqs, settings.outboundQueueUrl),
      jobQueue: jobsQueueUrl
        ? new SqsWorkQueue<ScheduledJobEvent>(sqs, jobsQueueUrl)
        : {
            send: async () => {
              throw new Error('DOCKET_JOBS_QUEUE_URL is not set (the Schedules construct sets it on the jobs function)')
            },
          },
      mailSender: new SesMailSender(new SESv2Client({ region: settings.region, maxAttempts: 1 }), settings.sesConfigurationSet),
      // Only the API signs and checks tokens (and only it may read the secret): read on first use.
      search: await awsSearchIndex(settings),
      jwtSecret: memoize(() => readAwsSecret(settings, settings.jwtSecretArn, 'DOCKET_JWT_SECRET_ARN')),
      totpKey: memoize(() => readAwsSecret(settings, settings.totpKeySecretArn, 'DOCKET_TOTP_KEY_SECRET_ARN')),
    }
  }

  const outbound = new FsWorkQueue<OutboundMessage>(localQueueDir(settings, 'outbound'), 'outbound', { maxReceiveCount: 5 })
  await outbound.init()
  const jobQueue = new FsWorkQueue<ScheduledJobEvent>(localQueueDir(settings, 'jobs'), 'jobs', { maxReceiveCount: jobsMaxReceiveCount })
  await jobQueue.init()
  const blobRoot = join(settings.dataDir, 'blobs')
  // The local server signs its own blob URLs (S3's presigned URLs in AWS), with a key of the data dir.
  const blobUrls = new LocalUrlSigner(memoize(() => readOrCreateLocalSecret(join(settings.dataDir, 'blob-url-key.json'), 'blobUrlKey')), clock)
  return {
    ...common,
    rawMail: new FsBlobStore(blobRoot, settings.rawMailBucket),
    attachments: new FsBlobStore(blobRoot, settings.attachmentsBucket, blobUrls),
    auditArchive: new FsBlobStore(blobRoot, settings.auditBucket),
    outbound,
    jobQueue,
    mailSender: config.mail.relay ? new SmtpRelayMailSender(config.mail.relay) : new OutboxMailSender(join(settings.dataDir, 'outbox')),
    jwtSecret: memoize(() => readOrCreateLocalSecret(join(settings.dataDir, 'secrets.json'), 'jwtSecret')),
    // A file of its own: losing it makes every TOTP secret unreadable (agents then need an admin's reset).
    totpKey: memoize(() => readOrCreateLocalSecret(join(settings.dataDir, 'totp-key.json'), 'totpKey')),
    search: new SqliteSearchIndex(settings.dataDir, { timeoutMs: settings.searchTimeoutMs }),
  }
}

/** OpenSearch, for the functions given its endpoint (the API and the indexer); the others never search. */
async function awsSearchIndex(settings: RuntimeSettings): Promise<SearchIndex> {
  if (!settings.opensearchEndpoint) {
    const unavailable = async (): Promise<never> => {
      throw new DocketError('unavailable', 'search is not available in this function: DOCKET_OPENSEARCH_ENDPOINT is not set (the Search construct sets it on the functions it grants access)')
    }
    // eslint-disable-next-line require-yield
    const versions = async function* (): AsyncGenerator<never> {
      await unavailable()
    }
    return { upsert: unavailable, remove: unavailable, search: unavailable, statistics: unavailable, beginRebuild: unavailable, count: unavailable, versions }
  }
  // Loaded only here: the OpenSearch client and the credential chain add half a second to every local start and CLI command.
  const { createOpenSearchClient, OpenSearchSearchIndex } = await import('../search/adapters/opensearch-search-index.ts')
  return new OpenSearchSearchIndex({
    client: createOpenSearchClient({ endpoint: settings.opensearchEndpoint, region: settings.region }),
    alias: settings.opensearchAlias,
    readerRoleArns: settings.opensearchReaderRoleArns,
    searchTimeoutMs: settings.searchTimeoutMs,
  })
}

/** Runs `load` once, on first call; a failure is not cached, so the next call tries again. */
function memoize<T>(load: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined
  return () =>
    (value ??= load().catch((error: unknown) => {
      value = undefined
      throw error
    }))
}

/** The blob stores whose presigned URLs the local server answers (lib/local/blob-routes.ts). */
export const localBlobStores = (deps: Pick<Dependencies, 'attachments'>): FsBlobStore[] => (deps.attachments instanceof FsBlobStore ? [deps.attachments] : [])

export const localQueueDir = (settings: RuntimeSettings, name: 'inbound' | 'outbound' | 'jobs') => join(settings.dataDir, 'queues', name)

async function readAwsSecret(settings: RuntimeSettings, arn: string | undefined, variable: string): Promise<Uint8Array> {
  if (!arn) throw new Error(`${variable} is not set`)
  const result = await new SecretsManagerClient({ region: settings.region }).send(new GetSecretValueCommand({ SecretId: arn }))
  if (!result.SecretString) throw new Error(`the secret of ${variable} is empty`)
  return new TextEncoder().encode(result.SecretString)
}

/** Local keys live in the data dir, created on first use, so sessions (and TOTP secrets) survive restarts. */
async function readOrCreateLocalSecret(file: string, field: string): Promise<Uint8Array> {
  const read = async () => {
    const key = Buffer.from((JSON.parse(await readFile(file, 'utf8')) as Record<string, string>)[field] ?? '', 'base64')
    if (key.length < 32) throw new Error(`${file} holds no ${field}`)
    return key
  }
  try {
    return await read()
  } catch {
    await mkdir(dirname(file), { recursive: true })
    // 'wx': of two processes starting at once, one writes and both read the same key.
    await writeFile(file, JSON.stringify({ [field]: randomBytes(32).toString('base64') }), { mode: 0o600, flag: 'wx' }).catch(() => undefined)
    return read()
  }
}
