import type { BlobStore } from '../blobs/ports.ts'
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
/** Tickets read at once (GetItem/Query per ticket) while catching up. */
const catchUpBatch = 50

/**
 * Rebuilds the search index from the store without downtime: a new index is built next to the
 * live one (searches and the stream indexer keep using the live one), changes made meanwhile are
 * caught up, the new index is swapped in atomically (an alias), and changes made during the swap
 * are caught up once more on the live index. Versions make every write idempotent.
 */
export async function reindex(
  deps: { tickets: TicketStore; attachments: BlobStore; search: SearchIndex },
  onProgress: (progress: ReindexProgress) => void = () => undefined,
  options: { timeLeftMs?: () => number } = {},
): Promise<ReindexProgress> {
  // Wall time (not an injected clock): the catch-up reads the audit index, keyed by the store's write time.
  const started = new Date()
  const startedMs = started.getTime()
  let tickets = 0
  let caughtUp = 0
  const report = (phase: ReindexProgress['phase']) => {
    const seconds = (Date.now() - startedMs) / 1000
    const progress = { phase, tickets, caughtUp, seconds, perSecond: seconds > 0 ? tickets / seconds : 0 }
    onProgress(progress)
    return progress
  }
  // A minute of slack: the audit index is keyed by the writer's clock.
  const since = (at: Date) => new Date(at.getTime() - 60_000)
  const documentOf = async (thread: TicketThread) =>
    // Tickets others were merged into show the merged tickets' articles too: read those whole.
    ticketDocument(thread.ticket.mergedFrom.length > 0 ? ((await deps.tickets.getThread(thread.ticket.number)) ?? thread) : thread, deps.attachments)
  const copyAll = async (target: IndexWriter) => {
    await Promise.all(
      Array.from({ length: segments }, async (_, segment) => {
        let batch: TicketDocument[] = []
        const flush = async () => {
          await target.upsert(batch)
          tickets += batch.length
          batch = []
          report('build')
          // In a function with a time limit: stop cleanly (the new index is dropped, the live one stays) rather than be cut off.
          if (options.timeLeftMs && options.timeLeftMs() <= 0) throw new Error(`the reindex did not finish within the time it had (${tickets} tickets copied); the live index is unchanged`)
        }
        for await (const scanned of deps.tickets.scanThreads({ segment, totalSegments: segments })) {
          batch.push(await documentOf(scanned))
          if (batch.length >= batchSize) await flush()
        }
        if (batch.length > 0) await flush()
      }),
    )
  }
  /** Writes again what changed since `from` (found in the audit index, not by a scan); deleted tickets leave the index. */
  const catchUp = async (target: IndexWriter, from: Date) => {
    const numbers = await deps.tickets.changedSince(since(from))
    for (let start = 0; start < numbers.length; start += catchUpBatch) {
      const threads = await Promise.all(numbers.slice(start, start + catchUpBatch).map(async (number) => ({ number, thread: await deps.tickets.getThread(number) })))
      const present = threads.flatMap(({ thread }) => (thread ? [thread] : []))
      const gone = threads.filter(({ thread }) => !thread).map(({ number }) => ({ number, version: Number.MAX_SAFE_INTEGER }))
      if (present.length > 0) await target.upsert(await Promise.all(present.map((thread) => ticketDocument(thread, deps.attachments))))
      if (gone.length > 0) await target.remove(gone)
      caughtUp += threads.length
      report('catch-up')
    }
  }
  const rebuild = await deps.search.beginRebuild()
  try {
    await copyAll(rebuild)
    report('build')
    const caughtUpAt = new Date()
    await catchUp(rebuild, started)
    report('swap')
    await rebuild.swap()
    await catchUp(deps.search, caughtUpAt)
  } catch (error) {
    await rebuild.abandon()
    throw error
  }
  return report('done')
}
