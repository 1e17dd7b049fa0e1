import * as z from 'zod'

/**
 * What the search-maintenance function is asked to do: the drift check (weekly by schedule, with
 * repair; on demand by `docket search check --stage`) or a full reindex (`docket search reindex --stage`).
 */
export const SearchMaintenanceEventSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('check'), repair: z.boolean().default(false) }),
  z.object({ action: z.literal('reindex') }),
])
export type SearchMaintenanceEvent = z.infer<typeof SearchMaintenanceEventSchema>

/** CloudWatch namespace and metric of the drift check (embedded metric format in the function's log). */
export const searchDriftMetric = { namespace: 'Docket', name: 'SearchDrift' } as const
