import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb'
import { DescribeStreamCommand, DynamoDBStreamsClient, GetRecordsCommand, GetShardIteratorCommand, type GetRecordsCommandOutput } from '@aws-sdk/client-dynamodb-streams'
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3'
import type { DynamoDBBatchResponse, SQSBatchResponse } from 'aws-lambda'
import { randomBytes, randomUUID } from 'node:crypto'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startDynamoDbLocal, type DynamoDbLocal } from '../../lib/local/dynamodb-local.ts'
import { toLambdaRecord } from '../../lib/local/stream-poller.ts'
import { Assembly, type Json, type Stack } from './assembly.ts'
import { CallLog, LocalSqs, openSearchCertificate, startDynamoDbProxy, startOpenSearch, startS3, startSecretsManager, startSes, type LocalQueue, type ObjectCreated, type SentMail } from './endpoints.ts'
import { httpApiEvent, httpApiResponse, notificationMatches, passesFilters, s3Notification, scheduledEvent, selectRoute, sqsRecord, type HttpRoute } from './event-sources.ts'
import { evaluate, resourcePolicies, roleStatements, servicePermitted, wildcardMatch, type PolicyStatement, type ResourceRequirement, type ServiceRequest } from './iam.ts'
import { Sandbox, type InvocationError, type InvocationResult } from './sandbox.ts'

export type ProblemKind = 'missing-env' | 'module' | 'handler' | 'event' | 'iam' | 'invocation' | 'wiring' | 'scenario'

export interface Problem {
  kind: ProblemKind
  function?: string
  message: string
}

export interface RehearsedFunction {
  id: string
  stack: Stack
  name: string
  arn: string
  roleId: string | undefined
  statements: PolicyStatement[]
  environment: Record<string, string>
  accessKeyId: string
  sandbox: Sandbox
  assetBytes: number
}

interface SqsMapping {
  id: string
  fn: RehearsedFunction
  queue: LocalQueue
  batchSize: number
  reportsItemFailures: boolean
  filters: { Pattern: string }[] | undefined
}

interface StreamMapping {
  id: string
  fn: RehearsedFunction
  streamArn: string
  tableName: string
  batchSize: number
  reportsItemFailures: boolean
  filters: { Pattern: string }[] | undefined
  startingPosition: string
  iterators: Map<string, string | null>
  localStreamArn: string | undefined
}

interface Notification {
  bucket: string
  events: string[]
  prefix: string
  suffix: string
  configurationId: string
  queueArn: string | undefined
  functionArn: string | undefined
}

interface ApiRoute extends HttpRoute {
  apiId: string
  stack: Stack
  fn: RehearsedFunction | undefined
  integrationUri: string
  payloadFormatVersion: string
}

const lambdaPayloadLimit = 6 * 1024 * 1024

/**
 * The deployed system on this machine: the templates' tables, buckets, queues, secrets and search
 * domain on local stand-ins, each function in its sandbox, and the wiring between them (event
 * source mappings, bucket notifications, schedules, HTTP API routes) read from the templates.
 */
export class LocalCloud {
  readonly log = new CallLog()
  readonly sqs = new LocalSqs()
  readonly problems: Problem[] = []
  readonly functions: RehearsedFunction[] = []
  readonly workDir = mkdtempSync(join(tmpdir(), 'docket-rehearsal-'))
  assembly!: Assembly
  sent: SentMail[] = []
  /** The rehearsal's own S3 client, with the credentials that stand for SES receiving (it stores raw mail). */
  s3!: S3Client
  private readonly stops: (() => Promise<void>)[] = []
  private database: DynamoDbLocal | undefined
  private dynamoEndpoint = ''
  private sqsMappings: SqsMapping[] = []
  private streamMappings: StreamMapping[] = []
  private notifications: Notification[] = []
  private routes: ApiRoute[] = []
  private readonly pendingNotifications: ObjectCreated[] = []
  private readonly tableNames = new Map<string, string>()
  /** Service-to-resource deliveries checked against resource policies. */
  deliveries = 0
  /** Functions an event source, schedule, route or notification invokes. */
  private readonly triggered = new Set<string>()
  private streams!: DynamoDBStreamsClient

  private readonly cdkOut: string
  private readonly node: string
  private readonly say: (line: string) => void

  constructor(cdkOut: string, node: string, say: (line: string) => void) {
    this.cdkOut = cdkOut
    this.node = node
    this.say = say
  }

