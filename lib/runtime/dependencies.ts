import { join } from 'node:path'
import type { OutboundMessage } from '../../schemas/messages.ts'
import type { ScheduledJobEvent } from '../../schemas/jobs.ts'
import type { AuthDeps } from '../auth/auth-service.ts'
import type { AuditExportDeps } from '../audit/export-audit-day.ts'
import { FsBlobStore } from '../blobs/adapters/fs-blob-store.ts'
import type { CustomerStore } from '../customers/ports.ts'
import type { IngestDeps } from '../mail/ingest-mail.ts'
import type { SendArticleDeps } from '../mail/send-article-mail.ts'
import type { Clock } from '../platform/clock.ts'
import type { DocketConfig } from '../platform/config.ts'
import type { DocketLogger } from '../platform/logger.ts'
import type { RuntimeSettings } from '../platform/runtime-settings.ts'
import type { RetryableQueue, WorkQueue } from '../queue/ports.ts'
import type { SearchIndex } from '../search/ports.ts'
import type { SavedSearchStore } from '../search/saved-searches.ts'
import type { AgentArticleDeps } from '../ticket/agent-article.ts'

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

/**
 * The one place that chooses a runtime's adapters, for the local runtime, the CLI and the benches:
 * AWS services, or their local stand-ins. Each is loaded only when chosen (the local side pulls in
 * node:sqlite, the AWS side the SDK clients). A Lambda function does not come through here: its
 * entry builds only the adapters it uses (lib/runtime/lambda-entry.ts).
 */
export async function buildDependencies(settings: RuntimeSettings, options: BuildOptions = {}): Promise<Dependencies> {
  if (settings.runtime === 'local') return (await import('./local-dependencies.ts')).buildLocalDependencies(settings, options)
  const [{ buildAwsDependencies }, adapters, { openSearchIndex }, { loadConfigFile }] = await Promise.all([
    import('./aws-dependencies.ts'),
    import('./aws-adapters.ts'),
    import('./aws-search-adapter.ts'),
    import('../platform/config-file.ts'),
  ])
  const factories = {
    blobs: adapters.s3BlobStores,
    outbound: adapters.sqsOutboundQueue,
    jobQueue: adapters.sqsJobQueue,
    mailSender: adapters.sesMailSender,
    secrets: adapters.secretsManagerKeys,
    search: openSearchIndex,
  }
  return buildAwsDependencies(settings, factories, { ...options, config: options.config ?? loadConfigFile(settings.configPath) })
}

/** The blob stores whose presigned URLs the local server answers (lib/local/blob-routes.ts). */
export const localBlobStores = (deps: Pick<Dependencies, 'attachments'>): FsBlobStore[] => (deps.attachments instanceof FsBlobStore ? [deps.attachments] : [])

export const localQueueDir = (settings: RuntimeSettings, name: 'inbound' | 'outbound' | 'jobs') => join(settings.dataDir, 'queues', name)
