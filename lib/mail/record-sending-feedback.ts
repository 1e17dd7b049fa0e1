import type { SesSendingEvent } from '../../schemas/events.ts'
import { newId } from '../platform/ids.ts'
import type { DocketLogger } from '../platform/logger.ts'
import { DuplicateIngestError } from '../ticket/errors.ts'
import type { Article, HistoryType } from '../ticket/model.ts'
import type { IngestIdentity, IngestRecord } from '../ticket/ports.ts'
import { historyEntry, nextVersion } from '../ticket/ticket-rules.ts'
import { changeTicket, type TicketServiceDeps } from '../ticket/ticket-service.ts'
import { deliveryFailedMessage, failedRecipient, markRecipientsUndeliverable, ticketOfBouncedMail, type FailedRecipient } from './delivery-status.ts'
import type { MailStateStore } from './ports.ts'

export interface SendingFeedbackDeps extends TicketServiceDeps {
  mailState: MailStateStore
  logger: DocketLogger
}

/** What the mail provider reported about one mail we sent, after it took the mail. */
export interface SendingFeedback {
  kind: 'bounce' | 'complaint' | 'reject'
  /** The provider's id of this report: the same report delivered again has the same id. */
  feedbackId: string
  /** The provider's id of the mail (the sent record's providerMessageId). */
  providerMessageId: string
  /** Our Message-ID of the mail, as we handed it to the provider. */
  originalMessageId: string | null
  originalSubject: string | null
  recipients: FailedRecipient[]
  /** Hard bounces and complaints: the recipients must not get automatic mail again. */
  final: boolean
  /** How the provider classed it, for people: "permanent bounce (General)", "complaint (abuse)". */
  classification: string
  reportingMta: string | null
  reportedAt: string
}

export interface SendingFeedbackOutcome {
  /** recorded: on the mail's ticket; no-ticket: the mail is not a ticket's (logged, addresses still marked); duplicate: recorded before. */
  action: 'recorded' | 'no-ticket' | 'duplicate' | 'ignored'
  ticketNumber: string | null
  articleId: string | null
  /** Addresses marked undeliverable by this report. */
  undeliverable: string[]
}

const headerValue = (headers: { name: string; value: string }[], name: string) => headers.find((header) => header.name.toLowerCase() === name)?.value ?? null

/** The SES event as a provider-neutral report; null for events Docket does not act on (deliveries, sends, opens…). */
export function readSesFeedback(event: SesSendingEvent): SendingFeedback | null {
  if (!('mail' in event)) return null
  const { mail } = event
  const messageId = headerValue(mail.headers, 'message-id')
  const base = {
    providerMessageId: mail.messageId,
    originalMessageId: messageId ? messageId.replace(/^.*?<|>.*$/g, '').trim() || null : null,
    originalSubject: mail.commonHeaders?.subject ?? headerValue(mail.headers, 'subject'),
  }
  switch (event.eventType) {
    case 'Bounce': {
      const { bounce } = event
      return {
        ...base,
        kind: 'bounce',
        feedbackId: bounce.feedbackId,
        recipients: bounce.bouncedRecipients.map((recipient) => failedRecipient(recipient.emailAddress, recipient.status, recipient.diagnosticCode)),
        final: bounce.bounceType === 'Permanent',
        classification: `${bounce.bounceType.toLowerCase()} bounce${bounce.bounceSubType ? ` (${bounce.bounceSubType})` : ''}`,
        reportingMta: bounce.reportingMTA ?? null,
        reportedAt: bounce.timestamp,
      }
    }
    case 'Complaint': {
      const { complaint } = event
      const type = complaint.complaintFeedbackType ?? complaint.complaintSubType
      return {
        ...base,
        kind: 'complaint',
        feedbackId: complaint.feedbackId,
        recipients: complaint.complainedRecipients.map((recipient) => failedRecipient(recipient.emailAddress, undefined, undefined)),
        final: true,
        classification: `complaint${type ? ` (${type})` : ''}`,
        reportingMta: null,
        reportedAt: complaint.timestamp,
      }
    }
    case 'Reject':
      // SES refused the mail after taking it (a virus): nothing went out; the addresses are fine.
      return {
        ...base,
        kind: 'reject',
        feedbackId: `reject-${mail.messageId}`,
        recipients: (mail.destination ?? []).map((address) => failedRecipient(address, undefined, event.reject.reason)),
        final: false,
        classification: `rejected by the mail provider (${event.reject.reason})`,
        reportingMta: null,
        reportedAt: mail.timestamp,
      }
  }
}

