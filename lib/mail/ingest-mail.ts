import type { BlobStore } from '../blobs/ports.ts'
import { findQueue } from '../platform/config.ts'
import { newId } from '../platform/ids.ts'
import { DuplicateIngestError } from '../ticket/errors.ts'
import type { Article, HistoryEntry, OutboundMailRecord, Ticket } from '../ticket/model.ts'
import type { IngestAction, IngestIdentity, IngestRecord } from '../ticket/ports.ts'
import { describeChanges, historyEntry, newTicketRecord, nextVersion } from '../ticket/ticket-rules.ts'
import { changeTicket, createTicket, type TicketServiceDeps } from '../ticket/ticket-service.ts'
import { prepareFollowUpNotice, prepareNotification, type NotificationDeps } from './agent-notification.ts'
import { mailedAgents } from './agent-mail.ts'
import { autoResponseArticle, autoResponseMail, countAutoResponse, prepareAutoResponse, type AutoResponseDeps, type PreparedAutoResponse } from './auto-response.ts'
import { unknownSender } from './customer-id.ts'
import type { CustomerStore } from '../customers/ports.ts'
import { deliveryFailedMessage, markRecipientsUndeliverable } from './delivery-status.ts'
import { mailContentHash } from './mail-identity.ts'
import { customerArticleFromMail, storeMailParts, type StoredMailParts } from './mail-article.ts'
import { formatAddress, parseMail, type InboundMail } from './parse-mail.ts'
import { followUpFields, initialParticipants, newTicketFields, type NewTicketFields } from './postmaster/decision.ts'
import { postmasterFilters } from './postmaster/filters.ts'
import { control, isYes, runPostmaster, traceSummary, type PostmasterContext, type PostmasterDeps } from './postmaster/pipeline.ts'
import type { MailStateStore } from './ports.ts'

export interface IngestDeps extends TicketServiceDeps, Omit<PostmasterDeps, 'tickets'>, AutoResponseDeps, NotificationDeps {
  rawMail: BlobStore
  attachments: BlobStore
  mailState: MailStateStore
  settings: { runtime: 'aws' | 'local' }
  /** A new customer user is found by their company's name too: it is read when the sender is new. */
  customers: Pick<CustomerStore, 'getCompany'>
}

/** A raw mail already stored in the raw-mail bucket (the S3 object SES wrote, or the local file). */
export interface StoredMail {
  bucket: string
  key: string
}

export interface IngestOutcome {
  action: IngestAction
  ticketNumber: string | null
  articleId: string | null
  queue: string | null
  reason: string | null
}

/** What the current configuration would do with a mail, without writing anything. */
export interface IngestPreview {
  action: IngestAction
  ticketNumber: string | null
  queue: string | null
  state: string | null
  priority: number | null
  title: string | null
  customer: string | null
  spam: boolean
  linkedTo: string | null
  matchedFilters: string[]
  autoResponse: string | null
  trace: string[]
}

/** Metadata keys under which the local SMTP server keeps the envelope of a stored mail. */
export const envelopeRecipientsMetadata = 'envelope-recipients'
export const envelopeSenderMetadata = 'envelope-sender'

const fromRecord = (action: IngestAction, record: IngestRecord): IngestOutcome => ({
  action,
  ticketNumber: record.ticketNumber,
  articleId: record.articleId,
  queue: record.queue,
  reason: record.reason,
})

interface Ingestion {
  mail: InboundMail
  context: PostmasterContext
  identity: IngestIdentity
  stored: StoredMail
}

/**
 * Ingests one stored raw mail. Idempotent per stored object and per content: the dedupe record is
 * written in the same transaction as the article, so a mail delivered any number of times, even
 * concurrently, makes exactly one article; later deliveries answer "duplicate".
 */
export async function ingestStoredMail(deps: IngestDeps, stored: StoredMail): Promise<IngestOutcome> {
  const prepared = await prepareIngestion(deps, stored)
  if ('action' in prepared) return prepared
  const outcome = await applyIngestion(deps, prepared)
  deps.logger.info('mail ingested', { key: stored.key, ...outcome, trace: traceSummary(prepared.context.trace) })
  return outcome
}

