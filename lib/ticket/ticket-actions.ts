import type { AgentStore } from '../auth/ports.ts'
import type { AgentIdentity } from '../auth/auth-service.ts'
import { rightsOn } from '../auth/permissions.ts'
import type { BlobStore } from '../blobs/ports.ts'
import { prepareAgentMail } from '../mail/agent-mail.ts'
import { assignmentMessage } from '../mail/agent-notification.ts'
import { customerIdFor } from '../mail/customer-id.ts'
import { firstStateOfType } from '../platform/config.ts'
import { ticketTitle } from '../platform/plain-text.ts'
import { conflict, forbidden, invalidRequest, notFound } from '../platform/errors.ts'
import { newId } from '../platform/ids.ts'
import { assertCanRead, assertRight, hideUnreadableTickets } from './access.ts'
import { ConcurrentUpdateError } from './errors.ts'
import type { Article, HistoryEntry, LinkType, OutboundMailRecord, Ticket } from './model.ts'
import type { TicketChange } from './ports.ts'
import { cleanSubject, newTicketTitle } from './subject.ts'
import { planTicketPatch, type PatchSource, type TicketPatch } from './ticket-patch.ts'
import { describeChanges, historyEntry, newTicketRecord, nextVersion } from './ticket-rules.ts'
import { changeTicket, createTicket, settleEscalation, type TicketServiceDeps } from './ticket-service.ts'

export interface TicketActionDeps extends TicketServiceDeps {
  attachments: BlobStore
  /** For the preferences (language) of an agent told of an assignment. */
  agents: Pick<AgentStore, 'getPreferences'>
}

const agentName = (identity: AgentIdentity) => `${identity.agent.firstName} ${identity.agent.lastName}`.trim()

/** An internal note written by an agent (OTRS: Note). */
export function internalNote(identity: AgentIdentity, number: string, body: string, at: Date, subject = 'Note'): Article {
  return {
    id: newId(at),
    ticketNumber: number,
    sender: 'agent',
    channel: 'note',
    visibleToCustomer: false,
    from: agentName(identity),
    to: '',
    cc: '',
    replyTo: null,
    subject,
    bodyText: body,
    bodyTextBlobKey: null,
    htmlBlobKey: null,
    messageId: null,
    inReplyTo: null,
    references: [],
    attachments: [],
    rawBlobKey: null,
    createdAt: at.toISOString(),
    createdBy: identity.login,
    transmission: null,
    notes: [],
  }
}

/** Tells a newly assigned owner or responsible agent, with the note given with the change. */
async function assignmentMails(deps: TicketActionDeps, identity: AgentIdentity, before: Ticket, after: Ticket, note: string | undefined, at: Date): Promise<OutboundMailRecord[]> {
  const mails: OutboundMailRecord[] = []
  for (const role of ['owner', 'responsible'] as const) {
    const login = after[role]
    if (!login || login === before[role] || login === identity.login) continue
    const agent = deps.config.agents.find((candidate) => candidate.login === login)
    if (!agent) continue
    const by = agentName(identity)
    const name = `${agent.firstName} ${agent.lastName}`.trim() || agent.login
    const mail = await prepareAgentMail(deps, after, [agent], assignmentMessage(role, after, name, by, note), at)
    mails.push(...mail)
  }
  return mails
}

/** PATCH: state, pending time, queue, priority, owner, responsible, lock, title, customer, with an optional note. */
export async function updateTicket(deps: TicketActionDeps, identity: AgentIdentity, number: string, patch: TicketPatch, source: PatchSource = 'zoom'): Promise<Ticket> {
  return changeTicket(deps, number, async (ticket, at) => {
    const fields = planTicketPatch(deps.config, identity.agent, ticket, patch, at, source)
    // Asking for what the ticket already is (the same priority, unlocking an unlocked ticket) changes nothing: no write, no history.
    if (!patch.note && describeChanges(ticket, nextVersion(ticket, at, fields), identity.login, at).length === 0) return { change: null, result: ticket }
    const updated = nextVersion(ticket, at, fields)
    const newArticles = patch.note ? [internalNote(identity, number, patch.note, at)] : []
    updated.articleCount += newArticles.length
    const history: HistoryEntry[] = [...(patch.note ? [historyEntry('AddNote', identity.login, at, 'Added note')] : []), ...describeChanges(ticket, updated, identity.login, at)]
    const outboundMails = await assignmentMails(deps, identity, ticket, updated, patch.note, at)
    return { change: { ticket: updated, expectedVersion: ticket.version, newArticles, history, messageIds: [], outboundMails }, result: updated }
  })
}

/**
 * OTRS merge: the source ticket becomes "merged" and points to the target; its articles show in
 * the target's thread; later mail to the source lands in the target. Both tickets change in one
 * transaction, conditional on the versions read.
 */