  async start(): Promise<void> {
    // The endpoints whose addresses appear in resolved values (queue URLs, the domain endpoint) start first.
    const sqsServer = await this.sqs.start(this.log)
    this.stops.push(sqsServer.stop)
    let domainArn = ''
    const openSearch = await startOpenSearch({ log: this.log, domainArn: () => domainArn })
    this.stops.push(openSearch.stop)
    this.assembly = new Assembly(this.cdkOut, { sqs: sqsServer.endpoint, openSearchHost: openSearch.host })
    const domains = this.assembly.resources('AWS::OpenSearchService::Domain')
    if (domains[0]) domainArn = this.assembly.attribute(domains[0].stack, domains[0].id, 'Arn')

    for (const { stack, id, resource } of this.assembly.resources('AWS::SQS::Queue')) {
      const properties = resource.Properties ?? {}
      const redrive = this.assembly.resolve(stack, properties.RedrivePolicy ?? null) as { deadLetterTargetArn?: string; maxReceiveCount?: number } | null
      this.sqs.add({
        url: this.assembly.physicalName(stack, id),
        arn: this.assembly.attribute(stack, id, 'Arn'),
        visibilityTimeoutSeconds: Number(properties.VisibilityTimeout ?? 30),
        deadLetterArn: redrive?.deadLetterTargetArn,
        maxReceiveCount: redrive?.maxReceiveCount,
      })
    }

    this.database = await startDynamoDbLocal()
    this.stops.push(() => this.database!.stop())
    const dynamo = new DynamoDBClient({ region: 'us-east-1', endpoint: this.database.endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } })
    this.streams = new DynamoDBStreamsClient({ region: 'us-east-1', endpoint: this.database.endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } })
    this.stops.push(async () => {
      dynamo.destroy()
      this.streams.destroy()
    })
    this.dynamoEndpoint = this.database.endpoint
    for (const { stack, id, resource } of this.assembly.resources('AWS::DynamoDB::Table')) {
      const name = this.assembly.physicalName(stack, id)
      this.tableNames.set(name, this.assembly.attribute(stack, id, 'Arn'))
      await dynamo.send(new CreateTableCommand(tableInput(name, resource.Properties ?? {})))
      this.say(`  table ${name}: ${(resource.Properties?.GlobalSecondaryIndexes as Json[] | undefined)?.length ?? 0} GSIs, stream ${JSON.stringify((resource.Properties?.StreamSpecification as Record<string, Json> | undefined)?.StreamViewType ?? 'none')}`)
    }
    const proxy = await startDynamoDbProxy(this.database.endpoint, this.log, { arnOf: (table) => this.tableNames.get(table) ?? `arn:aws:dynamodb:us-east-1:123456789012:table/${table}` })
    this.stops.push(proxy.stop)

    this.discoverFunctions()
    const rehearsalKey = { accessKeyId: 'AKIAREHEARSALSES0000', secretAccessKey: randomBytes(20).toString('hex') }
    this.log.register(rehearsalKey.accessKeyId, '(SES receiving)')
    const buckets = this.assembly.resources('AWS::S3::Bucket').map(({ stack, id }) => this.assembly.physicalName(stack, id))
    const s3 = await startS3({
      directory: join(this.workDir, 's3'),
      buckets,
      log: this.log,
      keys: [rehearsalKey, ...this.functions.map((fn) => ({ accessKeyId: fn.accessKeyId, secretAccessKey: fn.environment.__secret! }))],
      onObjectCreated: (event) => this.pendingNotifications.push(event),
    })
    this.stops.push(s3.stop)
    this.s3 = new S3Client({ region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true, credentials: rehearsalKey })
    this.stops.push(async () => this.s3.destroy())
    const firstStack = this.assembly.stacks[0]!
    const ses = await startSes({ log: this.log, region: firstStack.region, account: firstStack.account })
    this.sent = ses.sent
    this.stops.push(ses.stop)
    const secrets = await startSecretsManager({ log: this.log })
    this.stops.push(secrets.stop)
    this.say(`  endpoints: DynamoDB Local ${this.database.endpoint} (recorded through ${proxy.endpoint}), S3 (s3rver) ${s3.endpoint}, SQS ${sqsServer.endpoint}, SESv2 ${ses.endpoint}, Secrets Manager ${secrets.endpoint}, OpenSearch https://${openSearch.host}`)

    const endpoints = {
      AWS_ENDPOINT_URL_DYNAMODB: proxy.endpoint,
      AWS_ENDPOINT_URL_DYNAMODB_STREAMS: proxy.endpoint,
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      AWS_ENDPOINT_URL_SQS: sqsServer.endpoint,
      AWS_ENDPOINT_URL_SESV2: ses.endpoint,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
      NODE_EXTRA_CA_CERTS: openSearchCertificate,
    }
    this.wire()
    // One at a time, as separate cold starts are: parallel imports on a small machine measure the machine, not the bundle.
    for (const fn of this.functions) {
      const secret = fn.environment.__secret!
      delete fn.environment.__secret
      Object.assign(fn.sandbox.options.runtimeEnvironment, {
        AWS_REGION: fn.stack.region,
        AWS_DEFAULT_REGION: fn.stack.region,
        AWS_ACCESS_KEY_ID: fn.accessKeyId,
        AWS_SECRET_ACCESS_KEY: secret,
        AWS_SESSION_TOKEN: `rehearsal-session-${fn.id}`,
        ...endpoints,
      })
      if (!this.triggered.has(fn.id)) continue
      await fn.sandbox.start()
      const { sandbox } = fn
      if (sandbox.initError) this.problem(classify(sandbox.initError, sandbox.output), fn, `cold start failed: ${sandbox.initError.message}`)
      this.say(
        `  ${sandbox.initError ? '✗' : '✓'} ${fn.id}: cold start ${sandbox.initMs?.toFixed(0) ?? '–'} ms (import of the handler module), bundle ${(fn.assetBytes / 1024 / 1024).toFixed(2)} MB with source map, ` +
          `${Object.keys(fn.environment).length} variables from the template`,
      )
    }
  }

  /** Every Node.js function with its code in the assembly (CDK's inline Python custom-resource handlers are not ours to run). */
  private discoverFunctions(): void {
    let index = 0
    for (const { stack, id, resource } of this.assembly.resources('AWS::Lambda::Function')) {
      const properties = resource.Properties ?? {}
      const assetPath = resource.Metadata?.['aws:asset:path']
      if (typeof assetPath !== 'string' || !String(properties.Runtime ?? 'nodejs').startsWith('nodejs')) continue
      const variables = this.assembly.resolve(stack, ((properties.Environment as Record<string, Json> | undefined)?.Variables ?? {}) as Json) as Record<string, Json>
      const environment = Object.fromEntries(Object.entries(variables).map(([key, value]) => [key, typeof value === 'string' ? value : JSON.stringify(value)]))
      const roleId = Assembly.referencedId(properties.Role)
      const { statements, unknownManaged } = roleId ? roleStatements(this.assembly, stack, roleId) : { statements: [], unknownManaged: [] }
      if (unknownManaged.length > 0) this.say(`  note: ${id} has managed policies the rehearsal cannot read (${unknownManaged.join(', ')}); calls they would allow are reported`)
      const accessKeyId = `AKIAREHEARSAL${String(++index).padStart(7, '0')}`
      this.log.register(accessKeyId, id)
      const assetDir = join(this.cdkOut, assetPath)
      const name = this.assembly.physicalName(stack, id)
      const sandbox = new Sandbox({
        id,
        functionName: name,
        functionArn: this.assembly.attribute(stack, id, 'Arn'),
        assetDir,
        handler: String(properties.Handler ?? 'index.handler'),
        environment: { ...environment },
        runtimeEnvironment: {},
        memoryMb: Number(properties.MemorySize ?? 128),
        timeoutSeconds: Number(properties.Timeout ?? 3),
        workDir: this.workDir,
        node: this.node,
      })
      this.functions.push({
        id,
        stack,
        name,
        arn: sandbox.options.functionArn,
        roleId,
        statements,
        environment: { ...environment, __secret: randomBytes(20).toString('hex') },
        accessKeyId,
        sandbox,
        assetBytes: existsSync(assetDir) ? dirSize(assetDir) : 0,
      })
    }
  }

  private functionFor(stack: Stack, reference: Json | undefined): RehearsedFunction | undefined {
    const resolved = String(this.assembly.resolve(stack, reference ?? null))
    return this.functions.find((fn) => fn.arn === resolved || fn.name === resolved || resolved.startsWith(`${fn.arn}:`))
  }

  /** Reads the wiring: event source mappings, bucket notifications, schedules, HTTP API routes. */
  private wire(): void {
    for (const { stack, id, resource } of this.assembly.resources('AWS::Lambda::EventSourceMapping')) {
      const properties = resource.Properties ?? {}
      const fn = this.functionFor(stack, properties.FunctionName)
      const source = String(this.assembly.resolve(stack, properties.EventSourceArn ?? null))
      if (!fn) {
        this.problem('wiring', undefined, `${id}: its FunctionName resolves to no rehearsed function`)
        continue
      }
      const filters = (properties.FilterCriteria as { Filters?: { Pattern: string }[] } | undefined)?.Filters
      const reportsItemFailures = ((properties.FunctionResponseTypes ?? []) as Json[]).includes('ReportBatchItemFailures')
      const queue = this.sqs.byArn(source)
      if (queue) {
        this.sqsMappings.push({ id, fn, queue, batchSize: Number(properties.BatchSize ?? 10), reportsItemFailures, filters })
        this.esmPermissions(fn, ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'], [queue.arn])
        continue
      }
      const table = [...this.tableNames.entries()].find(([, arn]) => source.startsWith(`${arn}/stream/`))
      if (table) {
        this.streamMappings.push({
          id,
          fn,
          streamArn: source,
          tableName: table[0],
          batchSize: Number(properties.BatchSize ?? 100),
          reportsItemFailures,
          filters,
          startingPosition: String(properties.StartingPosition ?? 'LATEST'),
          iterators: new Map(),
          localStreamArn: undefined,
        })
        this.esmPermissions(fn, ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'], [source])
        this.esmPermissions(fn, ['dynamodb:ListStreams'], [`${table[1]}/stream/*`])
        const destination = (properties.DestinationConfig as { OnFailure?: { Destination?: Json } } | undefined)?.OnFailure?.Destination
        if (destination) this.esmPermissions(fn, ['sqs:SendMessage'], [String(this.assembly.resolve(stack, destination))])
        continue
      }
      this.problem('wiring', fn, `${id}: the rehearsal has no stand-in for its event source ${source}`)
    }

    const addNotifications = (stack: Stack, bucket: string, configuration: Record<string, Json> | undefined) => {
      const resolved = this.assembly.resolve(stack, (configuration ?? {}) as Json) as Record<string, Record<string, Json>[]>
      const entries = [...(resolved.QueueConfigurations ?? []).map((entry) => ({ entry, queueArn: String(entry.QueueArn ?? entry.Queue) })), ...(resolved.LambdaFunctionConfigurations ?? []).map((entry) => ({ entry, functionArn: String(entry.LambdaFunctionArn ?? entry.Function) }))]
      for (const { entry, ...target } of entries) {
        const rules = ((entry.Filter as { Key?: { FilterRules?: { Name: string; Value: string }[] }; S3Key?: { Rules?: { Name: string; Value: string }[] } } | undefined)?.Key?.FilterRules ??
          (entry.Filter as { S3Key?: { Rules?: { Name: string; Value: string }[] } } | undefined)?.S3Key?.Rules ??
          []) as { Name: string; Value: string }[]
        const rule = (name: string) => rules.find((candidate) => candidate.Name.toLowerCase() === name)?.Value ?? ''
        const events = ((entry.Events ?? (entry.Event ? [entry.Event] : [])) as Json[]).map(String)
        this.notifications.push({ bucket, events, prefix: rule('prefix'), suffix: rule('suffix'), configurationId: String(entry.Id ?? `${bucket}-notification`), queueArn: 'queueArn' in target ? target.queueArn : undefined, functionArn: 'functionArn' in target ? target.functionArn : undefined })
      }
    }
    for (const { stack, resource } of this.assembly.resources('Custom::S3BucketNotifications')) {
      addNotifications(stack, String(this.assembly.resolve(stack, resource.Properties?.BucketName ?? null)), resource.Properties?.NotificationConfiguration as Record<string, Json>)
    }
    for (const { stack, id, resource } of this.assembly.resources('AWS::S3::Bucket')) {
      if (resource.Properties?.NotificationConfiguration) addNotifications(stack, this.assembly.physicalName(stack, id), resource.Properties.NotificationConfiguration as Record<string, Json>)
    }

    const integrations = this.assembly.resources('AWS::ApiGatewayV2::Integration')
    for (const { stack, id, resource } of this.assembly.resources('AWS::ApiGatewayV2::Route')) {
      const properties = resource.Properties ?? {}
      const routeKey = String(properties.RouteKey)
      const [method = 'ANY', path = '/'] = routeKey === '$default' ? ['ANY', '/'] : routeKey.split(' ')
      const target = String(this.assembly.resolve(stack, properties.Target ?? null))
      const integration = integrations.find((entry) => entry.stack === stack && `integrations/${this.assembly.physicalName(stack, entry.id)}` === target)
      const integrationUri = integration ? String(this.assembly.resolve(stack, integration.resource.Properties?.IntegrationUri ?? null)) : ''
      const fn = integration ? this.functionFor(stack, integration.resource.Properties?.IntegrationUri) : undefined
      if (!fn) this.problem('wiring', undefined, `route ${routeKey} (${id}) integrates ${integrationUri || target}, which is no rehearsed function`)
      this.routes.push({
        routeKey,
        method,
        path,
        authorizationType: String(properties.AuthorizationType ?? 'NONE'),
        apiId: String(this.assembly.resolve(stack, properties.ApiId ?? null)),
        stack,
        fn,
        integrationUri,
        payloadFormatVersion: String(integration?.resource.Properties?.PayloadFormatVersion ?? '1.0'),
      })
    }
    const triggered = this.triggered
    ;[...this.sqsMappings, ...this.streamMappings].forEach((mapping) => triggered.add(mapping.fn.id))
    this.routes.forEach((route) => route.fn && triggered.add(route.fn.id))
    this.schedules().forEach((schedule) => triggered.add(schedule.fn.id))
    this.notifications.forEach((notification) => notification.functionArn && this.functions.filter((fn) => fn.arn === notification.functionArn).forEach((fn) => triggered.add(fn.id)))
    this.say(
      `  wiring: ${this.sqsMappings.length} SQS mappings, ${this.streamMappings.length} stream mappings, ${this.notifications.length} bucket notifications, ${this.schedules().length} schedules, ${this.routes.length} HTTP API routes; ` +
        `not run (nothing in the templates triggers them at run time: deploy-time custom resources, which also rely on the Lambda runtime's own SDK): ${this.functions.filter((fn) => !triggered.has(fn.id)).map((fn) => fn.id).join(', ') || 'none'}`,
    )
  }

  /** The calls Lambda makes with the function's role to poll its event source: checked like the code's own. */
  private esmPermissions(fn: RehearsedFunction, actions: string[], resources: string[]): void {
    for (const action of actions) this.log.record({ caller: fn.id, service: 'lambda (event source mapping)', action, resources, status: 200 })
  }

  schedules(): { stack: Stack; ruleId: string; ruleArn: string; expression: string; fn: RehearsedFunction; target: Record<string, unknown> }[] {
    return this.assembly.resources('AWS::Events::Rule').flatMap(({ stack, id, resource }) => {
      const properties = resource.Properties ?? {}
      if (!properties.ScheduleExpression || properties.State === 'DISABLED') return []
      return ((properties.Targets ?? []) as Record<string, Json>[]).flatMap((target) => {
        const fn = this.functionFor(stack, target.Arn)
        return fn ? [{ stack, ruleId: id, ruleArn: this.assembly.attribute(stack, id, 'Arn'), expression: String(properties.ScheduleExpression), fn, target: this.assembly.resolve(stack, target) as Record<string, unknown> }] : []
      })
    })
  }

  /** Schedules whose target is an SQS queue (the jobs queue): EventBridge sends the target's input as the message body. */
  queueSchedules(): { stack: Stack; ruleId: string; ruleArn: string; expression: string; queueArn: string; target: Record<string, unknown> }[] {
    return this.assembly.resources('AWS::Events::Rule').flatMap(({ stack, id, resource }) => {
      const properties = resource.Properties ?? {}
      if (!properties.ScheduleExpression || properties.State === 'DISABLED') return []
      return ((properties.Targets ?? []) as Record<string, Json>[]).flatMap((target) => {
        const arn = String(this.assembly.resolve(stack, target.Arn))
        return this.sqs.byArn(arn)
          ? [{ stack, ruleId: id, ruleArn: this.assembly.attribute(stack, id, 'Arn'), expression: String(properties.ScheduleExpression), queueArn: arn, target: this.assembly.resolve(stack, target) as Record<string, unknown> }]
          : []
      })
    })
  }

  /** May `principal` invoke the function for `sourceArn`? (AWS::Lambda::Permission, as Lambda's resource policy checks it.) */
  private invokePermitted(fn: RehearsedFunction, principal: string, sourceArn: string): boolean {
    return this.assembly.resources('AWS::Lambda::Permission').some(({ stack, resource }) => {
      const properties = resource.Properties ?? {}
      const target = this.functionFor(stack, properties.FunctionName)
      if (target !== fn || properties.Principal !== principal) return false
      if (properties.SourceArn === undefined) return true
      return wildcardMatch(String(this.assembly.resolve(stack, properties.SourceArn)), sourceArn)
    })
  }

  /** A service delivering to our resource (S3 → queue, SNS → queue, SES → topic or bucket) needs the resource's policy to let it. */
  private checkDelivery(request: ServiceRequest, target: Parameters<typeof resourcePolicies>[1], what: string): void {
    this.deliveries++
    if (!servicePermitted(resourcePolicies(this.assembly, target), request)) {
      this.problem('iam', undefined, `${what}: no resource policy lets ${request.service} do ${request.action} on ${request.resource.replace(/[0-9a-f]{32}$/, '<key>')} (with ${JSON.stringify(request.context)})`)
    }
  }

  // -------------------------------------------------------------------------------------------
  // Invocations
  // -------------------------------------------------------------------------------------------

  private async invoke(fn: RehearsedFunction, event: unknown, what: string): Promise<InvocationResult> {
    const size = Buffer.byteLength(JSON.stringify(event))
    if (size > lambdaPayloadLimit) {
      this.problem('event', fn, `${what}: the event is ${size} bytes, over Lambda's 6 MB invocation payload limit`)
      return { ok: false, error: { name: 'RequestEntityTooLarge', message: 'payload over 6 MB', stack: '' } }
    }
    const result = await fn.sandbox.invoke(event)
    if (!result.ok) this.problem(classify(result.error, fn.sandbox.output), fn, `${what}: ${result.error.name}: ${result.error.message}${logTail(fn)}`)
    return result
  }

  /** S3 notifications of objects created since the last call go to their queues (or functions). */
  private async deliverNotifications(): Promise<number> {
    let delivered = 0
    for (const created of this.pendingNotifications.splice(0)) {
      for (const notification of this.notifications.filter((entry) => entry.bucket === created.bucket && notificationMatches(entry, created))) {
        const stack = this.assembly.stacks[0]!
        const body = s3Notification(created, { region: stack.region, configurationId: notification.configurationId })
        if (notification.queueArn) {
          const queue = this.sqs.byArn(notification.queueArn)
          if (!queue) this.problem('wiring', undefined, `bucket ${created.bucket} notifies ${notification.queueArn}, which is no queue of the templates`)
          else {
            const context = { 'aws:SourceArn': `arn:aws:s3:::${created.bucket}`, 'aws:SourceAccount': stack.account }
            this.checkDelivery({ service: 's3.amazonaws.com', action: 'sqs:SendMessage', resource: queue.arn, context }, { queueUrl: queue.url }, `bucket ${created.bucket} → queue`)
            this.sqs.enqueue(queue, JSON.stringify(body), 'AIDAS3NOTIFICATIONS')
          }
        } else if (notification.functionArn) {
          const fn = this.functions.find((candidate) => candidate.arn === notification.functionArn)
          if (fn) await this.invoke(fn, body, `S3 notification of ${created.key}`)
        }
        delivered++
      }
    }
    return delivered
  }

  private async pumpQueue(mapping: SqsMapping): Promise<number> {
    let handled = 0
    for (;;) {
      const batch = this.sqs.receive(mapping.queue, mapping.batchSize)
      if (batch.length === 0) return handled
      handled += batch.length
      const records = batch.map((message) => sqsRecord(message, mapping.queue.arn, mapping.fn.stack.region))
      const delivered = records.filter((record) => passesFilters(mapping.filters, record))
      // Lambda deletes messages a filter drops.
      for (const record of records.filter((entry) => !delivered.includes(entry))) this.sqs.delete(mapping.queue, record.receiptHandle)
      if (delivered.length === 0) continue
      const result = await this.invoke(mapping.fn, { Records: delivered }, `SQS batch of ${delivered.length} from ${mapping.queue.arn.split(':').at(-1)}`)
      if (!result.ok) continue // the messages come back after the visibility timeout: not within the rehearsal
      const failures = mapping.reportsItemFailures ? ((result.value as SQSBatchResponse | null)?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier) : []
      for (const record of delivered) {
        if (failures.includes(record.messageId)) this.problem('event', mapping.fn, `SQS record ${record.messageId} failed (reported in batchItemFailures)${logTail(mapping.fn)}`)
        else this.sqs.delete(mapping.queue, record.receiptHandle)
      }
    }
  }

  private async pumpStream(mapping: StreamMapping): Promise<number> {
    if (!mapping.localStreamArn) {
      const table = await new DynamoDBClient({ region: 'us-east-1', endpoint: this.dynamoEndpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }).send(new DescribeTableCommand({ TableName: mapping.tableName }))
      mapping.localStreamArn = table.Table?.LatestStreamArn
      if (!mapping.localStreamArn) {
        this.problem('wiring', mapping.fn, `${mapping.id}: table ${mapping.tableName} has no stream`)
        return 0
      }
    }
    const description = await this.streams.send(new DescribeStreamCommand({ StreamArn: mapping.localStreamArn }))
    let handled = 0
    for (const shard of description.StreamDescription?.Shards ?? []) {
      const shardId = shard.ShardId!
      if (mapping.iterators.get(shardId) === null) continue
      let iterator = mapping.iterators.get(shardId)
      if (!iterator) {
        const type = mapping.startingPosition === 'LATEST' ? 'LATEST' : 'TRIM_HORIZON'
        iterator = (await this.streams.send(new GetShardIteratorCommand({ StreamArn: mapping.localStreamArn, ShardId: shardId, ShardIteratorType: type }))).ShardIterator
      }
      if (!iterator) continue
      for (;;) {
        const page: GetRecordsCommandOutput = await this.streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: mapping.batchSize }))
        const records = (page.Records ?? []).map((record) => ({ ...toLambdaRecord(record, mapping.streamArn), awsRegion: mapping.fn.stack.region }))
        iterator = page.NextShardIterator
        mapping.iterators.set(shardId, iterator ?? null)
        if (records.length === 0 || !iterator) break
        handled += records.length
        const delivered = records.filter((record) => passesFilters(mapping.filters, record))
        if (delivered.length === 0) continue
        const result = await this.invoke(mapping.fn, { Records: delivered }, `stream batch of ${delivered.length} (${records.length - delivered.length} filtered out)`)
        if (!result.ok) continue
        const failures = mapping.reportsItemFailures ? ((result.value as DynamoDBBatchResponse | null)?.batchItemFailures ?? []) : []
        if (failures.length > 0) this.problem('event', mapping.fn, `stream records failed from sequence ${failures[0]!.itemIdentifier} (batchItemFailures)${logTail(mapping.fn)}`)
      }
    }
    return handled
  }

  /** Runs every event source until nothing moves: what AWS does in the background after a request. */
  async settle(): Promise<void> {
    let quiet = 0
    for (let round = 0; round < 100 && quiet < 2; round++) {
      let moved = await this.deliverNotifications()
      for (const mapping of this.sqsMappings) moved += await this.pumpQueue(mapping)
      for (const mapping of this.streamMappings) moved += await this.pumpStream(mapping)
      if (moved === 0) {
        quiet++
        await new Promise((resolve) => setTimeout(resolve, 100))
      } else quiet = 0
    }
  }

  /** Stores a raw mail as the SES receipt rule's S3 action does (bucket and key prefix from the template). */
  async receiveMail(raw: string): Promise<string> {
    const rule = this.assembly.resources('AWS::SES::ReceiptRule').flatMap(({ stack, id, resource }) => {
      const properties = this.assembly.resolve(stack, (resource.Properties ?? {}) as Json) as { RuleSetName: string; Rule: { Name?: string; Actions?: { S3Action?: { BucketName: string; ObjectKeyPrefix?: string } }[] } }
      return (properties.Rule.Actions ?? []).flatMap((action) => (action.S3Action ? [{ stack, ruleSet: properties.RuleSetName, name: properties.Rule.Name ?? `${id}-generated`, ...action.S3Action }] : []))
    })[0]
    if (!rule) throw new Error('the templates have no SES receipt rule with an S3 action: no way for mail to come in')
    const key = `${rule.ObjectKeyPrefix ?? ''}${randomBytes(16).toString('hex')}`
    const { region, account } = rule.stack
    const context = { 'aws:SourceArn': `arn:aws:ses:${region}:${account}:receipt-rule-set/${rule.ruleSet}:receipt-rule/${rule.name}`, 'aws:SourceAccount': account, 'aws:Referer': account }
    this.checkDelivery({ service: 'ses.amazonaws.com', action: 's3:PutObject', resource: `arn:aws:s3:::${rule.BucketName}/${key}`, context }, { bucket: rule.BucketName }, `receipt rule ${rule.name} → bucket`)
    await this.s3.send(new PutObjectCommand({ Bucket: rule.BucketName, Key: key, Body: raw }))
    return key
  }

  /**
   * An SES sending event (bounce, complaint …) for a mail sent with a configuration set: through the
   * set's event destinations (SNS topics, when the type is among MatchingEventTypes) to the topics'
   * SQS subscriptions, as SNS delivers it (the envelope, or the bare event with raw message delivery).
   */
  publishSesEvent(configurationSet: string, event: { eventType: string }): number {
    let published = 0
    for (const { stack, resource } of this.assembly.resources('AWS::SES::ConfigurationSetEventDestination')) {
      const properties = this.assembly.resolve(stack, (resource.Properties ?? {}) as Json) as { ConfigurationSetName: string; EventDestination: { Enabled?: boolean; MatchingEventTypes: string[]; SnsDestination?: { TopicARN: string } } }
      const destination = properties.EventDestination
      if (properties.ConfigurationSetName !== configurationSet || destination.Enabled === false || !destination.SnsDestination) continue
      if (!destination.MatchingEventTypes.map((type) => type.toLowerCase()).includes(event.eventType.toLowerCase())) continue
      const topicArn = destination.SnsDestination.TopicARN
      const sesContext = { 'aws:SourceArn': `arn:aws:ses:${stack.region}:${stack.account}:configuration-set/${configurationSet}`, 'aws:SourceAccount': stack.account }
      this.checkDelivery({ service: 'ses.amazonaws.com', action: 'sns:Publish', resource: topicArn, context: sesContext }, { topicArn }, `configuration set ${configurationSet} → topic`)
      const topic = this.assembly.resources('AWS::SNS::Topic').find((entry) => this.assembly.physicalName(entry.stack, entry.id) === topicArn)
      const keyId = topic?.resource.Properties?.KmsMasterKeyId
      if (topic && keyId) {
        const keyArn = String(this.assembly.resolve(topic.stack, keyId))
        if (!this.assembly.resources('AWS::KMS::Key').some((key) => this.assembly.attribute(key.stack, key.id, 'Arn') === keyArn)) {
          this.problem('iam', undefined, `topic ${topicArn} is encrypted with ${keyArn}, a key the templates do not define: SES can publish only with a customer managed key whose policy allows it (not alias/aws/sns)`)
        }
        for (const action of ['kms:GenerateDataKey', 'kms:Decrypt']) {
          this.checkDelivery({ service: 'ses.amazonaws.com', action, resource: keyArn, context: { ...sesContext, 'kms:EncryptionContext:aws:sns:topicArn': topicArn } }, { keyArn }, `SES → encrypted topic ${topicArn}`)
        }
      }
      for (const subscription of this.assembly.resources('AWS::SNS::Subscription')) {
        const sub = this.assembly.resolve(subscription.stack, (subscription.resource.Properties ?? {}) as Json) as { TopicArn: string; Protocol: string; Endpoint: string; RawMessageDelivery?: boolean | string }
        if (sub.TopicArn !== destination.SnsDestination.TopicARN || sub.Protocol !== 'sqs') continue
        const queue = this.sqs.byArn(sub.Endpoint)
        if (!queue) {
          this.problem('wiring', undefined, `SNS topic ${sub.TopicArn} delivers to ${sub.Endpoint}, which is no queue of the templates`)
          continue
        }
        this.checkDelivery({ service: 'sns.amazonaws.com', action: 'sqs:SendMessage', resource: queue.arn, context: { 'aws:SourceArn': sub.TopicArn } }, { queueUrl: queue.url }, `topic ${sub.TopicArn} → queue`)
        const message = JSON.stringify(event)
        const raw = sub.RawMessageDelivery === true || sub.RawMessageDelivery === 'true'
        const envelope = {
          Type: 'Notification',
          MessageId: randomUUID(),
          TopicArn: sub.TopicArn,
          Message: message,
          Timestamp: new Date().toISOString(),
          SignatureVersion: '1',
          Signature: randomBytes(64).toString('base64'),
          SigningCertURL: `https://sns.${stack.region}.amazonaws.com/SimpleNotificationService-rehearsal.pem`,
          UnsubscribeURL: `https://sns.${stack.region}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${sub.TopicArn}:${randomUUID()}`,
        }
        this.sqs.enqueue(queue, raw ? message : JSON.stringify(envelope), 'AIDASNSDELIVERY')
        published++
      }
    }
    return published
  }

  /** Every schedule's target once, with the event EventBridge sends at `time`. */
  async runSchedules(time = new Date()): Promise<{ rule: string; expression: string; ok: boolean; value: unknown }[]> {
    const results = []
    for (const schedule of this.schedules()) {
      if (!this.invokePermitted(schedule.fn, 'events.amazonaws.com', schedule.ruleArn)) this.problem('wiring', schedule.fn, `EventBridge may not invoke it for ${schedule.ruleId} (no AWS::Lambda::Permission for events.amazonaws.com with that rule)`)
      const event = scheduledEvent({ ruleArn: schedule.ruleArn, account: schedule.stack.account, region: schedule.stack.region, time, target: schedule.target })
      const result = await this.invoke(schedule.fn, event, `schedule ${schedule.ruleId} (${schedule.expression})`)
      results.push({ rule: schedule.ruleId, expression: schedule.expression, ok: result.ok, value: result.ok ? result.value : result.error.message })
    }
    for (const schedule of this.queueSchedules()) {
      const queue = this.sqs.byArn(schedule.queueArn)!
      this.checkDelivery({ service: 'events.amazonaws.com', action: 'sqs:SendMessage', resource: queue.arn, context: { 'aws:SourceArn': schedule.ruleArn } }, { queueUrl: queue.url }, `rule ${schedule.ruleId} → queue`)
      const event = scheduledEvent({ ruleArn: schedule.ruleArn, account: schedule.stack.account, region: schedule.stack.region, time, target: schedule.target })
      this.sqs.enqueue(queue, typeof event === 'string' ? event : JSON.stringify(event), 'AIDAEVENTBRIDGE')
      results.push({ rule: schedule.ruleId, expression: schedule.expression, ok: true, value: 'queued' })
    }
    return results
  }

  /**
   * The headers CloudFront adds on its way to the API (the distribution's origin custom headers, such
   * as the origin-verify secret): agents reach the API only through the web client's address.
   */
  private cloudFrontOriginHeaders(): Record<string, string> {
    const headers: Record<string, string> = {}
    for (const { stack, resource } of this.assembly.resources('AWS::CloudFront::Distribution')) {
      const config = this.assembly.resolve(stack, (resource.Properties?.DistributionConfig ?? null) as Json) as { Origins?: { OriginCustomHeaders?: { HeaderName: string; HeaderValue: string }[] }[] } | null
      for (const origin of config?.Origins ?? []) for (const header of origin.OriginCustomHeaders ?? []) headers[header.HeaderName.toLowerCase()] = header.HeaderValue
    }
    return headers
  }

  /** One HTTP request to the HTTP API, through the route the template defines for it. */
  async api(method: string, path: string, init: { headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<Response> {
    const url = new URL(path, 'https://api.rehearsal')
    const selected = selectRoute(this.routes, method.toUpperCase(), url.pathname)
    if (!selected?.route.fn) {
      this.problem('wiring', undefined, `no HTTP API route takes ${method} ${url.pathname}`)
      return new Response(JSON.stringify({ message: 'Not Found' }), { status: 404 })
    }
    const { route } = selected
    const fn = route.fn!
    const stage = this.assembly.resources('AWS::ApiGatewayV2::Stage').map(({ resource }) => String(resource.Properties?.StageName ?? '$default'))[0] ?? '$default'
    const apiArn = `arn:aws:execute-api:${route.stack.region}:${route.stack.account}:${route.apiId}`
    if (!this.invokePermitted(fn, 'apigateway.amazonaws.com', `${apiArn}/${stage}/${method.toUpperCase()}${route.path}`)) {
      this.problem('wiring', fn, `API Gateway may not invoke it for ${route.routeKey} (no matching AWS::Lambda::Permission)`)
    }
    if (route.payloadFormatVersion !== '2.0') this.problem('wiring', fn, `route ${route.routeKey} uses payload format ${route.payloadFormatVersion}; the rehearsal builds 2.0 events`)
    const body = init.body === undefined ? undefined : Buffer.isBuffer(init.body) ? init.body : Buffer.from(init.body)
    const event = httpApiEvent({
      apiId: route.apiId,
      region: route.stack.region,
      account: route.stack.account,
      stage,
      routeKey: route.routeKey,
      method: method.toUpperCase(),
      url,
      headers: { 'user-agent': 'docket-rehearsal', ...(body ? { 'content-length': String(body.length) } : {}), ...this.cloudFrontOriginHeaders(), ...init.headers },
      body,
      pathParameters: selected.pathParameters,
      sourceIp: '198.51.100.7',
    })
    const result = await this.invoke(fn, event, `${method} ${url.pathname}`)
    if (!result.ok) return new Response(JSON.stringify({ message: 'Internal Server Error' }), { status: 500 })
    const size = Buffer.byteLength(JSON.stringify(result.value ?? null))
    if (size > lambdaPayloadLimit) {
      this.problem('event', fn, `${method} ${url.pathname}: the answer is ${size} bytes, over Lambda's 6 MB response limit (API Gateway answers 502)`)
      return new Response(JSON.stringify({ message: 'Internal Server Error' }), { status: 502 })
    }
    return httpApiResponse(result.value)
  }

  /** A presigned (or any) URL the API hands out, fetched as a browser would: it must point at the local S3. */
  async fetchUrl(url: string, init?: RequestInit): Promise<Response> {
    return fetch(url, init)
  }

  /** The DynamoDB Local endpoint itself (for the admin's CLI, which runs with the admin's credentials, not a role). */
  get dynamoDbLocal(): string {
    return this.dynamoEndpoint
  }

  tableName(): string {
    return [...this.tableNames.keys()][0]!
  }

  // -------------------------------------------------------------------------------------------
  // Checks and teardown
  // -------------------------------------------------------------------------------------------

  /** Every recorded call of a function against its role's policy. */
  checkIam(): { caller: string; service: string; action: string; resources: ResourceRequirement[]; allowed: boolean; denied: string[]; count: number }[] {
    const grouped = new Map<string, { caller: string; service: string; action: string; resources: ResourceRequirement[]; allowed: boolean; denied: string[]; count: number }>()
    for (const call of this.log.calls) {
      const fn = this.functions.find((candidate) => candidate.id === call.caller)
      if (!fn) continue
      const decision = evaluate(fn.statements, call.action, call.resources)
      const key = `${call.caller} ${call.action} ${decision.denied.join(',')}`
      const entry = grouped.get(key)
      if (entry) entry.count++
      else grouped.set(key, { caller: call.caller, service: call.service, action: call.action, resources: call.resources, allowed: decision.allowed, denied: decision.denied, count: 1 })
    }
    const results = [...grouped.values()]
    for (const result of results.filter((entry) => !entry.allowed)) {
      const fn = this.functions.find((candidate) => candidate.id === result.caller)
      this.problem('iam', fn, `${result.action} on ${result.denied.join(', ')} (${result.count}×, ${result.service}) is not allowed by role ${fn?.roleId ?? '?'}`)
    }
    // A call on a table, bucket or queue no template defines: the code fell back to a default name
    // (a variable its template does not set) or names a resource nobody creates.
    const known = new Set([
      ...this.tableNames.values(),
      ...this.assembly.resources('AWS::S3::Bucket').map(({ stack, id }) => this.assembly.attribute(stack, id, 'Arn')),
      ...[...this.sqs.queues.values()].map((queue) => queue.arn),
    ])
    for (const call of this.log.calls) {
      const fn = this.functions.find((candidate) => candidate.id === call.caller)
      if (!fn || !['dynamodb', 's3', 'sqs'].includes(call.service)) continue
      for (const resource of call.resources.filter((entry): entry is string => typeof entry === 'string' && entry !== '*')) {
        const owner = call.service === 's3' ? resource.split('/')[0]! : call.service === 'dynamodb' ? resource.replace(/\/(index|stream)\/.*$/, '') : resource
        if (known.has(owner)) continue
        const unset = [...fn.sandbox.unsetReads, ...this.knownVariables(fn)].filter((name) => name.startsWith('DOCKET_') && !(name in fn.environment))
        const suspects = unset.filter((name) => /TABLE|BUCKET|QUEUE/.test(name))
        this.problem(
          suspects.length > 0 ? 'missing-env' : 'wiring',
          fn,
          `${call.action} on ${owner}, which no template defines${suspects.length ? ` (its template does not set ${[...new Set(suspects)].join(', ')}: the code fell back to a default)` : ''}`,
        )
      }
    }
    for (const call of this.log.calls.filter((entry) => entry.caller.startsWith('(unknown') || entry.caller === '(unsigned)')) {
      this.problem('iam', undefined, `${call.action} was made with credentials no function has (${call.caller})`)
    }
    return results
  }

  /** The project's variables (DOCKET_…) the bundle mentions: what its settings parser may read. */
  knownVariables(fn: RehearsedFunction): string[] {
    const bundle = ['index.mjs', 'index.js', 'index.cjs'].map((file) => join(fn.sandbox.taskRoot, file)).find((file) => existsSync(file))
    return bundle ? [...new Set(readFileSync(bundle, 'utf8').match(/\bDOCKET_[A-Z0-9_]+\b/g) ?? [])] : []
  }

  problem(kind: ProblemKind, fn: RehearsedFunction | undefined, message: string): void {
    if (this.problems.some((problem) => problem.kind === kind && problem.function === fn?.id && problem.message === message)) return
    this.problems.push({ kind, ...(fn ? { function: fn.id } : {}), message })
  }

  async stop(keepWorkDir = false): Promise<void> {
    await Promise.all(this.functions.map((fn) => fn.sandbox.stop()))
    for (const stop of this.stops.reverse()) await stop().catch(() => undefined)
    if (!keepWorkDir) rmSync(this.workDir, { recursive: true, force: true })
  }
}

function tableInput(name: string, properties: Record<string, Json>): CreateTableCommandInput {
  const stream = properties.StreamSpecification as { StreamViewType?: string } | undefined
  const indexes = (properties.GlobalSecondaryIndexes ?? []) as Record<string, Json>[]
  const local = (properties.LocalSecondaryIndexes ?? []) as Record<string, Json>[]
  const projection = (index: Record<string, Json>) => index.Projection as CreateTableCommandInput['GlobalSecondaryIndexes'] extends (infer T)[] | undefined ? T extends { Projection?: infer P } ? P : never : never
  return {
    TableName: name,
    KeySchema: properties.KeySchema as CreateTableCommandInput['KeySchema'],
    AttributeDefinitions: properties.AttributeDefinitions as CreateTableCommandInput['AttributeDefinitions'],
    BillingMode: 'PAY_PER_REQUEST',
    ...(indexes.length ? { GlobalSecondaryIndexes: indexes.map((index) => ({ IndexName: String(index.IndexName), KeySchema: index.KeySchema as never, Projection: projection(index) })) } : {}),
    ...(local.length ? { LocalSecondaryIndexes: local.map((index) => ({ IndexName: String(index.IndexName), KeySchema: index.KeySchema as never, Projection: projection(index) })) } : {}),
    ...(stream?.StreamViewType ? { StreamSpecification: { StreamEnabled: true, StreamViewType: stream.StreamViewType as 'NEW_AND_OLD_IMAGES' } } : {}),
  }
}

function classify(error: InvocationError, output: string[]): ProblemKind {
  const text = `${error.message}\n${error.stack}\n${output.slice(-20).join('\n')}`
  if (error.kind === 'handler-name') return 'handler'
  if (error.kind === 'handler-module' || error.code === 'ERR_MODULE_NOT_FOUND' || /Cannot find (module|package)/.test(text)) return 'module'
  if (/\b[A-Z][A-Z0-9_]{2,} is not set\b|environment is not valid/.test(text)) return 'missing-env'
  if (/not valid|ZodError|Unexpected token|Cannot read properties of undefined/.test(error.message)) return 'event'
  return 'invocation'
}

function logTail(fn: RehearsedFunction): string {
  const lines = fn.sandbox.output.filter((line) => /"level":"(ERROR|WARN)"|Error|error/.test(line)).slice(-2)
  return lines.length ? `\n      log: ${lines.map((line) => line.slice(0, 600)).join('\n      log: ')}` : ''
}

/** The bundle's files as Lambda unpacks them (source maps included: they ship). */
function dirSize(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce((total, entry) => total + (entry.isDirectory() ? dirSize(join(dir, entry.name)) : statSync(join(dir, entry.name)).size), 0)
}