/** `docket mail ingest --dry-run`: runs the postmaster on a stored mail and says what would happen. */
export async function previewStoredMail(deps: IngestDeps, stored: StoredMail): Promise<IngestPreview> {
  const prepared = await prepareIngestion(deps, stored)
  if ('action' in prepared) {
    return { action: prepared.action, ticketNumber: prepared.ticketNumber, queue: prepared.queue, state: null, priority: null, title: null, customer: null, spam: false, linkedTo: null, matchedFilters: [], autoResponse: null, trace: ['already ingested'] }
  }
  const { context, mail } = prepared
  const base = { spam: context.spam, matchedFilters: context.matchedFilters, trace: context.trace, linkedTo: context.newTicketLinkedTo?.ticketNumber ?? null }
  const autoResponse = (occasion: 'newTicket' | 'followUp' | 'reject', queue: string) => {
    const name = findQueue(deps.config, queue)?.autoResponses[occasion]
    if (!name) return null
    return context.noAutoResponse ? `none (${context.noAutoResponse})` : name
  }
  if (isYes(context.controls.get(control.ignore))) {
    return { ...base, action: 'ignored', ticketNumber: null, queue: null, state: null, priority: null, title: null, customer: null, autoResponse: null }
  }
  const existing = context.bounce?.ticketNumber ?? context.rejected?.ticketNumber ?? context.followUp?.ticketNumber
  if (existing) {
    const ticket = await deps.tickets.get(existing)
    return {
      ...base,
      action: context.rejected ? 'rejected' : 'followup',
      ticketNumber: existing,
      queue: ticket?.queue ?? null,
      state: ticket && !context.bounce && !context.rejected ? followUpFields(deps.config, context, ticket).state : (ticket?.state ?? null),
      priority: ticket?.priority ?? null,
      title: ticket?.title ?? null,
      customer: ticket?.customer ?? null,
      autoResponse: ticket && !context.bounce ? autoResponse(context.rejected ? 'reject' : 'followUp', ticket.queue) : null,
    }
  }
  const fields = newTicketFields(deps.config, context, mail, deps.clock.now())
  return { ...base, action: 'created', ticketNumber: null, queue: fields.queue, state: fields.state, priority: fields.priority, title: fields.title, customer: fields.customer, autoResponse: autoResponse('newTicket', fields.queue) }
}

async function prepareIngestion(deps: IngestDeps, stored: StoredMail): Promise<Ingestion | IngestOutcome> {
  const raw = await deps.rawMail.get(stored.key)
  const identity: IngestIdentity = { bucket: stored.bucket, objectKey: stored.key, contentHash: mailContentHash(raw) }
  const earlier = await deps.tickets.findIngest(identity)
  if (earlier) return fromRecord('duplicate', earlier)
  const info = await deps.rawMail.head(stored.key)
  const mail = await parseMail(raw)
  const context = await runPostmaster(
    postmasterFilters,
    {
      mail,
      envelopeRecipients: (info?.metadata[envelopeRecipientsMetadata] ?? '').split(',').filter(Boolean),
      envelopeSender: info?.metadata[envelopeSenderMetadata] || null,
      sesVerdictsTrusted: deps.settings.runtime === 'aws',
    },
    deps,
  )
  return { mail, context, identity, stored }
}

function ingestRecord(action: IngestRecord['action'], ticketNumber: string | null, articleId: string | null, queue: string | null, ingestion: Ingestion, at: Date, reason: string | null = null): IngestRecord {
  return { action, ticketNumber, articleId, queue, rawBlobKey: ingestion.stored.key, at: at.toISOString(), reason }
}

async function applyIngestion(deps: IngestDeps, ingestion: Ingestion): Promise<IngestOutcome> {
  const { context, identity } = ingestion
  if (isYes(context.controls.get(control.ignore))) {
    // The raw mail is archived already; only its processing stops here.
    const by = deps.config.postmasterFilters.filter((filter) => context.matchedFilters.includes(filter.name) && Object.keys(filter.set).some((name) => name.toLowerCase() === control.ignore.toLowerCase())).at(-1)
    const reason = by ? `dropped by postmaster filter "${by.name}"` : 'dropped by X-Docket-Ignore from a trusted address'
    deps.logger.info('mail ignored', { key: ingestion.stored.key, reason })
    await deps.tickets.recordIngest(identity, ingestRecord('ignored', null, null, null, ingestion, deps.clock.now(), reason))
    return { action: 'ignored', ticketNumber: null, articleId: null, queue: null, reason }
  }
  const parts = await storeMailParts(deps.attachments, identity.contentHash, ingestion.mail)
  try {
    if (context.bounce?.ticketNumber) return await appendBounce(deps, ingestion, parts, context.bounce.ticketNumber)
    if (context.rejected) return await rejectFollowUp(deps, ingestion, context.rejected)
    if (context.followUp) return await appendFollowUp(deps, ingestion, parts, context.followUp.ticketNumber)
    return await createFromMail(deps, ingestion, parts)
  } catch (error) {
    if (error instanceof DuplicateIngestError) {
      const record = await deps.tickets.findIngest(identity)
      if (record) return fromRecord('duplicate', record)
    }
    throw error
  }
}

const senderDisplay = (context: PostmasterContext) => (context.sender.source === 'none' ? unknownSender.name : formatAddress(context.sender))
const writer = (context: PostmasterContext) => context.sender.address || 'system'

