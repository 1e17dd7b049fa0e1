import type { AgentIdentity } from '../auth/auth-service.ts'
import { rightsOn } from '../auth/permissions.ts'
import { prepareNotification, type NotificationDeps } from '../mail/agent-notification.ts'
import { mailedAgents } from '../mail/agent-mail.ts'
import { autoResponseArticle, countAutoResponse, prepareAutoResponseTo, type AutoResponseDeps } from '../mail/auto-response.ts'
import { customerIdFor } from '../mail/customer-id.ts'
import { formatAddress, parseAddressList, type MailAddress } from '../mail/mail-address.ts'
import { renderTemplate } from '../mail/render-template.ts'
import { findQueue, firstStateOfType, isSystemAddress, type DocketConfig } from '../platform/config.ts'
import { forbidden, invalidRequest } from '../platform/errors.ts'
import { newId } from '../platform/ids.ts'
import { assertRight } from './access.ts'
import { buildAgentMail, storeUploads, type AgentArticleDeps, type UploadedAttachment } from './agent-article.ts'
import { findTemplate, templateVariables } from './compose-article.ts'
import type { Article, Attachment, HistoryEntry, OutboundMailRecord, Ticket, TicketThread } from './model.ts'
import { buildTicketSubject, newTicketTitle } from './subject.ts'
import { recordSplitOnSource } from './ticket-actions.ts'
import { assignableAgent } from './ticket-patch.ts'
import { describeChanges, historyEntry, newTicketRecord, resolveStateChange } from './ticket-rules.ts'
import { createTicket } from './ticket-service.ts'

export interface OpenTicketDeps extends AgentArticleDeps, NotificationDeps, AutoResponseDeps {}

/** OTRS AgentTicketPhone (the customer called, or we called them) and AgentTicketEmail (we write to them). */
export type NewTicketType = 'phone' | 'email'

export interface OpenTicketInput {
  type: NewTicketType
  /** The customer user: an address, optionally with a name ("Ann Customer <ann@example.com>"). */
  customer: string
  /** The customer's company (OTRS CustomerID); default: the customer user's, else from the address. */
  customerId?: string | undefined
  subject: string
  body: string
  queue: string
  state?: string | undefined
  pendingUntil?: string | undefined
  priority?: number | undefined
  owner?: string | undefined
  responsible?: string | undefined
  /** Email tickets: more recipients. */
  cc?: string | undefined
  /** Phone tickets: inbound (the customer called us, default) or outbound (we called the customer). */
  direction?: 'inbound' | 'outbound' | undefined
  timeUnits?: number | undefined
  attachments?: UploadedAttachment[] | undefined
  /** OTRS split into a new phone/email ticket: the article it comes from, and which of its attachments to take along. */
  splitFrom?: { ticket: string; articleId: string; attachments?: string[] | undefined } | undefined
}

const agentName = (identity: AgentIdentity) => `${identity.agent.firstName} ${identity.agent.lastName}`.trim() || identity.login
/** New tickets start in these state types (OTRS AgentTicketPhone/Email ###StateType, plus new). */
const openingStateTypes: Ticket['stateType'][] = ['new', 'open', 'pending reminder', 'pending auto', 'closed']

function oneAddress(text: string, field: string): MailAddress {
  const [address, more] = parseAddressList(text, 2)
  if (!address || more || !/^[^@\s]+@[^@\s]+$/.test(address.address)) throw invalidRequest('must be one mail address, e.g. "Ann Customer <ann@example.com>"', field)
  return { address: address.address.toLowerCase(), name: address.name }
}

/** The queue's signature as the customer will read it (OTRS appends it to every agent mail of a new ticket). */
export function queueSignature(config: DocketConfig, identity: AgentIdentity, queue: string, ticket: { number: string; title: string }, customer: MailAddress | undefined): string {
  const variables = templateVariables(config, identity, { ...ticket, queue, customer: customer?.address ?? null, participants: [] }, undefined, customer)
  return renderTemplate(findQueue(config, queue)?.signature ?? '', variables).trim()
}

/**
 * What the new phone or email ticket screen starts from: the text of a "create" template for the
 * queue (with the customer's name when known) and, for mail, the queue's signature that is added
 * when it is sent.
 */
export function composeNewTicket(config: DocketConfig, identity: AgentIdentity, request: { type: NewTicketType; queue: string; templateId?: string | undefined; customer?: string | undefined }) {
  if (!findQueue(config, request.queue)) throw invalidRequest(`unknown queue "${request.queue}"`, 'query.queue')
  const customer = request.customer ? parseAddressList(request.customer, 1)[0] : undefined
  const template = findTemplate(config, request.templateId, 'create', request.queue)
  const variables = templateVariables(config, identity, { number: '', title: '', queue: request.queue, customer: customer?.address ?? null, participants: [] }, undefined, customer)
  return {
    body: renderTemplate(template.body, variables).trim(),
    signature: request.type === 'email' ? queueSignature(config, identity, request.queue, { number: '', title: '' }, customer) : '',
  }
}

