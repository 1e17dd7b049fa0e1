import * as z from 'zod'

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
    totp: z
      .string()
      .min(1)
      .max(64)
      .optional()
      .meta({ description: 'The 6-digit code from the authenticator app, or a recovery code; needed when the answer was 401 totp_required.' }),
  })
  .meta({ id: 'LoginRequest' })

export const LoginResponseSchema = z
  .object({
    token: z.string(),
    expiresAt: z.iso.datetime(),
    totpEnrolmentRequired: z.boolean().meta({
      description: 'Your role requires TOTP and you have none yet: this short session may only enrol (POST /api/me/totp, then /api/me/totp/confirm); every other call answers 403 totp_enrolment_required.',
    }),
  })
  .meta({ id: 'LoginResponse' })

const ticketNumber = z.string().regex(/^\d{10,40}$/, 'must be a ticket number such as 2026112342000001')

export const TicketNumberParamSchema = z.object({
  number: ticketNumber.meta({ param: { name: 'number', in: 'path' }, example: '2026112342000001' }),
})

export const TicketEscalationSchema = z
  .object({
    sla: z.string(),
    firstResponseDue: z.string().nullable(),
    updateDue: z.string().nullable(),
    solutionDue: z.string().nullable(),
    nextDue: z.string().nullable().meta({ description: 'The earliest deadline (OTRS escalation time): the ticket is escalated once it has passed.' }),
  })
  .meta({ id: 'TicketEscalation', description: 'SLA deadlines in business time of the SLA\'s calendar; null when met, not set, or while the ticket is pending or closed.' })

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
    escalation: TicketEscalationSchema.nullable().meta({ description: 'Null when the ticket\'s queue has no SLA.' }),
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
    ticketNumber: z.string().meta({ description: 'The ticket the article was written on (differs for articles of merged tickets).' }),
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
      .object({ status: z.enum(['queued', 'sending', 'sent', 'failed', 'uncertain']), attempts: z.number().int(), error: z.string().nullable(), changedAt: z.string() })
      .nullable(),
    notes: z.array(z.string()),
    timeUnits: z.number().nullable(),
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

export const LinkSchema = z.object({ ticketNumber: z.string(), type: z.enum(['normal', 'parent', 'child']), createdAt: z.string(), createdBy: z.string() }).meta({ id: 'TicketLink' })

export const TicketDetailSchema = TicketSummarySchema.extend({
  watchers: z.array(z.string()).meta({ description: 'Logins of the agents watching the ticket (PUT /api/tickets/{number}/watch).' }),
  mergedInto: z.string().nullable(),
  mergedFrom: z.array(z.string()),
  dynamicFields: z.record(z.string(), z.string()),
  timeUnits: z.number(),
  participants: z.array(z.string()),
  links: z.array(LinkSchema),
  articles: z.array(ArticleSchema),
  history: z.array(HistoryEntrySchema),
}).meta({ id: 'TicketDetail' })

const singleLine = (max: number) => z.string().max(max).refine((text) => !/[\r\n]/.test(text), 'must be a single line')
const ticketState = z.string().min(1).meta({ description: 'A configured state, e.g. "closed successful" or "pending reminder".' })
const pendingTime = z.iso.datetime({ offset: true }).meta({ description: 'When a pending state is due (required for pending states).' })

export const ArticleTypeSchema = z.enum(['reply', 'reply-all', 'forward', 'bounce', 'note', 'note-external', 'phone']).meta({
  description: 'reply / reply-all / forward: mail from the queue address (locks the ticket to you); bounce: re-send the customer mail unchanged to another address; note: internal; note-external: a note the customer may see; phone: a phone call.',
})

const attachmentUploads = z
  .array(
    z.strictObject({
      uploadId: z.string().min(1).max(64).meta({ description: 'An upload of yours (POST /api/uploads, then the file to its URL); used once.' }),
    }),
  )
  .max(20)

