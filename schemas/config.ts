import { Cron } from 'croner'
import * as z from 'zod'
import { builtInJobs } from './jobs.ts'

/**
 * `docket.config.yaml`: the admin's interface. Parsed once at start (local), at synth (AWS)
 * and by `docket config check`. Strict objects, so a misspelt key is an error that names its path
 * instead of a silently ignored setting.
 */

const emailAddress = z.email({ message: 'must be an email address such as support@example.com' })

/** OTRS state types: they drive the views, the state names are the admin's. */
export const stateTypes = [
  'new',
  'open',
  'pending reminder',
  'pending auto',
  'closed',
  'merged',
  'removed',
] as const
export const StateTypeSchema = z.enum(stateTypes)
export type StateType = z.infer<typeof StateTypeSchema>

const StateSchema = z.strictObject({
  name: z.string().min(1),
  type: StateTypeSchema,
  /** For `pending auto` states: the state the ticket takes when its pending time is reached. */
  autoCloseTo: z.string().optional(),
})

/** OTRS's shipped states, with the LizardNet guide's "closed - no response needed". */
export const defaultStates: z.infer<typeof StateSchema>[] = [
  { name: 'new', type: 'new' },
  { name: 'open', type: 'open' },
  { name: 'closed successful', type: 'closed' },
  { name: 'closed unsuccessful', type: 'closed' },
  { name: 'closed - no response needed', type: 'closed' },
  { name: 'pending reminder', type: 'pending reminder' },
  { name: 'pending auto close+', type: 'pending auto', autoCloseTo: 'closed successful' },
  { name: 'pending auto close-', type: 'pending auto', autoCloseTo: 'closed unsuccessful' },
  { name: 'merged', type: 'merged' },
  { name: 'removed', type: 'removed' },
]

export const defaultPriorities = ['1 very low', '2 low', '3 normal', '4 high', '5 very high']

export const defaultFreemailDomains = [
  'gmail.com', 'googlemail.com', 'outlook.com', 'hotmail.com', 'live.com', 'msn.com', 'yahoo.com', 'ymail.com',
  'icloud.com', 'me.com', 'mac.com', 'aol.com', 'gmx.de', 'gmx.net', 'gmx.at', 'gmx.ch', 'web.de', 't-online.de',
  'proton.me', 'protonmail.com', 'mail.com', 'yandex.ru', 'mail.ru', 'zoho.com', 'hey.com', 'fastmail.com',
  'hotmail.nl', 'live.nl', 'ziggo.nl', 'kpnmail.nl', 'xs4all.nl', 'planet.nl', 'outlook.de', 'freenet.de',
]

/** Languages the web client offers, agents may choose for their mails, and a queue may write to its customers in. */
export const languages = ['en', 'de', 'nl'] as const

