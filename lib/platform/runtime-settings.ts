import { resolve } from 'node:path'
import * as z from 'zod'
import { DocketError } from './errors.ts'
import { formatIssues } from './config.ts'

/**
 * Everything Docket reads from the process environment, parsed in one place. Nothing else in
 * lib/ reads process.env; the result is passed down.
 */
const port = z.coerce.number().int().min(0).max(65535)

const SettingsSchema = z.object({
  DOCKET_RUNTIME: z.enum(['aws', 'local']).default('local'),
  DOCKET_CONFIG: z.string().default('docket.config.yaml'),
  DOCKET_DATA_DIR: z.string().default('.docket'),
  DOCKET_HOST: z.string().default('127.0.0.1'),
  PORT: port.default(3000),
  SMTP_PORT: port.default(2525),
  DOCKET_DEMO_PASSWORD: z.string().min(1).optional(),
  DOCKET_LOG_LEVEL: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT']).default('INFO'),
  /** Local: DynamoDB Local endpoint of a running instance (set by `npm start` for its children). */
  DOCKET_DYNAMODB_ENDPOINT: z.url().optional(),
  DOCKET_TABLE_NAME: z.string().default('docket'),
  DOCKET_RAW_MAIL_BUCKET: z.string().default('docket-raw-mail'),
  DOCKET_ATTACHMENTS_BUCKET: z.string().default('docket-attachments'),
  /** The audit archive (daily JSON lines of the history); locally a folder under the data dir's blobs. */
  DOCKET_AUDIT_BUCKET: z.string().default('docket-audit'),
  DOCKET_OUTBOUND_QUEUE_URL: z.string().optional(),
  /** AWS, jobs function only: the jobs queue (scheduled runs and the later slices of long runs). */
  DOCKET_JOBS_QUEUE_URL: z.string().optional(),
  DOCKET_SES_CONFIGURATION_SET: z.string().optional(),
  DOCKET_JWT_SECRET_ARN: z.string().optional(),
  /** AWS, api function: the value CloudFront sends in x-docket-origin-verify; requests without it are refused (lib/api/origin-verify.ts). */
  DOCKET_ORIGIN_VERIFY: z.string().min(32).optional(),
  /** AWS: the secret whose value encrypts agents' TOTP secrets at rest (the api function reads it). */
  DOCKET_TOTP_KEY_SECRET_ARN: z.string().optional(),
  /** log2 of scrypt's N for new password hashes. Only tests lower it; production keeps the default (16). */
  DOCKET_PASSWORD_HASH_COST: z.coerce.number().int().min(10).max(20).default(16),
  /** AWS: the OpenSearch domain (https://…); set on the functions that search or index. */
  DOCKET_OPENSEARCH_ENDPOINT: z.url().optional(),
  /** The alias searches and writes go through; reindexing builds `<alias>-<timestamp>` behind it. */
  DOCKET_OPENSEARCH_ALIAS: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'lower-case letters, digits, "-" and "_"').default('docket-tickets'),
  /** Indexer only (the domain's master user): IAM roles, comma-separated, it maps to read access. */
  DOCKET_OPENSEARCH_READER_ROLE_ARNS: z.string().default(''),
  /** A search's time limit (SQLite FTS5 in worker threads locally, OpenSearch's `timeout` on AWS); past it a search answers 503 `timeout`. */
  DOCKET_SEARCH_TIMEOUT_MS: z.coerce.number().int().min(1).max(60_000).default(5_000),
  AWS_REGION: z.string().default('eu-west-1'),
})

export interface RuntimeSettings {
  runtime: 'aws' | 'local'
  configPath: string
  dataDir: string
  host: string
  httpPort: number
  smtpPort: number
  demoPassword: string | undefined
  logLevel: string
  dynamodbEndpoint: string | undefined
  tableName: string
  rawMailBucket: string
  attachmentsBucket: string
  auditBucket: string
  outboundQueueUrl: string | undefined
  jobsQueueUrl: string | undefined
  sesConfigurationSet: string | undefined
  jwtSecretArn: string | undefined
  /** AWS, api function: what CloudFront sends in x-docket-origin-verify. */
  originVerify: string | undefined
  totpKeySecretArn: string | undefined
  passwordHashCost: number
  opensearchEndpoint: string | undefined
  opensearchAlias: string
  opensearchReaderRoleArns: string[]
  searchTimeoutMs: number
  region: string
}

export function readRuntimeSettings(env: NodeJS.ProcessEnv = process.env): RuntimeSettings {
  // An empty variable (`DOCKET_X=`) means unset, as shells and CI templates often write it.
  const parsed = SettingsSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, value]) => value !== '')))
  if (!parsed.success) {
    throw new DocketError('invalid_config', `environment is not valid:\n  - ${formatIssues(parsed.error.issues).join('\n  - ')}`)
  }
  const value = parsed.data
  return {
    runtime: value.DOCKET_RUNTIME,
    configPath: resolve(value.DOCKET_CONFIG),
    dataDir: resolve(value.DOCKET_DATA_DIR),
    host: value.DOCKET_HOST,
    httpPort: value.PORT,
    smtpPort: value.SMTP_PORT,
    demoPassword: value.DOCKET_DEMO_PASSWORD,
    logLevel: value.DOCKET_LOG_LEVEL,
    dynamodbEndpoint: value.DOCKET_DYNAMODB_ENDPOINT,
    tableName: value.DOCKET_TABLE_NAME,
    rawMailBucket: value.DOCKET_RAW_MAIL_BUCKET,
    attachmentsBucket: value.DOCKET_ATTACHMENTS_BUCKET,
    auditBucket: value.DOCKET_AUDIT_BUCKET,
    outboundQueueUrl: value.DOCKET_OUTBOUND_QUEUE_URL,
    jobsQueueUrl: value.DOCKET_JOBS_QUEUE_URL,
    sesConfigurationSet: value.DOCKET_SES_CONFIGURATION_SET,
    jwtSecretArn: value.DOCKET_JWT_SECRET_ARN,
    totpKeySecretArn: value.DOCKET_TOTP_KEY_SECRET_ARN,
    originVerify: value.DOCKET_ORIGIN_VERIFY,
    passwordHashCost: value.DOCKET_PASSWORD_HASH_COST,
    opensearchEndpoint: value.DOCKET_OPENSEARCH_ENDPOINT,
    opensearchAlias: value.DOCKET_OPENSEARCH_ALIAS,
    opensearchReaderRoleArns: value.DOCKET_OPENSEARCH_READER_ROLE_ARNS.split(',').map((arn) => arn.trim()).filter(Boolean),
    searchTimeoutMs: value.DOCKET_SEARCH_TIMEOUT_MS,
    region: value.AWS_REGION,
  }
}
