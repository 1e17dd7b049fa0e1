import * as z from 'zod'

/**
 * The scheduled jobs. EventBridge passes `{ "job": name, "time": <the schedule's firing time> }`
 * (an input transformer over the Scheduled Event), so a run acts as of the time it was due, also
 * when it is retried later.
 */
export const builtInJobs = ['pending', 'junk-cleanup', 'junk-purge', 'escalations', 'audit-export'] as const

export const ScheduledJobEventSchema = z.object({
  job: z.string().min(1),
  /** The time the run acts as of: the schedule's firing time, or `--now` of a manual run. */
  time: z.iso.datetime({ offset: true }).optional(),
  dryRun: z.boolean().default(false),
})
export type ScheduledJobEvent = z.infer<typeof ScheduledJobEventSchema>
