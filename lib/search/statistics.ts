import { DateTime } from 'luxon'
import { maxStatisticsDays, type Statistics, type StatisticsRequest } from '../../schemas/statistics.ts'
import type { AgentIdentity } from '../auth/auth-service.ts'
import { readableQueues } from '../auth/permissions.ts'
import type { AgentStore } from '../auth/ports.ts'
import { loadEffectivePreferences } from '../auth/preferences.ts'
import type { DocketConfig } from '../platform/config.ts'
import { invalidRequest, notFound } from '../platform/errors.ts'
import type { SearchIndex, StatisticsQuery } from './ports.ts'

export interface StatisticsDeps {
  config: DocketConfig
  search: SearchIndex
  agents: Pick<AgentStore, 'getPreferences'>
}

/** The days from `from` to `to` (both included) in `timeZone`, each as the instants it spans: 23 or 25 hours across DST. */
export function dayBuckets(from: string, to: string, timeZone: string): StatisticsQuery['days'] {
  const first = DateTime.fromISO(from, { zone: timeZone }).startOf('day')
  const last = DateTime.fromISO(to, { zone: timeZone }).startOf('day')
  if (!first.isValid) throw invalidRequest(`"${from}" is not a day`, 'query.from')
  if (!last.isValid) throw invalidRequest(`"${to}" is not a day`, 'query.to')
  const count = Math.round(last.diff(first, 'days').days) + 1
  if (count > maxStatisticsDays) throw invalidRequest(`the range spans ${count} days; at most ${maxStatisticsDays} at a time`, 'query.to')
  return Array.from({ length: count }, (_, index) => {
    const start = first.plus({ days: index })
    return { day: start.toISODate()!, from: start.toUTC().toISO()!, to: start.plus({ days: 1 }).startOf('day').toUTC().toISO()! }
  })
}

/**
 * Agent statistics (OTRS's stats: created/closed per day and queue, open tickets by state, first
 * response and solution times, SLA breaches) over a range of days in the agent's time zone and
 * only the queues the agent may read. Counted by the search engine from its ticket documents.
 */
export async function ticketStatistics(deps: StatisticsDeps, identity: AgentIdentity, request: StatisticsRequest): Promise<Statistics> {
  const readable = readableQueues(deps.config, identity.agent)
  for (const queue of request.queue ?? []) if (!readable.includes(queue)) throw notFound(`queue "${queue}"`)
  const queues = request.queue?.length ? readable.filter((queue) => request.queue!.includes(queue)) : readable
  const { timeZone } = (await loadEffectivePreferences(deps, [identity.agent])).get(identity.login)!
  const days = dayBuckets(request.from, request.to, timeZone)
  const counted = await deps.search.statistics({ queues, days })
  const perDay = new Map(counted.perDay.map((row) => [`${row.day}\n${row.queue}`, row]))
  const breaches = new Map(counted.slaBreaches.map((row) => [row.queue, row]))
  return {
    from: request.from,
    to: request.to,
    timeZone,
    queues,
    perDay: days.flatMap(({ day }) => queues.map((queue) => ({ day, queue, created: perDay.get(`${day}\n${queue}`)?.created ?? 0, closed: perDay.get(`${day}\n${queue}`)?.closed ?? 0 }))),
    openByState: counted.openByState.filter((row) => queues.includes(row.queue)).sort((a, b) => a.queue.localeCompare(b.queue) || a.state.localeCompare(b.state)),
    firstResponse: counted.firstResponse,
    solution: counted.solution,
    slaBreaches: queues.map((queue) => breaches.get(queue) ?? { queue, tickets: 0, firstResponse: 0, update: 0, solution: 0 }),
  }
}
