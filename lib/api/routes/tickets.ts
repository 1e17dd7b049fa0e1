import { getOwnPreferences } from '../../auth/preferences.ts'
import { createRoute, z } from '@hono/zod-openapi'
import {
  ArticleSchema,
  AttachmentDownloadSchema,
  BounceResponseSchema,
  BulkRequestSchema,
  BulkResponseSchema,
  ComposedArticleSchema,
  ComposeQuerySchema,
  CreateArticleRequestSchema,
  CreateTicketRequestSchema,
  DraftSchema,
  ErrorResponseSchema,
  HistoryEntrySchema,
  LinkRequestSchema,
  MergeRequestSchema,
  NewTicketComposedSchema,
  NewTicketComposeQuerySchema,
  PatchTicketRequestSchema,
  SplitRequestSchema,
  StoredDraftSchema,
  TicketDetailSchema,
  TicketListQuerySchema,
  TicketListResponseSchema,
  TicketNumberParamSchema,
  TicketSummarySchema,
  UploadSlotRequestSchema,
  UploadSlotSchema,
} from '../../../schemas/api.ts'
import { attachmentDownloadUrl, createUploadSlot, discardUploads, takeUploads } from '../../ticket/attachment-uploads.ts'
import { notFound } from '../../platform/errors.ts'
import type { Dependencies } from '../../runtime/dependencies.ts'
import { addAgentArticle, resendArticle } from '../../ticket/agent-article.ts'
import { composeArticle } from '../../ticket/compose-article.ts'
import { discardDraft, getDraft, saveDraft } from '../../ticket/drafts.ts'
import type { Article, TicketThread } from '../../ticket/model.ts'
import { bulkUpdate, linkTickets, mergeTickets, splitTicket, ticketHistory, unlinkTickets, updateTicket } from '../../ticket/ticket-actions.ts'
import { getTicketThread, getTicketZoom, listTickets } from '../../ticket/ticket-queries.ts'
import { composeNewTicket, openTicket } from '../../ticket/open-ticket.ts'
import { unwatchTicket, watchTicket } from '../../ticket/watch.ts'
import type { ApiApp } from '../app.ts'
import { articleView, ticketSummary } from '../views.ts'
import { renderArticleHtml } from '../../mail/render-html.ts'

const json = <T>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description })
const body = <T>(schema: T) => ({ body: { content: { 'application/json': { schema } }, required: true } })
const errors = {
  400: json(ErrorResponseSchema, 'Bad input; the message names the field'),
  401: json(ErrorResponseSchema, 'Not logged in'),
  403: json(ErrorResponseSchema, "Missing right on the ticket's queue, or the ticket is locked by someone else"),
  404: json(ErrorResponseSchema, 'No such ticket, or in a queue you cannot read'),
  409: json(ErrorResponseSchema, 'The ticket\'s state forbids this (e.g. unlocking a closed ticket)'),
}
const readErrors = { 401: errors[401], 404: errors[404] }

const ArticleParamsSchema = TicketNumberParamSchema.extend({ articleId: z.string().min(1).max(64).meta({ param: { name: 'articleId', in: 'path' } }) })
const AttachmentParamsSchema = ArticleParamsSchema.extend({ attachmentId: z.string().min(1).max(16).meta({ param: { name: 'attachmentId', in: 'path' } }) })
const LinkParamsSchema = TicketNumberParamSchema.extend({ target: z.string().regex(/^\d{10,40}$/).meta({ param: { name: 'target', in: 'path' } }) })

