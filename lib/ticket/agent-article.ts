import type { BlobStore } from '../blobs/ports.ts'
import type { AgentIdentity } from '../auth/auth-service.ts'
import { composeMail } from '../mail/compose-mail.ts'
import { ownMessageId, threadingHeadersFor } from '../mail/message-id.ts'
import { formatAddress, parseAddressList, type MailAddress } from '../mail/mail-address.ts'
import { firstStateOfType, isSystemAddress, systemAddressOf } from '../platform/config.ts'
import { plainTextLine } from '../platform/plain-text.ts'
import { conflict, forbidden, invalidRequest, notFound } from '../platform/errors.ts'
import { newId } from '../platform/ids.ts'
import { assertRight } from './access.ts'
import { baseArticle, composeArticle, isMailType } from './compose-article.ts'
import { queuedMailRecord, type AgentArticleType, type Article, type Attachment, type HistoryEntry, type OutboundMailRecord, type Ticket, type TicketThread } from './model.ts'
import { describeChanges, historyEntry, nextVersion, resolveState, resolveStateChange } from './ticket-rules.ts'
import { changeTicket, type TicketServiceDeps } from './ticket-service.ts'
import { internalNote } from './ticket-actions.ts'

export interface AgentArticleDeps extends TicketServiceDeps {
  attachments: BlobStore
  rawMail: BlobStore
}

export interface UploadedAttachment {
  name: string
  contentType: string
  content: Buffer
}

export interface AgentArticleInput {
  type: AgentArticleType
  /** The article answered, forwarded or bounced; default: the customer's last mail. */
  articleId?: string | undefined
  to?: string | undefined
  cc?: string | undefined
  bcc?: string | undefined
  subject?: string | undefined
  /** The text as the agent wrote it; when absent it is composed from the template (or empty). */
  body?: string | undefined
  templateId?: string | undefined
  attachments?: UploadedAttachment[] | undefined
  /** Forwards: ids of the forwarded mail's attachments to leave out. */
  dropAttachments?: string[] | undefined
  state?: string | undefined
  pendingUntil?: string | undefined
  /** Time accounted with this article (OTRS time units). */
  timeUnits?: number | undefined
  /** Phone calls: the customer called us (incoming) or we called them (outgoing, the default). */
  direction?: 'inbound' | 'outbound' | undefined
}

const agentName = (identity: AgentIdentity) => `${identity.agent.firstName} ${identity.agent.lastName}`.trim()
const addresses = (text: string | undefined) => parseAddressList(text ?? '')

/** Blob key of the MIME we sent for an article. */
export const outboundRawKey = (number: string, articleId: string) => `outbound/${number}/${articleId}.eml`

/**
 * An agent writes on a ticket (OTRS's article actions). Mail (reply, reply all, forward) goes out
 * from the queue's address, threaded to the mail it answers, locks the ticket to the agent, and
 * is sent once the change is committed (outbox relay); only the owner may mail the customer while
 * the ticket is locked. Notes (internal or visible) and phone notes need the "note" right. A
 * bounce re-sends the customer's original mail, unchanged, to another address.
 */