interface SplitSource {
  thread: TicketThread
  article: Article
  attachments: Attachment[]
}

async function splitSource(deps: OpenTicketDeps, identity: AgentIdentity, split: NonNullable<OpenTicketInput['splitFrom']>): Promise<SplitSource> {
  const thread = await deps.tickets.getThread(split.ticket)
  // As the quick split: rw on the ticket the article comes from; a foreign ticket is a 404.
  if (!thread) throw invalidRequest(`ticket ${split.ticket} does not exist`, 'body.splitFrom.ticket')
  assertRight(deps.config, identity.agent, thread.ticket, 'rw')
  // Any article of the thread, also one that came with a merged ticket.
  const article = thread.articles.find((candidate) => candidate.id === split.articleId)
  if (!article) throw invalidRequest(`ticket ${split.ticket} has no article ${split.articleId}`, 'body.splitFrom.articleId')
  const wanted = split.attachments ?? article.attachments.filter((attachment) => !attachment.inline).map((attachment) => attachment.id)
  const unknown = wanted.find((id) => !article.attachments.some((attachment) => attachment.id === id))
  if (unknown) throw invalidRequest(`article ${split.articleId} has no attachment ${unknown}`, 'body.splitFrom.attachments')
  return { thread, article, attachments: article.attachments.filter((attachment) => wanted.includes(attachment.id)) }
}

/**
 * An agent opens a ticket (OTRS New phone ticket / New email ticket), through the same creation
 * path as mail (a fresh number, one transaction with history, the customer user and any mail).
 *
 * Phone: the first article is the call: from the customer when they called (inbound: the queue's
 * new-ticket auto response goes to them, as OTRS does for phone tickets), from the agent when the
 * agent called (outbound). Email: the first article is the agent's mail to the customer, from the
 * queue's address with the ticket marker and the queue's signature, sent through the outbox like
 * every reply and threaded by its Message-ID, so the customer's answer appends to this ticket.
 * An owner given locks the ticket to them (OTRS). Needs the "create" right on the queue.
 */
