import type { z } from 'zod'
import type { ArticleSchema, TicketSummarySchema } from '../../schemas/api.ts'
import type { Article } from '../ticket/model.ts'
import type { TicketListItem } from '../ticket/ports.ts'

/** Domain objects → API bodies. Blob keys and internals never leave the server. */
export function ticketSummary(ticket: TicketListItem): z.infer<typeof TicketSummarySchema> {
  return {
    number: ticket.number,
    title: ticket.title,
    queue: ticket.queue,
    state: ticket.state,
    stateType: ticket.stateType,
    priority: ticket.priority,
    lock: ticket.lock,
    owner: ticket.owner,
    responsible: ticket.responsible,
    customer: ticket.customer,
    customerId: ticket.customerId,
    createdAt: ticket.createdAt,
    changedAt: ticket.changedAt,
    pendingUntil: ticket.pendingUntil,
    escalation: ticket.escalation
      ? { sla: ticket.escalation.sla, firstResponseDue: ticket.escalation.firstResponseDue, updateDue: ticket.escalation.updateDue, solutionDue: ticket.escalation.solutionDue, nextDue: ticket.escalation.nextDue }
      : null,
  }
}

export function articleView(article: Article): z.infer<typeof ArticleSchema> {
  return {
    id: article.id,
    ticketNumber: article.ticketNumber,
    sender: article.sender,
    channel: article.channel,
    visibleToCustomer: article.visibleToCustomer,
    from: article.from,
    to: article.to,
    cc: article.cc,
    replyTo: article.replyTo,
    subject: article.subject,
    bodyText: article.bodyText,
    bodyTruncated: article.bodyTextBlobKey !== null,
    hasHtml: article.htmlBlobKey !== null,
    createdAt: article.createdAt,
    createdBy: article.createdBy,
    messageId: article.messageId,
    inReplyTo: article.inReplyTo,
    references: article.references,
    attachments: article.attachments.map(({ id, name, size, contentType, inline, contentId }) => ({ id, name, size, contentType, inline, contentId })),
    transmission: article.transmission
      ? { status: article.transmission.status, attempts: article.transmission.attempts, error: article.transmission.error, changedAt: article.transmission.changedAt }
      : null,
    notes: article.notes,
    timeUnits: article.timeUnits ?? null,
  }
}
