import { z } from 'zod'

/** The scheduled jobs. EventBridge passes `{ "job": name }` as the rule's constant input. */
export const builtInJobs = ['pending', 'junk-cleanup', 'junk-purge', 'escalations'] as const

export const ScheduledJobEventSchema = z.object({
  job: z.string().min(1),
  /** For manual runs: the time the job should act as of. */
  now: z.iso.datetime().optional(),
  dryRun: z.boolean().default(false),
})
export type ScheduledJobEvent = z.infer<typeof ScheduledJobEventSchema>
