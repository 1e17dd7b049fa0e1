import { Aspects, CfnResource, Duration, Stack, type IAspect } from 'aws-cdk-lib'
import type { HttpStage } from 'aws-cdk-lib/aws-apigatewayv2'
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  Metric,
  TextWidget,
  TreatMissingData,
  type IMetric,
  type IWidget,
  type MetricOptions,
} from 'aws-cdk-lib/aws-cloudwatch'
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions'
import type { ITable } from 'aws-cdk-lib/aws-dynamodb'
import { CfnRule } from 'aws-cdk-lib/aws-events'
import { CfnEventInvokeConfig, CfnEventSourceMapping, CfnFunction } from 'aws-cdk-lib/aws-lambda'
import { CfnLogGroup, LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs'
import type { Domain } from 'aws-cdk-lib/aws-opensearchservice'
import { Topic } from 'aws-cdk-lib/aws-sns'
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions'
import { Queue } from 'aws-cdk-lib/aws-sqs'
import { Construct, type IConstruct } from 'constructs'
import { searchDriftMetric } from '../../schemas/search-maintenance.ts'

/**
 * Thresholds, named so a reader of an alarm finds why it fires. SES places an account under review
 * at a 5 % bounce rate or a 0.1 % complaint rate (SES Developer Guide, "Reputation metrics
 * messages"); the alarms fire at half of each, while there is time to act.
 */
export const alarmThresholds = {
  sesBounceRate: 0.025,
  sesComplaintRate: 0.0005,
  /** API 5xx answers per 5 minutes. */
  api5xxPer5Minutes: 5,
  /** A work queue's oldest message: mail waiting this long is not being processed. */
  queueOldestMessageSeconds: 30 * 60,
  /** A stream consumer this far behind the table. */
  streamIteratorAgeMs: 10 * 60 * 1000,
  /** Free storage of an OpenSearch node, as a share of its volume. */
  searchFreeStorageShare: 0.2,
}

export interface OperationsProps {
  /** Alarm mails go here (an SNS email subscription: AWS mails a confirmation link first). @default no subscription */
  readonly alarmEmail?: string
  /** Retention of every log group in the stack that has none (and of the ones this construct creates). */
  readonly logRetention: RetentionDays
  /** CloudWatch dashboard name. */
  readonly dashboardName: string
  /** The API stage: 5xx alarm, 4xx/5xx/latency on the dashboard. */
  readonly apiStage?: HttpStage
  /** The table: request throttles and consumed capacity on the dashboard. */
  readonly table?: ITable
  /** The search domain: status, storage and write-block alarms. */
  readonly searchDomain?: Domain
  /** The search domain's volume per node, GiB (for the free-storage alarm). @default 10 */
  readonly searchVolumeGiB?: number
}

/**
 * Alarms, the alarm topic and the dashboard. It finds what to watch in its stack rather than being
 * told: every Lambda function (errors, throttles; iterator age when it reads a stream), every SQS
 * queue that is a dead-letter queue anywhere (a redrive target, a stream's or an EventBridge
 * target's on-failure destination: one message is an alarm) and every other queue (age of the
 * oldest message). So a construct added later is watched without touching this file, as long as
 * Operations is created last in the stack. Plus SES reputation, API 5xx, search health, and an
 * aspect that gives every log group and every Lambda function of the stack a retention.
 */
export class Operations extends Construct {
  readonly topic: Topic
  readonly dashboard: Dashboard
  readonly alarms: Alarm[] = []
  private readonly action: SnsAction

  constructor(scope: Construct, id: string, props: OperationsProps) {
    super(scope, id)
    const stack = Stack.of(this)
    Aspects.of(stack).add(new LogRetentionEverywhere(props.logRetention))

    this.topic = new Topic(this, 'AlarmTopic', { displayName: `Docket alarms (${stack.stackName})`, enforceSSL: true })
    // Not KMS-encrypted: alarm notifications carry alarm names and metric values, nothing from
    // tickets, and CloudWatch cannot publish to a topic encrypted with the AWS managed SNS key.
    if (props.alarmEmail) this.topic.addSubscription(new EmailSubscription(props.alarmEmail))
    this.action = new SnsAction(this.topic)

    // Every function resource, CDK's own handlers (some of which are plain CfnResources) included.
    const functions = findAll(stack, (node): node is CfnResource => node instanceof CfnResource && node.cfnResourceType === 'AWS::Lambda::Function').map(
      (resource) => new WatchedFunction(label(stack, resource.node.scope ?? resource), resource.ref),
    )
    const queues = findAll(stack, (node): node is Queue => node instanceof Queue)
    const deadLetterArns = deadLetterQueueArns(stack, queues)
    const isDeadLetterQueue = (queue: Queue) => deadLetterArns.has(JSON.stringify(stack.resolve(queue.queueArn)))
    const deadLetterQueues = queues.filter(isDeadLetterQueue)
    const workQueues = queues.filter((queue) => !isDeadLetterQueue(queue))
    const streamConsumers = functions.filter((fn) => readsStream(stack, fn.functionName))
    const fiveMinutes = Duration.minutes(5)

    for (const fn of functions) {
      const name = fn.label
      this.alarm(`${name}Errors`, fn.metricErrors({ period: fiveMinutes, statistic: 'Sum' }), 1, `${name} failed (unhandled error or timeout). See its log group for the error with its ticket number.`)
      this.alarm(`${name}Throttles`, fn.metricThrottles({ period: fiveMinutes, statistic: 'Sum' }), 1, `${name} was throttled: the account's concurrency limit was reached. Work waits in its queue or is retried.`)
    }
    for (const fn of streamConsumers) {
      const name = fn.label
      this.alarm(
        `${name}IteratorAge`,
        fn.metric('IteratorAge', { period: fiveMinutes, statistic: 'Maximum' }),
        alarmThresholds.streamIteratorAgeMs,
        `${name} is more than 10 minutes behind the table stream (records expire after 24 hours). Check its errors and its dead-letter queue.`,
      )
    }
    for (const queue of deadLetterQueues) {
      const name = label(stack, queue)
      this.alarm(
        `${name}NotEmpty`,
        queue.metricApproximateNumberOfMessagesVisible({ period: fiveMinutes, statistic: 'Maximum' }),
        1,
        `${name} holds messages that failed every retry. Inspect them in the SQS console; replay inbound mail with \`docket mail replay\`, redrive others after fixing the cause.`,
      )
    }
    for (const queue of workQueues) {
      const name = label(stack, queue)
      this.alarm(
        `${name}OldestMessage`,
        queue.metricApproximateAgeOfOldestMessage({ period: fiveMinutes, statistic: 'Maximum' }),
        alarmThresholds.queueOldestMessageSeconds,
        `A message has waited in ${name} for 30 minutes: its consumer is failing, throttled or stopped.`,
      )
    }

    const ses = (metricName: string, statistic = 'Sum', period = fiveMinutes) => new Metric({ namespace: 'AWS/SES', metricName, statistic, period })
    this.alarm('SesBounceRate', ses('Reputation.BounceRate', 'Maximum', Duration.minutes(15)), alarmThresholds.sesBounceRate, 'SES bounce rate at 2.5 %: SES reviews an account at 5 %. Look at the Bounces queue for the addresses that bounce.')
    this.alarm('SesComplaintRate', ses('Reputation.ComplaintRate', 'Maximum', Duration.minutes(15)), alarmThresholds.sesComplaintRate, 'SES complaint rate at 0.05 %: SES reviews an account at 0.1 %. Check auto-responses and notifications going to people who did not ask for them.')

    if (props.apiStage) {
      this.alarm('Api5xx', props.apiStage.metricServerError({ period: fiveMinutes, statistic: 'Sum' }), alarmThresholds.api5xxPer5Minutes, 'The agent API answered 5xx at least 5 times in 5 minutes. See the api function\u2019s errors and the API access logs.')
    }
    if (props.searchDomain) {
      const domain = props.searchDomain
      this.alarm('SearchClusterRed', domain.metricClusterStatusRed({ period: Duration.minutes(1), statistic: 'Maximum' }), 1, 'An OpenSearch primary shard is unassigned: searches fail or miss tickets. `docket search reindex` rebuilds the index from the table.')
      this.alarm('SearchWritesBlocked', domain.metricClusterIndexWritesBlocked({ period: fiveMinutes, statistic: 'Maximum' }), 1, 'OpenSearch blocks writes (usually a full disk): the index falls behind. Grow -c searchVolumeGiB.')
      this.alarm(
        'SearchDrift',
        new Metric({ namespace: searchDriftMetric.namespace, metricName: searchDriftMetric.name, statistic: 'Maximum', period: Duration.days(1) }),
        1,
        'The weekly search drift check found tickets missing from the index, stale or orphaned (and repaired them). Drift means the indexer lost changes: check its errors, its dead-letter queue and the IteratorAge alarm.',
      )
      const freeStorageMiB = (props.searchVolumeGiB ?? 10) * 1024 * alarmThresholds.searchFreeStorageShare
      this.alarm('SearchFreeStorage', domain.metricFreeStorageSpace({ period: fiveMinutes, statistic: 'Minimum' }), freeStorageMiB, 'An OpenSearch node has less than 20 % of its volume free. Grow -c searchVolumeGiB before writes are blocked.', ComparisonOperator.LESS_THAN_OR_EQUAL_TO_THRESHOLD)
    }

    this.dashboard = new Dashboard(this, 'Dashboard', { dashboardName: props.dashboardName, defaultInterval: Duration.hours(6) })
    const graph = (title: string, left: IMetric[], right: IMetric[] = [], width = 12) => new GraphWidget({ title, left, right, width, height: 6 })
    const byFunction = (metric: (fn: WatchedFunction) => IMetric) => functions.map(metric)
    const rows: IWidget[][] = [
      [new TextWidget({ markdown: `# Docket \u2013 ${stack.stackName}\nAlarms go to the SNS topic \`${this.topic.node.path}\`${props.alarmEmail ? ` (mailed to ${props.alarmEmail})` : ''}.`, width: 24, height: 2 })],
      [
        graph(
          'Work queues: messages waiting (left), oldest message age in s (right)',
          workQueues.map((queue) => queue.metricApproximateNumberOfMessagesVisible({ label: label(stack, queue), statistic: 'Maximum', period: fiveMinutes })),
          workQueues.map((queue) => queue.metricApproximateAgeOfOldestMessage({ label: `${label(stack, queue)} age`, statistic: 'Maximum', period: fiveMinutes })),
        ),
        graph('Dead-letter queues: messages', deadLetterQueues.map((queue) => queue.metricApproximateNumberOfMessagesVisible({ label: label(stack, queue), statistic: 'Maximum', period: fiveMinutes }))),
      ],
      [
        graph('Lambda errors (left) and throttles (right)', byFunction((fn) => fn.metricErrors({ label: fn.label, period: fiveMinutes })), byFunction((fn) => fn.metricThrottles({ label: `${fn.label} throttles`, period: fiveMinutes }))),
        graph('Lambda duration p95 (ms)', byFunction((fn) => fn.metricDuration({ label: fn.label, statistic: 'p95', period: fiveMinutes }))),
      ],
      ...(props.apiStage
        ? [
            [
              graph('API requests (left), 4xx and 5xx (right)', [props.apiStage.metricCount({ label: 'requests', period: fiveMinutes, statistic: 'Sum' })], [
                props.apiStage.metricClientError({ label: '4xx', period: fiveMinutes, statistic: 'Sum' }),
                props.apiStage.metricServerError({ label: '5xx', period: fiveMinutes, statistic: 'Sum' }),
              ]),
              graph('API latency (ms)', [
                props.apiStage.metricLatency({ label: 'p50', statistic: 'p50', period: fiveMinutes }),
                props.apiStage.metricLatency({ label: 'p95', statistic: 'p95', period: fiveMinutes }),
                props.apiStage.metricIntegrationLatency({ label: 'integration p95', statistic: 'p95', period: fiveMinutes }),
              ]),
            ],
          ]
        : []),
      [
        graph('SES: sent, delivered, bounced, complained, rejected', ['Send', 'Delivery', 'Bounce', 'Complaint', 'Reject'].map((name) => ses(name))),
        graph('SES reputation (bounce and complaint rate)', [ses('Reputation.BounceRate', 'Maximum', Duration.minutes(15)), ses('Reputation.ComplaintRate', 'Maximum', Duration.minutes(15))]),
      ],
      ...(props.table || props.searchDomain
        ? [
            [
              ...(props.table
                ? [
                    graph(
                      'DynamoDB: consumed read/write units (left), throttled requests (right)',
                      [props.table.metricConsumedReadCapacityUnits({ period: fiveMinutes }), props.table.metricConsumedWriteCapacityUnits({ period: fiveMinutes })],
                      [props.table.metricThrottledRequestsForOperations({ period: fiveMinutes })],
                    ),
                  ]
                : []),
              ...(props.searchDomain
                ? [
                    graph(
                      'OpenSearch: free storage MiB (left), CPU % and JVM pressure % (right)',
                      [props.searchDomain.metricFreeStorageSpace({ period: fiveMinutes })],
                      [props.searchDomain.metricCPUUtilization({ period: fiveMinutes }), props.searchDomain.metricJVMMemoryPressure({ period: fiveMinutes })],
                    ),
                  ]
                : []),
            ],
          ]
        : []),
      [new AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24, height: Math.max(3, Math.ceil(this.alarms.length / 4) + 1) })],
    ]
    for (const row of rows) this.dashboard.addWidgets(...row)
  }

  private alarm(id: string, metric: IMetric, threshold: number, description: string, comparisonOperator = ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD): Alarm {
    const alarm = new Alarm(this, id, {
      alarmDescription: description,
      metric,
      threshold,
      comparisonOperator,
      evaluationPeriods: 1,
      // No data means nothing happened (no errors, no bounces yet, an empty queue).
      treatMissingData: TreatMissingData.NOT_BREACHING,
    })
    alarm.addAlarmAction(this.action)
    alarm.addOkAction(this.action)
    this.alarms.push(alarm)
    return alarm
  }
}

