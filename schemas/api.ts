import { z } from 'zod'

/**
 * Request and response bodies of the agent API. The OpenAPI document at /api/openapi.json is
 * generated from these schemas, so the document and the validation can never disagree.
 */

export const ErrorResponseSchema = z
  .object({
    error: z.object({
      code: z.string().meta({ example: 'invalid_request' }),
      message: z.string().meta({ example: 'body.state: unknown state "closed"' }),
      field: z.string().optional().meta({ description: 'The input field at fault, when there is one.' }),
    }),
  })
  .meta({ id: 'Error' })

export const HealthResponseSchema = z.object({ status: z.literal('ok') }).meta({ id: 'Health' })

export const LoginRequestSchema = z
  .strictObject({
    login: z.string().min(1).max(200),
    password: z.string().min(1).max(1000),
  })
  .meta({ id: 'LoginRequest' })

export const LoginResponseSchema = z
  .object({ token: z.string(), expiresAt: z.iso.datetime() })
  .meta({ id: 'LoginResponse' })

const ticketNumber = z.string().regex(/^\d{10,40}$/, 'must be a ticket number such as 2026112342000001')

export const TicketNumberParamSchema = z.object({
  number: ticketNumber.meta({ param: { name: 'number', in: 'path' }, example: '2026112342000001' }),
})

export const TicketSummarySchema = z
  .object({
    number: z.string(),
    title: z.string(),
    queue: z.string(),
    state: z.string(),
    stateType: z.string(),
    priority: z.number().int().min(1).max(5),
    lock: z.enum(['lock', 'unlock']),
    owner: z.string().nullable(),
    responsible: z.string().nullable(),
    customer: z.string().nullable(),
    customerId: z.string().nullable(),
    createdAt: z.string(),
    changedAt: z.string(),
    pendingUntil: z.string().nullable(),
  })
  .meta({ id: 'TicketSummary' })

export const TicketListQuerySchema = z.strictObject({
  queue: z.string().min(1).optional().meta({ description: 'Queue name; all queues you may read when absent.' }),
  state: z.string().min(1).optional().meta({ description: 'Exact state, e.g. "new".' }),
  stateType: z
    .enum(['new', 'open', 'pending reminder', 'pending auto', 'closed', 'merged', 'removed'])
    .optional()
    .meta({ description: 'State type; the open view (new, open, pending) when neither state nor stateType is given.' }),
  order: z.enum(['asc', 'desc']).default('asc').meta({ description: 'By creation time; asc = oldest first (OTRS queue view).' }),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(4000).optional(),
})

export const TicketListResponseSchema = z
  .object({ items: z.array(TicketSummarySchema), next: z.string().nullable() })
  .meta({ id: 'TicketList' })

export const AttachmentSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    size: z.number().int(),
    contentType: z.string(),
    inline: z.boolean(),
    contentId: z.string().nullable(),
  })
  .meta({ id: 'Attachment' })

export const ArticleSchema = z
  .object({
    id: z.string(),
    sender: z.enum(['customer', 'agent', 'system']),
    channel: z.enum(['email', 'phone', 'note']),
    visibleToCustomer: z.boolean(),
    from: z.string(),
    to: z.string(),
    cc: z.string(),
    replyTo: z.string().nullable(),
    subject: z.string(),
    bodyText: z.string(),
    bodyTruncated: z.boolean().meta({ description: 'The text was cut; the full text is in the raw mail.' }),
    hasHtml: z.boolean(),
    createdAt: z.string(),
    createdBy: z.string().nullable(),
    messageId: z.string().nullable(),
    inReplyTo: z.string().nullable(),
    references: z.array(z.string()),
    attachments: z.array(AttachmentSchema),
    transmission: z
      .object({ status: z.enum(['queued', 'sent', 'failed']), attempts: z.number().int(), error: z.string().nullable(), changedAt: z.string() })
      .nullable(),
    notes: z.array(z.string()),
  })
  .meta({ id: 'Article' })

export const HistoryEntrySchema = z
  .object({
    id: z.string(),
    type: z.string(),
    at: z.string(),
    by: z.string(),
    message: z.string(),
    changes: z.record(z.string(), z.object({ before: z.unknown(), after: z.unknown() })).nullable(),
  })
  .meta({ id: 'HistoryEntry' })

export const TicketDetailSchema = TicketSummarySchema.extend({
  mergedInto: z.string().nullable(),
  articles: z.array(ArticleSchema),
  history: z.array(HistoryEntrySchema),
}).meta({ id: 'TicketDetail' })

export const CreateArticleRequestSchema = z
  .strictObject({
    type: z.enum(['reply', 'note']),
    body: z.string().min(1, 'must not be empty (a single "." is fine)').max(1_000_000),
    state: z.string().min(1).optional().meta({ description: 'Next state, e.g. "closed successful".' }),
  })
  .meta({ id: 'CreateArticleRequest' })
