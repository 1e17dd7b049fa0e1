import type { BlobStore } from '../blobs/ports.ts'
import type { Clock } from '../platform/clock.ts'
import type { TicketStore } from '../ticket/ports.ts'
import type { TicketThread } from '../ticket/model.ts'
import type { IndexWriter, SearchIndex, TicketDocument } from './ports.ts'
import { ticketDocument } from './ticket-document.ts'

export interface ReindexProgress {
  phase: 'build' | 'catch-up' | 'swap' | 'done'
  /** Tickets written into the new index by the full copy. */
  tickets: number
  /** Tickets written again because they changed while the index was rebuilt. */
  caughtUp: number
  seconds: number
  perSecond: number
}

const segments = 4
const batchSize = 500

/**
 * Rebuilds the search index from the store without downtime: a new index is built next to the
 * live one (searches and the stream indexer keep using the live one), changes made meanwhile are
 * caught up, the new index is swapped in atomically (an alias), and changes made during the swap
 * are caught up once more on the live index. Versions make every write idempotent.
 */
export async function reindex(deps: { tickets: TicketStore; attachments: BlobStore; search: SearchIndex; clock: Clock }, onProgress: (progress: ReindexProgress) => void = () => undefined): Promise<ReindexProgress> {
  const started = deps.clock.now()
  const startedMs = Date.now()
  let tickets = 0
  let caughtUp = 0
  const report = (phase: ReindexProgress['phase']) => {
    const seconds = (Date.now() - startedMs) / 1000
    const progress = { phase, tickets, caughtUp, seconds, perSecond: seconds > 0 ? tickets / seconds : 0 }
    onProgress(progress)
    return progress
  }
  const since = (at: Date) => new Date(at.getTime() - 60_000).toISOString()
  const copy = async (target: IndexWriter, changedSince?: string) => {
    await Promise.all(
      Array.from({ length: segments }, async (_, segment) => {
        let batch: TicketDocument[] = []
        for await (const scanned of deps.tickets.scanThreads({ segment, totalSegments: segments, ...(changedSince ? { changedSince } : {}) })) {
          // Tickets others were merged into show the merged tickets' articles too: read those whole.
          const thread: TicketThread = scanned.ticket.mergedFrom.length > 0 ? ((await deps.tickets.getThread(scanned.ticket.number)) ?? scanned) : scanned
          batch.push(await ticketDocument(thread, deps.attachments))
          if (batch.length >= batchSize) {
            await target.upsert(batch)
            if (changedSince) caughtUp += batch.length
            else tickets += batch.length
            batch = []
            report(changedSince ? 'catch-up' : 'build')
          }
        }
        if (batch.length > 0) {
          await target.upsert(batch)
          if (changedSince) caughtUp += batch.length
          else tickets += batch.length
        }
      }),
    )
    const deleted = await deps.tickets.tombstonesSince(since(started))
    if (deleted.length > 0) await target.remove(deleted.map((tombstone) => ({ number: tombstone.number, version: Number.MAX_SAFE_INTEGER })))
  }
  const rebuild = await deps.search.beginRebuild()
  try {
    await copy(rebuild)
    report('build')
    const caughtUp = deps.clock.now()
    await copy(rebuild, since(started))
    report('swap')
    await rebuild.swap()
    await copy(deps.search, since(caughtUp))
  } catch (error) {
    await rebuild.abandon()
    throw error
  }
  return report('done')
}
