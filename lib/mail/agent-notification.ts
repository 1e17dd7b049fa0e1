import type { AgentConfig } from '../../schemas/config.ts'
import { mayReadQueue } from '../auth/permissions.ts'
import type { AgentStore } from '../auth/ports.ts'
import { effectivePreferences, isOutOfOffice, loadEffectivePreferences, type AgentPreferences } from '../auth/preferences.ts'
import type { BlobStore } from '../blobs/ports.ts'
import type { DocketConfig } from '../platform/config.ts'
import type { HistoryEntry, OutboundMailRecord, Ticket } from '../ticket/model.ts'
import { historyEntry } from '../ticket/ticket-rules.ts'
import type { EscalationKind } from '../ticket/model.ts'
import { prepareAgentMail, type AgentMessageBuilder } from './agent-mail.ts'
import { firstLines, type NotificationTexts } from './notification-texts.ts'

/**
 * new-ticket: a ticket in the agent's queues. follow-up: a customer wrote on the agent's ticket.
 * owner-away: a customer wrote on a ticket whose owner is out of office with auto-unlock; the
 * ticket is left unlocked for the queue's agents to take.
 */
export type NotificationEvent = 'new-ticket' | 'follow-up' | 'owner-away'

/** Agents' preferences by login, as loaded for one notification. */
export type PreferencesByAgent = ReadonlyMap<string, AgentPreferences>

export interface NotificationDeps {
  config: DocketConfig
  attachments: BlobStore
  agents: AgentStore
}

/** OTRS "My Queues": the agent's choice, else the configured list, else every readable queue except the spam queue. */
export function myQueues(config: DocketConfig, agent: AgentConfig, preferences?: AgentPreferences): string[] {
  return (preferences ?? effectivePreferences(config, agent)).myQueues
}

/**
 * The ticket's watchers who may still read it (OTRS ticket watcher): they get the notifications its
 * owner gets. The read right is checked here, when the mail is prepared, as for every recipient.
 */
export function ticketWatchers(config: DocketConfig, ticket: Pick<Ticket, 'watchers' | 'queue'>): AgentConfig[] {
  const watchers = new Set(ticket.watchers ?? [])
  return config.agents.filter((agent) => watchers.has(agent.login) && mayReadQueue(config, agent, ticket.queue))
}

/**
 * The agents who might hear of the event at all, so only their preferences are read: for a
 * queue-wide event whoever may read the queue (My Queues can hold nothing else), for a follow-up
 * the owner; the ticket's watchers for either.
 */
export function notificationCandidates(config: DocketConfig, event: NotificationEvent, ticket: Ticket): AgentConfig[] {
  const watchers = new Set(ticketWatchers(config, ticket).map((agent) => agent.login))
  return config.agents.filter(
    (agent) => mayReadQueue(config, agent, ticket.queue) && (watchers.has(agent.login) || event !== 'follow-up' || agent.login === ticket.owner),
  )
}

/**
 * Who hears about it, by their preferences (stored over the config's defaults): new tickets →
 * agents watching the queue who want new-ticket mail and are not out of office; follow-ups → the
 * owner; the ticket of an owner away with auto-unlock → the queue's watchers, as for a new ticket.
 * The ticket's watchers hear of a follow-up as its owner does (they want follow-up mail, may read
 * the ticket, are not out of office). Never the writer. Without `preferences`, the config's defaults decide.
 */
export function notificationRecipients(
  config: DocketConfig,
  event: NotificationEvent,
  ticket: Ticket,
  writer: string,
  options?: { preferences: PreferencesByAgent; at: Date },
): AgentConfig[] {
  const preferencesOf = (agent: AgentConfig) => options?.preferences.get(agent.login) ?? effectivePreferences(config, agent)
  const watches = (agent: AgentConfig) => {
    const preferences = preferencesOf(agent)
    return preferences.notifications.newTicket && preferences.myQueues.includes(ticket.queue) && !(options && isOutOfOffice(preferences, options.at))
  }
  const watcherGets = (agent: AgentConfig) => preferencesOf(agent).notifications.followUp && !(options && isOutOfOffice(preferencesOf(agent), options.at))
  const watchers = event === 'new-ticket' ? [] : ticketWatchers(config, ticket).filter((agent) => watcherGets(agent) && !(event === 'owner-away' && agent.login === ticket.owner))
  const candidates =
    event === 'follow-up'
      ? config.agents.filter((agent) => agent.login === ticket.owner && preferencesOf(agent).notifications.followUp)
      : config.agents.filter((agent) => watches(agent) && !(event === 'owner-away' && agent.login === ticket.owner))
  const recipients = [...candidates, ...watchers.filter((agent) => !candidates.includes(agent))]
  return recipients.filter((agent) => agent.enabled && agent.email.toLowerCase() !== writer.toLowerCase())
}

/** What a customer follow-up means for notifications, decided once per follow-up with one read of the preferences. */
export interface FollowUpNotice {
  event: 'follow-up' | 'owner-away'
  preferences: PreferencesByAgent
  /** Set when the ticket is left unlocked because its owner is out of office: the history entry that says so. */
  unlock: HistoryEntry | null
}

/**
 * OTRS out of office, with auto-unlock: a customer follow-up on the ticket of an owner who is out of
 * office and chose auto-unlock goes to the queue's agents instead of the absent owner, and a ticket
 * that would stay locked to them (still locked, or locked again on reopening) is unlocked so a
 * colleague can take it.
 */
