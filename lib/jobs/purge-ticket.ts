import type { BlobStore } from '../blobs/ports.ts'
import type { TicketStore } from '../ticket/ports.ts'

/**
 * Deletes a ticket for good (Junk purge, GenericAgent delete): its articles' blobs, its Message-ID
 * entries, its links on other tickets, every item of its partition, and leaves a tombstone in the
 * audit log. Idempotent: a purge stopped half-way is finished by the next run, because the ticket
 * item itself goes last (with the tombstone, conditional on the version that was selected).
 */
export async function purgeTicket(
  deps: { tickets: TicketStore; rawMail: BlobStore; attachments: BlobStore },
  number: string,
  expectedVersion: number,
  audit: { by: string; reason: string; at: Date },
): Promise<boolean> {
  const thread = await deps.tickets.getThread(number)
  if (!thread || thread.ticket.version !== expectedVersion) return false
  for (const article of thread.articles.filter((candidate) => candidate.ticketNumber === number)) {
    const blobs = [article.htmlBlobKey, article.bodyTextBlobKey, ...article.attachments.map((attachment) => attachment.blobKey)].filter((key): key is string => key !== null)
    await Promise.all(blobs.map((key) => deps.attachments.delete(key)))
    if (article.rawBlobKey) await (article.sender === 'customer' ? deps.rawMail : deps.attachments).delete(article.rawBlobKey)
  }
  return deps.tickets.deleteTicket(thread, { ...audit, at: audit.at.toISOString() })
}
