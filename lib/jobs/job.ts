import type { AuditExportDeps } from '../audit/export-audit-day.ts'
import type { AgentStore } from '../auth/ports.ts'
import type { BlobStore } from '../blobs/ports.ts'
import type { DocketLogger } from '../platform/logger.ts'
import type { TicketActionDeps } from '../ticket/ticket-actions.ts'

/** What a job needs: the ticket services, the blob stores (purges), agents' preferences (notifications), the audit trail and archive (audit export). */
export interface JobDeps extends TicketActionDeps, AuditExportDeps {
  rawMail: BlobStore
  agents: AgentStore
  logger: DocketLogger
}

export interface JobRun {
  /** The time the run acts as of: the schedule's firing time, or `--now`. */
  now: Date
  /** Select and count, change nothing (GenericAgent's preview). */
  dryRun: boolean
}

/** One line per run, as `docket job run` prints it. */
export interface JobResult {
  job: string
  selected: number
  changed: number
  dryRun: boolean
  /** Ticket numbers selected (dry runs) or problems met, for the operator. */
  details?: string[]
}

export interface Job {
  name: string
  /** Cron, 5 fields, UTC; null: only by hand. */
  schedule: string | null
  description: string
  run(deps: JobDeps, run: JobRun): Promise<JobResult>
}

/** Runs `work` over items, a few at a time (the store takes parallel transactions well). */
export async function forEachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await work(items[next++]!)
    }),
  )
}