export async function prepareFollowUpNotice(
  deps: Pick<NotificationDeps, 'config' | 'agents'>,
  ticket: Ticket,
  lockAfter: Ticket['lock'],
  at: Date,
): Promise<FollowUpNotice> {
  const { config } = deps
  const candidates = new Set([...notificationCandidates(config, 'follow-up', ticket), ...(ticket.owner === null ? [] : notificationCandidates(config, 'owner-away', ticket))])
  const preferences = await loadEffectivePreferences(deps, [...candidates])
  const owner = ticket.owner === null ? undefined : preferences.get(ticket.owner)
  if (!owner || !owner.outOfOffice.autoUnlock || !isOutOfOffice(owner, at)) return { event: 'follow-up', preferences, unlock: null }
  if (lockAfter === 'unlock') return { event: 'owner-away', preferences, unlock: null }
  const away = owner.outOfOffice.until ? `out of office until ${owner.outOfOffice.until}` : 'out of office'
  const why = `the owner ${ticket.owner} is ${away} (auto-unlock), so the queue's agents can take the customer's follow-up`
  const unlock =
    ticket.lock === 'lock'
      ? historyEntry('Unlock', 'system', at, `Ticket unlocked: ${why}`, { lock: { before: 'lock', after: 'unlock' } })
      : historyEntry('Misc', 'system', at, `Ticket not locked again: ${why}`)
  return { event: 'owner-away', preferences, unlock }
}

/**
 * The OTRS default notification of the event in the agent's language: "Hi Ann, ticket [2026…] has
 * been created in queue Support. Ben Customer wrote: <first lines> <link>".
 */
export function notificationMessage(event: NotificationEvent, ticket: Ticket, summary: { from: string; text: string }): AgentMessageBuilder {
  return (texts, agent) => {
    const followUp = ticket.lock === 'lock' && event === 'follow-up' ? texts.followUpLocked : texts.followUpUnlocked
    const { subject, intro } =
      event === 'new-ticket'
        ? { subject: texts.newTicket.subject(ticket.title), intro: [texts.newTicket.body(ticket.number, ticket.queue)] }
        : {
            subject: followUp.subject(ticket.title),
            intro: [followUp.body(ticket.number), ...(event === 'owner-away' ? [texts.ownerAway(ticket.owner ?? '-')] : [])],
          }
    return { subject, lines: [greeting(texts, agent), '', ...intro, '', texts.wrote(summary.from), firstLines(summary.text)] }
  }
}

const greeting = (texts: NotificationTexts, agent: AgentConfig) => texts.greeting(agent.firstName || agent.login)

/** OTRS "Ticket owner update" / "Ticket responsible update", with the note given with the change as its comment. */
export function assignmentMessage(role: 'owner' | 'responsible', ticket: Ticket, name: string, by: string, note: string | undefined): AgentMessageBuilder {
  return (texts, agent) => {
    const update = role === 'owner' ? texts.ownerUpdate : texts.responsibleUpdate
    return { subject: update.subject(name, ticket.title), lines: [greeting(texts, agent), '', update.body(ticket.number, name, by), ...(note ? ['', texts.comment, note] : [])] }
  }
}

/** OTRS "Ticket pending reminder": the reminder time was reached; `count` says how often we reminded. */
export function pendingReminderMessage(ticket: Ticket, count: number): AgentMessageBuilder {
  return (texts, agent) => ({
    subject: texts.pendingReminder.subject(ticket.title),
    lines: [greeting(texts, agent), '', texts.pendingReminder.body(ticket.number, ticket.pendingUntil ?? '-'), texts.pendingReminder.repeat(count)],
  })
}

/** OTRS "Ticket escalation": which deadlines of the SLA were reached, and the raised priority if it was raised. */
export function escalationMessage(ticket: Ticket, sla: string, reached: { kind: EscalationKind; due: string }[], raisedTo: number | null): AgentMessageBuilder {
  return (texts, agent) => ({
    subject: texts.escalation.subject(ticket.title),
    lines: [
      greeting(texts, agent),
      '',
      texts.escalation.body(ticket.number),
      '',
      ...reached.map(({ kind, due }) => texts.escalation.reached(`${texts.deadline[kind]} (${due})`, sla)),
      ...(raisedTo === null ? [] : [texts.escalation.priorityRaised(raisedTo)]),
    ],
  })
}

/**
 * The notification mails of the event, one per agent in the agent's language, stored and recorded
 * for the outbox relay. Recipients follow their preferences, read with one batch read unless the caller has them.
 */
export async function prepareNotification(
  deps: NotificationDeps,
  event: NotificationEvent,
  ticket: Ticket,
  summary: { from: string; text: string },
  writer: string,
  at: Date,
  preferences?: PreferencesByAgent,
): Promise<OutboundMailRecord[]> {
  const { config } = deps
  const candidates = notificationCandidates(config, event, ticket).filter((agent) => agent.email.toLowerCase() !== writer.toLowerCase())
  if (candidates.length === 0) return []
  const known = preferences ?? (await loadEffectivePreferences(deps, candidates))
  const recipients = notificationRecipients(config, event, ticket, writer, { preferences: known, at })
  return prepareAgentMail(deps, ticket, recipients, notificationMessage(event, ticket, summary), at, known)
}
