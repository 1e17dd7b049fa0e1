import type { ScheduledJobEvent } from '../../schemas/jobs.ts'
import type { WorkQueue } from '../queue/ports.ts'
import { findJob } from './catalog.ts'
import type { JobDeps, JobResult } from './job.ts'

export interface RunOptions {
  /** The slice's time left (ms); see JobRun.timeLeftMs. @default no limit: the whole run at once */
  timeLeftMs?: () => number
  /** Tickets per page. @default 100 */
  pageSize?: number
}

/** One run of a job, as of the event's time (the schedule's firing time) or the clock; from the event's cursor when it is a later slice. */
export async function runJob(deps: JobDeps, event: ScheduledJobEvent, options: RunOptions = {}): Promise<JobResult> {
  const job = findJob(deps.config, event.job)
  const now = event.time ? new Date(event.time) : deps.clock.now()
  const started = Date.now()
  // The run decides as of `now` (what is due, how old, whom to tell); what it writes (history, change
  // and removal times, mails) carries the real time of the write, so `--now` in the future or past never
  // stamps a change with a time it did not happen at.
  const result = await job.run(deps, {
    now,
    dryRun: event.dryRun,
    ...(event.cursor !== undefined ? { cursor: event.cursor } : {}),
    ...(options.timeLeftMs ? { timeLeftMs: options.timeLeftMs } : {}),
    ...(options.pageSize ? { pageSize: options.pageSize } : {}),
  })
  deps.logger.info('job run', { ...result, details: undefined, slice: event.slice ?? 1, asOf: now.toISOString(), ms: Date.now() - started })
  return result
}

/**
 * One slice of a scheduled run, within the time the function has (the jobs function, in Lambda
 * and locally): when the job stops for time, the rest of the run goes on the jobs queue as the next
 * slice, with the cursor and the same `time`, so it decides as of the same moment and goes on
 * where this slice stopped. A slice that fails is retried by the queue, then dead-lettered.
 */
export async function runJobSlice(deps: JobDeps & { jobQueue: WorkQueue<ScheduledJobEvent> }, event: ScheduledJobEvent, options: RunOptions = {}): Promise<JobResult> {
  const pinned: ScheduledJobEvent = { ...event, time: event.time ?? deps.clock.now().toISOString() }
  const result = await runJob(deps, pinned, options)
  if (result.next !== undefined) await deps.jobQueue.send({ job: pinned.job, time: pinned.time, dryRun: pinned.dryRun, cursor: result.next, slice: (pinned.slice ?? 1) + 1 })
  return result
}
