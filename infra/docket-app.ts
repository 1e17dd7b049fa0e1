import { Annotations, App, Tags } from 'aws-cdk-lib'
import { loadConfigFile, type DocketConfig } from '../lib/platform/config.ts'
import { DocketDataStack } from './data-stack.ts'
import { projectRoot, readDeploymentSettings, sesReceivingRegions, type DeploymentSettings } from './deployment-settings.ts'
import { DocketServiceStack } from './service-stack.ts'

export interface BuildDocketAppOptions {
  /** Path of docket.config.yaml. @default context `config`, else DOCKET_CONFIG, else ./docket.config.yaml */
  readonly config?: string
  /** CDK context (the CLI's `-c` values and cdk.json arrive on their own through the environment). */
  readonly context?: Record<string, unknown>
  /** Where CDK_DEFAULT_ACCOUNT, CDK_DEFAULT_REGION and DOCKET_CONFIG are read. @default process.env */
  readonly env?: NodeJS.ProcessEnv
}

export interface DocketApp {
  readonly app: App
  readonly settings: DeploymentSettings
  readonly config: DocketConfig
  readonly data: DocketDataStack
  readonly service: DocketServiceStack
}

/**
 * Docket's whole AWS shape: `Docket-<stage>-Data` (table, buckets: retained) and
 * `Docket-<stage>-Service` (everything else). Validates docket.config.yaml first, so a bad file
 * fails synth with the ConfigError that names every bad path.
 */
export function buildDocketApp(options: BuildDocketAppOptions = {}): DocketApp {
  const app = new App({ context: { ...options.context } })
  const settings = readDeploymentSettings(app.node, options.env ?? process.env)
  const configPath = options.config ?? settings.configPath
  const config = loadConfigFile(configPath)

  const env = { account: settings.account, region: settings.region }
  const stackPrefix = `Docket-${settings.stage}`
  // Unique per account and region, and known to both stacks: the bucket policy names it.
  const receiptRuleSetName = `docket-${settings.stage}`

  const data = new DocketDataStack(app, `${stackPrefix}-Data`, {
    env,
    description: `Docket ${settings.stage}: table and mail buckets (retained)`,
    receiptRuleSetName,
  })
  const service = new DocketServiceStack(app, `${stackPrefix}-Service`, {
    env,
    description: `Docket ${settings.stage}: functions, mail intake and sending, API, web client, search, schedules`,
    data,
    config,
    configPath,
    projectRoot,
    receiptRuleSetName,
    rawMailPrefix: data.rawMailPrefix,
    logLevel: settings.logLevel,
    searchInstanceType: settings.searchInstanceType,
    webAssetsPath: settings.webAssetsPath,
  })
  if (!sesReceivingRegions.includes(settings.region)) {
    Annotations.of(service).addWarningV2(
      'docket:ses-receiving-region',
      `SES email receiving may not exist in ${settings.region}; known regions: ${sesReceivingRegions.join(', ')}. Choose one with -c region=eu-west-1.`,
    )
  }

  Tags.of(app).add('app', 'docket')
  Tags.of(app).add('docket:stage', settings.stage)
  return { app, settings, config, data, service }
}
