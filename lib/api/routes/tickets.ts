import { createRoute, z } from '@hono/zod-openapi'
import {
  ArticleSchema,
  CreateArticleRequestSchema,
  ErrorResponseSchema,
  TicketDetailSchema,
  TicketListQuerySchema,
  TicketListResponseSchema,
  TicketNumberParamSchema,
} from '../../../schemas/api.ts'
import { notFound } from '../../platform/errors.ts'
import type { Dependencies } from '../../runtime/dependencies.ts'
import { addAgentArticle } from '../../ticket/agent-article.ts'
import { getTicketThread, listTickets } from '../../ticket/ticket-queries.ts'
import type { ApiApp } from '../app.ts'
import { articleView, ticketSummary } from '../views.ts'

const json = <T>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description })
const errors = {
  400: json(ErrorResponseSchema, 'Bad input; the message names the field'),
  401: json(ErrorResponseSchema, 'Not logged in'),
  403: json(ErrorResponseSchema, 'Missing right on the ticket\'s queue'),
  404: json(ErrorResponseSchema, 'No such ticket, or in a queue you cannot read'),
}

const listRoute = createRoute({
  method: 'get',
  path: '/api/tickets',
  tags: ['tickets'],
  summary: 'Queue view: tickets by queue and state, oldest first, cursor-paged',
  request: { query: TicketListQuerySchema },
  responses: { 200: json(TicketListResponseSchema, 'A page of tickets'), 400: errors[400], 401: errors[401], 404: errors[404] },
})

const getRoute = createRoute({
  method: 'get',
  path: '/api/tickets/{number}',
  tags: ['tickets'],
  summary: 'Ticket zoom: the ticket with its articles and history',
  request: { params: TicketNumberParamSchema },
  responses: { 200: json(TicketDetailSchema, 'The ticket'), 401: errors[401], 404: errors[404] },
})

const createArticleRoute = createRoute({
  method: 'post',
  path: '/api/tickets/{number}/articles',
  tags: ['tickets'],
  summary: 'Reply to the customer (mailed, locks the ticket to you) or add an internal note; optionally set the next state',
  request: { params: TicketNumberParamSchema, body: { content: { 'application/json': { schema: CreateArticleRequestSchema } }, required: true } },
  responses: { 201: json(ArticleSchema, 'The new article'), ...errors },
})

const AttachmentParamsSchema = TicketNumberParamSchema.extend({
  articleId: z.string().min(1).max(64).meta({ param: { name: 'articleId', in: 'path' } }),
  attachmentId: z.string().min(1).max(16).meta({ param: { name: 'attachmentId', in: 'path' } }),
})

const attachmentRoute = createRoute({
  method: 'get',
  path: '/api/tickets/{number}/articles/{articleId}/attachments/{attachmentId}',
  tags: ['tickets'],
  summary: 'Download an attachment (always as a download, never rendered inline)',
  request: { params: AttachmentParamsSchema },
  responses: {
    200: { content: { 'application/octet-stream': { schema: z.string().meta({ format: 'binary' }) } }, description: 'The attachment' },
    401: errors[401],
    404: errors[404],
  },
})

/** RFC 6266 file name: an ASCII fallback plus the UTF-8 name. */
export function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_')
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`
}

export function registerTicketRoutes(app: ApiApp, deps: Dependencies): void {
  app.openapi(listRoute, async (c) => {
    const page = await listTickets(deps, c.get('identity'), c.req.valid('query'))
    return c.json({ items: page.items.map(ticketSummary), next: page.next }, 200)
  })

  app.openapi(getRoute, async (c) => {
    const thread = await getTicketThread(deps, c.get('identity'), c.req.valid('param').number)
    return c.json(
      {
        ...ticketSummary(thread.ticket),
        mergedInto: thread.ticket.mergedInto,
        articles: thread.articles.map(articleView),
        history: thread.history,
      },
      200,
    )
  })

  app.openapi(createArticleRoute, async (c) => {
    const article = await addAgentArticle(deps, c.get('identity'), c.req.valid('param').number, c.req.valid('json'))
    return c.json(articleView(article), 201)
  })

  app.openapi(attachmentRoute, async (c) => {
    const { number, articleId, attachmentId } = c.req.valid('param')
    const thread = await getTicketThread(deps, c.get('identity'), number)
    const attachment = thread.articles.find((article) => article.id === articleId)?.attachments.find((candidate) => candidate.id === attachmentId)
    if (!attachment) throw notFound(`attachment ${attachmentId}`)
    const content = await deps.attachments.get(attachment.blobKey)
    return c.body(new Uint8Array(content), 200, {
      'Content-Type': 'application/octet-stream',
      'Content-Disposition': contentDisposition(attachment.name),
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': "default-src 'none'; sandbox",
    })
  })
}
