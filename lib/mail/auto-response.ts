import type { BlobStore } from '../blobs/ports.ts'
import { findQueue, systemAddressOf, type DocketConfig } from '../platform/config.ts'
import { newId } from '../platform/ids.ts'
import { queuedMailRecord, type Article, type OutboundMailRecord, type Ticket } from '../ticket/model.ts'
import { buildTicketSubject } from '../ticket/subject.ts'
import { composeMail } from './compose-mail.ts'
import type { MailStateStore } from './ports.ts'
import type { PostmasterContext } from './postmaster/pipeline.ts'
import { renderTemplate } from './render-template.ts'
import { ownMessageId } from './message-id.ts'
import type { InboundMail } from './parse-mail.ts'
import { formatAddress } from './mail-address.ts'

export type AutoResponseOccasion = 'newTicket' | 'followUp' | 'reject'

export interface AutoResponseDeps {
  config: DocketConfig
  attachments: BlobStore
  mailState: MailStateStore
}

/** Headers on every mail we generate: RFC 3834 plus the ones other helpdesks and Exchange honour. */
export const generatedMailHeaders = (kind: 'auto-replied' | 'auto-generated') => ({
  'Auto-Submitted': kind,
  'X-Auto-Response-Suppress': 'All',
  'X-Docket-Loop': 'yes',
})

export interface PreparedAutoResponse {
  name: string
  raw: Buffer
  rawBlobKey: string
  messageId: string
  from: string
  fromAddress: string
  to: string
  recipient: string
  subject: string
  body: string
}

/** Whom an auto response answers and what it refers to: a mail, or a ticket an agent opened for a caller. */
export interface AutoResponseRequest {
  recipient: { address: string; name: string }
  /** The customer's subject ({{mail.subject}}). */
  subject: string
  inReplyTo: string | null
  references: string[]
  /** Why this must not be answered at all (an auto-generated mail, spam …); null when it may be. */
  blockedBecause: string | null
  /** Where to record what was decided (the postmaster trace), if anywhere. */
  trace?: string[]
}

/**
 * An auto response for this mail on this occasion, or null with the reason in the trace: none
 * configured for the queue, a mail that must not be answered (auto-generated, spam, a bounce, a
 * stranger's per the stranger guard), no From address to answer, an undeliverable address, or a
 * loop cap reached (per address per day, per ticket per 10 minutes). It goes to the From only.
 */
export function prepareAutoResponse(
  deps: AutoResponseDeps,
  occasion: AutoResponseOccasion,
  context: PostmasterContext,
  mail: InboundMail,
  ticket: Ticket,
  at: Date,
): Promise<PreparedAutoResponse | { skipped: string } | null> {
  // Backscatter: an auto response goes to the mail's From, never to a Reply-To its sender typed in.
  // No mail carries an authentication verdict we act on yet (SPF/DKIM/DMARC), so it is always the
  // From; a mail without a usable From (the sender taken from Sender, Reply-To or the envelope) gets none.
  const blockedBecause =
    context.noAutoResponse ??
    (context.sender.source !== 'From' ? 'the mail has no usable From address to answer (an auto response goes to the From only)' : null)
  return prepareAutoResponseTo(
    deps,
    occasion,
    {
      recipient: { address: context.sender.address, name: context.sender.name },
      subject: mail.subject,
      inReplyTo: mail.messageId,
      references: [...mail.references.slice(-20), ...(mail.messageId ? [mail.messageId] : [])],
      blockedBecause,
      trace: context.trace,
    },
    ticket,
    at,
  )
}

