import { createRoute } from '@hono/zod-openapi'
import { ErrorResponseSchema } from '../../../schemas/api.ts'
import { StatisticsRequestSchema, StatisticsSchema } from '../../../schemas/statistics.ts'
import type { Dependencies } from '../../runtime/dependencies.ts'
import { ticketStatistics } from '../../search/statistics.ts'
import type { ApiApp } from '../app.ts'

const json = <T>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description })

const statisticsRoute = createRoute({
  method: 'get',
  path: '/api/statistics',
  tags: ['statistics'],
  summary: 'Ticket statistics over a range of days in your time zone, for the queues you may read',
  description:
    'Tickets created and closed per day and queue, open tickets by state (now), first response and solution times (wall-clock minutes: ' +
    'average, median, 90th percentile), and SLA breaches per queue. Counted by the search engine over its ticket documents.',
  request: { query: StatisticsRequestSchema },
  responses: {
    200: json(StatisticsSchema, 'The statistics'),
    400: json(ErrorResponseSchema, 'Bad input (e.g. a range over 367 days); the message names the field'),
    401: json(ErrorResponseSchema, 'Not logged in'),
    404: json(ErrorResponseSchema, 'A queue that does not exist or that you cannot read'),
    503: json(ErrorResponseSchema, 'Search (and so statistics) is not available'),
  },
})

/** GET /api/statistics. */
export function registerStatisticsRoutes(app: ApiApp, deps: Dependencies): void {
  app.openapi(statisticsRoute, async (c) => c.json(await ticketStatistics(deps, c.get('identity'), c.req.valid('query')), 200))
}
