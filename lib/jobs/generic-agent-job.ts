import { DateTime } from 'luxon'
import type { AgentConfig, DocketConfig, StateType } from '../../schemas/config.ts'
import { stateTypes } from '../../schemas/config.ts'
import type { AgentIdentity } from '../auth/auth-service.ts'
import { queueReaders } from '../auth/permissions.ts'
import { loadEffectivePreferences } from '../auth/preferences.ts'
import { mailedAgents, prepareAgentMail } from '../mail/agent-mail.ts'
import { renderTemplate } from '../mail/render-template.ts'
import { stateTypeOf } from '../platform/config.ts'
import type { Ticket, TicketThread } from '../ticket/model.ts'
import { updateTicket } from '../ticket/ticket-actions.ts'
import type { TicketPatch } from '../ticket/ticket-patch.ts'
import { historyEntry, nextVersion } from '../ticket/ticket-rules.ts'
import { changeTicket } from '../ticket/ticket-service.ts'
import type { Job, JobDeps, JobResult } from './job.ts'
import { purgeTicket } from './purge-ticket.ts'

type GenericAgentConfig = DocketConfig['genericAgent'][number]
type Selection = GenericAgentConfig['select']

/** OTRS search patterns: "*" matches anything, the rest literally, case-insensitive, the whole value. */
export function globMatcher(pattern: string): (value: string) => boolean {
  const source = pattern.split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')
  const regex = new RegExp(`^${source}$`, 'isu')
  return (value) => regex.test(value)
}

/** "6 months" → that long before `now`; an ISO date/time as it is. */
export function resolveTimeBound(bound: string, now: Date): string {
  const duration = /^(\d+)\s*(minute|hour|day|week|month|year)s?$/i.exec(bound.trim())
  if (!duration) return new Date(bound).toISOString()
  const unit = `${duration[2]!.toLowerCase()}s` as 'minutes' | 'hours' | 'days' | 'weeks' | 'months' | 'years'
  return DateTime.fromJSDate(now, { zone: 'utc' }).minus({ [unit]: Number(duration[1]) }).toISO()!
}

/** The cheap conditions, on the ticket item alone (no articles read). */
export function matchesTicket(selection: Selection, ticket: Ticket, now: Date): boolean {
  const within = (value: string | null | undefined, before?: string, after?: string) =>
    (!before && !after) || (!!value && (!before || value < resolveTimeBound(before, now)) && (!after || value > resolveTimeBound(after, now)))
  return (
    (!selection.ticketNumber || globMatcher(selection.ticketNumber)(ticket.number)) &&
    (!selection.queues || selection.queues.includes(ticket.queue)) &&
    (!selection.states || selection.states.includes(ticket.state)) &&
    (!selection.stateTypes || selection.stateTypes.includes(ticket.stateType)) &&
    (!selection.priorities || selection.priorities.includes(ticket.priority)) &&
    (!selection.owners || (ticket.owner !== null && selection.owners.includes(ticket.owner))) &&
    (!selection.lock || selection.lock === ticket.lock) &&
    (!selection.title || globMatcher(selection.title)(ticket.title)) &&
    within(ticket.createdAt, selection.createdBefore, selection.createdAfter) &&
    within(ticket.changedAt, selection.changedBefore, selection.changedAfter) &&
    within(ticket.closedAt, selection.closedBefore, selection.closedAfter) &&
    within(ticket.pendingUntil, selection.pendingBefore, selection.pendingAfter)
  )
}

/** The article conditions (subject, body, from): any article of the ticket matching is enough. */
export function matchesThread(selection: Selection, thread: TicketThread): boolean {
  const subject = selection.subject ? globMatcher(selection.subject) : undefined
  const body = selection.body ? globMatcher(selection.body) : undefined
  const from = selection.from ? globMatcher(selection.from) : undefined
  return (
    (!subject || thread.articles.some((article) => subject(article.subject))) &&
    (!body || thread.articles.some((article) => body(article.bodyText))) &&
    (!from || thread.articles.some((article) => from(article.from)))
  )
}

/** Index partitions that can hold matching tickets: the selected queues × the selected state types. */
function partitions(config: DocketConfig, selection: Selection): { queue: string; stateType: StateType }[] {
  const queues = selection.queues ?? config.queues.map((queue) => queue.name)
  const types = selection.stateTypes ?? (selection.states ? [...new Set(selection.states.map((state) => stateTypeOf(config, state)!))] : [...stateTypes])
  return queues.flatMap((queue) => types.map((stateType) => ({ queue, stateType })))
}

function systemIdentity(config: DocketConfig, job: GenericAgentConfig): AgentIdentity {
  const agent: AgentConfig = { login: 'system', firstName: 'GenericAgent', lastName: job.name, email: config.mail.addresses[0]!.address, roles: [], admin: true, enabled: true, notifications: { newTicket: false, followUp: false } }
  return { login: 'system', agent, sessionId: 'generic-agent' }
}

async function recipients(deps: JobDeps, job: GenericAgentConfig, ticket: Ticket): Promise<AgentConfig[]> {
  const to = job.actions.notify!.to
  if (Array.isArray(to)) return deps.config.agents.filter((agent) => agent.enabled && to.includes(agent.login))
  if (to === 'owner' || to === 'responsible') return deps.config.agents.filter((agent) => agent.enabled && agent.login === ticket[to])
  const readers = queueReaders(deps.config, ticket.queue)
  const preferences = await loadEffectivePreferences(deps, readers)
  return readers.filter((agent) => preferences.get(agent.login)!.myQueues.includes(ticket.queue))
}

