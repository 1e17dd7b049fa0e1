import { Cron } from 'croner'
import { auditExportJob } from './audit-export-job.ts'
import type { DocketConfig } from '../platform/config.ts'
import { notFound } from '../platform/errors.ts'
import { escalationsJob } from './escalations-job.ts'
import { genericAgentJob } from './generic-agent-job.ts'
import type { Job } from './job.ts'
import { junkCleanupJob, junkPurgeJob } from './junk-jobs.ts'
import { pendingJob } from './pending-job.ts'

/**
 * Every job of this configuration: the built-ins (names kept: pending, junk-cleanup, junk-purge,
 * escalations, audit-export) and each GenericAgent job under its own name. EventBridge rules
 * (AWS) and the local scheduler are both made from this list, so they always agree.
 */
export function jobCatalog(config: DocketConfig): Job[] {
  const { jobs } = config
  return [
    pendingJob(jobs.pending.schedule),
    junkCleanupJob(jobs.junkCleanup.schedule, jobs.junkCleanup.afterHours),
    junkPurgeJob(jobs.junkPurge.schedule, jobs.junkPurge.afterMonths),
    escalationsJob(jobs.escalations.schedule),
    auditExportJob(jobs.auditExport.schedule),
    ...config.genericAgent.map(genericAgentJob),
  ]
}

export function findJob(config: DocketConfig, name: string): Job {
  const job = jobCatalog(config).find((candidate) => candidate.name === name)
  if (!job) throw notFound(`job "${name}" (known: ${jobCatalog(config).map((candidate) => candidate.name).join(', ')})`)
  return job
}

/** When a job runs next after `after` (UTC), or null for jobs run only by hand. */
export function nextRun(job: Job, after: Date): Date | null {
  if (!job.schedule) return null
  return new Cron(job.schedule, { timezone: 'UTC', paused: true }).nextRun(after)
}
