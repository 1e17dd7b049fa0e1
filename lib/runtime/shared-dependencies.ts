import type { OutboundMessage } from '../../schemas/messages.ts'
import type { ScheduledJobEvent } from '../../schemas/jobs.ts'
import { DynamoAgentStore } from '../auth/adapters/dynamodb-agent-store.ts'
import { DynamoAuditTrail } from '../audit/adapters/dynamodb-audit-trail.ts'
import { passwordHashParametersForCost } from '../auth/passwords.ts'
import type { BlobStore } from '../blobs/ports.ts'
import { DynamoCustomerStore } from '../customers/adapters/dynamodb-customer-store.ts'
import { DynamoMailStateStore } from '../mail/adapters/dynamodb-mail-state-store.ts'
import type { MailSender } from '../mail/ports.ts'
import { systemClock } from '../platform/clock.ts'
import { withDefaultWebUrl, type DocketConfig } from '../platform/config.ts'
import { ConcurrencyGate } from '../platform/concurrency-gate.ts'
import { DocketError } from '../platform/errors.ts'
import { createLogger } from '../platform/logger.ts'
import type { RuntimeSettings } from '../platform/runtime-settings.ts'
import type { RetryableQueue, WorkQueue } from '../queue/ports.ts'
import { DynamoSavedSearchStore } from '../search/adapters/dynamodb-saved-search-store.ts'
import type { SearchIndex } from '../search/ports.ts'
import { createDocumentClient } from '../store/dynamodb-client.ts'
import { DynamoTicketStore } from '../ticket/adapters/dynamodb-ticket-store.ts'
import { TicketCounter } from '../ticket/ticket-counter.ts'
import type { BuildOptions, Dependencies } from './dependencies.ts'

/** What a runtime adds to the shared part: the adapters that differ between AWS and the local stand-ins. */
export interface RuntimeAdapters {
  rawMail: BlobStore
  attachments: BlobStore
  auditArchive: BlobStore
  outbound: WorkQueue<OutboundMessage> & RetryableQueue
  /** Where a schedule puts a job run and a long run its next slice. */
  jobQueue: WorkQueue<ScheduledJobEvent>
  mailSender: MailSender
  search: SearchIndex
  jwtSecret: () => Promise<Uint8Array>
  totpKey: () => Promise<Uint8Array>
}

/**
 * The part of the dependencies both runtimes build the same way: config, clock, logger and the
 * DynamoDB stores (DynamoDB in AWS, DynamoDB Local otherwise). `config` is read by the caller:
 * YAML locally, the JSON synth ships beside each Lambda function.
 */
export function buildSharedDependencies(settings: RuntimeSettings, config: DocketConfig, options: BuildOptions): Omit<Dependencies, keyof RuntimeAdapters> {
  const logger = options.logger ?? createLogger(settings.logLevel)
  const clock = options.clock ?? systemClock
  const documents = createDocumentClient({ region: settings.region, endpoint: settings.dynamodbEndpoint })
  const tickets = new DynamoTicketStore(documents, settings.tableName)
  return {
    settings,
    config: withDefaultWebUrl(config, settings.host, settings.httpPort),
    clock,
    logger,
    tickets,
    agents: new DynamoAgentStore(documents, settings.tableName),
    mailState: new DynamoMailStateStore(documents, settings.tableName),
    ticketNumbers: new TicketCounter(tickets),
    savedSearches: new DynamoSavedSearchStore(documents, settings.tableName),
    passwordHashing: passwordHashParametersForCost(settings.passwordHashCost),
    passwordChecks: new ConcurrencyGate(config.auth.loginRate.hashingConcurrency, config.auth.loginRate.hashingQueue),
    auditTrail: new DynamoAuditTrail(documents, settings.tableName),
    customers: new DynamoCustomerStore(documents, settings.tableName),
  }
}

/** Runs `load` once, on first call; a failure is not cached, so the next call tries again. */
export function memoize<T>(load: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined
  return () =>
    (value ??= load().catch((error: unknown) => {
      value = undefined
      throw error
    }))
}

/**
 * A port this function was built without (its entry in functions/ did not ask for the adapter, so
 * the adapter is not even in its bundle): any use fails with a message that says where to wire it.
 */
export function unwiredPort<T extends object>(port: string, why: string): T {
  const fail = (): never => {
    throw new DocketError('unavailable', `${port} is not available in this function: ${why}`)
  }
  return new Proxy({} as T, {
    get: (_target, property) => (property === 'then' || typeof property === 'symbol' ? undefined : fail()),
  })
}
