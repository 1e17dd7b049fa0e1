import { createRoute } from '@hono/zod-openapi'
import { ErrorResponseSchema } from '../../../schemas/api.ts'
import { CompanyParamSchema, CustomerParamSchema, CustomerTicketsQuerySchema, CustomerUserSchema, ViewListResponseSchema } from '../../../schemas/api-views.ts'
import type { Dependencies } from '../../runtime/dependencies.ts'
import { getCustomerUser, listCompanyTickets, listCustomerTickets } from '../../ticket/customers.ts'
import type { ApiApp } from '../app.ts'
import { ticketSummary } from '../views.ts'

const json = <T>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description })
const errors = {
  400: json(ErrorResponseSchema, 'Bad input; the message names the field'),
  401: json(ErrorResponseSchema, 'Not logged in'),
}

const customerRoute = createRoute({
  method: 'get',
  path: '/api/customers/{email}',
  tags: ['customers'],
  summary: 'A customer user (created from the sender of their first mail)',
  request: { params: CustomerParamSchema },
  responses: { 200: json(CustomerUserSchema, 'The customer user'), 401: errors[401], 404: json(ErrorResponseSchema, 'No such customer user') },
})

const customerTicketsRoute = createRoute({
  method: 'get',
  path: '/api/customers/{email}/tickets',
  tags: ['customers'],
  summary: "A customer user's tickets, every state, only in queues you may read; newest first, cursor-paged",
  request: { params: CustomerParamSchema, query: CustomerTicketsQuerySchema },
  responses: { 200: json(ViewListResponseSchema, 'A page of tickets (empty for an unknown customer)'), ...errors },
})

const companyTicketsRoute = createRoute({
  method: 'get',
  path: '/api/companies/{customerId}/tickets',
  tags: ['customers'],
  summary: "A company's tickets (CustomerID), every state, only in queues you may read; newest first, cursor-paged",
  request: { params: CompanyParamSchema, query: CustomerTicketsQuerySchema },
  responses: { 200: json(ViewListResponseSchema, 'A page of tickets (empty for an unknown company)'), ...errors },
})

/** The customer information center: GET /api/customers/{email}[/tickets], GET /api/companies/{customerId}/tickets. */
export function registerCustomerRoutes(app: ApiApp, deps: Dependencies): void {
  app.openapi(customerRoute, async (c) => {
    const { email, name, customerId, createdAt } = await getCustomerUser(deps, c.req.valid('param').email)
    return c.json({ email, name, customerId, createdAt }, 200)
  })

  app.openapi(customerTicketsRoute, async (c) => {
    const page = await listCustomerTickets(deps, c.get('identity'), c.req.valid('param').email, c.req.valid('query'))
    return c.json({ items: page.items.map(ticketSummary), next: page.next }, 200)
  })

  app.openapi(companyTicketsRoute, async (c) => {
    const page = await listCompanyTickets(deps, c.get('identity'), c.req.valid('param').customerId, c.req.valid('query'))
    return c.json({ items: page.items.map(ticketSummary), next: page.next }, 200)
  })
}
