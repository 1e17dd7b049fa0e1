import type { ScheduledJobEvent } from '../../schemas/jobs.ts'
import { findJob } from './catalog.ts'
import type { JobDeps, JobResult } from './job.ts'

/** One run of a job, as of the event's time (the schedule's firing time) or the clock. */
export async function runJob(deps: JobDeps, event: ScheduledJobEvent): Promise<JobResult> {
  const job = findJob(deps.config, event.job)
  const now = event.time ? new Date(event.time) : deps.clock.now()
  const started = Date.now()
  // The run decides as of `now` (what is due, how old, whom to tell); what it writes (history, change
  // and removal times, mails) carries the real time of the write, so `--now` in the future or past never
  // stamps a change with a time it did not happen at.
  const result = await job.run(deps, { now, dryRun: event.dryRun })
  deps.logger.info('job run', { ...result, details: undefined, asOf: now.toISOString(), ms: Date.now() - started })
  return result
}
