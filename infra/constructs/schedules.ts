import { Duration } from 'aws-cdk-lib'
import { EventField, Rule, RuleTargetInput, Schedule } from 'aws-cdk-lib/aws-events'
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets'
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda'
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources'
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs'
import { Construct } from 'constructs'
import { createHash } from 'node:crypto'
import { eventBridgeCron } from '../../lib/jobs/event-bridge-cron.ts'
import { jobsMaxReceiveCount } from '../../schemas/jobs.ts'
import { acknowledgeNag } from '../nag.ts'
import type { Job } from '../../lib/jobs/job.ts'
import { WorkQueue } from './work-queue.ts'

export interface SchedulesProps {
  /** The jobs function: consumes the jobs queue (`{ "job": name, "time": <the schedule's firing time>, "cursor"? }`). */
  readonly handler: LambdaFunction
  /** Every job of the configuration (lib/jobs/catalog.ts); those with a schedule get a rule. */
  readonly jobs: readonly Job[]
  /** Retries of an event EventBridge could not put on the queue. @default 2 */
  readonly retryAttempts?: number
  /** Oldest event still delivered: a late run is pointless once the next one is due. @default 1 hour */
  readonly maxEventAge?: Duration
  /** Job slices run at once at most (the event source's maximum concurrency; 2 is Lambda's least). @default 2 */
  readonly maxConcurrency?: number
}

/** Stable construct ids: built-in names in PascalCase; GenericAgent names plus a short hash (names may hold anything). */
export function ruleId(name: string): string {
  const words = name.replace(/[^A-Za-z0-9]+/g, ' ').trim().split(' ').filter(Boolean)
  const pascal = words.map((word) => word[0]!.toUpperCase() + word.slice(1)).join('').slice(0, 60)
  return /^[a-z-]+$/.test(name) ? pascal : `${pascal}${createHash('sha256').update(name).digest('hex').slice(0, 6)}`
}

/**
 * The scheduled jobs: one EventBridge rule per scheduled job, made from the same list and the
 * same cron expressions as the local scheduler, putting `{ job, time }` on the jobs queue. The jobs
 * function works the queue one slice at a time, within its timeout; a run that needs longer puts
 * its next slice (with a cursor) on the same queue, which needs the function to send to it. A
 * slice that fails `jobsMaxReceiveCount` times lands in the jobs dead-letter queue, which the
 * Operations construct alarms on (one message). Events EventBridge could not deliver at all go to
 * a dead-letter queue of their own.
 */
export class Schedules extends Construct {
  readonly rules: Record<string, Rule>
  /** Scheduled runs and their later slices. */
  readonly queue: WorkQueue
  /** Events EventBridge could not put on the jobs queue. */
  readonly deadLetterQueue: Queue

  constructor(scope: Construct, id: string, props: SchedulesProps) {
    super(scope, id)
    this.queue = new WorkQueue(this, 'Jobs', { consumerTimeout: props.handler.timeout ?? Duration.seconds(30), maxReceiveCount: jobsMaxReceiveCount })
    props.handler.addEventSource(new SqsEventSource(this.queue.queue, { batchSize: 1, reportBatchItemFailures: true, maxConcurrency: props.maxConcurrency ?? 2 }))
    this.queue.queue.grantSendMessages(props.handler)
    props.handler.addEnvironment('DOCKET_JOBS_QUEUE_URL', this.queue.queue.queueUrl)
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', { encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true, retentionPeriod: Duration.days(14) })
    acknowledgeNag(this.deadLetterQueue, 'AwsSolutions-SQS3', 'This queue is the dead-letter queue of the schedule targets (events EventBridge could not deliver); it needs none of its own.')
    this.rules = {}
    for (const job of props.jobs) {
      if (!job.schedule) continue
      this.rules[job.name] = new Rule(this, ruleId(job.name), {
        description: `Docket job ${job.name}: ${job.description}`.slice(0, 512),
        schedule: Schedule.expression(eventBridgeCron(job.schedule)),
        targets: [
          new SqsQueue(this.queue.queue, {
            // The firing time goes along, so a retried run, and every later slice, acts as of when it was due.
            message: RuleTargetInput.fromObject({ job: job.name, time: EventField.time }),
            retryAttempts: props.retryAttempts ?? 2,
            maxEventAge: props.maxEventAge ?? Duration.hours(1),
            deadLetterQueue: this.deadLetterQueue,
          }),
        ],
      })
    }
  }
}