export const UploadSlotRequestSchema = z
  .strictObject({
    name: singleLine(255).min(1).meta({ description: 'The file name, as it will show on the article.' }),
    contentType: z
      .string()
      .max(200)
      .regex(/^[\w!#$&^.+-]+\/[\w!#$&^.+-]+$/, 'a media type such as "application/pdf" (no parameters)')
      .default('application/octet-stream'),
    size: z.number().int().min(0).meta({ description: 'The exact size in bytes; at most the configured attachments.maxFileBytes.' }),
  })
  .meta({ id: 'UploadSlotRequest' })

export const UploadSlotSchema = z
  .object({
    uploadId: z.string().meta({ description: 'Name it in `attachments` of a new article or ticket.' }),
    method: z.literal('POST'),
    url: z.string().meta({ description: 'Where to POST the file: the blob store (absolute in AWS; a path on the API\'s origin locally).' }),
    fields: z.record(z.string(), z.string()).meta({ description: 'Send every one as a multipart/form-data field, then the file as the last field, named "file".' }),
    expiresAt: z.string(),
  })
  .meta({ id: 'UploadSlot' })

export const AttachmentDownloadSchema = z
  .object({
    url: z.string().meta({ description: 'Short-lived: open it at once. It answers as a download (Content-Disposition: attachment) of type application/octet-stream.' }),
    expiresAt: z.string(),
  })
  .meta({ id: 'AttachmentDownload' })

export const CreateArticleRequestSchema = z
  .strictObject({
    type: ArticleTypeSchema,
    articleId: z.string().max(64).optional().meta({ description: 'The article answered, forwarded or bounced; default: the customer\'s last mail.' }),
    to: singleLine(10_000).optional(),
    cc: singleLine(10_000).optional(),
    bcc: singleLine(10_000).optional(),
    subject: singleLine(998).optional().meta({ description: 'Default: "Re: [Ticket#…] …" (or Fwd:).' }),
    body: z.string().max(1_000_000).optional().meta({ description: 'The text as written; when absent it is composed from templateId (salutation + template + signature + quote).' }),
    templateId: z.string().max(200).optional().meta({ description: 'A template name from GET /api/meta.' }),
    attachments: attachmentUploads.optional(),
    dropAttachments: z.array(z.string()).max(100).optional().meta({ description: 'Forward: ids of the forwarded mail\'s attachments to leave out.' }),
    state: ticketState.optional().meta({ description: 'Next state, e.g. "closed successful".' }),
    pendingUntil: pendingTime.optional(),
    timeUnits: z.number().min(0).max(100_000).optional().meta({ description: 'Time accounted with this article (OTRS time units).' }),
    direction: z
      .enum(['inbound', 'outbound'])
      .optional()
      .meta({ description: 'Phone only (OTRS phone call inbound / outbound): inbound, the customer called us (the article is from the customer); outbound (default), we called the customer.' }),
  })
  .meta({ id: 'CreateArticleRequest' })

export const CreateTicketRequestSchema = z
  .strictObject({
    type: z.enum(['phone', 'email']).meta({
      description: 'phone: the customer called (or was called); the first article is the call. email: the first article is your mail to the customer, from the queue\'s address.',
    }),
    customer: singleLine(1000).min(1).meta({ description: 'The customer user\'s address, optionally with a name ("Ann Customer <ann@example.com>"); an unknown address becomes a customer user.', example: 'ann@customer.example' }),
    customerId: singleLine(200).min(1).optional().meta({ description: 'The company (OTRS CustomerID); default: the customer user\'s, else from the mail domain.' }),
    subject: singleLine(998).min(1).meta({ description: 'The ticket\'s title; email tickets are sent as "[Ticket#…] subject".' }),
    body: z.string().min(1).max(1_000_000).meta({ description: 'The text. Email tickets get the queue\'s signature appended (GET /api/new-ticket/compose shows it).' }),
    queue: z.string().min(1).max(200).meta({ description: 'Needs the "create" right on it.' }),
    state: ticketState.optional().meta({ description: 'Next state; default "open". Pending states need pendingUntil.' }),
    pendingUntil: pendingTime.optional(),
    priority: z.number().int().min(1).max(5).optional().meta({ description: '1 very low … 5 very high; default 3.' }),
    owner: z.string().min(1).max(200).optional().meta({ description: 'An agent who may work in the queue; the ticket is locked to them.' }),
    responsible: z.string().min(1).max(200).optional(),
    cc: singleLine(10_000).optional().meta({ description: 'Email tickets: more recipients.' }),
    direction: z.enum(['inbound', 'outbound']).optional().meta({ description: 'Phone tickets: inbound (the customer called; default) or outbound (you called the customer).' }),
    timeUnits: z.number().min(0).max(100_000).optional(),
    attachments: attachmentUploads.optional(),
    splitFrom: z
      .strictObject({
        ticket: ticketNumber,
        articleId: z.string().min(1).max(64),
        attachments: z.array(z.string().max(16)).max(100).optional().meta({ description: 'Ids of the article\'s attachments to take along; default: all that are not inline.' }),
      })
      .optional()
      .meta({ description: 'OTRS split into a new phone/email ticket: the article it comes from; the new ticket is linked as its child.' }),
  })
  .meta({ id: 'CreateTicketRequest' })

export const NewTicketComposeQuerySchema = z.strictObject({
  type: z.enum(['phone', 'email']),
  queue: z.string().min(1).max(200),
  templateId: z.string().max(200).optional().meta({ description: 'A template of type "create" (GET /api/meta).' }),
  customer: z.string().max(1000).optional(),
})

export const NewTicketComposedSchema = z
  .object({ body: z.string(), signature: z.string().meta({ description: 'Email tickets: the queue\'s signature, added when the mail is sent.' }) })
  .meta({ id: 'NewTicketComposed' })

export const BounceResponseSchema = z
  .object({ id: z.string(), kind: z.literal('bounce'), recipients: z.array(z.string()), status: z.enum(['queued', 'sending', 'sent', 'failed', 'uncertain']) })
  .meta({ id: 'BounceResult' })

export const ComposeQuerySchema = z.strictObject({
  type: ArticleTypeSchema,
  articleId: z.string().max(64).optional(),
  templateId: z.string().max(200).optional(),
})

export const ComposedArticleSchema = z
  .object({
    to: z.string(),
    cc: z.string(),
    subject: z.string(),
    body: z.string(),
    articleId: z.string().nullable(),
    attachments: z.array(AttachmentSchema),
    untrustedReplyTo: z.string().nullable().meta({
      description: "Replies: the answered mail's Reply-To when it names someone who is neither the ticket's customer nor a participant; `to` is then the mail's From. Send to it only by choosing it.",
    }),
  })
  .meta({ id: 'ComposedArticle' })

export const PatchTicketRequestSchema = z
  .strictObject({
    state: ticketState.optional(),
    pendingUntil: pendingTime.nullable().optional(),
    queue: z.string().min(1).optional(),
    priority: z.number().int().min(1).max(5).optional().meta({ description: '1 very low … 5 very high.' }),
    owner: z.string().min(1).optional(),
    responsible: z.string().min(1).nullable().optional(),
    lock: z.enum(['lock', 'unlock']).optional(),
    title: singleLine(255).min(1).optional(),
    customer: z.email().optional(),
    customerId: singleLine(200).min(1).optional(),
    dynamicFields: z.record(z.string().regex(/^[A-Za-z0-9]+$/), z.string().max(10_000)).optional(),
    note: z.string().max(100_000).optional().meta({ description: 'An internal note with the change; closing needs one (a single "." will do). Also mailed to a new owner/responsible.' }),
  })
  .meta({ id: 'TicketChanges' })

export const MergeRequestSchema = z.strictObject({ into: ticketNumber.meta({ description: 'The ticket that keeps going.' }) }).meta({ id: 'MergeRequest' })
export const SplitRequestSchema = z
  .strictObject({ articleId: z.string().min(1).max(64), title: singleLine(255).min(1).optional(), queue: z.string().min(1).optional() })
  .meta({ id: 'SplitRequest' })
export const LinkRequestSchema = z
  .strictObject({ target: ticketNumber, type: z.enum(['normal', 'parent', 'child']).default('normal').meta({ description: 'What the target is to this ticket.' }) })
  .meta({ id: 'LinkRequest' })

export const BulkRequestSchema = z
  .strictObject({
    numbers: z.array(ticketNumber).min(1).max(500),
    changes: PatchTicketRequestSchema.extend({ mergeInto: ticketNumber.optional().meta({ description: 'Merge every selected ticket into this one.' }) }),
  })
  .meta({ id: 'BulkRequest' })

export const BulkResponseSchema = z
  .object({
    results: z.array(z.object({ number: z.string(), ok: z.boolean(), error: z.object({ code: z.string(), message: z.string(), field: z.string().optional() }).nullable() })),
  })
  .meta({ id: 'BulkResult' })

export const DraftSchema = z
  .strictObject({
    type: ArticleTypeSchema,
    to: z.string().max(10_000).default(''),
    cc: z.string().max(10_000).default(''),
    bcc: z.string().max(10_000).default(''),
    subject: z.string().max(998).default(''),
    body: z.string().max(1_000_000).default(''),
    articleId: z.string().max(64).nullable().default(null),
    state: z.string().nullable().default(null),
    pendingUntil: z.string().nullable().default(null),
  })
  .meta({ id: 'DraftInput' })

export const StoredDraftSchema = DraftSchema.extend({ ticketNumber: z.string(), login: z.string(), changedAt: z.string() }).meta({ id: 'Draft' })
