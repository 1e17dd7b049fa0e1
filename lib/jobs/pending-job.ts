import { mailedAgents, prepareAgentMail } from '../mail/agent-mail.ts'
import { pendingReminderMessage } from '../mail/agent-notification.ts'
import { historyEntry, nextVersion, pendingDueAt, pendingReminderRepeatMs, resolveState } from '../ticket/ticket-rules.ts'
import { changeTicket } from '../ticket/ticket-service.ts'
import { handleDueInPages, readAll, type Job } from './job.ts'
import { ownerOrQueueWatchers } from './notification-recipients.ts'

/**
 * Pending tickets whose time has come, read from the sparse due index (never a scan): pending
 * auto close± become closed successful/unsuccessful; pending reminders remind the owner (or the
 * queue's agents) and again every 24 hours until someone acts. Each action is a change conditional
 * on the ticket's version and re-checks that the ticket is still due, so a second or overlapping
 * run does nothing twice.
 */
export function pendingJob(schedule: string): Job {
  return {
    name: 'pending',
    schedule,
    description: 'Pending reminders (every 24 h until handled) and pending auto close±, within a minute of the pending time',
    async run(deps, run) {
      const { now, dryRun } = run
      const read = (cursor: string | undefined, limit: number) => deps.tickets.listByIndex([{ by: 'pending-due', until: now.toISOString() }], { order: 'asc', limit, cursor })
      if (dryRun) {
        const due = await readAll(read)
        return { job: 'pending', selected: due.length, changed: 0, dryRun, details: due.map((ticket) => `${ticket.number} ${ticket.state} due ${pendingDueAt(ticket)}`) }
      }
      const outcome = await handleDueInPages(run, read, (selected) =>
        changeTicket(deps, selected.number, async (ticket, at) => {
          const dueAt = pendingDueAt(ticket)
          if (!dueAt || dueAt > now.toISOString()) return { change: null, result: false }
          if (ticket.stateType === 'pending auto') {
            const target = deps.config.states.find((state) => state.name === ticket.state)?.autoCloseTo
            if (!target) return { change: null, result: false }
            const { state, stateType } = resolveState(deps.config, target)
            const updated = nextVersion(ticket, at, { state, stateType, pendingUntil: null, reminder: null })
            const history = [historyEntry('StateUpdate', 'system', at, `Pending time ${ticket.pendingUntil} reached: "${ticket.state}" → "${state}"`, { state: { before: ticket.state, after: state } })]
            return { change: { ticket: updated, expectedVersion: ticket.version, newArticles: [], history, messageIds: [] }, result: true }
          }
          const count = ticket.reminder?.for === ticket.pendingUntil ? ticket.reminder.count + 1 : 1
          const recipients = await ownerOrQueueWatchers(deps, ticket, now)
          const mails = await prepareAgentMail(deps, ticket, recipients, pendingReminderMessage(ticket, count), at)
          const updated = nextVersion(ticket, at, { reminder: { for: ticket.pendingUntil!, count, nextAt: new Date(now.getTime() + pendingReminderRepeatMs).toISOString() } })
          const sent = mails.length > 0 ? `Pending reminder ${count} sent to ${mailedAgents(mails)}` : `Pending reminder ${count} due, but no agent is available to be reminded`
          const history = [historyEntry('SendAgentNotification', 'system', at, sent)]
          return { change: { ticket: updated, expectedVersion: ticket.version, newArticles: [], history, messageIds: [], outboundMails: mails }, result: true }
        }), 8)
      return { job: 'pending', dryRun, ...outcome }
    },
  }
}
