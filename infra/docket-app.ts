import { Annotations, App, Duration, Tags } from 'aws-cdk-lib'
import type { RetentionDays } from 'aws-cdk-lib/aws-logs'
import type { DocketConfig } from '../lib/platform/config.ts'
import { loadConfigFile } from '../lib/platform/config-file.ts'
import { DocketDataStack } from './data-stack.ts'
import { DocketEdgeStack } from './edge-stack.ts'
import { projectRoot, readDeploymentSettings, sesReceivingRegions, type DeploymentSettings } from './deployment-settings.ts'
import { mailDomains } from './mail-identities.ts'
import { DocketServiceStack } from './service-stack.ts'

export interface BuildDocketAppOptions {
  /** Path of docket.config.yaml. @default context `config`, else DOCKET_CONFIG, else ./docket.config.yaml */
  readonly config?: string
  /** CDK context (the CLI's `-c` values and cdk.json arrive on their own through the environment). */
  readonly context?: Record<string, unknown>
  /** Where CDK_DEFAULT_ACCOUNT, CDK_DEFAULT_REGION and DOCKET_CONFIG are read. @default process.env */
  readonly env?: NodeJS.ProcessEnv
  /** Cloud assembly directory. @default CDK_OUTDIR (set by the CLI), else a temporary directory */
  readonly outdir?: string
}

export interface DocketApp {
  readonly app: App
  readonly settings: DeploymentSettings
  readonly config: DocketConfig
  readonly data: DocketDataStack
  readonly service: DocketServiceStack
  /** The us-east-1 stack of CloudFront's web ACL; absent with -c webAclArn (an existing one). */
  readonly edge: DocketEdgeStack | undefined
}

/**
 * Docket's whole AWS shape: `Docket-<stage>-Data` (table, buckets, TOTP key: retained; mail domain
 * identities) and `Docket-<stage>-Service` (everything else). Validates docket.config.yaml first, so a bad file
 * fails synth with the ConfigError that names every bad path.
 */
export function buildDocketApp(options: BuildDocketAppOptions = {}): DocketApp {
  const app = new App({ context: { ...options.context }, ...(options.outdir ? { outdir: options.outdir } : {}) })
  const settings = readDeploymentSettings(app.node, options.env ?? process.env)
  const configPath = options.config ?? settings.configPath
  const config = loadConfigFile(configPath)

  const env = { account: settings.account, region: settings.region }
  const stackPrefix = `Docket-${settings.stage}`
  // Unique per account and region, and known to both stacks: the bucket policy names it.
  const receiptRuleSetName = `docket-${settings.stage}`

  const { profile } = settings
  const data = new DocketDataStack(app, `${stackPrefix}-Data`, {
    env,
    description: `Docket ${settings.stage}: table, mail and audit buckets, TOTP key (retained), mail domain identities`,
    terminationProtection: profile.terminationProtection,
    receiptRuleSetName,
    mailDomains: mailDomains(config),
    noncurrentVersionRetention: Duration.days(profile.noncurrentVersionDays),
    accessLogRetention: Duration.days(profile.accessLogDays),
    auditObjectLock: settings.auditObjectLock,
    webOrigins: settings.webDomain ? [`https://${settings.webDomain.domainName}`, 'https://*.cloudfront.net'] : undefined,
  })
  // CloudFront takes web ACLs from us-east-1 only: Docket's own lives there in a small stack.
  const edge = settings.webAclArn
    ? undefined
    : new DocketEdgeStack(app, `${stackPrefix}-Edge`, {
        env: { account: settings.account, region: 'us-east-1' },
        description: `Docket ${settings.stage}: web ACL of the CloudFront distribution (per-client rate limits of the API), in us-east-1 as CloudFront requires`,
        terminationProtection: profile.terminationProtection,
        rateLimits: settings.apiRateLimits,
      })
  const service = new DocketServiceStack(app, `${stackPrefix}-Service`, {
    env,
    webAclArn: settings.webAclArn ?? edge!.webAcl.attrArn,
    apiThrottle: settings.apiThrottle,
    description: `Docket ${settings.stage}: functions, mail intake and sending, API, web client, search, schedules, alarms`,
    terminationProtection: profile.terminationProtection,
    data,
    config,
    projectRoot,
    receiptRuleSetName,
    rawMailPrefix: data.rawMailPrefix,
    logLevel: settings.logLevel,
    logRetention: settings.logRetentionDays as RetentionDays,
    searchInstanceType: settings.searchInstanceType,
    searchDataNodes: settings.searchDataNodes,
    searchVolumeGiB: settings.searchVolumeGiB,
    webAssetsPath: settings.webAssetsPath,
    alarmEmail: settings.alarmEmail,
    dashboardName: `Docket-${settings.stage}`,
    webDomain: settings.webDomain,
    apiDomain: settings.apiDomain,
    concurrency: settings.concurrency,
  })
  if (profile.expectsAlarmEmail && !settings.alarmEmail) {
    Annotations.of(service).addWarningV2('docket:no-alarm-email', `Stage ${settings.stage} has no alarm email: alarms only show in CloudWatch. Add -c alarmEmail=ops@example.com (or set it in cdk.json).`)
  }
  if (!sesReceivingRegions.includes(settings.region)) {
    Annotations.of(service).addWarningV2(
      'docket:ses-receiving-region',
      `SES email receiving may not exist in ${settings.region}; known regions: ${sesReceivingRegions.join(', ')}. Choose one with -c region=eu-west-1.`,
    )
  }

  Tags.of(app).add('app', 'docket')
  Tags.of(app).add('docket:stage', settings.stage)
  return { app, settings, config, data, service, edge }
}
