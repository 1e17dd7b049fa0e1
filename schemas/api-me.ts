import * as z from 'zod'
import { TotpStatusSchema } from './api-auth.ts'
import { languages, stateTypes } from './config.ts'

/**
 * The caller (GET /api/me), their preferences (OTRS: Personal Preferences), their password, and
 * what a client needs to build its forms (GET /api/meta). Part of the OpenAPI document at
 * /api/openapi.json, like schemas/api.ts.
 */

const rights = ['ro', 'rw', 'create', 'move_into', 'note', 'owner', 'priority'] as const
export { languages }

const day = z.iso.date({ message: 'must be a date such as 2026-12-24' })

/** An IANA zone name that this runtime knows. Offsets such as "+01:00" are refused: they know no daylight saving time. */
export function isIanaTimeZone(zone: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(zone)) return false
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone })
    return true
  } catch {
    return false
  }
}

const timeZone = z.string().max(100).refine(isIanaTimeZone, 'must be an IANA time zone such as "Europe/Amsterdam"')

export const QueueAccessSchema = z
  .object({
    name: z.string(),
    rights: z.array(z.enum(rights)).meta({ description: 'OTRS queue rights; rw includes every other right.' }),
  })
  .meta({ id: 'QueueAccess' })

const NotificationPreferencesSchema = z.object({
  newTicket: z.boolean().meta({ description: 'Mail me about new tickets in My Queues.' }),
  followUp: z.boolean().meta({ description: 'Mail me when a customer writes on a ticket I own.' }),
})

const OutOfOfficeSchema = z.object({
  enabled: z.boolean(),
  from: day.nullable().meta({ description: 'First day away (in your time zone); null: from now on.' }),
  until: day.nullable().meta({ description: 'Last day away, inclusive; null: until switched off.' }),
  autoUnlock: z.boolean().meta({
    description: 'While away, a customer follow-up unlocks your locked ticket and notifies the queue\'s agents (My Queues) instead of you.',
  }),
})

export const PreferencesSchema = z
  .object({
    myQueues: z.array(z.string()).meta({ description: 'Queues you watch: new-ticket notifications come from these.' }),
    notifications: NotificationPreferencesSchema,
    outOfOffice: OutOfOfficeSchema,
    language: z.enum(languages),
    timeZone: z.string().meta({ example: 'Europe/Amsterdam' }),
  })
  .meta({ id: 'Preferences' })

export const UpdatePreferencesRequestSchema = z
  .strictObject({
    myQueues: z
      .array(z.string().min(1))
      .max(1000)
      .nullable()
      .optional()
      .meta({ description: 'Queues you can read; null returns to the default (configured, or every readable queue but the spam queue).' }),
    notifications: z.strictObject({ newTicket: z.boolean().optional(), followUp: z.boolean().optional() }).optional(),
    outOfOffice: z
      .strictObject({
        enabled: z.boolean().optional(),
        from: day.nullable().optional(),
        until: day.nullable().optional(),
        autoUnlock: z.boolean().optional(),
      })
      .optional()
      .meta({ description: 'Merged into the current setting: send only what changes.' }),
    language: z.enum(languages).nullable().optional().meta({ description: 'null returns to the default (en).' }),
    timeZone: timeZone.nullable().optional().meta({ description: 'IANA zone; null returns to the system time zone.' }),
  })
  .meta({ id: 'UpdatePreferencesRequest', description: 'Any subset of the preferences; what is left out stays as it is.' })

export const MeResponseSchema = z
  .object({
    login: z.string(),
    firstName: z.string(),
    lastName: z.string(),
    email: z.string(),
    admin: z.boolean(),
    manageCustomers: z.boolean().meta({ description: 'May add and change customer users and customers (admins, and roles with manageCustomers), e.g. from the phone ticket screen.' }),
    queues: z.array(QueueAccessSchema).meta({ description: 'The queues you can read, with your rights on each.' }),
    preferences: PreferencesSchema,
    totp: TotpStatusSchema.meta({ description: 'Your second factor: on or not, required by your role, recovery codes left.' }),
  })
  .meta({ id: 'Me' })

export const ChangePasswordRequestSchema = z
  .strictObject({
    current: z.string().min(1).max(1000),
    new: z.string().min(1).max(1000).meta({ description: 'Must pass the password policy (GET /api/auth/password-policy).' }),
  })
  .meta({ id: 'ChangePasswordRequest' })

export const MetaResponseSchema = z
  .object({
    ticketHook: z.string().meta({ example: 'Ticket#' }),
    systemTimeZone: z.string(),
    languages: z.array(z.enum(languages)),
    states: z.array(z.object({ name: z.string(), type: z.enum(stateTypes) })),
    priorities: z.array(z.object({ id: z.number().int().min(1).max(5), name: z.string() })),
    queues: z.array(QueueAccessSchema).meta({ description: 'The queues you can read, with your rights on each.' }),
    agents: z
      .array(
        z.object({
          login: z.string(),
          firstName: z.string(),
          lastName: z.string(),
          name: z.string(),
          queues: z.array(z.string()).meta({ description: 'Of your queues, those where this agent may work (rw): they may be owner or responsible of its tickets.' }),
          outOfOffice: z
            .object({ until: z.string().nullable() })
            .nullable()
            .meta({ description: 'Set while the agent is out of office today (until: their last day away, or null when open-ended).' }),
        }),
      )
      .meta({ description: 'Enabled agents, for owner and responsible pickers: offer for a ticket only those whose queues hold its queue.' }),
    templates: z
      .array(z.object({ name: z.string(), type: z.enum(['answer', 'forward', 'note', 'create']), queues: z.array(z.string()).nullable().meta({ description: 'Only in these queues; null: every queue.' }) }))
      .meta({ description: 'Templates (templateId of compose and articles): answers for reply/reply-all, forward, note; create: new phone and email tickets (GET /api/new-ticket/compose).' }),
  })
  .meta({ id: 'Meta' })
