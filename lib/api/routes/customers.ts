import { createRoute } from '@hono/zod-openapi'
import { ErrorResponseSchema } from '../../../schemas/api.ts'
import { CompanyParamSchema, CustomerParamSchema, CustomerTicketsQuerySchema, ViewListResponseSchema } from '../../../schemas/api-views.ts'
import {
  CompanyInputSchema,
  CompanyPageSchema,
  CompanySchema,
  CustomerUserInputSchema,
  CustomerUserPageSchema,
  CustomerUserSchema,
  DirectorySearchQuerySchema,
} from '../../../schemas/customers.ts'
import { getCompany, getCustomerUser, listCompanyUsers, saveCompany, saveCustomerUser, searchCompanies, searchCustomerUsers } from '../../customers/customer-directory.ts'
import type { Dependencies } from '../../runtime/dependencies.ts'
import { listCompanyTickets, listCustomerTickets } from '../../ticket/customers.ts'
import type { ApiApp } from '../app.ts'
import { ticketSummary } from '../views.ts'

const json = <T>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description })
const errors = {
  400: json(ErrorResponseSchema, 'Bad input; the message names the field'),
  401: json(ErrorResponseSchema, 'Not logged in'),
}
const writeErrors = {
  ...errors,
  403: json(ErrorResponseSchema, 'Only admins and agents whose role has manageCustomers may change customers'),
  409: json(ErrorResponseSchema, 'Changed by someone else at the same time; try again'),
}
const body = <T>(schema: T) => ({ body: { content: { 'application/json': { schema } }, required: true } })

const route = {
  searchCustomers: createRoute({
    method: 'get',
    path: '/api/customers',
    tags: ['customers'],
    summary: 'Search customer users by name, email, CustomerID or company name (prefix, any case); empty: all, by name',
    request: { query: DirectorySearchQuerySchema },
    responses: { 200: json(CustomerUserPageSchema, 'A page of customer users'), ...errors },
  }),
  customer: createRoute({
    method: 'get',
    path: '/api/customers/{email}',
    tags: ['customers'],
    summary: 'A customer user',
    request: { params: CustomerParamSchema },
    responses: { 200: json(CustomerUserSchema, 'The customer user'), ...errors, 404: json(ErrorResponseSchema, 'No such customer user') },
  }),
  putCustomer: createRoute({
    method: 'put',
    path: '/api/customers/{email}',
    tags: ['customers'],
    summary: 'Add or change a customer user (OTRS Admin → Customer User); fields left out take their defaults',
    request: { params: CustomerParamSchema, ...body(CustomerUserInputSchema) },
    responses: { 200: json(CustomerUserSchema, 'Changed'), 201: json(CustomerUserSchema, 'Added'), ...writeErrors },
  }),
  customerTickets: createRoute({
    method: 'get',
    path: '/api/customers/{email}/tickets',
    tags: ['customers'],
    summary: "A customer user's tickets, every state, only in queues you may read; newest first, cursor-paged",
    request: { params: CustomerParamSchema, query: CustomerTicketsQuerySchema },
    responses: { 200: json(ViewListResponseSchema, 'A page of tickets (empty for an unknown customer)'), ...errors },
  }),
  searchCompanies: createRoute({
    method: 'get',
    path: '/api/companies',
    tags: ['customers'],
    summary: 'Search customers (companies) by name or CustomerID (prefix, any case); empty: all, by name',
    request: { query: DirectorySearchQuerySchema },
    responses: { 200: json(CompanyPageSchema, 'A page of customers'), ...errors },
  }),
  company: createRoute({
    method: 'get',
    path: '/api/companies/{customerId}',
    tags: ['customers'],
    summary: 'A customer (company)',
    request: { params: CompanyParamSchema },
    responses: { 200: json(CompanySchema, 'The customer'), ...errors, 404: json(ErrorResponseSchema, 'No such customer') },
  }),
  putCompany: createRoute({
    method: 'put',
    path: '/api/companies/{customerId}',
    tags: ['customers'],
    summary: 'Add or change a customer (OTRS Admin → Customer); fields left out take their defaults',
    request: { params: CompanyParamSchema, ...body(CompanyInputSchema) },
    responses: { 200: json(CompanySchema, 'Changed'), 201: json(CompanySchema, 'Added'), ...writeErrors },
  }),
  companyUsers: createRoute({
    method: 'get',
    path: '/api/companies/{customerId}/customers',
    tags: ['customers'],
    summary: "A customer's (company's) customer users, by address, cursor-paged",
    request: { params: CompanyParamSchema, query: CustomerTicketsQuerySchema.pick({ limit: true, cursor: true }) },
    responses: { 200: json(CustomerUserPageSchema, 'A page of customer users (empty for an unknown customer)'), ...errors },
  }),
  companyTickets: createRoute({
    method: 'get',
    path: '/api/companies/{customerId}/tickets',
    tags: ['customers'],
    summary: "A company's tickets (CustomerID), every state, only in queues you may read; newest first, cursor-paged",
    request: { params: CompanyParamSchema, query: CustomerTicketsQuerySchema },
    responses: { 200: json(ViewListResponseSchema, 'A page of tickets (empty for an unknown company)'), ...errors },
  }),
}

/** The customer directory and information center: /api/customers[/{email}[/tickets]], /api/companies[/{customerId}[/customers|/tickets]]. */
export function registerCustomerRoutes(app: ApiApp, deps: Dependencies): void {
  app.openapi(route.searchCustomers, async (c) => c.json(await searchCustomerUsers(deps, c.req.valid('query')), 200))

  app.openapi(route.customer, async (c) => c.json(await getCustomerUser(deps, c.req.valid('param').email), 200))

  app.openapi(route.putCustomer, async (c) => {
    const { record, created } = await saveCustomerUser(deps, { agent: c.get('identity').agent }, c.req.valid('param').email, c.req.valid('json'))
    return created ? c.json(record, 201) : c.json(record, 200)
  })

  app.openapi(route.customerTickets, async (c) => {
    const page = await listCustomerTickets(deps, c.get('identity'), c.req.valid('param').email, c.req.valid('query'))
    return c.json({ items: page.items.map(ticketSummary), next: page.next }, 200)
  })

  app.openapi(route.searchCompanies, async (c) => c.json(await searchCompanies(deps, c.req.valid('query')), 200))

  app.openapi(route.company, async (c) => c.json(await getCompany(deps, c.req.valid('param').customerId), 200))

  app.openapi(route.putCompany, async (c) => {
    const { record, created } = await saveCompany(deps, { agent: c.get('identity').agent }, c.req.valid('param').customerId, c.req.valid('json'))
    return created ? c.json(record, 201) : c.json(record, 200)
  })

  app.openapi(route.companyUsers, async (c) => c.json(await listCompanyUsers(deps, c.req.valid('param').customerId, c.req.valid('query')), 200))

  app.openapi(route.companyTickets, async (c) => {
    const page = await listCompanyTickets(deps, c.get('identity'), c.req.valid('param').customerId, c.req.valid('query'))
    return c.json({ items: page.items.map(ticketSummary), next: page.next }, 200)
  })
}
