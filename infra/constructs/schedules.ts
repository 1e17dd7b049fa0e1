import { Duration } from 'aws-cdk-lib'
import { Rule, RuleTargetInput, Schedule, type CronOptions } from 'aws-cdk-lib/aws-events'
import { LambdaFunction as LambdaTarget } from 'aws-cdk-lib/aws-events-targets'
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda'
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs'
import { Construct } from 'constructs'
import type { builtInJobs } from '../../schemas/jobs.ts'

export type BuiltInJob = (typeof builtInJobs)[number]

interface JobSchedule {
  /** Stable construct id of the rule. */
  id: string
  description: string
  /** EventBridge cron, always UTC. */
  cron: CronOptions
}

/** When each job runs. `satisfies` makes a new built-in job fail to compile until it is scheduled here. */
export const jobSchedules = {
  pending: { id: 'Pending', description: 'Pending reminders and pending auto-close, every minute', cron: { minute: '*' } },
  'junk-cleanup': { id: 'JunkCleanup', description: 'Junk tickets older than 24 h → removed, daily 00:00 UTC', cron: { minute: '0', hour: '0' } },
  'junk-purge': { id: 'JunkPurge', description: 'Removed for a month → deleted for good, Sundays 00:00 UTC', cron: { minute: '0', hour: '0', weekDay: 'SUN' } },
  escalations: { id: 'Escalations', description: 'Escalations against SLAs, every 5 minutes', cron: { minute: '0/5' } },
} satisfies Record<BuiltInJob, JobSchedule>

export interface SchedulesProps {
  /** The jobs function: gets `{"job": name}` as its event. */
  readonly handler: LambdaFunction
  /** Retries of a failed invocation. @default 2 */
  readonly retryAttempts?: number
  /** Oldest event still delivered: a late run is pointless once the next one is due. @default 1 hour */
  readonly maxEventAge?: Duration
}

/** The scheduled jobs: one EventBridge rule per job, undeliverable events kept in a DLQ. */
export class Schedules extends Construct {
  readonly rules: Record<BuiltInJob, Rule>
  readonly deadLetterQueue: Queue

  constructor(scope: Construct, id: string, props: SchedulesProps) {
    super(scope, id)
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', { encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true, retentionPeriod: Duration.days(14) })
    const entries = Object.entries(jobSchedules) as [BuiltInJob, JobSchedule][]
    this.rules = Object.fromEntries(
      entries.map(([job, schedule]) => [
        job,
        new Rule(this, schedule.id, {
          description: `Docket job ${job}: ${schedule.description}`,
          schedule: Schedule.cron(schedule.cron),
          targets: [
            new LambdaTarget(props.handler, {
              event: RuleTargetInput.fromObject({ job }),
              retryAttempts: props.retryAttempts ?? 2,
              maxEventAge: props.maxEventAge ?? Duration.hours(1),
              deadLetterQueue: this.deadLetterQueue,
            }),
          ],
        }),
      ]),
    ) as Record<BuiltInJob, Rule>
  }
}
