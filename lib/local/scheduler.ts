import { Cron } from 'croner'
import type { Context } from 'aws-lambda'
import type { Job } from '../jobs/job.ts'
import type { DocketLogger } from '../platform/logger.ts'
import type { Worker } from './queue-worker.ts'

/**
 * The local stand-in for EventBridge schedules: the same cron expressions (UTC), firing the same
 * jobs handler with the event EventBridge would send (`{ job, time }`). A run still busy when the
 * next one is due is skipped (the jobs are idempotent either way). Stopping waits for the runs in
 * flight, so none is cut off by the store stopping after it.
 */
export function startScheduler(jobs: Job[], handler: (event: { job: string; time: string }, context: Context) => Promise<unknown>, context: (name: string) => Context, logger: DocketLogger): Worker {
  const running = new Set<Promise<unknown>>()
  const crons = jobs
    .filter((job) => job.schedule !== null)
    .map(
      (job) =>
        new Cron(job.schedule!, { timezone: 'UTC', protect: true, name: job.name }, async (self: Cron) => {
          const time = (self.currentRun() ?? new Date()).toISOString()
          const run = handler({ job: job.name, time }, context('jobs'))
          running.add(run)
          try {
            await run
          } catch (error) {
            logger.error('scheduled job failed; it runs again at its next time', { job: job.name, error: error as Error })
          } finally {
            running.delete(run)
          }
        }),
    )
  return {
    async stop() {
      crons.forEach((cron) => cron.stop())
      await Promise.allSettled([...running])
    },
  }
}