/**
 * A report is recorded like an inbound mail, by the same dedupe record (written in the transaction
 * that records it on the ticket), keyed by the provider's feedback id: delivered twice, recorded once.
 */
function feedbackIdentity(feedback: SendingFeedback): IngestIdentity {
  return { bucket: 'ses-feedback', objectKey: feedback.feedbackId, contentHash: `ses-feedback:${feedback.feedbackId}` }
}

/** The history line, worded as the DSN path words a bounce. */
function historyLine(feedback: SendingFeedback): { type: HistoryType; message: string } {
  switch (feedback.kind) {
    case 'bounce':
      return { type: 'Bounce', message: deliveryFailedMessage(feedback.recipients, feedback.final ? undefined : `${feedback.classification}, address kept`) }
    case 'complaint':
      return { type: 'Misc', message: `Complaint from ${feedback.recipients.map((entry) => entry.address).join(', ')} (${feedback.classification}): marked undeliverable` }
    case 'reject':
      return { type: 'Bounce', message: `Delivery failed: ${feedback.classification}` }
  }
}

/** The report as a thread entry only agents see, like the DSN a mail server sends back. */
function feedbackArticle(feedback: SendingFeedback, ticketNumber: string, articleId: string, at: Date): Article {
  const headline = { bounce: 'Delivery failed', complaint: 'Complaint', reject: 'Not delivered' }[feedback.kind]
  const lines = [
    `Amazon SES reports a ${feedback.classification} for the mail "${feedback.originalSubject ?? '(no subject)'}"${feedback.originalMessageId ? ` <${feedback.originalMessageId}>` : ''}.`,
    '',
    ...feedback.recipients.map((entry) => `  ${entry.address}${entry.status ? ` ${entry.status}` : ''}${entry.diagnostic ? `: ${entry.diagnostic}` : ''}`),
    '',
    feedback.final ? 'These addresses are marked undeliverable: no automatic mail goes to them any more.' : 'The addresses are kept: a later mail may reach them.',
    ...(feedback.reportingMta ? [`Reporting MTA: ${feedback.reportingMta}`] : []),
    `Reported at ${feedback.reportedAt}; SES message id ${feedback.providerMessageId}; feedback id ${feedback.feedbackId}.`,
  ]
  return {
    id: articleId,
    ticketNumber,
    sender: 'system',
    channel: 'note',
    visibleToCustomer: false,
    from: 'Amazon SES',
    to: '',
    cc: '',
    replyTo: null,
    subject: `${headline}: ${feedback.originalSubject ?? '(no subject)'}`.slice(0, 250),
    bodyText: lines.join('\n'),
    bodyTextBlobKey: null,
    htmlBlobKey: null,
    messageId: null,
    inReplyTo: null,
    references: [],
    attachments: [],
    rawBlobKey: null,
    createdAt: at.toISOString(),
    createdBy: null,
    transmission: null,
    notes: [],
  }
}

/**
 * Records what the mail provider reported about a mail we sent (SES bounce, complaint, reject):
 * the same outcome as a DSN that comes back by mail. On the mail's ticket: an entry in the thread
 * for agents and a history line; no state changes. Hard bounces and complaints mark the addresses
 * undeliverable; transient bounces are recorded only.
 *
 * The report is trusted (it comes from the provider, not from a stranger's mail), so its addresses
 * are marked even when the mail is no ticket's (a password-reset mail, headers SES cut short): the
 * provider says they do not take mail. Idempotent per report: the dedupe record is written before
 * the addresses are marked, and marking counts each report once per address, so a redelivery
 * that finds the record marks again what a crash may have left unmarked, and counts nothing twice.
 */
