import { isAbsolute, resolve } from 'node:path'
import type { Node } from 'constructs'

/**
 * Where and how Docket is deployed: read once from CDK context (`-c key=value` or cdk.json) and
 * the environment the CDK CLI sets, with the defaults below, so an offline `cdk synth` works.
 */
export interface DeploymentSettings {
  /** Part of every stack name (`Docket-<stage>-Data`). Context `stage`, default `dev`. */
  stage: string
  /** CDK_DEFAULT_ACCOUNT, else a placeholder so synth works without credentials. */
  account: string
  /** Context `region`, else CDK_DEFAULT_REGION, else eu-west-1 (SES receiving exists only in some regions). */
  region: string
  /** docket.config.yaml, absolute: context `config`, else DOCKET_CONFIG, else ./docket.config.yaml. */
  configPath: string
  /** OpenSearch data node type. Context `searchInstanceType`, default t3.small.search (the smallest). */
  searchInstanceType: string
  /** DOCKET_LOG_LEVEL of every function. Context `logLevel`, default INFO. */
  logLevel: LogLevel
  /** Built web client, deployed when it exists. Context `webAssets`, default web/dist. */
  webAssetsPath: string
}

export const logLevels = ['DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT'] as const
export type LogLevel = (typeof logLevels)[number]

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

export function readDeploymentSettings(node: Node, env: NodeJS.ProcessEnv): DeploymentSettings {
  const context = (key: string): string | undefined => {
    const value: unknown = node.tryGetContext(key)
    if (value === undefined || value === null || value === '') return undefined
    if (typeof value !== 'string') throw new DeploymentSettingsError(`context "${key}" must be a string, got ${JSON.stringify(value)}`)
    return value
  }
  const stage = context('stage') ?? 'dev'
  if (!/^[a-z][a-z0-9-]{0,19}$/.test(stage)) {
    throw new DeploymentSettingsError(`context "stage" is "${stage}": use 1 to 20 lowercase letters, digits or "-", starting with a letter (e.g. -c stage=prod)`)
  }
  const logLevel = (context('logLevel') ?? 'INFO').toUpperCase()
  if (!isLogLevel(logLevel)) throw new DeploymentSettingsError(`context "logLevel" is "${logLevel}": use one of ${logLevels.join(', ')}`)
  return {
    stage,
    account: env.CDK_DEFAULT_ACCOUNT || placeholderAccount,
    region: context('region') ?? (env.CDK_DEFAULT_REGION || 'eu-west-1'),
    configPath: fromRoot(context('config') ?? (env.DOCKET_CONFIG || 'docket.config.yaml')),
    searchInstanceType: context('searchInstanceType') ?? 't3.small.search',
    logLevel,
    webAssetsPath: fromRoot(context('webAssets') ?? 'web/dist'),
  }
}

function isLogLevel(value: string): value is LogLevel {
  return (logLevels as readonly string[]).includes(value)
}

function fromRoot(path: string): string {
  return isAbsolute(path) ? path : resolve(projectRoot, path)
}