function findAll<T extends IConstruct>(stack: Stack, is: (node: IConstruct) => node is T): T[] {
  return stack.node.findAll().filter(is)
}

/** A readable, id-safe name from the construct path inside the stack: Functions/Api → FunctionsApi. */
function label(stack: Stack, construct: IConstruct): string {
  const path = construct.node.path.slice(stack.node.path.length + 1)
  return path
    .split('/')
    .filter((part) => part !== 'Resource' && part !== 'Queue')
    .map((part) => part.replace(/[^A-Za-z0-9]/g, ''))
    .join('')
    .slice(0, 200)
}

/**
 * ARNs (resolved, as JSON) of every queue used as a dead-letter queue in the stack: redrive
 * targets of other queues, on-failure destinations of event source mappings and of asynchronous
 * invocations, and dead-letter queues of EventBridge targets.
 */
function deadLetterQueueArns(stack: Stack, queues: Queue[]): Set<string> {
  const arns: unknown[] = []
  for (const queue of queues) if (queue.deadLetterQueue) arns.push(queue.deadLetterQueue.queue.queueArn)
  for (const node of stack.node.findAll()) {
    if (node instanceof CfnEventSourceMapping) arns.push(resolved(stack, node.destinationConfig)?.onFailure?.destination)
    if (node instanceof CfnEventInvokeConfig) arns.push(resolved(stack, node.destinationConfig)?.onFailure?.destination)
    if (node instanceof CfnRule) {
      const targets = (stack.resolve(node.targets) ?? []) as { deadLetterConfig?: { arn?: unknown } }[]
      for (const target of targets) arns.push(target.deadLetterConfig?.arn)
    }
  }
  return new Set(arns.filter((arn) => arn !== undefined).map((arn) => JSON.stringify(stack.resolve(arn))))
}

