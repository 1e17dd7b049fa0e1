import type { Job } from './job.ts'

/** Escalations against SLAs (issue 5, point 4). Placeholder until SLAs and calendars land: selects nothing. */
export function escalationsJob(schedule: string): Job {
  return {
    name: 'escalations',
    schedule,
    description: 'Escalations against the SLAs of the queues',
    async run(_deps, { dryRun }) {
      return { job: 'escalations', selected: 0, changed: 0, dryRun, details: ['no SLAs are configured'] }
    },
  }
}
