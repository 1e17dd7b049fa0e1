import type { DynamoDBBatchResponse, DynamoDBRecord } from 'aws-lambda'
import type { BlobStore } from '../blobs/ports.ts'
import type { DocketLogger } from '../platform/logger.ts'
import { streamImages } from '../store/stream-images.ts'
import type { TicketStore } from '../ticket/ports.ts'
import type { SearchIndex } from './ports.ts'
import { ticketDocument } from './ticket-document.ts'

export interface IndexerDeps {
  tickets: TicketStore
  attachments: BlobStore
  search: SearchIndex
  logger: DocketLogger
}

/** Items whose change changes a ticket's search document: the ticket and its articles. */
const indexed = new Set(['ticket', 'article'])

/**
 * DynamoDB Streams → the search index. Each changed ticket is read again from the store and its
 * whole document written with the ticket's version: records arriving twice, late or out of
 * order cannot move a document back (the engine keeps the newer version), and the index always
 * converges on the store. A deleted ticket is removed for good.
 */
export async function indexChanges(deps: IndexerDeps, records: DynamoDBRecord[]): Promise<DynamoDBBatchResponse> {
  const byTicket = new Map<string, { first: string; removedAt: number | null }>()
  for (const record of records) {
    const { newImage, oldImage } = streamImages(record)
    const image = newImage ?? oldImage
    if (!image || !indexed.has(String(image.entity)) || !String(image.pk ?? '').startsWith('TICKET#')) continue
    const number = String(image.pk).slice('TICKET#'.length)
    const entry = byTicket.get(number) ?? { first: record.dynamodb?.SequenceNumber ?? '', removedAt: null }
    if (record.eventName === 'REMOVE' && image.entity === 'ticket') entry.removedAt = Number(oldImage?.version ?? 0)
    byTicket.set(number, entry)
  }
  const failures: { itemIdentifier: string }[] = []
  for (const [number, entry] of byTicket) {
    try {
      const thread = await deps.tickets.getThread(number)
      if (!thread) {
        const tombstone = await deps.tickets.getTombstone(number)
        await deps.search.remove([{ number, version: Math.max(entry.removedAt ?? 0, tombstone ? Number.MAX_SAFE_INTEGER : 0) }])
        continue
      }
      await deps.search.upsert([await ticketDocument(thread, deps.attachments)])
    } catch (error) {
      deps.logger.error('indexing a ticket failed; the stream retries it', { ticketNumber: number, error: error as Error })
      failures.push({ itemIdentifier: entry.first })
    }
  }
  // The stream retries from the earliest failed record (ReportBatchItemFailures).
  failures.sort((a, b) => a.itemIdentifier.localeCompare(b.itemIdentifier))
  return { batchItemFailures: failures.slice(0, 1) }
}
