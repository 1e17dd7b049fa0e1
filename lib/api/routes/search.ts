import { createRoute, z } from '@hono/zod-openapi'
import { ErrorResponseSchema } from '../../../schemas/api.ts'
import { SearchRequestSchema, SearchSortSchema } from '../../../schemas/search.ts'
import { stateTypes } from '../../../schemas/config.ts'
import type { Dependencies } from '../../runtime/dependencies.ts'
import { deleteSavedSearch, saveSearch } from '../../search/saved-searches.ts'
import { searchTickets } from '../../search/search-service.ts'
import type { ApiApp } from '../app.ts'

const json = <T>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description })
const errors = { 400: json(ErrorResponseSchema, 'Bad input; the message names the field'), 401: json(ErrorResponseSchema, 'Not logged in') }

const SearchHitSchema = z
  .object({
    number: z.string(),
    title: z.string(),
    queue: z.string(),
    state: z.string(),
    stateType: z.string(),
    priority: z.number(),
    owner: z.string().nullable(),
    customer: z.string().nullable(),
    createdAt: z.string(),
    changedAt: z.string(),
    highlights: z.array(z.string()).meta({ description: 'Matching passages: HTML-escaped text, matches in <mark>…</mark>.' }),
  })
  .meta({ id: 'SearchHit' })
const SearchResponseSchema = z.object({ items: z.array(SearchHitSchema), next: z.string().nullable() }).meta({ id: 'SearchResult' })

const list = z.string().max(2000).transform((value) => value.split(',').map((part) => part.trim()).filter(Boolean))
const QuickSearchQuerySchema = z.strictObject({
  q: z.string().max(2000).default('').meta({ description: 'Ticket number, or words: "phrases", -exclusion, field:value (subject:, from:, queue:, state:, owner:, customer:, number:), * wildcards.' }),
  queue: list.optional(),
  state: list.optional(),
  stateType: z.enum(stateTypes).optional(),
  sort: SearchSortSchema.default('relevance'),
  order: z.enum(['asc', 'desc']).default('desc'),
  limit: z.coerce.number().int().min(1).max(200).default(25),
  cursor: z.string().max(2000).optional(),
})

const SavedSearchSchema = z
  .object({ id: z.string(), name: z.string(), query: SearchRequestSchema.pick({ text: true, filters: true, sort: true, order: true }), createdAt: z.string() })
  .meta({ id: 'SavedSearch' })
const SaveSearchRequestSchema = z
  .strictObject({ name: z.string().min(1).max(100), query: SearchRequestSchema.pick({ text: true, filters: true, sort: true, order: true }) })
  .meta({ id: 'SaveSearchRequest' })

const route = {
  quick: createRoute({
    method: 'get',
    path: '/api/search',
    tags: ['search'],
    summary: 'Quick search: a ticket number or words, only in queues you may read',
    request: { query: QuickSearchQuerySchema },
    responses: { 200: json(SearchResponseSchema, 'Matching tickets'), ...errors, 503: json(ErrorResponseSchema, 'Search is not available, or this search took longer than its time limit (code `timeout`): narrow it') },
  }),
  advanced: createRoute({
    method: 'post',
    path: '/api/search',
    tags: ['search'],
    summary: 'Advanced search: text plus filters (queue, state, priority, owner, responsible, lock, customer, CustomerID, time ranges, ticket number)',
    request: { body: { content: { 'application/json': { schema: SearchRequestSchema } }, required: true } },
    responses: { 200: json(SearchResponseSchema, 'Matching tickets'), ...errors, 503: json(ErrorResponseSchema, 'Search is not available, or this search took longer than its time limit (code `timeout`): narrow it') },
  }),
  listSaved: createRoute({
    method: 'get',
    path: '/api/me/searches',
    tags: ['search'],
    summary: 'Your saved searches (the dashboard list)',
    responses: { 200: json(z.object({ items: z.array(SavedSearchSchema) }), 'Saved searches'), 401: errors[401] },
  }),
  save: createRoute({
    method: 'post',
    path: '/api/me/searches',
    tags: ['search'],
    summary: 'Save a search under a name',
    request: { body: { content: { 'application/json': { schema: SaveSearchRequestSchema } }, required: true } },
    responses: { 201: json(SavedSearchSchema, 'Saved'), ...errors },
  }),
  deleteSaved: createRoute({
    method: 'delete',
    path: '/api/me/searches/{id}',
    tags: ['search'],
    summary: 'Delete a saved search',
    request: { params: z.object({ id: z.string().min(1).max(64).meta({ param: { name: 'id', in: 'path' } }) }) },
    responses: { 204: { description: 'Deleted' }, 401: errors[401], 404: json(ErrorResponseSchema, 'No such saved search') },
  }),
}

export function registerSearchRoutes(app: ApiApp, deps: Dependencies): void {
  app.openapi(route.quick, async (c) => {
    const query = c.req.valid('query')
    const page = await searchTickets(
      deps,
      c.get('identity'),
      {
        text: query.q,
        filters: { ...(query.queue ? { queues: query.queue } : {}), ...(query.state ? { states: query.state } : {}), ...(query.stateType ? { stateTypes: [query.stateType] } : {}) },
        sort: query.sort,
        order: query.order,
        limit: query.limit,
        cursor: query.cursor,
      },
      'q',
    )
    return c.json(page, 200)
  })
  app.openapi(route.advanced, async (c) => c.json(await searchTickets(deps, c.get('identity'), c.req.valid('json')), 200))
  app.openapi(route.listSaved, async (c) => c.json({ items: await deps.savedSearches.list(c.get('identity').login) }, 200))
  app.openapi(route.save, async (c) => {
    const body = c.req.valid('json')
    return c.json(await saveSearch(deps, c.get('identity'), body.name, body.query), 201)
  })
  app.openapi(route.deleteSaved, async (c) => {
    await deleteSavedSearch(deps, c.get('identity'), c.req.valid('param').id)
    return c.body(null, 204)
  })
}