async function createFromMail(deps: IngestDeps, ingestion: Ingestion, parts: StoredMailParts): Promise<IngestOutcome> {
  const { mail, context } = ingestion
  // Most customers write more than once: read first, and write the customer user only when new.
  const senderFields = newTicketFields(deps.config, context, mail, deps.clock.now())
  const customerKnown = (await deps.tickets.getCustomer(senderFields.customer)) !== undefined
  const companyName = customerKnown ? '' : ((await deps.customers.getCompany(senderFields.customerId))?.name ?? '')
  const created = await createTicket(deps, async (number, at) => {
    const fields: NewTicketFields = newTicketFields(deps.config, context, mail, at)
    const articleId = newId(at)
    const article = customerArticleFromMail(mail, parts, { articleId, ticketNumber: number, rawBlobKey: ingestion.stored.key, at, from: senderDisplay(context) })
    const ticket: Ticket = newTicketRecord({
      number,
      at,
      title: fields.title,
      queue: fields.queue,
      state: fields.state,
      stateType: fields.stateType,
      priority: fields.priority,
      owner: fields.owner,
      responsible: fields.responsible,
      customer: fields.customer,
      customerId: fields.customerId,
      pendingUntil: fields.pendingUntil,
      articleCount: 1,
      participants: initialParticipants(deps.config, fields.customer),
      dynamicFields: fields.dynamicFields,
    })
    const by = writer(context)
    const history: HistoryEntry[] = [
      historyEntry('NewTicket', by, at, `New ticket [${number}] created (${traceSummary(context.trace)})`),
      historyEntry('EmailCustomer', by, at, `Email from ${senderDisplay(context)}`),
    ]
    const newArticles: Article[] = [article]
    const messageIds = mail.messageId ? [{ messageId: mail.messageId, articleId }] : []
    const response = await prepareAutoResponse(deps, 'newTicket', context, mail, ticket, at)
    if (response && 'skipped' in response) history.push(historyEntry('Misc', 'system', at, response.skipped))
    else if (response) {
      newArticles.push(autoResponseArticle(response, number, mail.messageId, at))
      history.push(historyEntry('SendAutoReply', 'system', at, `Sent auto response "${response.name}" to ${response.recipient}`))
      ticket.articleCount += 1
      ticket.autoResponses = countAutoResponse(ticket, at)
    }
    const outboundMails: OutboundMailRecord[] = []
    if (!context.spam) {
      const notifications = await prepareNotification(deps, 'new-ticket', ticket, { from: senderDisplay(context), text: mail.text }, context.sender.address, at)
      if (notifications.length > 0) {
        outboundMails.push(...notifications)
        history.push(historyEntry('SendAgentNotification', 'system', at, `Notified ${mailedAgents(notifications)} of the new ticket`))
      }
    }
    const linkedTo = context.newTicketLinkedTo
    if (linkedTo) history.push(historyEntry('Link', 'system', at, `Linked to ticket ${linkedTo.ticketNumber}: ${linkedTo.reason}`))
    return {
      ticket,
      expectedVersion: null,
      newArticles,
      history,
      messageIds,
      ingest: { identity: ingestion.identity, record: ingestRecord('created', number, articleId, ticket.queue, ingestion, at) },
      ...(customerKnown ? {} : { customer: { email: fields.customer, name: context.sender.name || (context.sender.source === 'none' ? unknownSender.name : fields.customer), customerId: fields.customerId, companyName, createdAt: at.toISOString() } }),
      outboundMails,
      ...(linkedTo ? { links: [{ ticketNumber: linkedTo.ticketNumber, type: 'normal' as const, by: 'system' }] } : {}),
      ...(context.externalRefs.length > 0 ? { externalRefs: context.externalRefs } : {}),
    }
  })
  return { action: 'created', ticketNumber: created.ticket.number, articleId: created.newArticles[0]!.id, queue: created.ticket.queue, reason: context.newTicketLinkedTo?.reason ?? null }
}

