import { createRoute } from '@hono/zod-openapi'
import { ErrorResponseSchema } from '../../../schemas/api.ts'
import { ViewCountsResponseSchema, ViewListResponseSchema, ViewParamSchema, ViewQuerySchema } from '../../../schemas/api-views.ts'
import type { Dependencies } from '../../runtime/dependencies.ts'
import { listView, viewCounts } from '../../ticket/views.ts'
import type { ApiApp } from '../app.ts'
import { ticketSummary } from '../views.ts'

const json = <T>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description })

const countsRoute = createRoute({
  method: 'get',
  path: '/api/views/counts',
  tags: ['views'],
  summary: 'Dashboard counts: tickets per readable queue and state type, and your own lists (locked, responsible, watched, reminders reached)',
  responses: { 200: json(ViewCountsResponseSchema, 'The counts'), 401: json(ErrorResponseSchema, 'Not logged in') },
})

const viewRoute = createRoute({
  method: 'get',
  path: '/api/views/{view}',
  tags: ['views'],
  summary: 'An agent view (OTRS dashboard lists and status view), limited to the queues you may read',
  description:
    'Every view is an index query; the queue restriction is applied inside the query, so pages are full. ' +
    'sort=created (default) pages natively in creation order with a cursor. sort=priority, changed or title sorts in memory ' +
    'over at most the 2,000 oldest tickets of the view and pages by offset; pending-reached, escalated, escalating-soon and escalation are always read that way.',
  request: { params: ViewParamSchema, query: ViewQuerySchema },
  responses: {
    200: json(ViewListResponseSchema, 'A page of tickets'),
    400: json(ErrorResponseSchema, 'Bad input (e.g. the status view without stateType); the message names the field'),
    401: json(ErrorResponseSchema, 'Not logged in'),
    404: json(ErrorResponseSchema, 'No such queue, or one you cannot read'),
  },
})

/** GET /api/views/counts and GET /api/views/{view}. */
export function registerViewRoutes(app: ApiApp, deps: Dependencies): void {
  // Before /api/views/{view}, which would otherwise take "counts" for a view name.
  app.openapi(countsRoute, async (c) => c.json(await viewCounts(deps, c.get('identity')), 200))

  app.openapi(viewRoute, async (c) => {
    const page = await listView(deps, c.get('identity'), c.req.valid('param').view, c.req.valid('query'))
    return c.json({ items: page.items.map(ticketSummary), next: page.next }, 200)
  })
}
