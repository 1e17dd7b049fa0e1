/** A queue view reads up to this many tickets at once (the Piratenpartij's 500-ticket page, in one request). */
export const queuePageSize = 500

/** The first page of a queue view: shared by the view and the start-up prefetch, so both ask the same URL. */
export function queueListQuery(queue: string, stateType?: string): Record<string, string | number> {
  return { queue, limit: queuePageSize, ...(stateType ? { stateType } : {}) }
}