export async function addAgentArticle(deps: AgentArticleDeps, identity: AgentIdentity, number: string, input: AgentArticleInput): Promise<Article | OutboundMailRecord> {
  const thread = await deps.tickets.getThread(number)
  if (!thread) throw notFound(`ticket ${number}`)
  const sendsMail = isMailType(input.type) || input.type === 'bounce'
  assertRight(deps.config, identity.agent, thread.ticket, sendsMail ? 'rw' : 'note')
  const now = deps.clock.now()
  const requestedState = input.state === undefined ? undefined : resolveStateChange(deps.config, { state: input.state, pendingUntil: input.pendingUntil }, now, { state: 'body.state', pendingUntil: 'body.pendingUntil' })
  if (input.state === undefined && input.pendingUntil !== undefined) throw invalidRequest('a pending time needs a pending state', 'body.pendingUntil')
  if (input.direction !== undefined && input.type !== 'phone') throw invalidRequest('a direction is for phone calls only (type phone)', 'body.direction')
  if (input.type === 'bounce' && input.attachments?.length) throw invalidRequest('a bounce re-sends the mail unchanged: it takes no attachments', 'body.attachments')

  const at = deps.clock.now()
  const articleId = newId(at)
  const prepared = input.type === 'bounce' ? await prepareBounce(deps, identity, thread, input, articleId, at) : isMailType(input.type) ? await prepareMail(deps, identity, thread, input, articleId, at) : await prepareNote(deps, identity, thread, input, at)
  if (!('kind' in prepared) && input.timeUnits) prepared.timeUnits = input.timeUnits

  await changeTicket(deps, number, (ticket, changedAt) => {
    if (sendsMail && ticket.lock === 'lock' && ticket.owner !== identity.login && !identity.agent.admin) {
      throw forbidden(`ticket ${number} is locked by ${ticket.owner}; only the owner may send mail to the customer (a note is possible)`)
    }
    const stateAfterReply = isMailType(input.type) && ticket.stateType === 'new' ? { ...resolveState(deps.config, firstStateOfType(deps.config, 'open')), pendingUntil: null } : undefined
    const state = requestedState ?? stateAfterReply
    const takesLock: Partial<Ticket> = isMailType(input.type) ? { lock: 'lock', owner: ticket.lock === 'lock' && ticket.owner ? ticket.owner : identity.login } : {}
    const article = 'kind' in prepared ? null : prepared
    const timeUnits = input.timeUnits ?? 0
    const updated = nextVersion(ticket, changedAt, {
      ...takesLock,
      ...(state ? { state: state.state, stateType: state.stateType, pendingUntil: state.pendingUntil } : {}),
      articleCount: ticket.articleCount + (article ? 1 : 0),
      timeUnits: ticket.timeUnits + timeUnits,
      ...(article && isMailType(input.type) ? { participants: participantsAfter(deps, ticket, article) } : {}),
    })
    const history: HistoryEntry[] = [historyFor(input.type, identity, prepared, changedAt), ...describeChanges(ticket, updated, identity.login, changedAt)]
    if (timeUnits > 0) history.push(historyEntry('TimeAccounting', identity.login, changedAt, `${timeUnits} time unit(s) accounted; now ${updated.timeUnits} in total`))
    return {
      change: {
        ticket: updated,
        expectedVersion: ticket.version,
        newArticles: article ? [article] : [],
        history,
        // Our own Message-IDs need no index entry: they carry the ticket number (lib/mail/message-id.ts).
        messageIds: [],
        ...(article ? {} : { outboundMails: [prepared as OutboundMailRecord] }),
        removeDrafts: [identity.login],
      },
      result: undefined,
    }
  })
  return prepared
}

function historyFor(type: AgentArticleType, identity: AgentIdentity, prepared: Article | OutboundMailRecord, at: Date): HistoryEntry {
  switch (type) {
    case 'reply':
    case 'reply-all':
      return historyEntry('SendAnswer', identity.login, at, `Email sent to "${(prepared as Article).to}"`)
    case 'forward':
      return historyEntry('Forward', identity.login, at, `Forwarded to "${(prepared as Article).to}"`)
    case 'bounce':
      return historyEntry('Bounce', identity.login, at, `Bounced to "${(prepared as OutboundMailRecord).recipients.join(', ')}"`)
    case 'phone':
      return historyEntry('AddNote', identity.login, at, (prepared as Article).sender === 'customer' ? 'Added phone call from the customer' : 'Added phone call to the customer')
    default:
      return historyEntry('AddNote', identity.login, at, type === 'note-external' ? 'Added note (visible to the customer)' : 'Added note')
  }
}

function participantsAfter(deps: AgentArticleDeps, ticket: Ticket, article: Article): string[] {
  const added = addresses([article.to, article.cc].filter(Boolean).join(', ')).map((address) => address.address.toLowerCase()).filter((address) => !isSystemAddress(deps.config, address))
  return [...new Set([...ticket.participants, ...added])].slice(0, 50)
}

/** Stores an agent's uploads under opaque keys of the article (config attachments.maxArticleBytes together). */
export async function storeUploads(deps: AgentArticleDeps, number: string, articleId: string, uploads: UploadedAttachment[]): Promise<{ attachments: Attachment[]; parts: UploadedAttachment[] }> {
  const total = uploads.reduce((sum, upload) => sum + upload.content.length, 0)
  const limit = deps.config.attachments.maxArticleBytes
  if (total > limit) throw invalidRequest(`attachments may have ${(limit / 1024 / 1024).toFixed(1)} MiB together; these have ${(total / 1024 / 1024).toFixed(1)} MiB`, 'body.attachments')
  const attachments = await Promise.all(
    uploads.map(async (upload, index): Promise<Attachment> => {
      const blobKey = `outbound/${number}/${articleId}/part-${index + 1}`
      await deps.attachments.put(blobKey, upload.content, { contentType: upload.contentType })
      return { id: String(index + 1), name: upload.name, size: upload.content.length, contentType: upload.contentType, blobKey, contentId: null, inline: false }
    }),
  )
  return { attachments, parts: uploads }
}

