import { existsSync } from 'node:fs'
import { isAbsolute, join, resolve } from 'node:path'
import type { Node } from 'constructs'
import { z } from 'zod'

/**
 * Where and how Docket is deployed: read once from CDK context (`-c key=value` or cdk.json) and
 * the environment the CDK CLI sets, validated with zod, with per-stage defaults, so an offline
 * `cdk synth` works and a bad value fails synth naming the context key and the fix.
 */

export const stages = ['dev', 'prod'] as const
export type Stage = (typeof stages)[number]

export const logLevels = ['DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT'] as const
export type LogLevel = (typeof logLevels)[number]

/** The retention periods CloudWatch Logs accepts, in days. */
export const logRetentionPeriods = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const

export const objectLockModes = ['governance', 'compliance'] as const

/** What differs between stages unless context overrides it. */
export interface StageProfile {
  /** CloudWatch Logs retention of every log group (functions, API access logs, custom resources, search slow logs). */
  logRetentionDays: (typeof logRetentionPeriods)[number]
  /** How long overwritten or deleted object versions of the data buckets are kept. */
  noncurrentVersionDays: number
  /** How long S3 server access logs of the data buckets are kept. */
  accessLogDays: number
  /** CloudFormation termination protection on both stacks (`cdk destroy` refuses until it is turned off). */
  terminationProtection: boolean
  /** Whether a prod-like stage without an alarm email is worth a synth warning. */
  expectsAlarmEmail: boolean
}

/**
 * Both stages keep their data (table with deletion protection, retained buckets and TOTP key):
 * a dev stage often holds real test mail, and a deleted bucket cannot be undone. Dev is cheaper
 * in what is free to lose: logs and old object versions expire sooner.
 */
export const stageProfiles: Record<Stage, StageProfile> = {
  dev: { logRetentionDays: 30, noncurrentVersionDays: 30, accessLogDays: 90, terminationProtection: false, expectsAlarmEmail: false },
  prod: { logRetentionDays: 365, noncurrentVersionDays: 90, accessLogDays: 365, terminationProtection: true, expectsAlarmEmail: true },
}

/** A custom domain: its name and the ACM certificate that covers it. */
export interface CustomDomain {
  domainName: string
  certificateArn: string
}

export interface DeploymentSettings {
  /** Part of every stack name (`Docket-<stage>-Data`) and chooses the defaults. Context `stage`: dev (default) or prod. */
  stage: Stage
  /** CDK_DEFAULT_ACCOUNT, else a placeholder so synth works without credentials. */
  account: string
  /** Context `region`, else CDK_DEFAULT_REGION, else eu-west-1 (SES receiving exists only in some regions). */
  region: string
  /** docket.config.yaml, absolute: context `config`, else DOCKET_CONFIG, else ./docket.config.yaml. */
  configPath: string
  /**
   * A web client built elsewhere, deployed as it is (context `webAssets`, a folder with index.html).
   * Unset (the default): synth builds the client from web/ itself.
   */
  webAssetsPath: string | undefined
  /** DOCKET_LOG_LEVEL of every function. Context `logLevel`, default INFO. */
  logLevel: LogLevel
  /** OpenSearch data node type. Context `searchInstanceType`, default t3.small.search (the smallest). */
  searchInstanceType: string
  /** OpenSearch data nodes. Context `searchDataNodes`, default 1; 2 or more spread over two zones. */
  searchDataNodes: number
  /** gp3 volume per OpenSearch node. Context `searchVolumeGiB`, default 10. */
  searchVolumeGiB: number
  /** Context `logRetentionDays`, default by stage (dev 30, prod 365). */
  logRetentionDays: (typeof logRetentionPeriods)[number]
  /** Who gets alarm mails (an SNS email subscription, confirmed by a link). Context `alarmEmail`. */
  alarmEmail: string | undefined
  /**
   * S3 Object Lock on the audit archive: each export kept unchangeable for this many days.
   * Context `auditObjectLockDays` (and `auditObjectLockMode`, default governance); unset: versioning
   * only. Object Lock cannot be turned off on a bucket once on.
   */
  auditObjectLock: { days: number; mode: (typeof objectLockModes)[number] } | undefined
  /** Web client on your own domain. Context `webDomain` + `webCertificateArn` (ACM, us-east-1). */
  webDomain: CustomDomain | undefined
  /** Agent API on your own domain. Context `apiDomain` + `apiCertificateArn` (ACM, the stack's region). */
  apiDomain: CustomDomain | undefined
  /** The stage's defaults (see stageProfiles), with context overrides applied above. */
  profile: StageProfile
  /** How many Lambda executions may run at once: see `ConcurrencySettings`. */
  concurrency: ConcurrencySettings
  /**
   * The web ACL on CloudFront (per-client rate limits of the API): an existing one (context
   * `webAclArn`, scope CLOUDFRONT, in us-east-1), else Docket's own in the `Docket-<stage>-Edge`
   * stack in us-east-1 with the limits below.
   */
  webAclArn: string | undefined
  /** Requests per client IP in 5 minutes: context `apiRateLimit` (default 3000) and `apiAnonymousRateLimit` (default 300). */
  apiRateLimits: { perClient: number; anonymousPerClient: number }
  /**
   * The HTTP API stage's throttle, for all clients together. Context `apiThrottleRate` (default 100
   * requests/s) and `apiThrottleBurst` (default 200): the README's traffic model at 100,000 tickets a
   * month peaks at ~95 requests/s.
   */
  apiThrottle: { rateLimit: number; burstLimit: number }
}

