import * as z from 'zod'

/**
 * The scheduled jobs. EventBridge puts `{ job, time }` on the jobs queue; a run that needs more
 * than one function's time goes on in later slices, put on the same queue with a cursor. EventBridge passes `{ "job": name, "time": <the schedule's firing time> }`
 * (an input transformer over the Scheduled Event), so a run acts as of the time it was due, also
 * when it is retried later.
 */
export const builtInJobs = ['pending', 'junk-cleanup', 'junk-purge', 'escalations', 'audit-export'] as const

export const ScheduledJobEventSchema = z.object({
  job: z.string().min(1),
  /** The time the run acts as of: the schedule's firing time, or `--now` of a manual run. */
  time: z.iso.datetime({ offset: true }).optional(),
  dryRun: z.boolean().default(false),
  /** A later slice of a run that stopped for time: where the earlier slice stopped (JobResult.next). */
  cursor: z.string().min(1).max(10_000).optional(),
  /** Which slice of the run this is (1 for the scheduled one); for the logs. */
  slice: z.number().int().min(1).optional(),
})
export type ScheduledJobEvent = z.infer<typeof ScheduledJobEventSchema>

/** Deliveries of a job slice before it is dead-lettered: the jobs queue's maxReceiveCount in AWS, the local queue's too. */
export const jobsMaxReceiveCount = 3

/** The jobs function's time limit (Lambda, and the local jobs worker's): a slice stops well before it. */
export const jobsTimeoutSeconds = 30
