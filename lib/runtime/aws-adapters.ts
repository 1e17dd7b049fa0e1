import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager'
import { S3Client } from '@aws-sdk/client-s3'
import { SESv2Client } from '@aws-sdk/client-sesv2'
import { SQSClient } from '@aws-sdk/client-sqs'
import type { OutboundMessage } from '../../schemas/messages.ts'
import type { ScheduledJobEvent } from '../../schemas/jobs.ts'
import { S3BlobStore } from '../blobs/adapters/s3-blob-store.ts'
import { SesMailSender } from '../mail/adapters/ses-mail-sender.ts'
import type { RuntimeSettings } from '../platform/runtime-settings.ts'
import { SqsWorkQueue } from '../queue/adapters/sqs-work-queue.ts'
import { memoize, type RuntimeAdapters } from './shared-dependencies.ts'

/**
 * The AWS adapters, one factory per port. A function's entry (functions/*.ts) names the factories
 * it uses; esbuild keeps only those (and their SDK clients) in its bundle, so the outbox relay
 * carries no S3 client and the indexer no SES client.
 */
export interface AwsAdapterFactories {
  blobs?: (settings: RuntimeSettings) => Pick<RuntimeAdapters, 'rawMail' | 'attachments' | 'auditArchive'>
  outbound?: (settings: RuntimeSettings) => RuntimeAdapters['outbound']
  jobQueue?: (settings: RuntimeSettings) => RuntimeAdapters['jobQueue']
  mailSender?: (settings: RuntimeSettings) => RuntimeAdapters['mailSender']
  /** Async: the OpenSearch client is loaded on first build (see functions/api.ts). */
  search?: (settings: RuntimeSettings) => Promise<RuntimeAdapters['search']>
  secrets?: (settings: RuntimeSettings) => Pick<RuntimeAdapters, 'jwtSecret' | 'totpKey'>
}

/** Raw mail, attachments and the audit archive: three buckets, one S3 client. */
export function s3BlobStores(settings: RuntimeSettings): Pick<RuntimeAdapters, 'rawMail' | 'attachments' | 'auditArchive'> {
  const s3 = new S3Client({ region: settings.region })
  return {
    rawMail: new S3BlobStore(s3, settings.rawMailBucket),
    attachments: new S3BlobStore(s3, settings.attachmentsBucket),
    auditArchive: new S3BlobStore(s3, settings.auditBucket),
  }
}

export function sqsOutboundQueue(settings: RuntimeSettings): RuntimeAdapters['outbound'] {
  if (!settings.outboundQueueUrl) throw new Error('DOCKET_OUTBOUND_QUEUE_URL is not set')
  return new SqsWorkQueue<OutboundMessage>(new SQSClient({ region: settings.region }), settings.outboundQueueUrl)
}

/** The jobs queue: the jobs function queues a long run's next slice there (the Schedules construct sets its URL). */
export function sqsJobQueue(settings: RuntimeSettings): RuntimeAdapters['jobQueue'] {
  if (!settings.jobsQueueUrl) throw new Error('DOCKET_JOBS_QUEUE_URL is not set (the Schedules construct sets it on the jobs function)')
  return new SqsWorkQueue<ScheduledJobEvent>(new SQSClient({ region: settings.region }), settings.jobsQueueUrl)
}

export function sesMailSender(settings: RuntimeSettings): RuntimeAdapters['mailSender'] {
  return new SesMailSender(new SESv2Client({ region: settings.region, maxAttempts: 1 }), settings.sesConfigurationSet)
}

/** Only the API signs and checks tokens (and only it may read the secrets): read on first use. */
export function secretsManagerKeys(settings: RuntimeSettings): Pick<RuntimeAdapters, 'jwtSecret' | 'totpKey'> {
  const client = new SecretsManagerClient({ region: settings.region })
  const read = async (arn: string | undefined, variable: string): Promise<Uint8Array> => {
    if (!arn) throw new Error(`${variable} is not set`)
    const result = await client.send(new GetSecretValueCommand({ SecretId: arn }))
    if (!result.SecretString) throw new Error(`the secret of ${variable} is empty`)
    return new TextEncoder().encode(result.SecretString)
  }
  return {
    jwtSecret: memoize(() => read(settings.jwtSecretArn, 'DOCKET_JWT_SECRET_ARN')),
    totpKey: memoize(() => read(settings.totpKeySecretArn, 'DOCKET_TOTP_KEY_SECRET_ARN')),
  }
}
