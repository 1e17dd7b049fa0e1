import { DateTime } from 'luxon'
import { stateTypes } from '../../schemas/config.ts'
import { firstStateOfType } from '../platform/config.ts'
import { historyEntry, nextVersion } from '../ticket/ticket-rules.ts'
import { changeTicket } from '../ticket/ticket-service.ts'
import { handleDueInPages, readAll, type Job, type JobDeps } from './job.ts'
import { purgeTicket } from './purge-ticket.ts'

/**
 * LizardNet's daily Junk script: tickets in the Junk queue created more than 24 hours ago become
 * "removed" (hidden from normal views, still in the status view). Only tickets still in Junk: one
 * moved out is never touched. Reads the Junk queue's index partitions up to the cut-off only, so
 * a run costs what is due, not what Junk holds.
 */
export function junkCleanupJob(schedule: string, afterHours: number): Job {
  return {
    name: 'junk-cleanup',
    schedule,
    description: `Junk tickets created more than ${afterHours} hours ago → removed`,
    async run(deps: JobDeps, run) {
      const { now, dryRun } = run
      const junk = deps.config.mail.spam?.queue
      if (!junk) return { job: 'junk-cleanup', selected: 0, changed: 0, dryRun, details: ['no spam queue is configured'] }
      const cutoff = new Date(now.getTime() - afterHours * 3_600_000).toISOString()
      const open = stateTypes.filter((type) => type !== 'removed' && type !== 'merged')
      const read = (cursor: string | undefined, limit: number) => deps.tickets.listByIndex(open.map((stateType) => ({ by: 'queue' as const, queue: junk, stateType, createdBefore: cutoff })), { order: 'asc', limit, cursor })
      if (dryRun) {
        const candidates = await readAll(read)
        return { job: 'junk-cleanup', selected: candidates.length, changed: 0, dryRun, details: candidates.map((ticket) => ticket.number) }
      }
      const removed = firstStateOfType(deps.config, 'removed')
      const outcome = await handleDueInPages(run, read, (selected) =>
        changeTicket(deps, selected.number, (ticket, at) => {
          if (ticket.queue !== junk || ticket.stateType === 'removed' || ticket.stateType === 'merged' || ticket.createdAt >= cutoff) return { change: null, result: false }
          const updated = nextVersion(ticket, at, { state: removed, stateType: 'removed', pendingUntil: null, lock: 'unlock' })
          return {
            change: { ticket: updated, expectedVersion: ticket.version, newArticles: [], messageIds: [], history: [historyEntry('StateUpdate', 'system', at, `Junk older than ${afterHours} hours: "${ticket.state}" → "${removed}"`, { state: { before: ticket.state, after: removed } })] },
            result: true,
          }
        }), 8)
      return { job: 'junk-cleanup', dryRun, ...outcome }
    },
  }
}

/**
 * LizardNet's weekly Junk script: Junk tickets removed a month ago or more are deleted for good,
 * with their articles, blobs, index and Message-ID entries; a tombstone stays in the audit log.
 */
export function junkPurgeJob(schedule: string, afterMonths: number): Job {
  return {
    name: 'junk-purge',
    schedule,
    description: `Junk tickets removed ${afterMonths} month(s) ago or more → deleted for good (tombstone kept)`,
    async run(deps: JobDeps, run) {
      const { now, dryRun } = run
      const junk = deps.config.mail.spam?.queue
      if (!junk) return { job: 'junk-purge', selected: 0, changed: 0, dryRun, details: ['no spam queue is configured'] }
      const cutoff = DateTime.fromJSDate(now, { zone: 'utc' }).minus({ months: afterMonths }).toISO()!
      // Removed tickets of other queues are read and passed over (the index holds every removed ticket).
      const read = async (cursor: string | undefined, limit: number) => {
        const page = await deps.tickets.listByIndex([{ by: 'removed-since', until: cutoff }], { order: 'asc', limit, cursor })
        return { ...page, items: page.items.filter((ticket) => ticket.queue === junk) }
      }
      if (dryRun) {
        const candidates = await readAll(read)
        return { job: 'junk-purge', selected: candidates.length, changed: 0, dryRun, details: candidates.map((ticket) => ticket.number) }
      }
      const outcome = await handleDueInPages(run, read, (ticket) => purgeTicket(deps, ticket.number, ticket.version, { by: 'junk-purge', reason: `Junk removed at ${ticket.removedAt}, ${afterMonths} month(s) or more ago`, at: deps.clock.now() }), 4)
      return { job: 'junk-purge', dryRun, ...outcome }
    },
  }
}