function resolved(stack: Stack, value: unknown): { onFailure?: { destination?: unknown } } | undefined {
  return stack.resolve(value) as { onFailure?: { destination?: unknown } } | undefined
}

/** A function resource and its AWS/Lambda metrics (built from the resource, so CDK's L1-only handlers are covered). */
class WatchedFunction {
  readonly label: string
  readonly functionName: string

  constructor(label: string, functionName: string) {
    this.label = label
    this.functionName = functionName
  }

  metric(metricName: string, props: MetricOptions = {}): Metric {
    return new Metric({ namespace: 'AWS/Lambda', metricName, dimensionsMap: { FunctionName: this.functionName }, statistic: 'Sum', ...props })
  }

  metricErrors(props: MetricOptions = {}): Metric {
    return this.metric('Errors', props)
  }

  metricThrottles(props: MetricOptions = {}): Metric {
    return this.metric('Throttles', props)
  }

  metricDuration(props: MetricOptions = {}): Metric {
    return this.metric('Duration', { statistic: 'Average', ...props })
  }
}

/** Whether a function has an event source mapping with a starting position (a DynamoDB or Kinesis stream). */
function readsStream(stack: Stack, functionName: string): boolean {
  const functionRef = JSON.stringify(stack.resolve(functionName))
  return stack.node
    .findAll()
    .some((node) => node instanceof CfnEventSourceMapping && node.startingPosition !== undefined && JSON.stringify(stack.resolve(node.functionName)) === functionRef)
}

