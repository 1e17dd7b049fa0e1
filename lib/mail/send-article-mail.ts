import type { BlobStore } from '../blobs/ports.ts'
import type { DocketLogger } from '../platform/logger.ts'
import { normalizeMessageId } from '../store/keys.ts'
import type { TransmissionStatus } from '../ticket/model.ts'
import { historyEntry, nextVersion } from '../ticket/ticket-rules.ts'
import { changeTicket, type TicketServiceDeps } from '../ticket/ticket-service.ts'
import type { OutboundMessage } from '../../schemas/messages.ts'
import { MailNotSentError, MailSendThrottledError, SendInFlightError } from './errors.ts'
import type { MailSender, SentMail } from './ports.ts'

export interface SendArticleDeps extends TicketServiceDeps {
  attachments: BlobStore
  mailSender: MailSender
  logger: DocketLogger
}

export type SendOutcome = 'sent' | 'already-sent' | 'nothing-to-send' | 'uncertain'

/**
 * How long one send attempt holds a mail: longer than the mail-send function may run (its
 * timeout), so a live attempt is never taken over; a retry that finds the lease still running
 * waits (SendInFlightError: the queue delivers it again later).
 */
export const sendLeaseMs = 2 * 60_000

/** A throttled send waits this long before its second attempt, twice that before its third, … */
export const throttledRetryBaseSeconds = 60
/** … and never longer than this (SES asks to wait up to 10 minutes; SQS allows 12 hours). */
export const throttledRetryMaxSeconds = 15 * 60

/**
 * When a failed send should be tried again (seconds from now), where that is known better than
 * the queue's fixed visibility timeout: a throttled send (rate or quota reached; the mail was not
 * taken and is recorded `failed`, so a retry may send it) backs off exponentially by delivery
 * count, with jitter so mails throttled together do not all return together. Anything else:
 * undefined, the queue's default.
 */
export function sendRetryDelaySeconds(error: unknown, receiveCount: number, random: () => number = Math.random): number | undefined {
  if (!(error instanceof MailSendThrottledError)) return undefined
  const ceiling = Math.min(throttledRetryMaxSeconds, throttledRetryBaseSeconds * 2 ** Math.max(0, receiveCount - 1))
  return Math.round(ceiling / 2 + (random() * ceiling) / 2)
}

/** The send state of one outgoing mail, wherever it is kept (an article's transmission, an outbound mail). */
interface SendState {
  status: TransmissionStatus
  attempts: number
  leaseUntil?: string | null | undefined
}

interface SendRecord {
  what: string
  state: SendState
  rawBlobKey: string
  sender: string
  recipients: string[]
  idempotencyKey: string
  /** Conditional on the state read: false when another attempt changed it first. */
  write(next: SendState & { error: string | null } & Partial<SentMail>, expected: SendState | null): Promise<boolean>
  reread(): Promise<SendState | undefined>
  /** Once the `sent` write is done: what else the provider's answer changes (the Message-ID replies quote). */
  afterSent?(sent: SentMail): Promise<void>
}

/**
 * Sends one outbound message's stored MIME, recording the attempt before and the outcome after,
 * each as a conditional write, because neither SES nor SMTP can recognise a repeated send:
 *
 * 1. `sent` → acknowledged, never sent again (a duplicate queue message, a retry after a timeout).
 * 2. `sending` with a running lease → another attempt is at it: retried later (SendInFlightError).
 * 3. claim: `sending`, attempts + 1, a lease; conditional on the state read, so of two concurrent
 *    deliveries only one sends.
 * 4. send → `sent` with the provider's message id. MailNotSentError (the provider refused it) →
 *    `failed`, rethrown: the queue retries, and a retry may send. Any other error (a timeout, a
 *    dropped connection) leaves open whether the provider took the mail → `uncertain`: not sent
 *    again by itself; an agent can resend it.
 * 5. A claim whose lease ran out without an outcome (the worker died between the provider's
 *    answer and the `sent` write) is also `uncertain`.
 *
 * With an idempotent sender (the local outbox: one file per mail) there is no such doubt: a stale
 * or running claim is simply sent again. The residual window for a duplicate is therefore only a
 * resend an agent chooses after `uncertain`; the window for a mail that needs an agent is the time
 * between the provider taking the mail and the `sent` write (a crash or a lost answer there).
 */
