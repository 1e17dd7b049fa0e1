import { mailedAgents, prepareAgentMail } from '../mail/agent-mail.ts'
import { escalationMessage } from '../mail/agent-notification.ts'
import { escalationNames, escalationPolicyFor, reachedDeadlines } from '../ticket/escalation.ts'
import type { HistoryEntry } from '../ticket/model.ts'
import { describeChanges, historyEntry, nextVersion } from '../ticket/ticket-rules.ts'
import { changeTicket } from '../ticket/ticket-service.ts'
import { handleDueInPages, readAll, type Job } from './job.ts'
import { ownerOrQueueWatchers } from './notification-recipients.ts'

/**
 * Escalations against the SLAs of the queues (OTRS: the escalation events and notifications).
 * Reads the tickets with a deadline reached and not notified yet from the sparse due index (never
 * a scan). Per ticket one change, conditional on its version, that re-checks the deadlines on the
 * ticket as read and marks them notified: a second or overlapping run finds nothing left to do,
 * so each deadline gives one history entry, one mail and (when the SLA says so) one priority step.
 */
export function escalationsJob(schedule: string): Job {
  return {
    name: 'escalations',
    schedule,
    description: 'SLA escalations: notify the owner or the queue agents (and raise the priority) when a deadline is reached',
    async run(deps, run) {
      const { now, dryRun } = run
      const until = now.toISOString()
      const read = (cursor: string | undefined, limit: number) => deps.tickets.listByIndex([{ by: 'escalation-due', until }], { order: 'asc', limit, cursor })
      if (dryRun) {
        const due = await readAll(read)
        return { job: 'escalations', selected: due.length, changed: 0, dryRun, details: due.map((ticket) => `${ticket.number} ${reachedDeadlines(ticket.escalation, until).map(({ kind, due }) => `${escalationNames[kind].label} due ${due}`).join(', ')}`) }
      }
      const outcome = await handleDueInPages(run, read, (selected) =>
        changeTicket(deps, selected.number, async (ticket, at) => {
          const reached = reachedDeadlines(ticket.escalation, until)
          if (reached.length === 0 || !ticket.escalation) return { change: null, result: false }
          const raise = escalationPolicyFor(deps.config, ticket.queue)?.sla.raisePriority === true && ticket.priority < 5
          const notified = { ...ticket.escalation.notified, ...Object.fromEntries(reached.map(({ kind, due }) => [kind, due])) }
          const updated = nextVersion(ticket, at, { escalation: { ...ticket.escalation, notified }, ...(raise ? { priority: ticket.priority + 1 } : {}) })
          const recipients = await ownerOrQueueWatchers(deps, ticket, now)
          const message = escalationMessage(updated, ticket.escalation.sla, reached, raise ? updated.priority : null)
          const mails = await prepareAgentMail(deps, updated, recipients, message, at)
          const sentTo = mails.length > 0 ? `notified ${mailedAgents(mails)}` : 'no agent is available to be notified'
          const history: HistoryEntry[] = [
            ...reached.map(({ kind, due }) => historyEntry('Escalation', 'system', at, `${escalationNames[kind].otrs}: ${escalationNames[kind].label} of SLA "${ticket.escalation!.sla}" reached (due ${due}); ${sentTo}`)),
            ...describeChanges(ticket, updated, 'system', at),
          ]
          return { change: { ticket: updated, expectedVersion: ticket.version, newArticles: [], history, messageIds: [], outboundMails: mails }, result: true }
        }), 8)
      return { job: 'escalations', dryRun, ...outcome }
    },
  }
}