const QueueSchema = z.strictObject({
  name: z.string().min(1).regex(/^[^#/]+$/, 'queue names may not contain "#" or "/"'),
  /** The group whose members may work in this queue (OTRS: every queue belongs to one group). */
  group: z.string().min(1),
  /** The address replies from this queue are sent from; defaults to the first address routed to it. */
  systemAddress: emailAddress.optional(),
  /** What a customer's mail to a closed ticket of this queue does (OTRS: follow-up option). */
  followUp: z.enum(['reopen', 'reject', 'new-ticket']).default('reopen'),
  /** Lock the ticket to its owner again when a customer follow-up reopens it (OTRS default). */
  lockOnFollowUp: z.boolean().default(true),
  salutation: z.string().default('Dear {{customer.name}},'),
  /** The language of the queue's salutation and signature: the quote line of a reply ("On … wrote:") is written in it. */
  language: z.enum(languages).default('en'),
  signature: z.string().default('Your {{queue.name}} team'),
  /** Auto responses by occasion: names from autoResponses:. */
  autoResponses: z
    .strictObject({ newTicket: z.string().optional(), followUp: z.string().optional(), reject: z.string().optional() })
    .default({}),
  /** The SLA of this queue's tickets (name from slas:): escalation times in its calendar's business hours. */
  sla: z.string().min(1).optional(),
  comment: z.string().optional(),
})

export const weekdays = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const
export type Weekday = (typeof weekdays)[number]

const clockTime = '(?:[01]\\d|2[0-3]):[0-5]\\d'
/** "08:00-12:00": one working period of a day, local time; "24:00" ends at midnight. */
const workingPeriod = z
  .string()
  .regex(new RegExp(`^${clockTime}-(?:${clockTime}|24:00)$`), 'must be a period such as "08:00-12:00" (24-hour clock; "24:00" for midnight)')
  .refine((period) => {
    const [start, end] = period.split('-') as [string, string]
    return start < end
  }, 'must end after it starts, e.g. "08:00-12:00"')

/** "2026-12-25" (that day) or "12-25" (every year). */
const holiday = z.string().refine((day) => {
  const match = /^(?:(\d{4})-)?(\d{2})-(\d{2})$/.exec(day)
  if (!match) return false
  const [year, month, date] = [Number(match[1] ?? 2024), Number(match[2]), Number(match[3])]
  const probe = new Date(Date.UTC(year, month - 1, date))
  return probe.getUTCMonth() === month - 1 && probe.getUTCDate() === date
}, 'must be a date such as "2026-12-25", or "12-25" for every year')

/** A business calendar (OTRS: TimeWorkingHours, TimeVacationDays, TimeZone; several calendars). */
const CalendarSchema = z.strictObject({
  name: z.string().min(1),
  /** IANA zone the working hours and holidays are read in, e.g. "Europe/Amsterdam". */
  timeZone: z.string().refine((zone) => isKnownTimeZone(zone), 'must be an IANA time zone such as "Europe/Amsterdam"'),
  /** Working periods per weekday; a day that is absent (or empty) is closed. */
  workingHours: z.partialRecord(z.enum(weekdays), z.array(workingPeriod)),
  holidays: z.array(holiday).default([]),
})

/** OTRS SLA / queue escalation times, in business minutes of the calendar. */
const SlaSchema = z.strictObject({
  name: z.string().min(1),
  /** Name from calendars:; absent: round the clock. */
  calendar: z.string().min(1).optional(),
  /** Creation → first agent mail to the customer. */
  firstResponseMinutes: z.number().int().positive().optional(),
  /** Customer contact (or our last mail) → our next mail to the customer. */
  updateMinutes: z.number().int().positive().optional(),
  /** Creation → closed. */
  solutionMinutes: z.number().int().positive().optional(),
  /** "Escalating soon": this many minutes (wall clock) before a deadline. */
  warnBeforeMinutes: z.number().int().min(0).default(60),
  /** Raise the priority by one (up to 5) each time a deadline is reached. */
  raisePriority: z.boolean().default(false),
})

const AddressSchema = z.strictObject({
  address: emailAddress,
  displayName: z.string().optional(),
  queue: z.string().min(1),
  /**
   * Honour X-Docket-* control headers in mail arriving at this address (OTRS: a trusted mail
   * account). Only for addresses that internal systems write to: anyone who can mail the address
   * can then steer the ticket.
   */
  trusted: z.boolean().default(false),
})

const regexSource = z.string().min(1).refine((source) => {
  try {
    new RegExp(source, 'iu')
    return true
  } catch {
    return false
  }
}, 'must be a valid regular expression')

/** OTRS postmaster filter: every match condition must hold; then the headers are set. */
const PostmasterFilterSchema = z.strictObject({
  name: z.string().min(1),
  match: z
    .array(
      z.strictObject({
        /** A header name (any), or "Body". */
        header: z.string().min(1),
        /** Regular expression, case-insensitive; named groups `(?<name>…)` are usable in set: as ${name}. */
        value: regexSource,
        /** True: the condition holds when the expression does NOT match. */
        negate: z.boolean().default(false),
      }),
    )
    .min(1),
  /** Control headers to set, e.g. X-Docket-Queue: Sales. X-Docket-FollowUp-* apply to follow-ups. */
  set: z.record(z.string().regex(/^X-Docket-[A-Za-z0-9-]+$/i, 'only X-Docket-* headers can be set'), z.string()),
  stopAfterMatch: z.boolean().default(false),
})

const AutoResponseSchema = z.strictObject({
  name: z.string().min(1),
  /** Subject; the ticket marker is added. Variables: {{ticket.number}}, {{ticket.title}}, {{customer.name}}, {{customer.email}}, {{queue.name}}, {{mail.subject}}. */
  subject: z.string().min(1),
  body: z.string().min(1),
})

/** A cron expression (5 fields, UTC), as croner and EventBridge both read it, e.g. "0 0 * * 0". */
const cronExpression = z.string().refine((expression) => {
  if (expression.trim().split(/\s+/).length !== 5) return false
  try {
    new Cron(expression, { paused: true, timezone: 'UTC' }).stop()
    return true
  } catch {
    return false
  }
}, 'must be a cron expression with 5 fields (minute hour day-of-month month day-of-week), in UTC, e.g. "0 0 * * 0"')
  .refine(
    (expression) => !restrictedDayFields(expression),
    'restricts both day-of-month and day-of-week: cron then runs on the days matching either, which EventBridge (the AWS scheduler) cannot express. Keep one of them "*" (two GenericAgent jobs can cover both)',
  )

/**
 * Whether a 5-field cron restricts both day-of-month and day-of-week (neither is `*` or `?`):
 * cron (and croner) then run on the days that match either field. EventBridge needs one of the
 * two to be `?`, so Docket refuses such a schedule rather than deploy a different one.
 */
export function restrictedDayFields(expression: string): boolean {
  const fields = expression.trim().split(/\s+/)
  const any = (field: string | undefined) => field === undefined || field === '*' || field === '?'
  return !any(fields[2]) && !any(fields[4])
}

/** "24 hours", "6 months", "3 years": how long ago, for GenericAgent time ranges. */
export const durationText = z.string().regex(/^\d+\s*(minute|hour|day|week|month|year)s?$/i, 'must be a duration such as "24 hours", "6 months" or "3 years"')
const timeBound = z.union([z.iso.datetime({ offset: true }), z.iso.date(), durationText]).meta({
  description: 'An ISO date/time, or a duration meaning that long before the run ("6 months").',
})

const GenericAgentJobSchema = z.strictObject({
  name: z.string().min(1).max(200),
  /** OTRS "Validity": an invalid job is kept but never runs. */
  enabled: z.boolean().default(true),
  /** Cron (UTC); null or absent: only by hand (`docket job run <name>`). */
  schedule: cronExpression.nullable().default(null),
  /** Tickets per batch; the run continues batch after batch until nothing is left (OTRS stopped at 4,000). */
  batchLimit: z.number().int().min(1).max(10_000).default(500),
  /** Which tickets (all conditions must hold; lists mean "one of"). Patterns use * as in OTRS's search. */
  select: z
    .strictObject({
      ticketNumber: z.string().optional(),
      queues: z.array(z.string()).optional(),
      states: z.array(z.string()).optional(),
      stateTypes: z.array(StateTypeSchema).optional(),
      priorities: z.array(z.number().int().min(1).max(5)).optional(),
      owners: z.array(z.string()).optional(),
      lock: z.enum(['lock', 'unlock']).optional(),
      title: z.string().optional(),
      subject: z.string().optional(),
      body: z.string().optional(),
      from: z.string().optional(),
      createdBefore: timeBound.optional(),
      createdAfter: timeBound.optional(),
      changedBefore: timeBound.optional(),
      changedAfter: timeBound.optional(),
      closedBefore: timeBound.optional(),
      closedAfter: timeBound.optional(),
      pendingBefore: timeBound.optional(),
      pendingAfter: timeBound.optional(),
    })
    .default({}),
  /** What to do with each selected ticket. */
  actions: z
    .strictObject({
      state: z.string().optional(),
      /** For pending states: relative to the run ("+2 days" style as "2 days"), or an ISO time. */
      pendingIn: durationText.optional(),
      queue: z.string().optional(),
      priority: z.number().int().min(1).max(5).optional(),
      owner: z.string().optional(),
      responsible: z.string().optional(),
      lock: z.enum(['lock', 'unlock']).optional(),
      note: z.strictObject({ subject: z.string().default('Note'), body: z.string().min(1) }).optional(),
      notify: z.strictObject({ to: z.union([z.enum(['owner', 'responsible', 'queue']), z.array(z.string())]), subject: z.string().min(1), body: z.string().min(1) }).optional(),
      /** Delete the tickets for good (with their articles, blobs and index entries; a tombstone stays). */
      delete: z.boolean().default(false),
    })
    .refine((actions) => Object.entries(actions).some(([key, value]) => value !== undefined && !(key === 'delete' && value === false)), 'give at least one action'),
})

/** The built-in timed jobs (OTRS: Daemon tasks and the LizardNet Junk scripts). */
const JobsSchema = z.strictObject({
  pending: z.strictObject({ schedule: cronExpression.default('* * * * *') }).default({ schedule: '* * * * *' }),
  junkCleanup: z.strictObject({ schedule: cronExpression.default('0 0 * * *'), afterHours: z.number().int().positive().default(24) }).default({ schedule: '0 0 * * *', afterHours: 24 }),
  junkPurge: z.strictObject({ schedule: cronExpression.default('0 0 * * 0'), afterMonths: z.number().int().positive().default(1) }).default({ schedule: '0 0 * * 0', afterMonths: 1 }),
  escalations: z.strictObject({ schedule: cronExpression.default('* * * * *') }).default({ schedule: '* * * * *' }),
  /** The previous UTC day's history and tombstones → the audit archive (audit/YYYY/MM/DD.jsonl). */
  auditExport: z.strictObject({ schedule: cronExpression.default('30 0 * * *') }).default({ schedule: '30 0 * * *' }),
})

/** OTRS templates (Admin → Templates): answers, forwards and notes agents start from. */
const TemplateSchema = z.strictObject({
  name: z.string().min(1),
  /** answer: replies; forward; note; create: the text a new phone or email ticket starts from (OTRS "Create"). */
  type: z.enum(['answer', 'forward', 'note', 'create']).default('answer'),
  /** Variables: {{customer.name}}, {{customer.email}}, {{ticket.number}}, {{ticket.title}}, {{queue.name}}, {{agent.firstName}}, {{agent.lastName}}, {{agent.name}}. */
  body: z.string().default(''),
  /** Only in these queues; every queue when absent. */
  queues: z.array(z.string()).optional(),
})

const ExternalNumberSchema = z.strictObject({
  name: z.string().min(1),
  /** Regular expression with one capture group: the partner's ticket number. */
  pattern: regexSource,
  /** Where to look: the subject (default) or the body too. */
  searchBody: z.boolean().default(false),
  /** Only from these senders (regular expression on the From address); any sender when absent. */
  from: regexSource.optional(),
  /** The dynamic field that keeps the partner's number on our ticket. */
  dynamicField: z.string().regex(/^[A-Za-z0-9]+$/),
})

const RoleSchema = z.strictObject({
  name: z.string().min(1),
  /** group name → rights, as OTRS's Roles ↔ Groups screen. */
  groups: z.record(z.string(), z.array(z.enum(['ro', 'rw', 'create', 'move_into', 'note', 'owner', 'priority']))),
  /**
   * Agents with this role must log in with a TOTP code (OTRS: two-factor authentication enforced).
   * One who has not enrolled yet gets a session that may only enrol.
   */
  requireTotp: z.boolean().default(false),
  /** Agents with this role may add and change customer users and customers (OTRS: Customer User / Customer administration). Admins always may. */
  manageCustomers: z.boolean().default(false),
})

/** OTRS's agent password rules (PasswordMinSize, PasswordMin2Lower2UpperCharacters, PasswordNeedDigit, …). */
const PasswordPolicySchema = z.strictObject({
  minLength: z.number().int().min(8, 'must be at least 8: shorter passwords fall to guessing').max(200).default(10),
  requireUpper: z.boolean().default(true),
  requireLower: z.boolean().default(true),
  requireDigit: z.boolean().default(true),
  /** A character that is not a letter, digit or space, e.g. "-", "!" or "€". */
  requirePunctuation: z.boolean().default(true),
})
const defaultPasswordPolicy = { minLength: 10, requireUpper: true, requireLower: true, requireDigit: true, requirePunctuation: true }

/** Repeated failed logins of one login name (known or not) from one address: after freeAttempts, locked for a doubling delay. */
const LockoutSchema = z.strictObject({
  freeAttempts: z.number().int().min(1).max(100).default(5),
  /** The lock after the last free attempt; each further failure doubles it. */
  baseDelaySeconds: z.number().int().min(1).max(86_400).default(30),
  maxDelaySeconds: z.number().int().min(1).max(86_400).default(900),
  /** Failures are forgotten after this long without one. */
  forgetAfterMinutes: z.number().int().min(1).max(10_080).default(60),
  /**
   * freeAttempts counts per login *and client address*, so a stranger's guesses never lock the
   * agent out from their own address. Failures of a login from every address together lock it
   * after this many (distributed guessing), but not from an address the agent logged in from
   * within knownAddressDays.
   */
  loginFreeAttempts: z.number().int().min(1).max(100_000).default(50),
  knownAddressDays: z.number().int().min(1).max(365).default(30),
})

/**
 * Login flood control, before any password is checked: attempts per client address and from
 * everyone per minute (a success gives its attempt back), and scrypt runs at most
 * `hashingConcurrency` at once with at most `hashingQueue` waiting (one per client address); beyond that
 * 429 with Retry-After.
 */
const LoginRateSchema = z.strictObject({
  perAddressPerMinute: z.number().int().min(1).max(100_000).default(20),
  globalPerMinute: z.number().int().min(1).max(1_000_000).default(300),
  hashingConcurrency: z.number().int().min(1).max(64).default(1),
  hashingQueue: z.number().int().min(0).max(10_000).default(4),
})
const defaultLoginRate = { perAddressPerMinute: 20, globalPerMinute: 300, hashingConcurrency: 1, hashingQueue: 4 }
const defaultLockout = { freeAttempts: 5, baseDelaySeconds: 30, maxDelaySeconds: 900, forgetAfterMinutes: 60, loginFreeAttempts: 50, knownAddressDays: 30 }

/** OTRS SessionMaxTime / SessionMaxIdleTime. */
const SessionsSchema = z.strictObject({
  maxHours: z.number().min(0.25).max(720).default(12),
  maxIdleMinutes: z.number().int().min(5).max(43_200).default(120),
})
const defaultSessions = { maxHours: 12, maxIdleMinutes: 120 }

const AuthSchema = z.strictObject({
  passwordPolicy: PasswordPolicySchema.default(defaultPasswordPolicy),
  lockout: LockoutSchema.default(defaultLockout),
  loginRate: LoginRateSchema.default(defaultLoginRate),
  sessions: SessionsSchema.default(defaultSessions),
  totp: z
    .strictObject({
      /** The name authenticator apps show; system.name when absent. */
      issuer: z.string().min(1).max(100).optional(),
      /** Admins must use TOTP whatever their roles. */
      requireForAdmins: z.boolean().default(false),
    })
    .default({ requireForAdmins: false }),
  passwordReset: z
    .strictObject({
      /** "Forgot password": a one-time link mailed to the agent's address. */
      enabled: z.boolean().default(true),
      tokenMinutes: z.number().int().min(5).max(1440).default(30),
      /** Reset mails per login and hour, so nobody can flood an agent's mailbox. */
      maxMailsPerHour: z.number().int().min(1).max(100).default(3),
    })
    .default({ enabled: true, tokenMinutes: 30, maxMailsPerHour: 3 }),
})
export const defaultAuth: z.infer<typeof AuthSchema> = {
  passwordPolicy: defaultPasswordPolicy,
  lockout: defaultLockout,
  loginRate: defaultLoginRate,
  sessions: defaultSessions,
  totp: { requireForAdmins: false },
  passwordReset: { enabled: true, tokenMinutes: 30, maxMailsPerHour: 3 },
}

const AgentSchema = z.strictObject({
  login: z.string().min(1).regex(/^[a-zA-Z0-9._@-]+$/, 'use letters, digits, ".", "_", "@" or "-"'),
  firstName: z.string().min(1),
  lastName: z.string().default(''),
  email: emailAddress,
  roles: z.array(z.string()).default([]),
  /** Admins hold every right on every queue and may run admin operations. */
  admin: z.boolean().default(false),
  enabled: z.boolean().default(true),
  /** OTRS "My Queues": notifications for new tickets come from these. Default: every queue the agent may read except the spam queue. */
  myQueues: z.array(z.string()).optional(),
  notifications: z
    .strictObject({
      /** A new ticket in one of my queues. */
      newTicket: z.boolean().default(true),
      /** A customer follow-up on a ticket I own. */
      followUp: z.boolean().default(true),
    })
    .default({ newTicket: true, followUp: true }),
})

/** The configuration file, field by field (each field checked on its own). */
export const ConfigShape = z
  .strictObject({
    system: z.strictObject({
      /** OTRS SystemID: part of every ticket number, so two installations never share numbers. */
      id: z.string().regex(/^\d{1,10}$/, 'must be 1 to 10 digits, e.g. "42"'),
      /** Host name used in Message-IDs of outgoing mail. */
      fqdn: z.string().min(1).default('docket.localhost'),
      /** IANA time zone for ticket-number dates and business hours. */
      timeZone: z
        .string()
        .default('UTC')
        .refine((zone) => isKnownTimeZone(zone), 'must be an IANA time zone such as "Europe/Amsterdam"'),
      name: z.string().default('Docket'),
      /**
       * Where agents open the web client: links in notifications point here. Default: the address
       * the local server listens on (DOCKET_HOST and PORT), filled in when the runtime starts.
       */
      webUrl: z.url().optional(),
    }),
    ticket: z
      .strictObject({
        /** OTRS Ticket::Hook: the marker before the number in subjects, e.g. "Ticket#". */
        hook: z.string().min(1).default('Ticket#'),
        numberGenerator: z.enum(['date']).default('date'),
      })
      .default({ hook: 'Ticket#', numberGenerator: 'date' }),
    mail: z.strictObject({
      addresses: z.array(AddressSchema).min(1),
      /** Queue for mail that matches no configured address (OTRS: PostmasterDefaultQueue). */
      defaultQueue: z.string().min(1),
      /** Domains whose every address is accepted by the SMTP server and routed to the default queue. */
      catchAllDomains: z.array(z.string().min(1)).default([]),
      spam: z
        .strictObject({
          header: z.string().default('X-Spam-Score'),
          threshold: z.number().default(5),
          queue: z.string().min(1),
        })
        .optional(),
      bounceQueue: z.string().min(1).optional(),
      followUp: z
        .strictObject({
          /** Also take ticket numbers quoted in the body (OTRS: PostMaster::CheckFollowUpModule body search). */
          searchBody: z.boolean().default(false),
          /** Partner ticket numbers that thread to our ticket (OTRS: ExternalTicketNumberRecognition). */
          externalNumbers: z.array(ExternalNumberSchema).default([]),
        })
        .default({ searchBody: false, externalNumbers: [] }),
      autoResponseLimits: z
        .strictObject({
          /** Auto responses to one address per calendar day (OTRS: 40). */
          perAddressPerDay: z.number().int().positive().default(40),
          /** Auto responses on one ticket per 10 minutes (Zammad allows 10; fewer stops ping-pong sooner). */
          perTicketPer10Minutes: z.number().int().positive().default(5),
        })
        .default({ perAddressPerDay: 40, perTicketPer10Minutes: 5 }),
      /** Free-mail domains: their users each get their own CustomerID instead of one per domain. */
      freemailDomains: z.array(z.string()).default(defaultFreemailDomains),
      /** Largest accepted mail, in bytes. */
      maxMessageBytes: z.number().int().positive().default(40 * 1024 * 1024),
      /**
       * The local SMTP intake's flood limits (in AWS, SES receiving has its own). Over a limit the
       * client gets a temporary error (421 or 450) and a real MTA tries again later.
       */
      smtpIntake: z
        .strictObject({
          /** Connections open at once, from everyone. */
          maxClients: z.number().int().min(1).max(10_000).default(32),
          /** New connections per client address and minute. */
          connectionsPerMinute: z.number().int().min(1).max(100_000).default(120),
          /** Mails (MAIL FROM) per client address and minute. */
          messagesPerMinute: z.number().int().min(1).max(100_000).default(120),
        })
        .default({ maxClients: 32, connectionsPerMinute: 120, messagesPerMinute: 120 }),
      /** Send local outbound mail through this SMTP relay instead of writing the outbox folder. */
      relay: z
        .strictObject({ host: z.string(), port: z.number().int().default(587), secure: z.boolean().default(false) })
        .optional(),
    }),
    queues: z.array(QueueSchema).min(1),
    states: z.array(StateSchema).default(defaultStates),
    priorities: z.array(z.string()).length(5).default(defaultPriorities),
    groups: z.array(z.strictObject({ name: z.string().min(1), comment: z.string().optional() })).min(1),
    roles: z.array(RoleSchema).default([]),
    agents: z.array(AgentSchema).min(1),
    /** Passwords, lockout, sessions, TOTP and password reset. */
    auth: AuthSchema.default(defaultAuth),
    postmasterFilters: z.array(PostmasterFilterSchema).default([]),
    autoResponses: z.array(AutoResponseSchema).default([]),
    templates: z.array(TemplateSchema).default([]),
    jobs: JobsSchema.default({
      pending: { schedule: '* * * * *' },
      junkCleanup: { schedule: '0 0 * * *', afterHours: 24 },
      junkPurge: { schedule: '0 0 * * 0', afterMonths: 1 },
      escalations: { schedule: '* * * * *' },
      auditExport: { schedule: '30 0 * * *' },
    }),
    /** OTRS GenericAgent: select tickets, then act on them; by schedule or by hand. */
    genericAgent: z.array(GenericAgentJobSchema).default([]),
    /** Business calendars (working hours, holidays, time zone) the SLAs count in. */
    calendars: z.array(CalendarSchema).default([]),
    /** Escalation times, assigned to queues (queues[].sla). */
    slas: z.array(SlaSchema).default([]),
    /**
     * Agents' uploads (replies, notes, new tickets). Files go straight to the blob store through a
     * presigned URL, never through the API (API Gateway and Lambda stop at 6 MB). The default
     * keeps a mail under SES's 40 MB: 25 MiB of files are about 35 MB in base64.
     */
    attachments: z
      .strictObject({
        /** Largest file, in bytes. */
        maxFileBytes: z.number().int().positive().max(40 * 1024 * 1024).default(25 * 1024 * 1024),
        /** All files of one article together, in bytes. */
        maxArticleBytes: z.number().int().positive().max(40 * 1024 * 1024).default(25 * 1024 * 1024),
      })
      .default({ maxFileBytes: 25 * 1024 * 1024, maxArticleBytes: 25 * 1024 * 1024 }),
  })

/**
 * What the fields must agree on across the file (queues, groups, roles, states, calendars, SLAs
 * named elsewhere exist; names are unique). A function of its own so `docket config check` can run
 * it on the sections that parsed even when other fields are wrong, and report every error in one run.
 */
export function checkConfigReferences(config: z.output<typeof ConfigShape>, ctx: Pick<z.RefinementCtx, 'addIssue'>): void {
  const queueNames = new Set(config.queues.map((queue) => queue.name))
  const groupNames = new Set(config.groups.map((group) => group.name))
  const roleNames = new Set(config.roles.map((role) => role.name))
  const stateNames = new Set(config.states.map((state) => state.name))
  const mustBeQueue = (name: string | undefined, path: (string | number)[]) => {
    if (name !== undefined && !queueNames.has(name)) {
      ctx.addIssue({ code: 'custom', path, message: `unknown queue "${name}"; declare it under queues:` })
    }
  }
  config.mail.addresses.forEach((address, index) => mustBeQueue(address.queue, ['mail', 'addresses', index, 'queue']))
  mustBeQueue(config.mail.defaultQueue, ['mail', 'defaultQueue'])
  mustBeQueue(config.mail.spam?.queue, ['mail', 'spam', 'queue'])
  mustBeQueue(config.mail.bounceQueue, ['mail', 'bounceQueue'])
  config.queues.forEach((queue, index) => {
    if (!groupNames.has(queue.group)) {
      ctx.addIssue({ code: 'custom', path: ['queues', index, 'group'], message: `unknown group "${queue.group}"; declare it under groups:` })
    }
  })
  config.roles.forEach((role, index) => {
    for (const group of Object.keys(role.groups)) {
      if (!groupNames.has(group)) {
        ctx.addIssue({ code: 'custom', path: ['roles', index, 'groups', group], message: `unknown group "${group}"` })
      }
    }
  })
  config.agents.forEach((agent, index) => {
    agent.roles.forEach((role, roleIndex) => {
      if (!roleNames.has(role)) {
        ctx.addIssue({ code: 'custom', path: ['agents', index, 'roles', roleIndex], message: `unknown role "${role}"; declare it under roles:` })
      }
    })
  })
  findDuplicates(config.queues.map((queue) => queue.name)).forEach((name) =>
    ctx.addIssue({ code: 'custom', path: ['queues'], message: `queue "${name}" is declared twice` }),
  )
  findDuplicates(config.agents.map((agent) => agent.login)).forEach((login) =>
    ctx.addIssue({ code: 'custom', path: ['agents'], message: `agent "${login}" is declared twice` }),
  )
  findDuplicates(config.mail.addresses.map((address) => address.address.toLowerCase())).forEach((address) =>
    ctx.addIssue({ code: 'custom', path: ['mail', 'addresses'], message: `address "${address}" is declared twice` }),
  )
  const responseNames = new Set(config.autoResponses.map((response) => response.name))
  config.queues.forEach((queue, index) => {
    for (const [occasion, name] of Object.entries(queue.autoResponses)) {
      if (name !== undefined && !responseNames.has(name)) {
        ctx.addIssue({ code: 'custom', path: ['queues', index, 'autoResponses', occasion], message: `unknown auto response "${name}"; declare it under autoResponses:` })
      }
    }
  })
  config.templates.forEach((template, index) => {
    template.queues?.forEach((queue, queueIndex) => mustBeQueue(queue, ['templates', index, 'queues', queueIndex]))
  })
  const builtIn = new Set<string>(builtInJobs)
  config.genericAgent.forEach((job, index) => {
    if (builtIn.has(job.name)) ctx.addIssue({ code: 'custom', path: ['genericAgent', index, 'name'], message: `"${job.name}" is the name of a built-in job; choose another` })
    job.select.queues?.forEach((queue, queueIndex) => mustBeQueue(queue, ['genericAgent', index, 'select', 'queues', queueIndex]))
    mustBeQueue(job.actions.queue, ['genericAgent', index, 'actions', 'queue'])
    for (const [path, state] of [['select', job.select.states ?? []], ['actions', job.actions.state ? [job.actions.state] : []]] as const) {
      state.forEach((name) => {
        if (!stateNames.has(name)) ctx.addIssue({ code: 'custom', path: ['genericAgent', index, path, path === 'select' ? 'states' : 'state'], message: `unknown state "${name}"` })
      })
    }
  })
  findDuplicates(config.genericAgent.map((job) => job.name)).forEach((name) =>
    ctx.addIssue({ code: 'custom', path: ['genericAgent'], message: `job "${name}" is declared twice` }),
  )
  findDuplicates(config.templates.map((template) => template.name)).forEach((name) =>
    ctx.addIssue({ code: 'custom', path: ['templates'], message: `template "${name}" is declared twice` }),
  )
  config.agents.forEach((agent, index) => {
    agent.myQueues?.forEach((queue, queueIndex) => mustBeQueue(queue, ['agents', index, 'myQueues', queueIndex]))
  })
  config.postmasterFilters.forEach((filter, index) => {
    for (const [header, value] of Object.entries(filter.set)) {
      if (/^X-Docket-(FollowUp-)?Queue$/i.test(header) && !value.includes('${')) mustBeQueue(value, ['postmasterFilters', index, 'set', header])
      if (/^X-Docket-(FollowUp-)?State$/i.test(header) && !value.includes('${') && !stateNames.has(value)) {
        ctx.addIssue({ code: 'custom', path: ['postmasterFilters', index, 'set', header], message: `unknown state "${value}"` })
      }
    }
  })
  const calendarNames = new Set(config.calendars.map((calendar) => calendar.name))
  const slaNames = new Set(config.slas.map((sla) => sla.name))
  findDuplicates(config.calendars.map((calendar) => calendar.name)).forEach((name) =>
    ctx.addIssue({ code: 'custom', path: ['calendars'], message: `calendar "${name}" is declared twice` }),
  )
  findDuplicates(config.slas.map((sla) => sla.name)).forEach((name) => ctx.addIssue({ code: 'custom', path: ['slas'], message: `SLA "${name}" is declared twice` }))
  config.calendars.forEach((calendar, index) => {
    for (const [day, periods] of Object.entries(calendar.workingHours)) {
      const sorted = [...(periods ?? [])].sort()
      sorted.slice(1).forEach((period, position) => {
        if (period.split('-')[0]! < sorted[position]!.split('-')[1]!) {
          ctx.addIssue({ code: 'custom', path: ['calendars', index, 'workingHours', day], message: `periods "${sorted[position]}" and "${period}" overlap` })
        }
      })
    }
    if (!Object.values(calendar.workingHours).some((periods) => (periods ?? []).length > 0)) {
      ctx.addIssue({ code: 'custom', path: ['calendars', index, 'workingHours'], message: 'give at least one working period, e.g. mon: ["08:00-17:00"]' })
    }
  })
  config.slas.forEach((sla, index) => {
    if (sla.calendar !== undefined && !calendarNames.has(sla.calendar)) {
      ctx.addIssue({ code: 'custom', path: ['slas', index, 'calendar'], message: `unknown calendar "${sla.calendar}"; declare it under calendars:` })
    }
    if (sla.firstResponseMinutes === undefined && sla.updateMinutes === undefined && sla.solutionMinutes === undefined) {
      ctx.addIssue({ code: 'custom', path: ['slas', index], message: 'give at least one of firstResponseMinutes, updateMinutes, solutionMinutes' })
    }
  })
  config.queues.forEach((queue, index) => {
    if (queue.sla !== undefined && !slaNames.has(queue.sla)) {
      ctx.addIssue({ code: 'custom', path: ['queues', index, 'sla'], message: `unknown SLA "${queue.sla}"; declare it under slas:` })
    }
  })
  if (config.auth.lockout.maxDelaySeconds < config.auth.lockout.baseDelaySeconds) {
    ctx.addIssue({ code: 'custom', path: ['auth', 'lockout', 'maxDelaySeconds'], message: `must be at least baseDelaySeconds (${config.auth.lockout.baseDelaySeconds})` })
  }
  for (const required of ['new', 'open', 'merged', 'removed'] as const) {
    if (!config.states.some((state) => state.type === required)) {
      ctx.addIssue({ code: 'custom', path: ['states'], message: `a state of type "${required}" is required` })
    }
  }
  config.states.forEach((state, index) => {
    if (state.type === 'pending auto' && (state.autoCloseTo === undefined || !stateNames.has(state.autoCloseTo))) {
      ctx.addIssue({ code: 'custom', path: ['states', index, 'autoCloseTo'], message: 'a pending auto state needs autoCloseTo: the name of a closed state' })
    }
  })
}

export const ConfigSchema = ConfigShape.superRefine(checkConfigReferences)

export type DocketConfig = z.infer<typeof ConfigSchema>
export type QueueConfig = DocketConfig['queues'][number]
export type AgentConfig = DocketConfig['agents'][number]
export type CalendarConfig = DocketConfig['calendars'][number]
export type SlaConfig = DocketConfig['slas'][number]
export type AuthConfig = DocketConfig['auth']
export type PasswordPolicy = AuthConfig['passwordPolicy']
export type LockoutPolicy = AuthConfig['lockout']
export type LoginRatePolicy = AuthConfig['loginRate']

function findDuplicates(values: string[]): string[] {
  const seen = new Set<string>()
  return [...new Set(values.filter((value) => (seen.has(value) ? true : (seen.add(value), false))))]
}

function isKnownTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone })
    return true
  } catch {
    return false
  }
}