export async function mergeTickets(deps: TicketActionDeps, identity: AgentIdentity, sourceNumber: string, targetNumber: string): Promise<Ticket> {
  if (sourceNumber === targetNumber) throw invalidRequest('a ticket cannot be merged into itself', 'body.into')
  for (let attempt = 1; ; attempt++) {
    const [source, target] = await Promise.all([deps.tickets.get(sourceNumber), deps.tickets.get(targetNumber)])
    if (!source) throw notFound(`ticket ${sourceNumber}`)
    // The ticket in the path first: a foreign one is a 404 whatever the target.
    assertRight(deps.config, identity.agent, source, 'rw')
    // A target the agent cannot read answers exactly like one that does not exist.
    if (!target || !rightsOn(deps.config, identity.agent, target.queue).has('ro')) throw invalidRequest(`ticket ${targetNumber} does not exist`, 'body.into')
    if (!rightsOn(deps.config, identity.agent, target.queue).has('rw')) throw forbidden(`you need the "rw" right on queue ${target.queue} to merge into ticket ${targetNumber}`)
    if (source.stateType === 'merged') throw conflict(`ticket ${sourceNumber} is already merged into ${source.mergedInto}`)
    if (target.stateType === 'merged') throw conflict(`ticket ${targetNumber} is itself merged into ${target.mergedInto}; merge into that one`)
    const at = deps.clock.now()
    const mergedSource = nextVersion(source, at, { state: firstStateOfType(deps.config, 'merged'), stateType: 'merged', mergedInto: targetNumber, lock: 'unlock', pendingUntil: null })
    const grownTarget = nextVersion(target, at, { mergedFrom: [...target.mergedFrom, sourceNumber], articleCount: target.articleCount + source.articleCount })
    const changes: TicketChange[] = [
      { ticket: mergedSource, expectedVersion: source.version, newArticles: [], messageIds: [], history: [historyEntry('Merged', identity.login, at, `Merged ticket ${sourceNumber} into ${targetNumber}`, { mergedInto: { before: null, after: targetNumber } }), ...describeChanges(source, mergedSource, identity.login, at).filter((entry) => entry.type !== 'Merged')] },
      { ticket: grownTarget, expectedVersion: target.version, newArticles: [], messageIds: [], history: [historyEntry('Merged', identity.login, at, `Merged ticket ${sourceNumber} into this ticket`)] },
    ]
    try {
      await deps.tickets.save(await Promise.all(changes.map((change) => settleEscalation(deps, change))))
      return grownTarget
    } catch (error) {
      if (!(error instanceof ConcurrentUpdateError) || attempt >= 10) throw error
    }
  }
}

/** OTRS split: an article becomes a new ticket (a copy of it), linked to the ticket it came from as its child. */
export async function splitTicket(deps: TicketActionDeps, identity: AgentIdentity, number: string, articleId: string, options: { title?: string | undefined; queue?: string | undefined }): Promise<Ticket> {
  const thread = await deps.tickets.getThread(number)
  if (!thread) throw notFound(`ticket ${number}`)
  assertRight(deps.config, identity.agent, thread.ticket, 'rw')
  const article = thread.articles.find((candidate) => candidate.id === articleId)
  if (!article) throw invalidRequest(`ticket ${number} has no article ${articleId}`, 'body.articleId')
  const queue = options.queue ?? thread.ticket.queue
  if (options.queue !== undefined) {
    if (!deps.config.queues.some((candidate) => candidate.name === queue)) throw invalidRequest(`unknown queue "${queue}"`, 'body.queue')
    if (!rightsOn(deps.config, identity.agent, queue).has('create')) throw forbidden(`you need the "create" right on queue ${queue}`)
  }
  const customer = article.sender === 'customer' ? (/<([^<>]+)>\s*$/.exec(article.from)?.[1] ?? article.from).toLowerCase() : thread.ticket.customer
  const created = await createTicket(deps, (newNumber, at) => {
    const copy: Article = { ...article, id: newId(at), ticketNumber: newNumber, transmission: null, notes: [...article.notes, `Split from ticket ${number}`] }
    return {
      ticket: newTicketRecord({
        number: newNumber,
        at,
        // The split article's subject carries the original's "[Ticket#…]": the new ticket's title must not (issue 14.4.7).
        title: ticketTitle(newTicketTitle(options.title ?? '', deps.config.ticket.hook)) || ticketTitle(newTicketTitle(article.subject, deps.config.ticket.hook)) || cleanSubject(thread.ticket.title, deps.config.ticket.hook) || '(no subject)',
        queue,
        state: firstStateOfType(deps.config, 'open'),
        stateType: 'open',
        priority: thread.ticket.priority,
        customer,
        customerId: customer === thread.ticket.customer ? thread.ticket.customerId : customer ? customerIdFor(deps.config, customer) : null,
        articleCount: 1,
        participants: thread.ticket.participants,
      }),
      expectedVersion: null,
      newArticles: [copy],
      history: [historyEntry('Split', identity.login, at, `Split from ticket ${number} (article ${articleId})`)],
      messageIds: [],
      links: [{ ticketNumber: number, type: 'parent', by: identity.login }],
    }
  })
  await recordSplitOnSource(deps, identity, number, articleId, created.ticket.number)
  return created.ticket
}

