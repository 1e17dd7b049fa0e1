import * as z from 'zod'

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a day as YYYY-MM-DD')

/** Longest range one request may cover: a year and a day (a leap year, both ends included). */
export const maxStatisticsDays = 367

/** GET /api/statistics: a range of whole days in the agent's time zone, both ends included. */
export const StatisticsRequestSchema = z
  .strictObject({
    from: day.meta({ description: 'First day, in your time zone (YYYY-MM-DD).' }),
    to: day.meta({ description: 'Last day, included (YYYY-MM-DD).' }),
    queue: z
      .union([z.string(), z.array(z.string())])
      .optional()
      .transform((value) => (value === undefined ? undefined : (Array.isArray(value) ? value : value.split(',')).map((queue) => queue.trim()).filter(Boolean)))
      .meta({ description: 'Only these queues (repeat the parameter or separate with commas); default: every queue you may read.' }),
  })
  .refine((request) => request.from <= request.to, { message: '"to" is before "from"', path: ['to'] })

export type StatisticsRequest = z.infer<typeof StatisticsRequestSchema>

const DurationFiguresSchema = z
  .object({
    tickets: z.number().int(),
    averageMinutes: z.number().nullable(),
    medianMinutes: z.number().nullable(),
    p90Minutes: z.number().nullable(),
  })
  .meta({ id: 'DurationFigures', description: 'Wall-clock minutes; null when no ticket counts.' })

export const StatisticsSchema = z
  .object({
    from: z.string(),
    to: z.string(),
    timeZone: z.string(),
    queues: z.array(z.string()),
    perDay: z.array(z.object({ day: z.string(), queue: z.string(), created: z.number().int(), closed: z.number().int() })).meta({
      description: 'Tickets created and closed per day (in your time zone) and queue; every day and queue of the range, zeros included.',
    }),
    openByState: z.array(z.object({ queue: z.string(), state: z.string(), count: z.number().int() })).meta({ description: 'Tickets not closed, merged or removed now, per queue and state.' }),
    firstResponse: DurationFiguresSchema.meta({ description: 'Creation to the first agent mail to the customer, for first responses within the range.' }),
    solution: DurationFiguresSchema.meta({ description: 'Creation to the first close, for tickets first closed within the range.' }),
    slaBreaches: z
      .array(z.object({ queue: z.string(), tickets: z.number().int(), firstResponse: z.number().int(), update: z.number().int(), solution: z.number().int() }))
      .meta({ description: 'Per queue, tickets created within the range under an SLA, and how many of them missed each deadline.' }),
  })
  .meta({ id: 'Statistics' })

export type Statistics = z.infer<typeof StatisticsSchema>
export type DurationFigures = z.infer<typeof DurationFiguresSchema>
