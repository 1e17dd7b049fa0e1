import { Duration } from 'aws-cdk-lib'
import { EventField, Rule, RuleTargetInput, Schedule } from 'aws-cdk-lib/aws-events'
import { LambdaFunction as LambdaTarget } from 'aws-cdk-lib/aws-events-targets'
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda'
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs'
import { Construct } from 'constructs'
import { createHash } from 'node:crypto'
import { eventBridgeCron } from '../../lib/jobs/event-bridge-cron.ts'
import { acknowledgeNag } from '../nag.ts'
import type { Job } from '../../lib/jobs/job.ts'

export interface SchedulesProps {
  /** The jobs function: gets `{ "job": name, "time": <the schedule's firing time> }`. */
  readonly handler: LambdaFunction
  /** Every job of the configuration (lib/jobs/catalog.ts); those with a schedule get a rule. */
  readonly jobs: readonly Job[]
  /** Retries of a failed invocation. @default 2 */
  readonly retryAttempts?: number
  /** Oldest event still delivered: a late run is pointless once the next one is due. @default 1 hour */
  readonly maxEventAge?: Duration
}

/** Stable construct ids: built-in names in PascalCase; GenericAgent names plus a short hash (names may hold anything). */
export function ruleId(name: string): string {
  const words = name.replace(/[^A-Za-z0-9]+/g, ' ').trim().split(' ').filter(Boolean)
  const pascal = words.map((word) => word[0]!.toUpperCase() + word.slice(1)).join('').slice(0, 60)
  return /^[a-z-]+$/.test(name) ? pascal : `${pascal}${createHash('sha256').update(name).digest('hex').slice(0, 6)}`
}

/**
 * The scheduled jobs: one EventBridge rule per scheduled job, made from the same list and the
 * same cron expressions as the local scheduler; undeliverable events kept in a DLQ.
 */
export class Schedules extends Construct {
  readonly rules: Record<string, Rule>
  readonly deadLetterQueue: Queue

  constructor(scope: Construct, id: string, props: SchedulesProps) {
    super(scope, id)
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', { encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true, retentionPeriod: Duration.days(14) })
    acknowledgeNag(this.deadLetterQueue, 'AwsSolutions-SQS3', 'This queue is the dead-letter queue of the schedule targets (events EventBridge could not deliver); it needs none of its own.')
    this.rules = {}
    for (const job of props.jobs) {
      if (!job.schedule) continue
      this.rules[job.name] = new Rule(this, ruleId(job.name), {
        description: `Docket job ${job.name}: ${job.description}`.slice(0, 512),
        schedule: Schedule.expression(eventBridgeCron(job.schedule)),
        targets: [
          new LambdaTarget(props.handler, {
            // The firing time goes along, so a retried run acts as of when it was due.
            event: RuleTargetInput.fromObject({ job: job.name, time: EventField.time }),
            retryAttempts: props.retryAttempts ?? 2,
            maxEventAge: props.maxEventAge ?? Duration.hours(1),
            deadLetterQueue: this.deadLetterQueue,
          }),
        ],
      })
    }
  }
}
