import { Cron } from 'croner'
import type { ScheduledJobEvent } from '../../schemas/jobs.ts'
import type { Job } from '../jobs/job.ts'
import type { DocketLogger } from '../platform/logger.ts'
import type { WorkQueue } from '../queue/ports.ts'
import type { Worker } from './queue-worker.ts'

/**
 * The local stand-in for EventBridge schedules: the same cron expressions (UTC) put the same
 * message EventBridge puts (`{ job, time }`) on the jobs queue, whose worker runs the jobs handler
 * as Lambda's event source does: slice by slice, failures retried and then dead-lettered
 * (`<data dir>/queues/jobs/dead`). Runs may overlap (the jobs are idempotent), as in AWS.
 */
export function startScheduler(jobs: Job[], queue: WorkQueue<ScheduledJobEvent>, logger: DocketLogger): Worker {
  const crons = jobs
    .filter((job) => job.schedule !== null)
    .map(
      (job) =>
        new Cron(job.schedule!, { timezone: 'UTC', name: job.name }, async (self: Cron) => {
          const time = (self.currentRun() ?? new Date()).toISOString()
          try {
            await queue.send({ job: job.name, time, dryRun: false })
          } catch (error) {
            logger.error('could not queue a scheduled job; it runs again at its next time', { job: job.name, error: error as Error })
          }
        }),
    )
  return {
    async stop() {
      crons.forEach((cron) => cron.stop())
    },
  }
}