/**
 * An OTRS GenericAgent job: select tickets, then act on each (set fields, add a note, notify,
 * delete). Batch after batch until no ticket is left, so a job that selects 10,000 spam tickets
 * finishes in one run instead of stopping at OTRS's 4,000. A dry run only counts.
 */
export function genericAgentJob(job: GenericAgentConfig): Job {
  return {
    name: job.name,
    schedule: job.enabled ? job.schedule : null,
    description: `GenericAgent${job.enabled ? '' : ' (disabled)'}: ${Object.keys(job.actions).filter((key) => job.actions[key as keyof typeof job.actions] !== undefined && !(key === 'delete' && !job.actions.delete)).join(', ')}`,
    async run(deps, run): Promise<JobResult> {
      const { now, dryRun } = run
      const needsThread = !!(job.select.subject || job.select.body || job.select.from)
      const selected: Ticket[] = []
      for (const { queue, stateType } of partitions(deps.config, job.select)) {
        let cursor: string | undefined
        do {
          const page = await deps.tickets.listByIndex([{ by: 'queue', queue, stateType }], { order: 'asc', limit: job.batchLimit, cursor })
          for (const ticket of page.items) {
            if (!matchesTicket(job.select, ticket, now)) continue
            if (needsThread) {
              const thread = await deps.tickets.getThread(ticket.number)
              if (!thread || !matchesThread(job.select, thread)) continue
            }
            selected.push(ticket)
          }
          cursor = page.next ?? undefined
        } while (cursor)
      }
      if (dryRun) return { job: job.name, selected: selected.length, changed: 0, dryRun, details: selected.slice(0, 100).map((ticket) => `${ticket.number} ${ticket.queue} ${ticket.state} ${ticket.title}`) }
      const identity = systemIdentity(deps.config, job)
      const { actions } = job
      const patch: TicketPatch = {
        state: actions.state,
        pendingUntil: actions.state && actions.pendingIn ? resolvePendingIn(actions.pendingIn, now) : undefined,
        queue: actions.queue,
        priority: actions.priority,
        owner: actions.owner,
        responsible: actions.responsible,
        lock: actions.lock,
        note: actions.note ? renderTemplate(actions.note.body, { 'job.name': job.name }) : undefined,
      }
      const hasPatch = Object.values(patch).some((value) => value !== undefined)
      let changed = 0
      const problems: string[] = []
      // A later slice selects again (as of the same `now`) and goes on after the last ticket number
      // an earlier slice handled: a ticket the job moved into another selected partition is not handled twice.
      const remaining = selected.filter((ticket) => run.cursor === undefined || ticket.number > run.cursor).sort((a, b) => a.number.localeCompare(b.number))
      // Batch by batch (batchLimit tickets), each ticket on its own: one failure does not stop the run.
      for (let start = 0; start < remaining.length; start += job.batchLimit) {
        if (start > 0 && run.timeLeftMs && run.timeLeftMs() <= 0) {
          const next = remaining[start - 1]!.number
          return { job: job.name, selected: start, changed, dryRun, next, ...(problems.length > 0 ? { details: problems.slice(0, 100) } : {}) }
        }
        for (const ticket of remaining.slice(start, start + job.batchLimit)) {
          try {
            if (actions.delete) {
              if (await purgeTicket(deps, ticket.number, ticket.version, { by: `GenericAgent ${job.name}`, reason: `deleted by GenericAgent job "${job.name}"`, at: deps.clock.now() })) changed++
              continue
            }
            if (hasPatch) await updateTicket(deps, identity, ticket.number, patch, 'bulk')
            if (actions.notify) await notify(deps, job, ticket.number)
            changed++
          } catch (error) {
            problems.push(`${ticket.number}: ${(error as Error).message}`)
          }
        }
      }
      return { job: job.name, selected: remaining.length, changed, dryRun, ...(problems.length > 0 ? { details: problems.slice(0, 100) } : {}) }
    },
  }
}

function resolvePendingIn(duration: string, now: Date): string {
  const [amount, unit] = duration.trim().split(/\s+/)
  return DateTime.fromJSDate(now, { zone: 'utc' }).plus({ [`${unit!.replace(/s$/, '')}s`]: Number(amount) }).toISO()!
}

async function notify(deps: JobDeps, job: GenericAgentConfig, number: string): Promise<void> {
  await changeTicket(deps, number, async (ticket, at) => {
    const agents = await recipients(deps, job, ticket)
    const variables = { 'ticket.number': ticket.number, 'ticket.title': ticket.title, 'queue.name': ticket.queue, 'job.name': job.name }
    const mails = await prepareAgentMail(deps, ticket, agents, { subject: renderTemplate(job.actions.notify!.subject, variables), lines: [renderTemplate(job.actions.notify!.body, variables)] }, at)
    if (mails.length === 0) return { change: null, result: undefined }
    return {
      change: { ticket: nextVersion(ticket, at, {}), expectedVersion: ticket.version, newArticles: [], messageIds: [], history: [historyEntry('SendAgentNotification', 'system', at, `GenericAgent "${job.name}" notified ${mailedAgents(mails)}`)], outboundMails: mails },
      result: undefined,
    }
  })
}