/**
 * Every log group of the stack gets a retention, and every Lambda function a log group with one:
 * functions CDK creates for itself (bucket notifications, auto-delete) otherwise log to a group
 * Lambda creates on first use, kept forever.
 */
export class LogRetentionEverywhere implements IAspect {
  private readonly retention: RetentionDays

  constructor(retention: RetentionDays) {
    this.retention = retention
  }

  visit(node: IConstruct): void {
    if (node instanceof CfnLogGroup) {
      if (node.retentionInDays === undefined) node.retentionInDays = this.retention
    } else if (node instanceof CfnFunction) {
      if (Stack.of(node).resolve(node.loggingConfig) === undefined) node.loggingConfig = { logGroup: this.logGroupFor(node).logGroupName }
    } else if (node instanceof CfnResource && node.cfnResourceType === 'AWS::Lambda::Function') {
      // CDK's own handlers written as plain resources; none of them sets a logging config.
      node.addPropertyOverride('LoggingConfig.LogGroup', this.logGroupFor(node).logGroupName)
    }
  }

  /** The same log group however often the aspect runs (each synthesis runs it again). */
  private logGroupFor(fn: CfnResource): LogGroup {
    const scope = fn.node.scope ?? Stack.of(fn)
    const id = `${fn.node.id}LogGroup`
    return (scope.node.tryFindChild(id) as LogGroup | undefined) ?? new LogGroup(scope, id, { retention: this.retention })
  }
}