async function appendFollowUp(deps: IngestDeps, ingestion: Ingestion, parts: StoredMailParts, number: string): Promise<IngestOutcome> {
  const { mail, context } = ingestion
  let response: PreparedAutoResponse | { skipped: string } | null | undefined
  return changeTicket(deps, number, async (ticket, at) => {
    const articleId = newId(at)
    const article = customerArticleFromMail(mail, parts, { articleId, ticketNumber: number, rawBlobKey: ingestion.stored.key, at, from: senderDisplay(context) })
    const fields = followUpFields(deps.config, context, ticket)
    // Owner out of office with auto-unlock: the ticket is left unlocked for the queue's agents.
    const notice = context.spam ? null : await prepareFollowUpNotice(deps, ticket, fields.patch.lock ?? ticket.lock, at)
    const updated = nextVersion(ticket, at, {
      ...fields.patch,
      ...(notice?.unlock ? { lock: 'unlock' as const } : {}),
      // Tickets written before dynamic fields existed lack them.
      dynamicFields: fields.patch.dynamicFields ?? ticket.dynamicFields ?? {},
      articleCount: ticket.articleCount + 1,
    })
    const by = writer(context)
    const history = [historyEntry('FollowUp', by, at, `FollowUp for [${number}] (${traceSummary(context.trace)})`), ...describeChanges(ticket, notice?.unlock ? { ...updated, lock: ticket.lock } : updated, by, at), ...(notice?.unlock ? [notice.unlock] : [])]
    const newArticles: Article[] = [article]
    const messageIds = mail.messageId ? [{ messageId: mail.messageId, articleId }] : []
    response ??= await prepareAutoResponse(deps, 'followUp', context, mail, updated, at)
    if (response && 'skipped' in response) history.push(historyEntry('Misc', 'system', at, response.skipped))
    else if (response) {
      newArticles.push(autoResponseArticle(response, number, mail.messageId, at))
      history.push(historyEntry('SendAutoReply', 'system', at, `Sent auto response "${response.name}" to ${response.recipient}`))
      updated.articleCount += 1
      updated.autoResponses = countAutoResponse(updated, at)
    }
    const outboundMails: OutboundMailRecord[] = []
    if (notice) {
      const notifications = await prepareNotification(deps, notice.event, updated, { from: senderDisplay(context), text: mail.text }, context.sender.address, at, notice.preferences)
      if (notifications.length > 0) {
        outboundMails.push(...notifications)
        history.push(historyEntry('SendAgentNotification', 'system', at, `Notified ${mailedAgents(notifications)} of the follow-up`))
      }
    }
    return {
      change: {
        ticket: updated,
        expectedVersion: ticket.version,
        newArticles,
        history,
        messageIds,
        outboundMails,
        ingest: { identity: ingestion.identity, record: ingestRecord('followup', number, articleId, ticket.queue, ingestion, at) },
      },
      result: { action: 'followup' as const, ticketNumber: number, articleId, queue: updated.queue, reason: null },
    }
  })
}

/** A bounce is attached to the ticket whose mail bounced; it changes no state and marks the address undeliverable. */
async function appendBounce(deps: IngestDeps, ingestion: Ingestion, parts: StoredMailParts, number: string): Promise<IngestOutcome> {
  const { mail, context } = ingestion
  const bounce = context.bounce!
  const outcome = await changeTicket(deps, number, (ticket, at) => {
    const articleId = newId(at)
    const article: Article = {
      ...customerArticleFromMail(mail, parts, { articleId, ticketNumber: number, rawBlobKey: ingestion.stored.key, at, from: senderDisplay(context) }),
      sender: 'system',
      visibleToCustomer: false,
    }
    return {
      change: {
        ticket: nextVersion(ticket, at, { articleCount: ticket.articleCount + 1 }),
        expectedVersion: ticket.version,
        newArticles: [article],
        history: [historyEntry('Bounce', 'system', at, deliveryFailedMessage(bounce.failedRecipients))],
        messageIds: mail.messageId ? [{ messageId: mail.messageId, articleId }] : [],
        ingest: { identity: ingestion.identity, record: ingestRecord('followup', number, articleId, ticket.queue, ingestion, at, 'bounce') },
      },
      result: { action: 'followup' as const, ticketNumber: number, articleId, queue: ticket.queue, reason: 'bounce' },
    }
  })
  await markRecipientsUndeliverable(deps.mailState, bounce.failedRecipients, deps.clock.now())
  return outcome
}

/** The queue rejects follow-ups to closed tickets: the mail is answered (reject auto response) and nothing else changes. */
async function rejectFollowUp(deps: IngestDeps, ingestion: Ingestion, rejected: { ticketNumber: string; reason: string }): Promise<IngestOutcome> {
  const at = deps.clock.now()
  const ticket = await deps.tickets.get(rejected.ticketNumber)
  const response = ticket ? await prepareAutoResponse(deps, 'reject', ingestion.context, ingestion.mail, ticket, at) : null
  const mails = response && !('skipped' in response) ? [autoResponseMail(response, rejected.ticketNumber, at)] : []
  const record = ingestRecord('rejected', rejected.ticketNumber, null, ticket?.queue ?? null, ingestion, at, rejected.reason)
  if (!(await deps.tickets.recordIngest(ingestion.identity, record, mails))) throw new DuplicateIngestError()
  return { action: 'rejected', ticketNumber: rejected.ticketNumber, articleId: null, queue: ticket?.queue ?? null, reason: rejected.reason }
}