/** The original's own history records a split too (its version is not touched by the link). */
export async function recordSplitOnSource(deps: TicketServiceDeps, identity: AgentIdentity, number: string, articleId: string, newNumber: string): Promise<void> {
  await changeTicket(deps, number, (ticket, at) => ({
    change: { ticket: nextVersion(ticket, at, {}), expectedVersion: ticket.version, newArticles: [], messageIds: [], history: [historyEntry('Split', identity.login, at, `Article ${articleId} split off into ticket ${newNumber}`)] },
    result: undefined,
  }))
}

/** Links are cosmetic (the LizardNet guide): both tickets show each other. Parent/child or normal. */
export async function linkTickets(deps: TicketActionDeps, identity: AgentIdentity, number: string, target: string, type: LinkType): Promise<void> {
  if (number === target) throw invalidRequest('a ticket cannot be linked to itself', 'body.target')
  const [ticket, other] = await Promise.all([deps.tickets.get(number), deps.tickets.get(target)])
  // The ticket in the path first (404 when foreign); then a target the agent cannot read answers like one that does not exist.
  if (!ticket) throw notFound(`ticket ${number}`)
  assertRight(deps.config, identity.agent, ticket, 'rw')
  if (!other || !rightsOn(deps.config, identity.agent, other.queue).has('ro')) throw invalidRequest(`ticket ${target} does not exist`, 'body.target')
  await changeTicket(deps, number, (ticket, at) => {
    assertRight(deps.config, identity.agent, ticket, 'rw')
    return {
      change: {
        ticket: nextVersion(ticket, at, {}),
        expectedVersion: ticket.version,
        newArticles: [],
        messageIds: [],
        history: [historyEntry('Link', identity.login, at, `Linked to ticket ${target} (${type})`)],
        links: [{ ticketNumber: target, type, by: identity.login }],
      },
      result: undefined,
    }
  })
}

export async function unlinkTickets(deps: TicketActionDeps, identity: AgentIdentity, number: string, target: string): Promise<void> {
  const thread = await deps.tickets.getThread(number)
  if (!thread) throw notFound(`ticket ${number}`)
  assertRight(deps.config, identity.agent, thread.ticket, 'rw')
  const other = await deps.tickets.get(target)
  // A link to a ticket the agent cannot read does not exist for them (a link to a deleted ticket can go).
  const visible = !other || rightsOn(deps.config, identity.agent, other.queue).has('ro')
  if (!visible || !thread.links.some((link) => link.ticketNumber === target)) throw notFound(`link from ticket ${number} to ${target}`)
  await changeTicket(deps, number, (ticket, at) => ({
    change: { ticket: nextVersion(ticket, at, {}), expectedVersion: ticket.version, newArticles: [], messageIds: [], history: [historyEntry('Unlink', identity.login, at, `Link to ticket ${target} removed`)], removeLinks: [target] },
    result: undefined,
  }))
}

export interface BulkChanges extends TicketPatch {
  /** Merge every selected ticket into this one. */
  mergeInto?: string | undefined
}

export interface BulkResult {
  number: string
  ok: boolean
  error: { code: string; message: string; field?: string } | null
}

/**
 * OTRS bulk action: the same changes on many tickets. Each ticket succeeds or fails on its own
 * (a ticket locked by someone else does not stop the others); the result says which did what.
 */
export async function bulkUpdate(deps: TicketActionDeps, identity: AgentIdentity, numbers: string[], changes: BulkChanges): Promise<BulkResult[]> {
  const { mergeInto, ...patch } = changes
  const hasPatch = Object.values(patch).some((value) => value !== undefined)
  if (!hasPatch && !mergeInto) throw invalidRequest('nothing to change: give at least one field', 'body.changes')
  const results: BulkResult[] = new Array(numbers.length)
  let next = 0
  // A few at a time: tickets are independent, and the store takes parallel transactions well.
  await Promise.all(
    Array.from({ length: Math.min(8, numbers.length) }, async () => {
      while (next < numbers.length) {
        const index = next++
        const number = numbers[index]!
        try {
          if (hasPatch) await updateTicket(deps, identity, number, patch, 'bulk')
          if (mergeInto && number !== mergeInto) await mergeTickets(deps, identity, number, mergeInto)
          results[index] = { number, ok: true, error: null }
        } catch (error) {
          const known = error as { code?: string; message: string; field?: string; status?: number }
          if (known.status === undefined || known.status >= 500) throw error
          results[index] = { number, ok: false, error: { code: known.code ?? 'error', message: known.message, ...(known.field ? { field: known.field } : {}) } }
        }
      }
    }),
  )
  return results
}

export async function ticketHistory(deps: TicketActionDeps, identity: AgentIdentity, number: string): Promise<HistoryEntry[]> {
  const thread = await deps.tickets.getThread(number)
  if (!thread) throw notFound(`ticket ${number}`)
  assertCanRead(deps.config, identity.agent, thread.ticket)
  return (await hideUnreadableTickets(deps, identity.agent, thread)).history
}
