import type { AuditExportDeps } from '../audit/export-audit-day.ts'
import type { AgentStore } from '../auth/ports.ts'
import type { BlobStore } from '../blobs/ports.ts'
import type { DocketLogger } from '../platform/logger.ts'
import type { Page } from '../ticket/ports.ts'
import type { Ticket } from '../ticket/model.ts'
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
  /** Where an earlier slice of this run stopped (JobResult.next); absent: from the start. */
  cursor?: string
  /**
   * Milliseconds this slice may still spend (in Lambda: the time left minus a margin). A job checks
   * it between pages of tickets and stops with `next` when it runs out; it always finishes at least
   * one page, so every slice makes progress. Absent: no limit (`docket job run`, benchmarks).
   */
  timeLeftMs?: () => number
  /** Tickets per page (one budget check per page). @default 100 */
  pageSize?: number
}

/** One line per run, as `docket job run` prints it. */
export interface JobResult {
  job: string
  selected: number
  changed: number
  dryRun: boolean
  /** Ticket numbers selected (dry runs) or problems met, for the operator. */
  details?: string[]
  /** The slice stopped for time: run the job again with this cursor (and the same `now`) to go on. */
  next?: string
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

export const defaultJobPageSize = 100

/**
 * The paged loop of the jobs that read an index of due tickets (pending, escalations, Junk): a page
 * is read, its tickets handled (`limit` at a time), then the next, until the index has nothing more
 * or the slice's time runs out between two pages. `next` is then the store's cursor after the last
 * page handled: a position in the index, so the next slice neither repeats a ticket of a handled
 * page nor skips one behind it (tickets a handled page moved or deleted are behind the position).
 */
export async function handleDueInPages(
  run: JobRun,
  read: (cursor: string | undefined, limit: number) => Promise<Page<Ticket>>,
  handle: (ticket: Ticket) => Promise<boolean>,
  limit: number,
): Promise<{ selected: number; changed: number; next?: string }> {
  let selected = 0
  let changed = 0
  let cursor = run.cursor
  for (;;) {
    const page = await read(cursor, run.pageSize ?? defaultJobPageSize)
    selected += page.items.length
    await forEachLimited(page.items, limit, async (ticket) => {
      if (await handle(ticket)) changed++
    })
    if (!page.next) return { selected, changed }
    cursor = page.next
    if (run.timeLeftMs && run.timeLeftMs() <= 0) return { selected, changed, next: cursor }
  }
}

/** Every ticket of a paged read (dry runs list them all). */
export async function readAll(read: (cursor: string | undefined, limit: number) => Promise<Page<Ticket>>): Promise<Ticket[]> {
  const all: Ticket[] = []
  let cursor: string | undefined
  do {
    const page = await read(cursor, 500)
    all.push(...page.items)
    cursor = page.next ?? undefined
  } while (cursor)
  return all
}
