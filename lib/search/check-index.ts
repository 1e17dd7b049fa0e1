import type { BlobStore } from '../blobs/ports.ts'
import type { DocketLogger } from '../platform/logger.ts'
import type { TicketStore, TicketVersion } from '../ticket/ports.ts'
import type { SearchIndex } from './ports.ts'
import { ticketDocument } from './ticket-document.ts'

export interface IndexDrift {
  /** Tickets in the table with no document in the index. */
  missing: string[]
  /** Tickets whose document is older than the ticket (a lost stream record). */
  stale: string[]
  /** Documents of tickets the table no longer holds (a lost deletion). */
  orphaned: string[]
}

export interface IndexCheck extends IndexDrift {
  /** Tickets in the table, and documents in the index, when the check read them. */
  tickets: number
  indexed: number
  /** Whether the drift found was written right (missing and stale documents written again, orphans removed). */
  repaired: boolean
  seconds: number
}

export interface CheckOptions {
  repair: boolean
  /**
   * Tickets changed this recently are left out: the stream indexer may simply not have caught up
   * yet (it is seconds behind; the iterator-age alarm fires at 10 minutes). @default 5 minutes
   */
  graceMs?: number
  now?: () => Date
}

const segments = 4
/** Tickets read from the table at once when confirming and repairing drift. */
const confirmBatch = 25

/**
 * The search drift check: the version of every ticket in the table against the version of its
 * document in the live index. Reads only numbers and versions (a projected parallel scan, and the
 * index listed by number with `_version`), then confirms each difference by reading the ticket
 * again, so a change made while the check ran is not reported (nor "repaired"). Repairs through
 * the same versioned writes as the indexer: a document is written with the ticket's version
 * (never older than what the index holds), an orphan is removed for good.
 */
export async function checkIndex(deps: { tickets: TicketStore; attachments: BlobStore; search: SearchIndex; logger?: DocketLogger }, options: CheckOptions): Promise<IndexCheck> {
  const started = Date.now()
  const now = options.now ?? (() => new Date())
  const grace = options.graceMs ?? 5 * 60_000
  // The index first: a ticket created after its listing is only ever "missing", which the confirmation sorts out.
  const indexed = new Map<string, number>()
  for await (const page of deps.search.versions()) for (const { number, version } of page) indexed.set(number, version)
  const table = new Map<string, TicketVersion>()
  await Promise.all(
    Array.from({ length: segments }, async (_, segment) => {
      for await (const page of deps.tickets.scanTicketVersions({ segment, totalSegments: segments })) for (const ticket of page) table.set(ticket.number, ticket)
    }),
  )
  const settled = (ticket: TicketVersion) => Date.parse(ticket.changedAt) <= now().getTime() - grace
  const candidates: IndexDrift = { missing: [], stale: [], orphaned: [] }
  for (const [number, ticket] of table) {
    const version = indexed.get(number)
    if (!settled(ticket)) continue
    if (version === undefined) candidates.missing.push(number)
    else if (version < ticket.version) candidates.stale.push(number)
  }
  for (const number of indexed.keys()) if (!table.has(number)) candidates.orphaned.push(number)

  // Confirmed against the ticket as it is now; repaired with the same writes as the indexer.
  const drift: IndexDrift = { missing: [], stale: [], orphaned: [] }
  for (const kind of ['missing', 'stale', 'orphaned'] as const) {
    const numbers = candidates[kind].sort()
    for (let start = 0; start < numbers.length; start += confirmBatch) {
      const threads = await Promise.all(numbers.slice(start, start + confirmBatch).map(async (number) => ({ number, thread: await deps.tickets.getThread(number) })))
      const confirmed = threads.filter(({ number, thread }) => (kind === 'orphaned' ? !thread : thread && (kind === 'missing' || thread.ticket.version > (indexed.get(number) ?? 0)) && settled(thread.ticket)))
      drift[kind].push(...confirmed.map(({ number }) => number))
      if (!options.repair || confirmed.length === 0) continue
      if (kind === 'orphaned') await deps.search.remove(confirmed.map(({ number }) => ({ number, version: Number.MAX_SAFE_INTEGER })))
      else await deps.search.upsert(await Promise.all(confirmed.map(({ thread }) => ticketDocument(thread!, deps.attachments))))
    }
  }
  const result = { tickets: table.size, indexed: indexed.size, ...drift, repaired: options.repair, seconds: (Date.now() - started) / 1000 }
  const found = drift.missing.length + drift.stale.length + drift.orphaned.length
  deps.logger?.[found > 0 ? 'warn' : 'info']('search drift check', {
    tickets: result.tickets,
    indexed: result.indexed,
    missing: drift.missing.length,
    stale: drift.stale.length,
    orphaned: drift.orphaned.length,
    repaired: options.repair,
    examples: [...drift.missing, ...drift.stale, ...drift.orphaned].slice(0, 20),
  })
  return result
}
