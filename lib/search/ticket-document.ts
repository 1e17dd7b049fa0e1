import type { BlobStore } from '../blobs/ports.ts'
import { emptyBasis, escalationKinds, foldArticles } from '../ticket/escalation.ts'
import type { Article, Ticket, TicketThread } from '../ticket/model.ts'
import type { TicketDocument } from './ports.ts'

/** Attachments whose text is indexed: text-like types, the beginning of each. */
const textTypes = /^(text\/|application\/(json|xml|csv|x-sh|javascript))/
const maxAttachmentText = 64 * 1024
const maxFieldChars = 1_000_000

const joined = (articles: Article[], pick: (article: Article) => string) => articles.map(pick).filter(Boolean).join('\n').slice(0, maxFieldChars)

/** The search document of a ticket: its fields and the text of its own articles (merged tickets keep theirs). */
export async function ticketDocument(thread: TicketThread, attachments: BlobStore | null): Promise<TicketDocument> {
  const { ticket } = thread
  const articles = thread.articles
  const attachmentTexts: string[] = []
  for (const article of articles) {
    for (const attachment of article.attachments) {
      attachmentTexts.push(attachment.name)
      if (attachments && textTypes.test(attachment.contentType) && attachment.size <= 10 * 1024 * 1024) {
        const content = await attachments.get(attachment.blobKey).catch(() => null)
        if (content) attachmentTexts.push(content.subarray(0, maxAttachmentText).toString('utf8'))
      }
    }
  }
  return {
    number: ticket.number,
    version: ticket.version,
    title: ticket.title,
    queue: ticket.queue,
    state: ticket.state,
    stateType: ticket.stateType,
    priority: ticket.priority,
    owner: ticket.owner,
    responsible: ticket.responsible,
    lock: ticket.lock,
    customer: ticket.customer,
    customerId: ticket.customerId,
    createdAt: ticket.createdAt,
    changedAt: ticket.changedAt,
    closedAt: ticket.closedAt ?? null,
    pendingUntil: ticket.pendingUntil,
    subject: joined(articles, (article) => article.subject),
    body: joined(articles, (article) => article.bodyText),
    from: joined(articles, (article) => article.from),
    to: joined(articles, (article) => article.to),
    cc: joined(articles, (article) => article.cc),
    attachment: attachmentTexts.join('\n').slice(0, maxFieldChars),
    ...statisticsFields(ticket, articles),
  }
}

const minutesBetween = (from: string, to: string | null) => (to === null ? null : Math.max(0, Math.round((Date.parse(to) - Date.parse(from)) / 6_000) / 10))

/**
 * First response (from the escalation basis the writes keep, else from the articles), solution and
 * the SLA breaches. The statistics count a ticket as solved exactly when they count it as closed: on
 * its last close (closedAt), while it is closed; a reopened ticket counts in neither until closed
 * again. The SLA's own solution deadline (the escalation basis) stays met by the first close.
 */
function statisticsFields(ticket: Ticket, articles: Article[]): Pick<TicketDocument, 'sla' | 'firstResponseAt' | 'firstResponseMinutes' | 'solvedAt' | 'solutionMinutes' | 'breaches'> {
  const basis = ticket.escalation?.basis ?? foldArticles(emptyBasis, articles)
  const firstResponseAt = basis.firstResponseAt
  const solvedAt = ticket.stateType === 'closed' ? (ticket.closedAt ?? null) : null
  return {
    sla: ticket.escalation?.sla ?? null,
    firstResponseAt,
    firstResponseMinutes: minutesBetween(ticket.createdAt, firstResponseAt),
    solvedAt,
    solutionMinutes: minutesBetween(ticket.createdAt, solvedAt),
    breaches: escalationKinds.filter((kind) => ticket.escalation?.breached?.[kind] !== undefined),
  }
}