async function deliver(deps: SendArticleDeps, record: SendRecord): Promise<SendOutcome> {
  const now = deps.clock.now()
  const { state } = record
  if (state.status === 'sent') return 'already-sent'
  if (state.status === 'uncertain') return 'uncertain'
  const idempotent = deps.mailSender.idempotent
  if (state.status === 'sending' && !idempotent) {
    if (state.leaseUntil && state.leaseUntil > now.toISOString()) throw new SendInFlightError(record.what, state.leaseUntil)
    // The attempt that held it is gone without an outcome: the provider may have the mail.
    const recorded = await record.write({ status: 'uncertain', attempts: state.attempts, leaseUntil: null, error: 'an attempt ended without an answer from the mail provider; the mail may have been sent' }, state)
    deps.logger.warn('send outcome unknown; not sent again', { what: record.what, recorded })
    return recorded ? 'uncertain' : retryAfterRace(deps, record)
  }
  const raw = await deps.attachments.get(record.rawBlobKey)
  const claim: SendState = { status: 'sending', attempts: state.attempts + 1, leaseUntil: new Date(now.getTime() + sendLeaseMs).toISOString() }
  if (!(await record.write({ ...claim, error: null }, state))) return retryAfterRace(deps, record)
  let sent: SentMail
  try {
    sent = await deps.mailSender.send({ raw, from: record.sender, recipients: record.recipients, idempotencyKey: record.idempotencyKey })
  } catch (error) {
    const message = (error as Error).message
    if (error instanceof MailNotSentError || idempotent) {
      await record.write({ status: 'failed', attempts: claim.attempts, leaseUntil: null, error: message }, claim)
      throw error
    }
    await record.write({ status: 'uncertain', attempts: claim.attempts, leaseUntil: null, error: `no answer from the mail provider (${message}); the mail may have been sent` }, claim)
    deps.logger.warn('send outcome unknown; not sent again', { what: record.what, error: error as Error })
    return 'uncertain'
  }
  // Recorded whatever happened meanwhile: the mail went out, no later attempt may send it again.
  await record.write({ status: 'sent', attempts: claim.attempts, leaseUntil: null, error: null, ...sent }, null)
  deps.logger.info('mail sent', { what: record.what, providerMessageId: sent.providerMessageId, deliveredMessageId: sent.deliveredMessageId })
  await record.afterSent?.(sent)
  return 'sent'
}

/** Another attempt changed the state between our read and our write: look again. */
async function retryAfterRace(deps: SendArticleDeps, record: SendRecord): Promise<SendOutcome> {
  const current = await record.reread()
  if (!current) return 'nothing-to-send'
  if (current.status === 'sent') return 'already-sent'
  if (current.status === 'uncertain') return 'uncertain'
  throw new SendInFlightError(record.what, current.leaseUntil ?? deps.clock.now().toISOString())
}

export async function sendOutbound(deps: SendArticleDeps, message: OutboundMessage): Promise<SendOutcome> {
  return message.kind === 'send-article' ? sendArticleMail(deps, message.ticketNumber, message.articleId) : sendOutboundMail(deps, message.outboundMailId)
}

/**
 * SES replaces our Message-ID with its own, so a customer's reply quotes that one (In-Reply-To,
 * References), never ours: it goes into the message-id index the postmaster threads by, with a
 * history entry, through changeTicket. Our own id keeps threading as before (it names the ticket).
 * Run after the `sent` write and again when a redelivery finds the mail sent, so a crash between
 * the two writes is repaired by the queue's retry; `checkIndex` keeps that repair from writing twice.
 */