/**
 * Lambda concurrency (issue 15.8). A new account may run only 10 executions at once, all functions
 * together, and AWS keeps at least 10 unreserved: there, nothing can be reserved, so the queue
 * consumers are capped instead (SQS maximum concurrency, at least 2) and leave the rest to the API.
 * With a raised quota (Service Quotas → Lambda → Concurrent executions) reserve the API's share.
 */
export interface ConcurrencySettings {
  /** The account's concurrent executions quota in the region. Context `lambdaConcurrencyLimit`, default 10 (a new account). */
  accountLimit: number
  /** Most mail-received executions (intake queue). Context `mailReceivedConcurrency`, default 2. */
  mailReceived: number
  /** Most mail-send executions (outbound queue). Context `mailSendConcurrency`, default 2. */
  mailSend: number
  /** Most ses-feedback executions (feedback queue): 2, the SQS minimum. */
  sesFeedback: number
  /**
   * Executions reserved for (and the most of) the api function. Context `apiReservedConcurrency`;
   * default none while the quota is below 100, else 30 (the README's traffic model: ~95 requests/s
   * at peak × ~0.3 s). At most `accountLimit` − 10 (AWS keeps 10 unreserved).
   */
  apiReserved: number | undefined
}

/** SQS event sources take a maximum concurrency from 2 to 1000. */
export const sqsMaxConcurrency = { min: 2, max: 1000 } as const
/** AWS refuses a reservation that leaves fewer unreserved executions than this. */
export const minimumUnreservedConcurrency = 10

/** Used when CDK_DEFAULT_ACCOUNT is absent (no credentials): fine for synth, never deployable. */
export const placeholderAccount = '123456789012'

/** The project root: entries, lock file and the default config path are relative to it. */
export const projectRoot = resolve(import.meta.dirname, '..')

/**
 * Regions with SES email receiving when this was written; AWS adds more over time, so a region
 * outside the list is a warning, not an error. See "Email receiving endpoints" in the SES guide.
 */
export const sesReceivingRegions = ['us-east-1', 'us-west-2', 'eu-west-1', 'eu-central-1', 'eu-west-2', 'ap-northeast-1', 'ap-southeast-1', 'ap-southeast-2', 'ca-central-1']

export class DeploymentSettingsError extends Error {
  override readonly name = 'DeploymentSettingsError'
}

const domainName = z
  .string()
  .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, 'must be a lower-case DNS name such as helpdesk.example.com')
const certificateArn = z.string().regex(/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]{36}$/, 'must be an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>)')
/** Context from the CLI is text; cdk.json may hold real numbers. Both are accepted. */
const wholeNumber = (min: number, max: number) => z.coerce.number().int(`must be a whole number from ${min} to ${max}`).min(min, `must be at least ${min}`).max(max, `must be at most ${max}`)

