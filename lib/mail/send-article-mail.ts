import type { BlobStore } from '../blobs/ports.ts'
import type { Clock } from '../platform/clock.ts'
import type { DocketLogger } from '../platform/logger.ts'
import type { TicketStore } from '../ticket/ports.ts'
import type { TransmissionStatus } from '../ticket/model.ts'
import type { OutboundMessage } from '../../schemas/messages.ts'
import { MailNotSentError, MailSendThrottledError, SendInFlightError } from './errors.ts'
import type { MailSender } from './ports.ts'

export interface SendArticleDeps {
  tickets: TicketStore
  attachments: BlobStore
  mailSender: MailSender
  clock: Clock
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
  write(next: SendState & { error: string | null; providerMessageId?: string | null }, expected: SendState | null): Promise<boolean>
  reread(): Promise<SendState | undefined>
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
  let providerMessageId: string
  try {
    ;({ providerMessageId } = await deps.mailSender.send({ raw, from: record.sender, recipients: record.recipients, idempotencyKey: record.idempotencyKey }))
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
  await record.write({ status: 'sent', attempts: claim.attempts, leaseUntil: null, error: null, providerMessageId }, null)
  deps.logger.info('mail sent', { what: record.what, providerMessageId })
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

export async function sendArticleMail(deps: SendArticleDeps, ticketNumber: string, articleId: string): Promise<SendOutcome> {
  const article = await deps.tickets.getArticle(ticketNumber, articleId)
  const transmission = article?.transmission
  if (!article || !transmission || !article.rawBlobKey) {
    deps.logger.warn('outbound message for an article with nothing to send', { ticketNumber, articleId })
    return 'nothing-to-send'
  }
  return deliver(deps, {
    what: `article ${articleId} of ticket ${ticketNumber}`,
    state: transmission,
    rawBlobKey: article.rawBlobKey,
    sender: transmission.sender,
    recipients: transmission.recipients,
    idempotencyKey: articleId,
    write: (next, expected) =>
      deps.tickets.updateTransmission(ticketNumber, articleId, { ...transmission, ...next, providerMessageId: next.providerMessageId ?? transmission.providerMessageId, changedAt: deps.clock.now().toISOString() }, expected),
    reread: async () => (await deps.tickets.getArticle(ticketNumber, articleId))?.transmission ?? undefined,
  })
}

export async function sendOutboundMail(deps: SendArticleDeps, id: string): Promise<SendOutcome> {
  const mail = await deps.tickets.getOutboundMail(id)
  if (!mail) {
    deps.logger.warn('outbound message for an unknown mail', { outboundMailId: id })
    return 'nothing-to-send'
  }
  return deliver(deps, {
    what: `${mail.kind} mail ${id}`,
    state: mail,
    rawBlobKey: mail.rawBlobKey,
    sender: mail.sender,
    recipients: mail.recipients,
    idempotencyKey: id,
    write: (next, expected) =>
      deps.tickets.updateOutboundMail(id, { status: next.status, attempts: next.attempts, error: next.error, leaseUntil: next.leaseUntil ?? null, ...(next.providerMessageId ? { providerMessageId: next.providerMessageId } : {}), changedAt: deps.clock.now().toISOString() }, expected),
    reread: () => deps.tickets.getOutboundMail(id),
  })
}