async function threadByDeliveredMessageId(
  deps: SendArticleDeps,
  mail: { ticketNumber: string | null; id: string; subject: string; ownMessageId: string | null },
  deliveredMessageId: string | null | undefined,
  checkIndex: boolean,
): Promise<void> {
  const { ticketNumber } = mail
  if (!ticketNumber || !deliveredMessageId || normalizeMessageId(deliveredMessageId) === normalizeMessageId(mail.ownMessageId ?? '')) return
  if (checkIndex) {
    const hits = await deps.tickets.findByMessageIds([deliveredMessageId])
    if (hits.some((hit) => hit.ticketNumber === ticketNumber && hit.articleId === mail.id)) return
  }
  if (!(await deps.tickets.get(ticketNumber))) {
    deps.logger.warn('sent mail of a ticket that is gone; its Message-ID is not indexed', { ticketNumber, id: mail.id, deliveredMessageId })
    return
  }
  const replacing = mail.ownMessageId ? `the mail provider set the Message-ID, not <${mail.ownMessageId}>` : 'the Message-ID the mail provider set'
  await changeTicket(deps, ticketNumber, (ticket, at) => ({
    change: {
      ticket: nextVersion(ticket, at, {}),
      expectedVersion: ticket.version,
      newArticles: [],
      history: [historyEntry('Misc', 'system', at, `Mail "${mail.subject}" went out as <${deliveredMessageId}> (${replacing}); replies thread by it`)],
      messageIds: [{ messageId: deliveredMessageId, articleId: mail.id }],
    },
    result: undefined,
  }))
}

export async function sendArticleMail(deps: SendArticleDeps, ticketNumber: string, articleId: string): Promise<SendOutcome> {
  const article = await deps.tickets.getArticle(ticketNumber, articleId)
  const transmission = article?.transmission
  if (!article || !transmission || !article.rawBlobKey) {
    deps.logger.warn('outbound message for an article with nothing to send', { ticketNumber, articleId })
    return 'nothing-to-send'
  }
  const indexed = { ticketNumber, id: articleId, subject: article.subject, ownMessageId: article.messageId }
  if (transmission.status === 'sent') await threadByDeliveredMessageId(deps, indexed, transmission.deliveredMessageId, true)
  return deliver(deps, {
    what: `article ${articleId} of ticket ${ticketNumber}`,
    state: transmission,
    rawBlobKey: article.rawBlobKey,
    sender: transmission.sender,
    recipients: transmission.recipients,
    idempotencyKey: articleId,
    write: ({ providerMessageId, deliveredMessageId, ...next }, expected) => {
      const delivered = deliveredMessageId ?? transmission.deliveredMessageId
      const changedAt = deps.clock.now().toISOString()
      const written = {
        ...transmission,
        ...next,
        providerMessageId: providerMessageId ?? transmission.providerMessageId,
        ...(delivered ? { deliveredMessageId: delivered } : {}),
        changedAt,
      }
      return deps.tickets.updateTransmission(ticketNumber, articleId, written, expected)
    },
    reread: async () => (await deps.tickets.getArticle(ticketNumber, articleId))?.transmission ?? undefined,
    afterSent: (sent) => threadByDeliveredMessageId(deps, indexed, sent.deliveredMessageId, false),
  })
}

export async function sendOutboundMail(deps: SendArticleDeps, id: string): Promise<SendOutcome> {
  const mail = await deps.tickets.getOutboundMail(id)
  if (!mail) {
    deps.logger.warn('outbound message for an unknown mail', { outboundMailId: id })
    return 'nothing-to-send'
  }
  // A mail of a ticket that its customer may answer (a reject response, a bounced mail) threads like an
  // article; agents' notifications do not (a write on the ticket per notified agent, for replies OTRS never threads).
  const indexed = { ticketNumber: mail.kind === 'notification' ? null : mail.ticketNumber, id, subject: mail.subject, ownMessageId: null }
  if (mail.status === 'sent') await threadByDeliveredMessageId(deps, indexed, mail.deliveredMessageId, true)
  return deliver(deps, {
    what: `${mail.kind} mail ${id}`,
    state: mail,
    rawBlobKey: mail.rawBlobKey,
    sender: mail.sender,
    recipients: mail.recipients,
    idempotencyKey: id,
    write: (next, expected) =>
      deps.tickets.updateOutboundMail(
        id,
        {
          status: next.status,
          attempts: next.attempts,
          error: next.error,
          leaseUntil: next.leaseUntil ?? null,
          ...(next.providerMessageId ? { providerMessageId: next.providerMessageId } : {}),
          ...(next.deliveredMessageId ? { deliveredMessageId: next.deliveredMessageId } : {}),
          changedAt: deps.clock.now().toISOString(),
        },
        expected,
      ),
    reread: () => deps.tickets.getOutboundMail(id),
    afterSent: (sent) => threadByDeliveredMessageId(deps, indexed, sent.deliveredMessageId, false),
  })
}