/** The auto response of the ticket's queue for this occasion to one recipient (mail or not), with the same caps. */
export async function prepareAutoResponseTo(
  deps: AutoResponseDeps,
  occasion: AutoResponseOccasion,
  request: AutoResponseRequest,
  ticket: Ticket,
  at: Date,
): Promise<PreparedAutoResponse | { skipped: string } | null> {
  const name = findQueue(deps.config, ticket.queue)?.autoResponses[occasion]
  const template = name ? deps.config.autoResponses.find((candidate) => candidate.name === name) : undefined
  if (!template) return null
  const skip = (reason: string) => {
    const skipped = `auto response "${template.name}" not sent: ${reason}`
    request.trace?.push(skipped)
    return { skipped }
  }
  if (request.blockedBecause) return skip(request.blockedBecause)
  const { recipient } = request
  if ((await deps.mailState.addressStatus(recipient.address))?.undeliverable) return skip(`${recipient.address} is undeliverable`)
  const limits = deps.config.mail.autoResponseLimits
  if (autoResponsesInWindow(ticket, at) >= limits.perTicketPer10Minutes) return skip(`${limits.perTicketPer10Minutes} auto responses on this ticket in 10 minutes already`)
  if (!(await deps.mailState.reserveAutoResponse(recipient.address, at, limits.perAddressPerDay))) return skip(`${limits.perAddressPerDay} auto responses to ${recipient.address} today already`)
  const variables = {
    'ticket.number': ticket.number,
    'ticket.title': ticket.title,
    'customer.name': recipient.name || recipient.address,
    'customer.email': recipient.address,
    'queue.name': ticket.queue,
    'mail.subject': request.subject,
  }
  const from = systemAddressOf(deps.config, ticket.queue)
  const id = newId(at)
  const messageId = ownMessageId(deps.config, id, ticket.number)
  const subject = buildTicketSubject(renderTemplate(template.subject, variables), deps.config.ticket.hook, ticket.number, 'Re')
  const body = renderTemplate(template.body, variables)
  const to = formatAddress(recipient)
  const raw = await composeMail({
    from: { address: from.address, name: from.displayName },
    to: [to],
    cc: [],
    subject,
    text: body,
    messageId,
    inReplyTo: request.inReplyTo,
    references: request.references,
    date: at,
    headers: generatedMailHeaders('auto-replied'),
  })
  const rawBlobKey = `outbound/${ticket.number}/${id}.eml`
  await deps.attachments.put(rawBlobKey, raw, { contentType: 'message/rfc822' })
  request.trace?.push(`auto response "${template.name}" to ${recipient.address}`)
  return { name: template.name, raw, rawBlobKey, messageId, from: from.displayName ? `${from.displayName} <${from.address}>` : from.address, fromAddress: from.address, to, recipient: recipient.address, subject, body }
}

const windowOf = (at: Date) => String(Math.floor(at.getTime() / 600_000))

/** Auto responses on this ticket in the current 10-minute window (kept on the ticket item: no extra write). */
export function autoResponsesInWindow(ticket: Ticket, at: Date): number {
  return ticket.autoResponses?.window === windowOf(at) ? ticket.autoResponses.count : 0
}

/** The ticket's auto-response count after sending one now. */
export function countAutoResponse(ticket: Ticket, at: Date): Ticket['autoResponses'] {
  return { window: windowOf(at), count: autoResponsesInWindow(ticket, at) + 1 }
}

/** The auto response as a system article of the ticket (visible to the customer, as in OTRS). */
export function autoResponseArticle(response: PreparedAutoResponse, ticketNumber: string, inReplyTo: string | null, at: Date): Article {
  return {
    id: response.rawBlobKey.split('/').pop()!.replace(/\.eml$/, ''),
    ticketNumber,
    sender: 'system',
    channel: 'email',
    visibleToCustomer: true,
    from: response.from,
    to: response.to,
    cc: '',
    replyTo: null,
    subject: response.subject,
    bodyText: response.body,
    bodyTextBlobKey: null,
    htmlBlobKey: null,
    messageId: response.messageId,
    inReplyTo,
    references: inReplyTo ? [inReplyTo] : [],
    attachments: [],
    rawBlobKey: response.rawBlobKey,
    createdAt: at.toISOString(),
    createdBy: null,
    transmission: { status: 'queued', attempts: 0, error: null, changedAt: at.toISOString(), providerMessageId: null, sender: response.fromAddress, recipients: [response.recipient] },
    notes: [`Auto response "${response.name}"`],
  }
}

/** A rejected follow-up changes no ticket: its answer is a mail of its own. */
export function autoResponseMail(response: PreparedAutoResponse, ticketNumber: string, at: Date): OutboundMailRecord {
  return queuedMailRecord(
    {
      id: response.rawBlobKey.split('/').pop()!.replace(/\.eml$/, ''),
      kind: 'reject-response',
      ticketNumber,
      rawBlobKey: response.rawBlobKey,
      sender: response.fromAddress,
      recipients: [response.recipient],
      subject: response.subject,
    },
    at,
  )
}
