import { randomBytes } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import type { OutboundMessage } from '../../schemas/messages.ts'
import { jobsMaxReceiveCount, type ScheduledJobEvent } from '../../schemas/jobs.ts'
import { FsBlobStore } from '../blobs/adapters/fs-blob-store.ts'
import { LocalUrlSigner } from '../blobs/local-url-signer.ts'
import { OutboxMailSender } from '../mail/adapters/outbox-mail-sender.ts'
import { SmtpRelayMailSender } from '../mail/adapters/smtp-relay-mail-sender.ts'
import { loadConfigFile } from '../platform/config-file.ts'
import type { RuntimeSettings } from '../platform/runtime-settings.ts'
import { FsWorkQueue } from '../queue/adapters/fs-work-queue.ts'
import { SqliteSearchIndex } from '../search/adapters/sqlite-search-index.ts'
import { localQueueDir, type BuildOptions, type Dependencies } from './dependencies.ts'
import { buildSharedDependencies, memoize } from './shared-dependencies.ts'

/** The local stand-ins: DynamoDB Local, files for blobs and queues, SQLite FTS5 for search, an outbox folder or an SMTP relay for mail. */
export async function buildLocalDependencies(settings: RuntimeSettings, options: BuildOptions = {}): Promise<Dependencies> {
  if (!settings.dynamodbEndpoint) {
    throw new Error('local runtime needs a DynamoDB Local endpoint (started by `npm start`, or DOCKET_DYNAMODB_ENDPOINT)')
  }
  const shared = buildSharedDependencies(settings, options.config ?? loadConfigFile(settings.configPath), options)
  const outbound = new FsWorkQueue<OutboundMessage>(localQueueDir(settings, 'outbound'), 'outbound', { maxReceiveCount: 5 })
  await outbound.init()
  const jobQueue = new FsWorkQueue<ScheduledJobEvent>(localQueueDir(settings, 'jobs'), 'jobs', { maxReceiveCount: jobsMaxReceiveCount })
  await jobQueue.init()
  const blobRoot = join(settings.dataDir, 'blobs')
  const relay = shared.config.mail.relay
  // The local server signs its own blob URLs (S3's presigned URLs in AWS), with a key of the data dir.
  const blobUrls = new LocalUrlSigner(memoize(() => readOrCreateLocalSecret(join(settings.dataDir, 'blob-url-key.json'), 'blobUrlKey')), shared.clock)
  return {
    ...shared,
    rawMail: new FsBlobStore(blobRoot, settings.rawMailBucket),
    attachments: new FsBlobStore(blobRoot, settings.attachmentsBucket, blobUrls),
    auditArchive: new FsBlobStore(blobRoot, settings.auditBucket),
    outbound,
    jobQueue,
    mailSender: relay ? new SmtpRelayMailSender(relay) : new OutboxMailSender(join(settings.dataDir, 'outbox')),
    jwtSecret: memoize(() => readOrCreateLocalSecret(join(settings.dataDir, 'secrets.json'), 'jwtSecret')),
    // A file of its own: losing it makes every TOTP secret unreadable (agents then need an admin's reset).
    totpKey: memoize(() => readOrCreateLocalSecret(join(settings.dataDir, 'totp-key.json'), 'totpKey')),
    search: new SqliteSearchIndex(settings.dataDir, { timeoutMs: settings.searchTimeoutMs }),
  }
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