const ContextSchema = z
  .object({
    stage: z.enum(stages, `must be ${stages.join(' or ')} (e.g. -c stage=prod); each stage belongs in its own account or region, which has one active SES receipt rule set`).default('dev'),
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as eu-west-1').optional(),
    config: z.string().optional(),
    webAssets: z.string().optional(),
    logLevel: z.preprocess((value) => (typeof value === 'string' ? value.toUpperCase() : value), z.enum(logLevels, `must be one of ${logLevels.join(', ')}`)).default('INFO'),
    searchInstanceType: z.string().regex(/^[a-z0-9]+\.[a-z0-9]+\.search$/, 'must be an OpenSearch instance type such as t3.small.search or m7g.large.search').default('t3.small.search'),
    searchDataNodes: wholeNumber(1, 20)
      .refine((nodes) => nodes === 1 || nodes % 2 === 0, 'must be 1 or an even number (the nodes are spread over two availability zones)')
      .default(1),
    searchVolumeGiB: wholeNumber(10, 3072).default(10),
    logRetentionDays: z.coerce
      .number()
      .refine((days): days is (typeof logRetentionPeriods)[number] => (logRetentionPeriods as readonly number[]).includes(days), `must be one of the periods CloudWatch Logs accepts: ${logRetentionPeriods.join(', ')}`)
      .optional(),
    alarmEmail: z.email('must be an email address').optional(),
    auditObjectLockDays: wholeNumber(1, 36500).optional(),
    auditObjectLockMode: z.enum(objectLockModes, `must be ${objectLockModes.join(' or ')}`).optional(),
    webDomain: domainName.optional(),
    webCertificateArn: certificateArn.refine((arn) => arn.split(':')[3] === 'us-east-1', 'CloudFront only takes certificates from us-east-1: request or import it there').optional(),
    apiDomain: domainName.optional(),
    apiCertificateArn: certificateArn.optional(),
    webAclArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:wafv2:us-east-1:\d{12}:global\/webacl\/[^/]+\/[0-9a-f-]+$/, 'must be the ARN of a web ACL for CloudFront (scope CLOUDFRONT, us-east-1: arn:aws:wafv2:us-east-1:<account>:global/webacl/<name>/<id>)')
      .optional(),
    // WAF rate-based rules count from 10 requests per window.
    apiRateLimit: wholeNumber(10, 2_000_000_000).default(3000),
    apiAnonymousRateLimit: wholeNumber(10, 2_000_000_000).default(300),
    apiThrottleRate: wholeNumber(1, 10_000).default(100),
    apiThrottleBurst: wholeNumber(1, 5_000).default(200),
    lambdaConcurrencyLimit: wholeNumber(10, 100_000).default(10),
    mailReceivedConcurrency: wholeNumber(sqsMaxConcurrency.min, sqsMaxConcurrency.max).default(2),
    mailSendConcurrency: wholeNumber(sqsMaxConcurrency.min, sqsMaxConcurrency.max).default(2),
    apiReservedConcurrency: wholeNumber(1, 100_000).optional(),
  })
  .superRefine((context, issues) => {
    const pairs = [
      ['webDomain', 'webCertificateArn'],
      ['apiDomain', 'apiCertificateArn'],
    ] as const
    for (const [domain, certificate] of pairs) {
      if ((context[domain] === undefined) !== (context[certificate] === undefined)) {
        const missing = context[domain] === undefined ? domain : certificate
        issues.addIssue({ code: 'custom', path: [missing], message: `is needed together with ${missing === domain ? certificate : domain}` })
      }
    }
    const reservable = context.lambdaConcurrencyLimit - minimumUnreservedConcurrency
    if (context.apiReservedConcurrency !== undefined && context.apiReservedConcurrency > reservable) {
      issues.addIssue({
        code: 'custom',
        path: ['apiReservedConcurrency'],
        message:
          reservable === 0
            ? `cannot be reserved with a concurrency quota of ${context.lambdaConcurrencyLimit} (AWS keeps ${minimumUnreservedConcurrency} unreserved): raise the quota (Service Quotas → AWS Lambda → Concurrent executions), then set -c lambdaConcurrencyLimit=<new quota>`
            : `must be at most ${reservable}: the quota (lambdaConcurrencyLimit ${context.lambdaConcurrencyLimit}) minus the ${minimumUnreservedConcurrency} AWS keeps unreserved`,
      })
    }
    if (context.auditObjectLockMode !== undefined && context.auditObjectLockDays === undefined) {
      issues.addIssue({ code: 'custom', path: ['auditObjectLockDays'], message: 'is needed when auditObjectLockMode is set (e.g. -c auditObjectLockDays=365)' })
    }
  })