async function prepareMail(deps: AgentArticleDeps, identity: AgentIdentity, thread: TicketThread, input: AgentArticleInput, articleId: string, at: Date): Promise<Article> {
  const { ticket } = thread
  const composed = composeArticle(deps.config, identity, thread, input.type, { articleId: input.articleId, templateId: input.templateId })
  const to = input.to ?? composed.to
  const toList = addresses(to)
  if (toList.length === 0) throw invalidRequest(input.type === 'forward' ? 'a forward needs a recipient' : `ticket ${ticket.number} has no customer address to reply to; give "to"`, 'body.to')
  const base = baseArticle(thread, input.articleId)
  const forwarded = composed.attachments.filter((attachment) => !(input.dropAttachments ?? []).includes(attachment.id))
  const threaded = input.type !== 'forward'
  return buildAgentMail(deps, identity, {
    ticket,
    articleId,
    to: toList,
    cc: addresses(input.cc ?? composed.cc),
    bcc: addresses(input.bcc),
    subject: input.subject ?? composed.subject,
    body: input.body ?? composed.body,
    // Quoting the Message-IDs the recipients really got (SES replaces ours).
    ...(threaded ? threadingHeadersFor(thread.articles, base) : { inReplyTo: null, references: [] }),
    uploads: input.attachments ?? [],
    forwarded,
    at,
  })
}

/** What an agent mails to a customer: recipients already parsed, subject and text as they go out. */
export interface AgentMail {
  ticket: Pick<Ticket, 'number' | 'queue'>
  articleId: string
  to: MailAddress[]
  cc: MailAddress[]
  bcc: MailAddress[]
  subject: string
  body: string
  inReplyTo: string | null
  references: string[]
  uploads: UploadedAttachment[]
  /** Attachments already stored (a forwarded mail's, a split article's), sent along. */
  forwarded: Attachment[]
  at: Date
}

/**
 * The one way an agent's mail becomes an article (replies, forwards, email tickets): from the
 * queue's address, with our own Message-ID (which threads the customer's answer), the MIME stored
 * for the outbox relay, and a queued transmission.
 */
export async function buildAgentMail(deps: AgentArticleDeps, identity: AgentIdentity, mail: AgentMail): Promise<Article> {
  const { ticket, articleId, at } = mail
  const recipients = [...mail.to, ...mail.cc, ...mail.bcc].map((address) => address.address)
  const from = systemAddressOf(deps.config, ticket.queue)
  const messageId = ownMessageId(deps.config, articleId, ticket.number)
  const uploads = await storeUploads(deps, ticket.number, articleId, mail.uploads)
  const forwardedParts = await Promise.all(mail.forwarded.map(async (attachment) => ({ name: attachment.name, contentType: attachment.contentType, content: await deps.attachments.get(attachment.blobKey) })))
  const subject = plainTextLine(mail.subject, 998)
  const raw = await composeMail({
    from: { address: from.address, name: from.displayName },
    to: mail.to.map(formatAddress),
    cc: mail.cc.map(formatAddress),
    subject: subject,
    text: mail.body,
    messageId,
    inReplyTo: mail.inReplyTo,
    references: mail.references,
    date: at,
    attachments: [...forwardedParts, ...uploads.parts],
  })
  const rawBlobKey = outboundRawKey(ticket.number, articleId)
  await deps.attachments.put(rawBlobKey, raw, { contentType: 'message/rfc822' })
  const attachments = [...mail.forwarded.map((attachment, index) => ({ ...attachment, id: String(index + 1) })), ...uploads.attachments.map((attachment, index) => ({ ...attachment, id: String(mail.forwarded.length + index + 1) }))]
  return {
    id: articleId,
    ticketNumber: ticket.number,
    sender: 'agent',
    channel: 'email',
    visibleToCustomer: true,
    from: from.displayName ? `${from.displayName} <${from.address}>` : from.address,
    to: mail.to.map(formatAddress).join(', '),
    cc: mail.cc.map(formatAddress).join(', '),
    replyTo: null,
    subject: subject,
    bodyText: mail.body,
    bodyTextBlobKey: null,
    htmlBlobKey: null,
    messageId,
    inReplyTo: mail.inReplyTo,
    references: mail.references,
    attachments,
    rawBlobKey,
    createdAt: at.toISOString(),
    createdBy: identity.login,
    transmission: { status: 'queued', attempts: 0, error: null, changedAt: at.toISOString(), providerMessageId: null, sender: from.address, recipients },
    notes: [],
  }
}

