import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Duration, Stack } from 'aws-cdk-lib'
import { Policy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam'
import { Architecture, CfnPermission, EventSourceMapping, Runtime, type CfnFunction } from 'aws-cdk-lib/aws-lambda'
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs'
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs'
import { Construct } from 'constructs'
import { functionCatalog, type FunctionName } from '../../functions/catalog.ts'
import type { DocketConfig } from '../../lib/platform/config.ts'
import { jobsTimeoutSeconds } from '../../schemas/jobs.ts'
import { acknowledgeNag } from '../nag.ts'

/**
 * Where the bundled config lives inside every function (Lambda unpacks the bundle to /var/task):
 * the config validated at synth, as JSON, so no function carries a YAML parser or parses YAML at
 * a cold start (it still validates the JSON with the same schema).
 */
export const bundledConfigPath = '/var/task/docket.config.json'

export interface FunctionSettings {
  description: string
  memorySize: number
  timeout: Duration
  /** Run with the execution role of this (earlier) catalog function instead of one of its own. */
  roleOf?: FunctionName
}

/** What a catalog entry gets unless `functionSettings` says otherwise. */
export const defaultFunctionSettings = { memorySize: 512, timeout: Duration.seconds(30) }

/**
 * Per-function description and sizing. A catalog entry missing here still gets a function with
 * the defaults (and a synth warning from the service stack until something triggers it).
 */
export const functionSettings: Partial<Record<FunctionName, Partial<FunctionSettings>>> = {
  'mail-received': { description: 'Ingests raw mail stored by SES (S3 → SQS → here)', timeout: Duration.seconds(60) },
  'mail-send': { description: 'Sends queued outbound mail through SES' },
  api: { description: 'Agent REST API behind the HTTP API', memorySize: 1024 },
  'search-indexer': { description: 'Feeds table changes (DynamoDB stream) into OpenSearch' },
  'outbox-relay': { description: 'Transactional outbox: puts committed outgoing mail on the outbound queue (DynamoDB stream → SQS)' },
  // The indexer's role: the OpenSearch domain's master user, the only one that may create indexes and move the alias.
  'search-maintenance': { description: 'Search drift check (weekly, repairs) and reindex on demand (docket search check|reindex --stage)', memorySize: 1024, timeout: Duration.minutes(15), roleOf: 'search-indexer' },
  jobs: { description: 'Runs the scheduled jobs in slices (jobs queue: {"job", "time", "cursor"})', timeout: Duration.seconds(jobsTimeoutSeconds) },
}

/** Stable construct id of a catalog entry (logical ids derive from it: never change the rule). */
export function functionConstructId(name: string): string {
  return name
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('')
}

export interface DocketFunctionsProps {
  /** docket.config.yaml as validated at synth: written as JSON into every bundle. */
  readonly config: DocketConfig
  /** The project root holding the entries and package-lock.json. */
  readonly projectRoot: string
  /** Environment every function gets (the runtime settings of lib/platform/runtime-settings.ts). */
  readonly environment: Record<string, string>
  /** Log retention of every function. @default one month */
  readonly logRetention?: RetentionDays
}

/**
 * One Lambda function per entry of functions/catalog.ts, all built the same way: Node 22 on
 * arm64, an ESM bundle made by the locally installed esbuild (never Docker), the admin's config
 * file beside the code, structured logs kept as long as the stage says, active X-Ray tracing.
 *
 * Each function has a role of its own that may write only to its own log group (not the managed
 * AWSLambdaBasicExecutionRole, which may write to any) and send traces. Everything else is granted
 * by the constructs that wire each function to its trigger and resources.
 */
export class DocketFunctions extends Construct {
  private readonly functions: Record<FunctionName, NodejsFunction>

  constructor(scope: Construct, id: string, props: DocketFunctionsProps) {
    super(scope, id)
    const names = Object.keys(functionCatalog) as FunctionName[]
    // One file for every bundle; the asset hashes cover the bundle's output, this file included.
    const configJson = join(mkdtempSync(join(tmpdir(), 'docket-config-')), 'docket.config.json')
    writeFileSync(configJson, `${JSON.stringify(props.config)}\n`)
    // In catalog order: a function that runs with another's role (roleOf) finds it already built.
    this.functions = {} as Record<FunctionName, NodejsFunction>
    for (const name of names) this.functions[name] = this.createFunction(name, props, configJson)
  }

  /** The function built from the catalog entry `name`. */
  get(name: FunctionName): NodejsFunction {
    return this.functions[name]
  }

  /** Every function, in catalog order. */
  all(): NodejsFunction[] {
    return Object.values(this.functions)
  }

  /** Functions nothing invokes yet: no event source, and no permission for a service to call them. */
  untriggered(): NodejsFunction[] {
    const stack = Stack.of(this)
    const invocable = new Set(
      stack.node
        .findAll()
        .filter((construct) => construct instanceof CfnPermission)
        .map((permission) => JSON.stringify(stack.resolve(permission.functionName))),
    )
    const triggered = (fn: NodejsFunction) =>
      fn.node.children.some((child) => child instanceof EventSourceMapping) ||
      [fn.functionArn, fn.functionName].some((reference) => invocable.has(JSON.stringify(stack.resolve(reference))))
    return this.all().filter((fn) => !triggered(fn))
  }

  /** Sets a variable on every function (settings each process needs at start, such as the outbound queue URL). */
  addEnvironment(key: string, value: string): void {
    for (const fn of this.all()) fn.addEnvironment(key, value)
  }

  private createFunction(name: FunctionName, props: DocketFunctionsProps, configJson: string): NodejsFunction {
    const settings: FunctionSettings = { description: `Docket ${name}`, ...defaultFunctionSettings, ...functionSettings[name] }
    const id = functionConstructId(name)
    const logGroup = new LogGroup(this, `${id}Logs`, { retention: props.logRetention ?? RetentionDays.ONE_MONTH })
    const shared = settings.roleOf ? this.functions[settings.roleOf]?.role : undefined
    if (settings.roleOf && !shared) throw new Error(`DocketFunctions: ${name} runs with the role of ${settings.roleOf}, which must come before it in functions/catalog.ts`)
    const role = shared ?? new Role(this, `${id}Role`, { assumedBy: new ServicePrincipal('lambda.amazonaws.com'), description: `Docket ${name} function` })
    logGroup.grantWrite(role)
    const fn = new NodejsFunction(this, id, {
      description: settings.description,
      entry: join(props.projectRoot, functionCatalog[name].entry),
      handler: 'handler',
      projectRoot: props.projectRoot,
      depsLockFilePath: join(props.projectRoot, 'package-lock.json'),
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: settings.memorySize,
      timeout: settings.timeout,
      role,
      logGroup,
      environment: {
        ...props.environment,
        DOCKET_CONFIG: bundledConfigPath,
        POWERTOOLS_SERVICE_NAME: 'docket',
        // Stack traces point into the TypeScript sources (the bundles ship with source maps).
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: {
        forceDockerBundling: false,
        format: OutputFormat.ESM,
        target: 'node22',
        mainFields: ['module', 'main'],
        minify: true,
        keepNames: true, // class and function names stay readable in logs and error names
        sourceMap: true,
        sourcesContent: false,
        // Some dependencies are CommonJS and call require(): give the ESM bundle a real one.
        banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
        // Bundle everything, the AWS SDK included, rather than using the runtime's copy: the code
        // runs with the SDK version package-lock.json pins and the tests ran against (the runtime's
        // copy lags and changes under us), and tree-shaken ESM loads faster than the full SDK.
        // Measured (issue 15.3): DynamoDB's client is ~360 KB of a bundle, yet importing it unbundled
        // alone took 1.2 s on a loaded machine, about as long as importing a whole minified bundle
        // there. Each function carries only the clients its entry asks for (lib/runtime/aws-adapters.ts).
        externalModules: [],
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          // Ship the validated config beside the code; DOCKET_CONFIG points at it.
          afterBundling: (_inputDir: string, outputDir: string) => [`cp ${shellQuote(configJson)} ${shellQuote(join(outputDir, 'docket.config.json'))}`],
        },
      },
    })
    acknowledgeNag(fn, 'AwsSolutions-L1', 'Node 22 on purpose: the code is built (esbuild target node22) and tested on the Node 22 the project pins; the runtime moves with that toolchain, not ahead of it.')
    // Tracing set here rather than with `tracing: ACTIVE`, which would put the X-Ray statement
    // (Resource "*": X-Ray has no resource-level permissions) in the role's default policy, where
    // one acknowledgement of "*" would hide any other.
    const cfnFunction = fn.node.defaultChild as CfnFunction
    cfnFunction.tracingConfig = { mode: 'Active' }
    const tracing = new Policy(this, `${id}Tracing`, {
      roles: [role],
      statements: [new PolicyStatement({ actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], resources: ['*'] })],
    })
    acknowledgeNag(tracing, 'AwsSolutions-IAM5[Resource::*]', 'X-Ray PutTraceSegments and PutTelemetryRecords support no resource-level permissions; this policy holds nothing else.')
    return fn
  }
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`
}