export const contextKeys = Object.keys(ContextSchema.shape) as (keyof typeof ContextSchema.shape)[]

export function readDeploymentSettings(node: Node, env: NodeJS.ProcessEnv): DeploymentSettings {
  const raw: Record<string, unknown> = {}
  for (const key of contextKeys) {
    const value: unknown = node.tryGetContext(key)
    // `-c key=` and a null in cdk.json mean "not set", like an empty environment variable.
    if (value !== undefined && value !== null && value !== '') raw[key] = value
  }
  const parsed = ContextSchema.safeParse(raw)
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const key = String(issue.path[0] ?? '')
      return key in raw ? `context "${key}" is ${JSON.stringify(raw[key])}: ${issue.message}` : `context "${key}" ${issue.message}`
    })
    throw new DeploymentSettingsError(`CDK context is not valid:\n  - ${problems.join('\n  - ')}`)
  }
  const context = parsed.data
  const region = context.region ?? (env.CDK_DEFAULT_REGION || 'eu-west-1')
  if (context.apiCertificateArn && context.apiCertificateArn.split(':')[3] !== region) {
    throw new DeploymentSettingsError(`CDK context is not valid:\n  - context "apiCertificateArn" is in ${context.apiCertificateArn.split(':')[3]}: the API's certificate must be in the stack's region (${region})`)
  }
  const profile = stageProfiles[context.stage]
  return {
    stage: context.stage,
    account: env.CDK_DEFAULT_ACCOUNT || placeholderAccount,
    region,
    configPath: fromRoot(context.config ?? (env.DOCKET_CONFIG || 'docket.config.yaml')),
    webAssetsPath: context.webAssets === undefined ? undefined : builtClientAt(fromRoot(context.webAssets)),
    logLevel: context.logLevel,
    searchInstanceType: context.searchInstanceType,
    searchDataNodes: context.searchDataNodes,
    searchVolumeGiB: context.searchVolumeGiB,
    logRetentionDays: context.logRetentionDays ?? profile.logRetentionDays,
    alarmEmail: context.alarmEmail,
    auditObjectLock: context.auditObjectLockDays === undefined ? undefined : { days: context.auditObjectLockDays, mode: context.auditObjectLockMode ?? 'governance' },
    webDomain: context.webDomain && context.webCertificateArn ? { domainName: context.webDomain, certificateArn: context.webCertificateArn } : undefined,
    apiDomain: context.apiDomain && context.apiCertificateArn ? { domainName: context.apiDomain, certificateArn: context.apiCertificateArn } : undefined,
    profile,
    webAclArn: context.webAclArn,
    apiRateLimits: { perClient: context.apiRateLimit, anonymousPerClient: context.apiAnonymousRateLimit },
    apiThrottle: { rateLimit: context.apiThrottleRate, burstLimit: context.apiThrottleBurst },
    concurrency: {
      accountLimit: context.lambdaConcurrencyLimit,
      mailReceived: context.mailReceivedConcurrency,
      mailSend: context.mailSendConcurrency,
      sesFeedback: sqsMaxConcurrency.min,
      apiReserved: context.apiReservedConcurrency ?? (context.lambdaConcurrencyLimit >= 100 ? 30 : undefined),
    },
  }
}

/** A `webAssets` folder must hold a built client: an empty bucket behind CloudFront serves nothing but errors. */
function builtClientAt(path: string): string {
  if (!existsSync(join(path, 'index.html'))) {
    throw new DeploymentSettingsError(
      `CDK context is not valid:\n  - context "webAssets" is ${JSON.stringify(path)}: no built client there (no index.html). Build one with \`npm run build:web\` (writes web/dist, then -c webAssets=web/dist), or leave webAssets unset: synth then builds the client itself.`,
    )
  }
  return path
}

function fromRoot(path: string): string {
  return isAbsolute(path) ? path : resolve(projectRoot, path)
}