async function prepareNote(deps: AgentArticleDeps, identity: AgentIdentity, thread: TicketThread, input: AgentArticleInput, at: Date): Promise<Article> {
  const composed = composeArticle(deps.config, identity, thread, input.type, { articleId: input.articleId, templateId: input.templateId })
  const body = input.body ?? composed.body
  if (!body.trim()) throw invalidRequest('must not be empty (a single "." is fine)', 'body.body')
  const note = internalNote(identity, thread.ticket.number, body, at, plainTextLine(input.subject ?? composed.subject, 998))
  // OTRS phone call inbound: the article is the customer's (a customer contact for the SLA's update time), written down by the agent.
  const fromCustomer = input.type === 'phone' && input.direction === 'inbound'
  // Notes and phone calls keep files too (OTRS: attachments on any article).
  const uploads = await storeUploads(deps, thread.ticket.number, note.id, input.attachments ?? [])
  return {
    ...note,
    attachments: uploads.attachments,
    channel: input.type === 'phone' ? 'phone' : 'note',
    visibleToCustomer: input.type !== 'note',
    ...(fromCustomer ? { sender: 'customer' as const } : {}),
    from: fromCustomer ? (thread.ticket.customer ?? agentName(identity)) : input.type === 'phone' ? agentName(identity) : note.from,
  }
}

/** Re-sends the customer's original mail unchanged (OTRS: Bounce), marked with Resent-* headers (RFC 5322). */
async function prepareBounce(deps: AgentArticleDeps, identity: AgentIdentity, thread: TicketThread, input: AgentArticleInput, id: string, at: Date): Promise<OutboundMailRecord> {
  const base = baseArticle(thread, input.articleId)
  if (!base?.rawBlobKey || base.sender !== 'customer') throw conflict('only a mail a customer sent can be bounced')
  const to = addresses(input.to)
  if (to.length === 0) throw invalidRequest('a bounce needs a recipient', 'body.to')
  const from = systemAddressOf(deps.config, thread.ticket.queue)
  const original = await deps.rawMail.get(base.rawBlobKey)
  const resent = [
    `Resent-From: ${from.address}`,
    `Resent-To: ${to.map((address) => address.address).join(', ')}`,
    `Resent-Date: ${at.toUTCString().replace('GMT', '+0000')}`,
    `Resent-Message-ID: <${ownMessageId(deps.config, id, thread.ticket.number)}>`,
  ].join('\r\n')
  const rawBlobKey = `outbound/${thread.ticket.number}/${id}.bounce.eml`
  await deps.attachments.put(rawBlobKey, Buffer.concat([Buffer.from(`${resent}\r\n`), original]), { contentType: 'message/rfc822' })
  return queuedMailRecord(
    {
      id,
      kind: 'bounce',
      ticketNumber: thread.ticket.number,
      rawBlobKey,
      sender: from.address,
      recipients: to.map((address) => address.address),
      subject: base.subject,
    },
    at,
  )
}

/** A failed outgoing mail, queued again (the outbox relay sends it once this is committed). */
export async function resendArticle(deps: AgentArticleDeps, identity: AgentIdentity, number: string, articleId: string): Promise<Article> {
  const thread = await deps.tickets.getThread(number)
  if (!thread) throw notFound(`ticket ${number}`)
  assertRight(deps.config, identity.agent, thread.ticket, 'rw')
  const article = thread.articles.find((candidate) => candidate.id === articleId && candidate.ticketNumber === number)
  if (!article) throw notFound(`article ${articleId}`)
  const transmission = article.transmission
  if (!transmission) throw conflict('this article is not a mail we send')
  // "uncertain": the provider may have the mail; sending it again is the agent's call.
  if (transmission.status !== 'failed' && transmission.status !== 'uncertain') throw conflict(`this mail is ${transmission.status}; only failed mails, or mails whose delivery is uncertain, can be sent again`)
  const at = deps.clock.now()
  if (!(await deps.tickets.updateTransmission(number, articleId, { ...transmission, status: 'queued', changedAt: at.toISOString() }, transmission))) {
    throw conflict('the mail changed meanwhile; reload the ticket')
  }
  await changeTicket(deps, number, (ticket, changedAt) => ({
    change: { ticket: nextVersion(ticket, changedAt, {}), expectedVersion: ticket.version, newArticles: [], messageIds: [], history: [historyEntry('Misc', identity.login, changedAt, `Mail "${article.subject}" queued for sending again (it had ${transmission.status === 'uncertain' ? 'an uncertain delivery' : 'failed'}: ${transmission.error ?? 'unknown error'})`)] },
    result: undefined,
  }))
  return { ...article, transmission: { ...transmission, status: 'queued' } }
}