export async function openTicket(deps: OpenTicketDeps, identity: AgentIdentity, input: OpenTicketInput): Promise<Ticket> {
  const { config } = deps
  if (!findQueue(config, input.queue)) throw invalidRequest(`unknown queue "${input.queue}"`, 'body.queue')
  if (!rightsOn(config, identity.agent, input.queue).has('create')) throw forbidden(`you need the "create" right on queue ${input.queue} to open tickets in it`)
  const customer = oneAddress(input.customer, 'body.customer')
  if (isSystemAddress(config, customer.address)) throw invalidRequest(`${customer.address} is one of our own addresses, not a customer`, 'body.customer')
  const cc = input.type === 'email' ? parseAddressList(input.cc ?? '') : []
  if (input.type === 'email' && input.cc?.trim() && cc.length === 0) throw invalidRequest('must be mail addresses separated by commas', 'body.cc')
  if (input.type !== 'email' && input.cc) throw invalidRequest('only email tickets have Cc recipients', 'body.cc')
  if (input.type !== 'phone' && input.direction) throw invalidRequest('only phone tickets have a direction', 'body.direction')
  const title = newTicketTitle(input.subject, config.ticket.hook) || input.subject.trim()
  if (!title) throw invalidRequest('must not be empty', 'body.subject')
  if (!input.body.trim()) throw invalidRequest('must not be empty', 'body.body')
  const now = deps.clock.now()
  const state = resolveStateChange(config, { state: input.state ?? firstStateOfType(config, 'open'), pendingUntil: input.pendingUntil }, now, { state: 'body.state', pendingUntil: 'body.pendingUntil' })
  if (!openingStateTypes.includes(state.stateType)) throw invalidRequest(`a new ticket cannot start "${state.state}"; use an open, pending or closed state`, 'body.state')
  const priority = input.priority ?? 3
  if (priority > config.priorities.length) throw invalidRequest(`must be 1 to ${config.priorities.length}`, 'body.priority')
  const owner = input.owner === undefined ? null : assignableAgent(config, 'owner', input.owner, input.queue, 'body.owner')
  const responsible = input.responsible === undefined ? null : assignableAgent(config, 'responsible', input.responsible, input.queue, 'body.responsible')
  const split = input.splitFrom ? await splitSource(deps, identity, input.splitFrom) : null
  const known = await deps.tickets.getCustomer(customer.address)
  const customerId = input.customerId?.trim() || known?.customerId || customerIdFor(config, customer.address)
  const outbound = input.type === 'phone' && input.direction === 'outbound'
  const timeUnits = input.timeUnits ?? 0

  const created = await createTicket(deps, async (number, at) => {
    const articleId = newId(at)
    const participants = input.type === 'email' ? [...new Set([customer, ...cc].map((address) => address.address.toLowerCase()).filter((address) => !isSystemAddress(config, address)))].slice(0, 50) : []
    const ticket = newTicketRecord({
      number,
      at,
      title: title.slice(0, 255),
      queue: input.queue,
      ...state,
      priority,
      customer: customer.address,
      customerId,
      articleCount: 1,
      participants,
      timeUnits,
      ...(state.stateType === 'closed' ? { closedAt: at.toISOString() } : {}),
    })
    let article: Article
    if (input.type === 'email') {
      const signature = queueSignature(config, identity, input.queue, ticket, customer)
      article = await buildAgentMail(deps, identity, {
        ticket,
        articleId,
        to: [customer],
        cc,
        bcc: [],
        subject: buildTicketSubject(input.subject, config.ticket.hook, number, null),
        body: signature ? `${input.body.trimEnd()}\n\n${signature}` : input.body,
        inReplyTo: null,
        references: [],
        uploads: input.attachments ?? [],
        forwarded: split?.attachments ?? [],
        at,
      })
    } else {
      const uploads = await storeUploads(deps, number, articleId, input.attachments ?? [])
      const attachments = [...(split?.attachments ?? []), ...uploads.attachments].map((attachment, index) => ({ ...attachment, id: String(index + 1) }))
      article = {
        id: articleId,
        ticketNumber: number,
        sender: outbound ? 'agent' : 'customer',
        channel: 'phone',
        visibleToCustomer: true,
        from: outbound ? agentName(identity) : formatAddress(customer),
        to: outbound ? formatAddress(customer) : input.queue,
        cc: '',
        replyTo: null,
        subject: input.subject,
        bodyText: input.body,
        bodyTextBlobKey: null,
        htmlBlobKey: null,
        messageId: null,
        inReplyTo: null,
        references: [],
        attachments,
        rawBlobKey: null,
        createdAt: at.toISOString(),
        createdBy: identity.login,
        transmission: null,
        notes: [],
      }
    }
    if (timeUnits > 0) article.timeUnits = timeUnits
    if (split) article.notes.push(`Split from ticket ${split.thread.ticket.number}`)

    const how = input.type === 'email' ? 'email ticket' : outbound ? 'phone ticket (we called the customer)' : 'phone ticket (the customer called)'
    const history: HistoryEntry[] = [
      historyEntry('NewTicket', identity.login, at, `New ticket [${number}] created by ${identity.login} as ${how}`),
      input.type === 'email'
        ? historyEntry('EmailAgent', identity.login, at, `Email sent to "${article.to}"`)
        : historyEntry(outbound ? 'PhoneCallAgent' : 'PhoneCallCustomer', identity.login, at, outbound ? `Phone call to ${article.to}` : `Phone call from ${article.from}`),
    ]
    // OTRS: choosing an owner on the new ticket screen locks the ticket to them.
    if (owner) Object.assign(ticket, { owner, lock: 'lock' as const })
    if (responsible) ticket.responsible = responsible
    history.push(...describeChanges({ ...ticket, owner: null, responsible: null, lock: 'unlock', pendingUntil: null }, ticket, identity.login, at))
    if (timeUnits > 0) history.push(historyEntry('TimeAccounting', identity.login, at, `${timeUnits} time unit(s) accounted; now ${timeUnits} in total`))
    if (split) history.push(historyEntry('Split', identity.login, at, `Split from ticket ${split.thread.ticket.number} (article ${split.article.id})`))

    const newArticles: Article[] = [article]
    if (input.type === 'phone' && !outbound) {
      const response = await prepareAutoResponseTo(deps, 'newTicket', { recipient: customer, subject: input.subject, inReplyTo: null, references: [], blockedBecause: null }, ticket, at)
      if (response && 'skipped' in response) history.push(historyEntry('Misc', 'system', at, response.skipped))
      else if (response) {
        newArticles.push(autoResponseArticle(response, number, null, at))
        history.push(historyEntry('SendAutoReply', 'system', at, `Sent auto response "${response.name}" to ${response.recipient}`))
        ticket.articleCount += 1
        ticket.autoResponses = countAutoResponse(ticket, at)
      }
    }
    const outboundMails: OutboundMailRecord[] = []
    const notifications = await prepareNotification(deps, 'new-ticket', ticket, { from: input.type === 'email' ? agentName(identity) : article.from, text: input.body }, identity.agent.email, at)
    if (notifications.length > 0) {
      outboundMails.push(...notifications)
      history.push(historyEntry('SendAgentNotification', 'system', at, `Notified ${mailedAgents(notifications)} of the new ticket`))
    }
    return {
      ticket,
      expectedVersion: null,
      newArticles,
      history,
      // Our own Message-IDs need no index entry: they carry the ticket number (lib/mail/message-id.ts).
      messageIds: [],
      ...(known ? {} : { customer: { email: customer.address, name: customer.name || customer.address, customerId, createdAt: at.toISOString() } }),
      outboundMails,
      ...(split ? { links: [{ ticketNumber: split.thread.ticket.number, type: 'parent' as const, by: identity.login }] } : {}),
    }
  })
  if (split) await recordSplitOnSource(deps, identity, split.thread.ticket.number, split.article.id, created.ticket.number)
  return created.ticket
}