const route = {
  list: createRoute({
    method: 'get',
    path: '/api/tickets',
    tags: ['tickets'],
    summary: 'Queue view: tickets by queue and state, oldest first, cursor-paged',
    request: { query: TicketListQuerySchema },
    responses: { 200: json(TicketListResponseSchema, 'A page of tickets'), 400: errors[400], ...readErrors },
  }),
  create: createRoute({
    method: 'post',
    path: '/api/tickets',
    tags: ['tickets'],
    summary: 'Open a ticket as an agent: a phone ticket (the customer called, or you called them) or an email ticket (your mail to the customer)',
    description:
      'Needs the "create" right on the queue (403 without). An unknown customer address becomes a customer user. An email ticket is mailed from the ' +
      'queue\'s address as "[Ticket#…] subject", with the queue\'s signature, threaded so the customer\'s answer appends; an inbound phone ticket gets the ' +
      'queue\'s new-ticket auto response, as in OTRS. An owner locks the ticket to them. splitFrom: OTRS split of an article into a new phone/email ticket.',
    request: body(CreateTicketRequestSchema),
    responses: { 201: json(TicketSummarySchema, 'The new ticket (its number)'), 400: errors[400], 401: errors[401], 403: errors[403], 404: errors[404] },
  }),
  composeNew: createRoute({
    method: 'get',
    path: '/api/new-ticket/compose',
    tags: ['tickets'],
    summary: 'What a new phone or email ticket starts from: the text of a "create" template for the queue, and (email) the queue\'s signature',
    request: { query: NewTicketComposeQuerySchema },
    responses: { 200: json(NewTicketComposedSchema, 'Text and signature'), 400: errors[400], 401: errors[401] },
  }),
  get: createRoute({
    method: 'get',
    path: '/api/tickets/{number}',
    tags: ['tickets'],
    summary: 'Ticket zoom: the ticket, its thread (including articles of tickets merged into it), links and history',
    request: { params: TicketNumberParamSchema },
    responses: { 200: json(TicketDetailSchema, 'The ticket'), ...readErrors },
  }),
  patch: createRoute({
    method: 'patch',
    path: '/api/tickets/{number}',
    tags: ['ticket actions'],
    summary: 'Change state (pending states need pendingUntil; closing needs a note), queue, priority, owner, responsible, lock, title, customer',
    request: { params: TicketNumberParamSchema, ...body(PatchTicketRequestSchema) },
    responses: { 200: json(TicketSummarySchema, 'The ticket after the change'), ...errors },
  }),
  history: createRoute({
    method: 'get',
    path: '/api/tickets/{number}/history',
    tags: ['tickets'],
    summary: 'The append-only history: who changed what, when, before and after',
    request: { params: TicketNumberParamSchema },
    responses: { 200: json(z.object({ items: z.array(HistoryEntrySchema) }), 'The history, oldest first'), ...readErrors },
  }),
  createArticle: createRoute({
    method: 'post',
    path: '/api/tickets/{number}/articles',
    tags: ['ticket actions'],
    summary: 'Reply, reply all, forward, bounce, internal note, visible note or phone call; optionally with attachments, the next state and time accounting',
    request: { params: TicketNumberParamSchema, ...body(CreateArticleRequestSchema) },
    responses: { 201: json(ArticleSchema, 'The new article'), 202: json(BounceResponseSchema, 'A bounce: the original mail is on its way'), ...errors },
  }),
  compose: createRoute({
    method: 'get',
    path: '/api/tickets/{number}/compose',
    tags: ['ticket actions'],
    summary: 'Prefill a reply, forward or note: recipients, subject and body from the queue salutation, a template, the signature and the quoted mail',
    request: { params: TicketNumberParamSchema, query: ComposeQuerySchema },
    responses: { 200: json(ComposedArticleSchema, 'What to start from'), 400: errors[400], ...readErrors },
  }),
  resend: createRoute({
    method: 'post',
    path: '/api/tickets/{number}/articles/{articleId}/resend',
    tags: ['ticket actions'],
    summary: 'Send a failed mail again',
    request: { params: ArticleParamsSchema },
    responses: { 200: json(ArticleSchema, 'The article, queued again'), ...errors },
  }),
  raw: createRoute({
    method: 'get',
    path: '/api/tickets/{number}/articles/{articleId}/raw',
    tags: ['tickets'],
    summary: 'The mail as received or sent (plain view, all headers), as text',
    request: { params: ArticleParamsSchema },
    responses: { 200: { content: { 'text/plain': { schema: z.string() } }, description: 'The raw mail' }, ...readErrors },
  }),
  html: createRoute({
    method: 'get',
    path: '/api/tickets/{number}/articles/{articleId}/html',
    tags: ['tickets'],
    summary: "The article's HTML, sanitized on the server (no scripts, frames, event handlers; inline images embedded). Show it in a sandboxed iframe whose CSP blocks remote images until the agent allows them.",
    request: { params: ArticleParamsSchema },
    responses: { 200: json(z.object({ html: z.string(), remoteImages: z.number().int() }).meta({ id: 'ArticleHtml' }), 'The sanitized HTML and how many remote images it refers to'), ...readErrors },
  }),
  attachment: createRoute({
    method: 'get',
    path: '/api/tickets/{number}/articles/{articleId}/attachments/{attachmentId}',
    tags: ['attachments'],
    summary: 'Download an attachment: a URL valid for a minute that answers with the file (always as a download, never rendered inline)',
    description:
      'The file comes from the blob store, not through the API (which stops at 6 MB in AWS). With `?redirect=true` the answer is a 302 to the URL ' +
      '(for clients that can follow it with the bearer token); else JSON with the URL.',
    request: { params: AttachmentParamsSchema, query: z.strictObject({ redirect: z.enum(['true', 'false']).optional() }) },
    responses: { 200: json(AttachmentDownloadSchema, 'Where to fetch the file'), 302: { description: 'Redirect to the file' }, ...readErrors },
  }),
  uploadSlot: createRoute({
    method: 'post',
    path: '/api/uploads',
    tags: ['attachments'],
    summary: 'An upload slot for one file: POST it to the URL with the fields, then name the upload id in the article or ticket',
    description:
      'Files go straight to the blob store (S3 in AWS). The slot is valid for 15 minutes and takes exactly one file of the size and content type ' +
      'given; the store refuses any other. Larger than attachments.maxFileBytes: 400.',
    request: body(UploadSlotRequestSchema),
    responses: { 201: json(UploadSlotSchema, 'The slot'), 400: errors[400], 401: errors[401] },
  }),
  merge: createRoute({
    method: 'post',
    path: '/api/tickets/{number}/merge',
    tags: ['ticket actions'],
    summary: 'Merge this ticket into another: it becomes "merged", its articles show in the target, later mail to it lands in the target',
    request: { params: TicketNumberParamSchema, ...body(MergeRequestSchema) },
    responses: { 200: json(TicketSummarySchema, 'The target ticket'), ...errors },
  }),
  split: createRoute({
    method: 'post',
    path: '/api/tickets/{number}/split',
    tags: ['ticket actions'],
    summary: 'Split an article off into a new ticket, linked as a child of this one',
    request: { params: TicketNumberParamSchema, ...body(SplitRequestSchema) },
    responses: { 201: json(TicketSummarySchema, 'The new ticket'), ...errors },
  }),
  link: createRoute({
    method: 'post',
    path: '/api/tickets/{number}/links',
    tags: ['ticket actions'],
    summary: 'Link two tickets (normal, parent, child); links are shown on both and change nothing else',
    request: { params: TicketNumberParamSchema, ...body(LinkRequestSchema) },
    responses: { 204: { description: 'Linked' }, ...errors },
  }),
  unlink: createRoute({
    method: 'delete',
    path: '/api/tickets/{number}/links/{target}',
    tags: ['ticket actions'],
    summary: 'Remove a link (from both tickets)',
    request: { params: LinkParamsSchema },
    responses: { 204: { description: 'Unlinked' }, ...errors },
  }),
  bulk: createRoute({
    method: 'post',
    path: '/api/tickets/bulk',
    tags: ['ticket actions'],
    summary: 'The same changes (state, queue, owner, priority, lock, note, merge) on up to 500 tickets; each succeeds or fails on its own',
    request: body(BulkRequestSchema),
    responses: { 200: json(BulkResponseSchema, 'One result per ticket, in the order given'), 400: errors[400], 401: errors[401] },
  }),
  watch: createRoute({
    method: 'put',
    path: '/api/tickets/{number}/watch',
    tags: ['ticket actions'],
    summary: 'Watch the ticket (OTRS ticket watcher): you get the notifications its owner gets and find it under "My watched tickets"; recorded in the history',
    description: 'Needs the ro right on the ticket\'s queue. Watching a ticket you watch already changes nothing.',
    request: { params: TicketNumberParamSchema },
    responses: { 204: { description: 'You watch the ticket' }, ...readErrors },
  }),
  unwatch: createRoute({
    method: 'delete',
    path: '/api/tickets/{number}/watch',
    tags: ['ticket actions'],
    summary: 'Stop watching the ticket; recorded in the history',
    request: { params: TicketNumberParamSchema },
    responses: { 204: { description: 'You no longer watch the ticket' }, ...readErrors },
  }),
  getDraft: createRoute({
    method: 'get',
    path: '/api/tickets/{number}/draft',
    tags: ['drafts'],
    summary: 'Your draft on this ticket, to resume a reply',
    request: { params: TicketNumberParamSchema },
    responses: { 200: json(StoredDraftSchema, 'The draft'), ...readErrors },
  }),
  putDraft: createRoute({
    method: 'put',
    path: '/api/tickets/{number}/draft',
    tags: ['drafts'],
    summary: 'Keep a draft (one per agent and ticket); it is discarded when you send the article',
    request: { params: TicketNumberParamSchema, ...body(DraftSchema) },
    responses: { 200: json(StoredDraftSchema, 'The draft'), 400: errors[400], ...readErrors },
  }),
  deleteDraft: createRoute({
    method: 'delete',
    path: '/api/tickets/{number}/draft',
    tags: ['drafts'],
    summary: 'Discard your draft',
    request: { params: TicketNumberParamSchema },
    responses: { 204: { description: 'Discarded' }, ...readErrors },
  }),
}