export async function recordSendingFeedback(deps: SendingFeedbackDeps, feedback: SendingFeedback): Promise<SendingFeedbackOutcome> {
  const identity = feedbackIdentity(feedback)
  const undeliverable = feedback.final ? feedback.recipients : []
  const earlier = await deps.tickets.findIngest(identity)
  if (earlier) return duplicate(deps, feedback, earlier, undeliverable)

  const log = { feedbackId: feedback.feedbackId, providerMessageId: feedback.providerMessageId, kind: feedback.kind, classification: feedback.classification, recipients: feedback.recipients.map((entry) => entry.address) }
  const ticketNumber = await ticketOfBouncedMail(deps, { messageId: feedback.originalMessageId, subject: feedback.originalSubject })
  const record = (at: Date, fields: Pick<IngestRecord, 'action' | 'ticketNumber' | 'articleId' | 'queue'>): IngestRecord => ({ ...fields, rawBlobKey: null, at: at.toISOString(), reason: `ses-${feedback.kind}` })
  let outcome: SendingFeedbackOutcome
  try {
    if (ticketNumber) {
      outcome = await changeTicket(deps, ticketNumber, (ticket, at) => {
        const articleId = newId(at)
        const line = historyLine(feedback)
        return {
          change: {
            ticket: nextVersion(ticket, at, { articleCount: ticket.articleCount + 1 }),
            expectedVersion: ticket.version,
            newArticles: [feedbackArticle(feedback, ticketNumber, articleId, at)],
            history: [historyEntry(line.type, 'system', at, line.message)],
            messageIds: [],
            ingest: { identity, record: record(at, { action: 'followup', ticketNumber, articleId, queue: ticket.queue }) },
          },
          result: { action: 'recorded' as const, ticketNumber, articleId, undeliverable: undeliverable.map((entry) => entry.address) },
        }
      })
      deps.logger.info('sending feedback recorded on the ticket', { ...log, ticketNumber })
    } else {
      const recorded = await deps.tickets.recordIngest(identity, record(deps.clock.now(), { action: 'ignored', ticketNumber: null, articleId: null, queue: null }))
      if (!recorded) throw new DuplicateIngestError()
      outcome = { action: 'no-ticket', ticketNumber: null, articleId: null, undeliverable: undeliverable.map((entry) => entry.address) }
      // Not an error: mail of no ticket (a password reset), or one whose headers SES cut short.
      deps.logger.info('sending feedback for a mail of no ticket', { ...log, originalMessageId: feedback.originalMessageId })
    }
  } catch (error) {
    if (!(error instanceof DuplicateIngestError)) throw error
    const concurrent = await deps.tickets.findIngest(identity)
    if (!concurrent) throw error
    return duplicate(deps, feedback, concurrent, undeliverable)
  }
  await markRecipientsUndeliverable(deps.mailState, undeliverable, deps.clock.now(), identity.contentHash)
  return outcome
}

/** Recorded before: the marks are applied again (counted once per report), for a crash between the record and the marks. */
async function duplicate(deps: SendingFeedbackDeps, feedback: SendingFeedback, earlier: IngestRecord, undeliverable: FailedRecipient[]): Promise<SendingFeedbackOutcome> {
  const markedNow = await markRecipientsUndeliverable(deps.mailState, undeliverable, deps.clock.now(), feedbackIdentity(feedback).contentHash)
  deps.logger.info('sending feedback recorded before', { feedbackId: feedback.feedbackId, ticketNumber: earlier.ticketNumber, markedNow })
  return { action: 'duplicate', ticketNumber: earlier.ticketNumber, articleId: earlier.articleId, undeliverable: markedNow }
}

/** The entry point of the ses-feedback function: one SES event, as the queue delivered it. */
export async function recordSesEvent(deps: SendingFeedbackDeps, event: SesSendingEvent): Promise<SendingFeedbackOutcome> {
  const feedback = readSesFeedback(event)
  if (!feedback) {
    deps.logger.debug('SES event not acted on', { eventType: event.eventType })
    return { action: 'ignored', ticketNumber: null, articleId: null, undeliverable: [] }
  }
  return recordSendingFeedback(deps, feedback)
}
