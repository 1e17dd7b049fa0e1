import type { BlobStore } from '../blobs/ports.ts'
import { firstStateOfType } from '../platform/config.ts'
import { newId } from '../platform/ids.ts'
import { DuplicateIngestError } from '../ticket/errors.ts'
import type { Ticket } from '../ticket/model.ts'
import type { IngestAction, IngestIdentity, IngestRecord } from '../ticket/ports.ts'
import { historyEntry, nextVersion, stateAfterCustomerFollowUp } from '../ticket/ticket-rules.ts'
import { changeTicket, createTicket, type TicketServiceDeps } from '../ticket/ticket-service.ts'
import { mailContentHash } from './mail-identity.ts'
import { customerArticleFromMail, storeMailParts } from './mail-article.ts'
import { formatAddress, parseMail, type InboundMail } from './parse-mail.ts'
import { control, runPostmaster, type PostmasterContext, type PostmasterDeps } from './postmaster/pipeline.ts'
import { postmasterFilters } from './postmaster/filters.ts'

export interface IngestDeps extends TicketServiceDeps, Omit<PostmasterDeps, 'tickets'> {
  rawMail: BlobStore
  attachments: BlobStore
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

/** Metadata key under which the local SMTP server keeps the envelope recipients of a stored mail. */
export const envelopeRecipientsMetadata = 'envelope-recipients'

const fromRecord = (action: IngestAction, record: IngestRecord): IngestOutcome => ({
  action,
  ticketNumber: record.ticketNumber,
  articleId: record.articleId,
  queue: record.queue,
  reason: record.reason,
})

/**
 * Ingests one stored raw mail. Idempotent per stored object and per content: the dedupe record is
 * written in the same transaction as the article, so a mail delivered any number of times, even
 * concurrently, makes exactly one article; later deliveries answer "duplicate".
 */
export async function ingestStoredMail(deps: IngestDeps, stored: StoredMail): Promise<IngestOutcome> {
  const raw = await deps.rawMail.get(stored.key)
  const identity: IngestIdentity = { bucket: stored.bucket, objectKey: stored.key, contentHash: mailContentHash(raw) }
  const earlier = await deps.tickets.findIngest(identity)
  if (earlier) return fromRecord('duplicate', earlier)

  const info = await deps.rawMail.head(stored.key)
  const envelopeRecipients = (info?.metadata[envelopeRecipientsMetadata] ?? '').split(',').filter(Boolean)
  const mail = await parseMail(raw)
  const decision = await runPostmaster(postmasterFilters, { mail, envelopeRecipients }, deps)
  const queue = decision.controls.get(control.queue) ?? deps.config.mail.defaultQueue
  const parts = await storeMailParts(deps.attachments, identity.contentHash, mail)
  const sender = mail.from ? formatAddress(mail.from) : ''
  const customerEmail = mail.from?.address.toLowerCase() ?? null

  try {
    if (decision.followUp) {
      return await appendFollowUp(deps, decision, { mail, parts, identity, stored, sender, customerEmail })
    }
    const created = await createTicket(deps, (number, at) => {
      const articleId = newId(at)
      const article = customerArticleFromMail(mail, parts, { articleId, ticketNumber: number, rawBlobKey: stored.key, at, from: sender })
      const newState = firstStateOfType(deps.config, 'new')
      const ticket: Ticket = {
        number,
        title: mail.subject.slice(0, 255) || '(no subject)',
        queue,
        state: newState,
        stateType: 'new',
        priority: 3,
        lock: 'unlock',
        owner: null,
        responsible: null,
        customer: customerEmail,
        customerId: customerEmail?.split('@')[1] ?? null,
        createdAt: at.toISOString(),
        changedAt: at.toISOString(),
        pendingUntil: null,
        mergedInto: null,
        version: 1,
        articleCount: 1,
      }
      const by = customerEmail ?? 'system'
      return {
        ticket,
        expectedVersion: null,
        newArticles: [article],
        history: [
          historyEntry('NewTicket', by, at, `New ticket [${number}] created (${decision.trace.join('; ')})`),
          historyEntry('EmailCustomer', by, at, `Email from ${sender || 'unknown sender'}`),
        ],
        messageIds: mail.messageId ? [{ messageId: mail.messageId, articleId }] : [],
        ingest: { identity, record: ingestRecord('created', number, articleId, queue, stored.key, at) },
        ...(customerEmail
          ? { customer: { email: customerEmail, name: mail.from?.name || customerEmail, customerId: customerEmail.split('@')[1] ?? customerEmail, createdAt: at.toISOString() } }
          : {}),
      }
    })
    return { action: 'created', ticketNumber: created.ticket.number, articleId: created.newArticles[0]!.id, queue: created.ticket.queue, reason: null }
  } catch (error) {
    if (error instanceof DuplicateIngestError) {
      const record = await deps.tickets.findIngest(identity)
      if (record) return fromRecord('duplicate', record)
    }
    throw error
  }
}

function ingestRecord(action: IngestRecord['action'], ticketNumber: string | null, articleId: string | null, queue: string | null, rawBlobKey: string, at: Date, reason: string | null = null): IngestRecord {
  return { action, ticketNumber, articleId, queue, rawBlobKey, at: at.toISOString(), reason }
}

async function appendFollowUp(
  deps: IngestDeps,
  decision: PostmasterContext,
  mailing: { mail: InboundMail; parts: Awaited<ReturnType<typeof storeMailParts>>; identity: IngestIdentity; stored: StoredMail; sender: string; customerEmail: string | null },
): Promise<IngestOutcome> {
  const number = decision.followUp!.ticketNumber
  return changeTicket(deps, number, (ticket, at) => {
    const articleId = newId(at)
    const article = customerArticleFromMail(mailing.mail, mailing.parts, { articleId, ticketNumber: number, rawBlobKey: mailing.stored.key, at, from: mailing.sender })
    const state = stateAfterCustomerFollowUp(deps.config, ticket)
    const stateType = deps.config.states.find((candidate) => candidate.name === state)!.type
    const updated = nextVersion(ticket, at, { state, stateType, articleCount: ticket.articleCount + 1, pendingUntil: stateType.startsWith('pending') ? ticket.pendingUntil : null })
    const by = mailing.customerEmail ?? 'system'
    const history = [historyEntry('FollowUp', by, at, `FollowUp for [${number}] (${decision.trace.join('; ')})`)]
    if (state !== ticket.state) {
      history.push(historyEntry('StateUpdate', by, at, `Old: "${ticket.state}" New: "${state}"`, { state: { before: ticket.state, after: state } }))
    }
    return {
      change: {
        ticket: updated,
        expectedVersion: ticket.version,
        newArticles: [article],
        history,
        messageIds: mailing.mail.messageId ? [{ messageId: mailing.mail.messageId, articleId }] : [],
        ingest: { identity: mailing.identity, record: ingestRecord('followup', number, articleId, ticket.queue, mailing.stored.key, at) },
      },
      result: { action: 'followup' as const, ticketNumber: number, articleId, queue: ticket.queue, reason: null },
    }
  })
}