export function ticketDetail(thread: TicketThread) {
  return {
    ...ticketSummary(thread.ticket),
    watchers: thread.ticket.watchers ?? [],
    mergedInto: thread.ticket.mergedInto,
    mergedFrom: thread.ticket.mergedFrom,
    dynamicFields: thread.ticket.dynamicFields,
    timeUnits: thread.ticket.timeUnits,
    participants: thread.ticket.participants,
    links: thread.links,
    articles: thread.articles.map(articleView),
    history: thread.history,
  }
}

const uploadIdsOf = (attachments: { uploadId: string }[] | undefined) => (attachments ?? []).map((attachment) => attachment.uploadId)

function findArticle(thread: TicketThread, articleId: string): Article {
  const article = thread.articles.find((candidate) => candidate.id === articleId)
  if (!article) throw notFound(`article ${articleId}`)
  return article
}

export function registerTicketRoutes(app: ApiApp, deps: Dependencies): void {
  app.openapi(route.list, async (c) => {
    const page = await listTickets(deps, c.get('identity'), c.req.valid('query'))
    return c.json({ items: page.items.map(ticketSummary), next: page.next }, 200)
  })

  app.openapi(route.create, async (c) => {
    const input = c.req.valid('json')
    const identity = c.get('identity')
    const uploadIds = uploadIdsOf(input.attachments)
    const ticket = await openTicket(deps, identity, { ...input, attachments: await takeUploads(deps, identity, uploadIds) })
    await discardUploads(deps, uploadIds)
    return c.json(ticketSummary(ticket), 201, { Location: `/api/tickets/${ticket.number}` })
  })

  app.openapi(route.composeNew, (c) => c.json(composeNewTicket(deps.config, c.get('identity'), c.req.valid('query')), 200))

  app.openapi(route.bulk, async (c) => {
    const { numbers, changes } = c.req.valid('json')
    return c.json({ results: await bulkUpdate(deps, c.get('identity'), [...new Set(numbers)], changes) }, 200)
  })

  app.openapi(route.get, async (c) => c.json(ticketDetail(await getTicketZoom(deps, c.get('identity'), c.req.valid('param').number)), 200))

  app.openapi(route.patch, async (c) => {
    const ticket = await updateTicket(deps, c.get('identity'), c.req.valid('param').number, c.req.valid('json'))
    return c.json(ticketSummary(ticket), 200)
  })

  app.openapi(route.history, async (c) => c.json({ items: await ticketHistory(deps, c.get('identity'), c.req.valid('param').number) }, 200))

  app.openapi(route.createArticle, async (c) => {
    const input = c.req.valid('json')
    const identity = c.get('identity')
    const uploadIds = uploadIdsOf(input.attachments)
    const created = await addAgentArticle(deps, identity, c.req.valid('param').number, { ...input, attachments: await takeUploads(deps, identity, uploadIds) })
    await discardUploads(deps, uploadIds)
    if ('kind' in created) return c.json({ id: created.id, kind: 'bounce' as const, recipients: created.recipients, status: created.status }, 202)
    return c.json(articleView(created), 201)
  })

  app.openapi(route.compose, async (c) => {
    const identity = c.get('identity')
    const query = c.req.valid('query')
    const thread = await getTicketThread(deps, identity, c.req.valid('param').number)
    const { language: agentLanguage } = await getOwnPreferences(deps, identity)
    const composed = composeArticle(deps.config, identity, thread, query.type, { articleId: query.articleId, templateId: query.templateId, agentLanguage })
    return c.json({ ...composed, attachments: composed.attachments.map(({ id, name, size, contentType, inline, contentId }) => ({ id, name, size, contentType, inline, contentId })) }, 200)
  })

  app.openapi(route.resend, async (c) => {
    const { number, articleId } = c.req.valid('param')
    return c.json(articleView(await resendArticle(deps, c.get('identity'), number, articleId)), 200)
  })

  app.openapi(route.raw, async (c) => {
    const { number, articleId } = c.req.valid('param')
    const article = findArticle(await getTicketThread(deps, c.get('identity'), number), articleId)
    if (!article.rawBlobKey) throw notFound(`a raw mail of article ${articleId}`)
    const store = article.sender === 'agent' || article.sender === 'system' ? deps.attachments : deps.rawMail
    const raw = await store.get(article.rawBlobKey)
    return c.text(raw.toString('utf8'), 200, { 'X-Content-Type-Options': 'nosniff', 'Content-Security-Policy': "default-src 'none'; sandbox" })
  })

  app.openapi(route.html, async (c) => {
    const { number, articleId } = c.req.valid('param')
    const article = findArticle(await getTicketThread(deps, c.get('identity'), number), articleId)
    if (!article.htmlBlobKey) throw notFound(`an HTML body of article ${articleId}`)
    const html = (await deps.attachments.get(article.htmlBlobKey)).toString('utf8')
    return c.json(await renderArticleHtml(html, article.attachments, (attachment) => deps.attachments.get(attachment.blobKey)), 200, { 'Cache-Control': 'private, no-store' })
  })

  app.openapi(route.attachment, async (c) => {
    const { number, articleId, attachmentId } = c.req.valid('param')
    const article = findArticle(await getTicketThread(deps, c.get('identity'), number), articleId)
    const attachment = article.attachments.find((candidate) => candidate.id === attachmentId)
    if (!attachment) throw notFound(`attachment ${attachmentId}`)
    const download = await attachmentDownloadUrl(deps, attachment)
    if (c.req.valid('query').redirect === 'true') return c.redirect(download.url, 302)
    return c.json(download, 200)
  })

  app.openapi(route.uploadSlot, async (c) => c.json(await createUploadSlot(deps, c.get('identity'), c.req.valid('json')), 201))

  app.openapi(route.merge, async (c) => c.json(ticketSummary(await mergeTickets(deps, c.get('identity'), c.req.valid('param').number, c.req.valid('json').into)), 200))

  app.openapi(route.split, async (c) => {
    const request = c.req.valid('json')
    return c.json(ticketSummary(await splitTicket(deps, c.get('identity'), c.req.valid('param').number, request.articleId, request)), 201)
  })

  app.openapi(route.link, async (c) => {
    const request = c.req.valid('json')
    await linkTickets(deps, c.get('identity'), c.req.valid('param').number, request.target, request.type)
    return c.body(null, 204)
  })

  app.openapi(route.unlink, async (c) => {
    const { number, target } = c.req.valid('param')
    await unlinkTickets(deps, c.get('identity'), number, target)
    return c.body(null, 204)
  })

  app.openapi(route.watch, async (c) => {
    await watchTicket(deps, c.get('identity'), c.req.valid('param').number)
    return c.body(null, 204)
  })

  app.openapi(route.unwatch, async (c) => {
    await unwatchTicket(deps, c.get('identity'), c.req.valid('param').number)
    return c.body(null, 204)
  })

  app.openapi(route.getDraft, async (c) => c.json(await getDraft(deps, c.get('identity'), c.req.valid('param').number), 200))
  app.openapi(route.putDraft, async (c) => c.json(await saveDraft(deps, c.get('identity'), c.req.valid('param').number, c.req.valid('json')), 200))
  app.openapi(route.deleteDraft, async (c) => {
    await discardDraft(deps, c.get('identity'), c.req.valid('param').number)
    return c.body(null, 204)
  })
}

