import * as z from 'zod'
import { TicketSummarySchema } from './api.ts'
import { stateTypes } from './config.ts'

/**
 * Agent views (dashboard lists, status view) and the customer information center. Part of the
 * OpenAPI document at /api/openapi.json, like schemas/api.ts.
 */

const viewNames = ['new', 'open', 'locked', 'responsible', 'watched', 'pending-reached', 'escalated', 'escalating-soon', 'escalation', 'status'] as const

export const ViewParamSchema = z.object({
  view: z.enum(viewNames).meta({
    param: { name: 'view', in: 'path' },
    example: 'open',
    description:
      'new: state type new in every queue you may read; filter=my-queues: in the My Queues of your preferences. ' +
      'open: state type open ("Open tickets / need to be answered"), see filter. ' +
      'locked: "My locked tickets", locked to you, every state type not closed. ' +
      'responsible: "My responsibilities", you are responsible, every state type not closed. ' +
      'watched: "My watched tickets", tickets you watch (PUT /api/tickets/{number}/watch), every state type not closed. ' +
      'pending-reached: pending reminder tickets whose pending time has passed. ' +
      'escalated: tickets with an SLA deadline (first response, update or solution) that has passed. ' +
      'escalating-soon: tickets whose next SLA deadline comes within the warnBeforeMinutes of their SLA. ' +
      'escalation: the escalation view (OTRS AgentTicketEscalationView), tickets by escalation time up to the end of `when`. ' +
      'status: the status view, tickets of one stateType (closed, merged and removed too), or of every open state type (new, open, pending) without one.',
  }),
})

const limit = z.coerce.number().int().min(1).max(500).default(50).meta({ description: 'Page size, at most 500.' })
const cursor = z.string().max(4000).optional().meta({ description: 'The `next` of the previous page, with the same other parameters.' })

export const ViewQuerySchema = z.strictObject({
  queue: z.string().min(1).optional().meta({ description: 'Only this queue (404 if unknown or not readable); every queue you may read when absent.' }),
  stateType: z.enum(stateTypes).optional().meta({ description: 'Status view only: the state type to list; absent: every open state type (new, open, pending reminder, pending auto), as OTRS opens it.' }),
  filter: z
    .enum(['all', 'mine', 'locked', 'unlocked', 'watched', 'responsible', 'my-queues'])
    .optional()
    .meta({
      description:
        'The dashboard filters (views new, open, pending-reached, escalated, escalating-soon, escalation): all (default); mine or locked: locked to you; ' +
        'unlocked; watched: tickets you watch; responsible: you are responsible; my-queues: tickets in your My Queues. Applied inside the query, so pages are full.',
    }),
  when: z
    .enum(['now', 'today', 'tomorrow', 'next-week'])
    .optional()
    .meta({
      description:
        'Escalation view only (default now): tickets escalated now, or escalating by the end of today, tomorrow or the 7th day from today in your time zone. ' +
        'As OTRS, each includes the earlier ones (today lists the tickets escalated already).',
    }),
  sort: z
    .enum(['created', 'priority', 'changed', 'title', 'escalation'])
    .default('created')
    .meta({
      description:
        'created (default): index order, cursor-paged through the whole view. priority, changed, title, escalation (the escalation time, earliest first): sorted in memory over at most ' +
        'the 2,000 oldest tickets of the view (ties oldest first), paged by offset. pending-reached, escalated, escalating-soon and escalation are always read whole (at most 2,000) and paged by offset.',
    }),
  order: z.enum(['asc', 'desc']).default('asc').meta({ description: 'Direction of the sort; with sort=created asc = oldest first (OTRS).' }),
  limit,
  cursor,
})

export const ViewListResponseSchema = z
  .object({ items: z.array(TicketSummarySchema), next: z.string().nullable().meta({ description: 'Cursor of the next page; null on the last.' }) })
  .meta({ id: 'TicketViewPage' })

const count = z.number().int().min(0)

export const StateTypeCountsSchema = z
  .object(Object.fromEntries(stateTypes.map((stateType) => [stateType, count])) as Record<(typeof stateTypes)[number], typeof count>)
  .meta({ id: 'StateTypeCounts', description: 'Tickets per state type.' })

export const ViewCountsResponseSchema = z
  .object({
    queues: z.array(z.object({ queue: z.string(), counts: StateTypeCountsSchema })).meta({ description: 'Every queue you may read, in configuration order.' }),
    mine: z
      .object({
        locked: count.meta({ description: 'Tickets locked to you, not closed (the locked view).' }),
        responsible: count.meta({ description: 'Tickets you are responsible for, not closed.' }),
        watched: count.meta({ description: 'Tickets you watch, not closed, in queues you may read.' }),
        pendingReached: count.meta({ description: 'Pending reminders whose time has passed, in queues you may read (at most 2,000 counted).' }),
      })
      .meta({ description: 'Your own lists.' }),
  })
  .meta({ id: 'ViewCounts' })

export const CustomerParamSchema = z.object({
  email: z
    .string()
    .min(1)
    .max(320)
    .meta({ param: { name: 'email', in: 'path' }, example: 'ann@customer.example', description: 'The customer user (an email address), URL-encoded; case does not matter.' }),
})

export const CompanyParamSchema = z.object({
  customerId: z
    .string()
    .min(1)
    .max(320)
    .meta({ param: { name: 'customerId', in: 'path' }, example: 'customer.example', description: 'The CustomerID (company): the mail domain, or the address for free-mail users; URL-encoded.' }),
})

export const CustomerTicketsQuerySchema = z.strictObject({
  order: z.enum(['asc', 'desc']).default('desc').meta({ description: 'By creation time; desc = newest first (default).' }),
  limit,
  cursor,
})

