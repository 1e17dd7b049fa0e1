import type { SearchMaintenanceEvent } from '../../schemas/search-maintenance.ts'
import { searchDriftMetric } from '../../schemas/search-maintenance.ts'
import type { BlobStore } from '../blobs/ports.ts'
import type { DocketLogger } from '../platform/logger.ts'
import type { TicketStore } from '../ticket/ports.ts'
import { checkIndex } from './check-index.ts'
import type { SearchIndex } from './ports.ts'
import { reindex } from './reindex.ts'

export interface MaintenanceDeps {
  tickets: TicketStore
  attachments: BlobStore
  search: SearchIndex
  logger: DocketLogger
}

export type MaintenanceResult =
  | { action: 'check'; tickets: number; indexed: number; missing: number; stale: number; orphaned: number; repaired: boolean; seconds: number; examples: string[] }
  | { action: 'reindex'; tickets: number; caughtUp: number; seconds: number; perSecond: number; live: number }

/**
 * One maintenance run of the search index (the search-maintenance function in AWS, the CLI
 * locally): a drift check, which also writes the drift found as a CloudWatch metric (embedded
 * metric format: a log line CloudWatch turns into Docket/SearchDrift, alarmed on), or a reindex,
 * which stops (and drops its new index) when `timeLeftMs` runs out rather than being cut off.
 */
export async function runSearchMaintenance(deps: MaintenanceDeps, event: SearchMaintenanceEvent, options: { timeLeftMs?: () => number; write?: (line: string) => void } = {}): Promise<MaintenanceResult> {
  if (event.action === 'reindex') {
    const result = await reindex(deps, undefined, options.timeLeftMs ? { timeLeftMs: options.timeLeftMs } : {})
    return { action: 'reindex', tickets: result.tickets, caughtUp: result.caughtUp, seconds: result.seconds, perSecond: result.perSecond, live: await deps.search.count() }
  }
  const check = await checkIndex(deps, { repair: event.repair })
  const drift = check.missing.length + check.stale.length + check.orphaned.length
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`))
  write(
    JSON.stringify({
      _aws: { Timestamp: Date.now(), CloudWatchMetrics: [{ Namespace: searchDriftMetric.namespace, Dimensions: [[]], Metrics: [{ Name: searchDriftMetric.name, Unit: 'Count' }] }] },
      [searchDriftMetric.name]: drift,
      missing: check.missing.length,
      stale: check.stale.length,
      orphaned: check.orphaned.length,
      repaired: event.repair,
    }),
  )
  return {
    action: 'check',
    tickets: check.tickets,
    indexed: check.indexed,
    missing: check.missing.length,
    stale: check.stale.length,
    orphaned: check.orphaned.length,
    repaired: check.repaired,
    seconds: check.seconds,
    examples: [...check.missing, ...check.stale, ...check.orphaned].slice(0, 20),
  }
}
