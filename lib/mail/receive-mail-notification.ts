import { decodeS3Key, type MailNotification } from '../../schemas/events.ts'
import { ByteBudget } from '../queue/byte-budget.ts'
import { MailNotStartedError } from './errors.ts'
import { ingestStoredMail, type IngestDeps } from './ingest-mail.ts'

/**
 * Raw mail parsed side by side, in bytes: SES's largest mail (40 MB) alone, or smaller ones up to
 * the same total. Ingesting a mail takes about five times its size at its peak (a 30 MB mail
 * ~155 MB: the raw mail, its text copies, the decoded attachments), so with the runtime's ~150 MB
 * a 512 MB mail-received function keeps ~150 MB to spare, whatever the batch holds.
 * (test/integration/big-mail-batch.test.ts measures it.)
 */
export const mailBytesInParallel = 40 * 1024 * 1024

/**
 * Time a mail needs at most, to start it only when the invocation can finish it: a fixed part
 * (reads and the transaction) and a part by size (parsing, storing the parts: ~0.2 s per MB measured
 * on 2 loaded cores, taken at twice that for a 512 MB function's share of a CPU).
 */
export function mailIngestTimeMs(sizeBytes: number): number {
  return 3000 + Math.ceil((sizeBytes / 1024 / 1024) * 400)
}

/** One budget per function instance: the records of a batch (and, locally, concurrent batches) share it. */
export const createMailBudget = () => new ByteBudget(mailBytesInParallel)

/**
 * One inbound-queue message: S3 says a raw mail was stored. The key arrives URL-encoded; S3's
 * test event (sent once when the notification is set up) is acknowledged and ignored. The mail
 * is parsed when its size fits `budget` (the size S3 reports in the event, else the object's):
 * big mails take turns, small ones run side by side, so no mail fails for its neighbours' size;
 * and only while `remainingTimeMs` leaves time to finish it (MailNotStartedError otherwise).
 */
export async function receiveMailNotification(
  deps: IngestDeps,
  notification: MailNotification,
  budget: ByteBudget,
  remainingTimeMs: () => number = () => Number.POSITIVE_INFINITY,
): Promise<void> {
  if ('Event' in notification) {
    deps.logger.info('S3 test event acknowledged')
    return
  }
  for (const record of notification.Records) {
    const bucket = record.s3.bucket.name
    const key = decodeS3Key(record.s3.object.key)
    if (key.endsWith('/AMAZON_SES_SETUP_NOTIFICATION')) {
      // SES writes this probe when a receipt rule with an S3 action is saved; it is not mail.
      deps.logger.info('SES setup notification acknowledged', { key })
      continue
    }
    if (bucket !== deps.rawMail.bucket) throw new Error(`notification for bucket "${bucket}", but raw mail is read from "${deps.rawMail.bucket}"`)
    // Unknown size (no size in the event, no object): counted as the whole budget, so it runs alone.
    const size = record.s3.object.size ?? (await deps.rawMail.head(key))?.size ?? budget.limitBytes
    const outcome = await budget.run(size, () => {
      // Checked when its turn comes (big mails wait for each other): a mail that cannot finish in
      // time goes back to the queue rather than time the whole batch out.
      const remaining = remainingTimeMs()
      const needed = mailIngestTimeMs(size)
      if (remaining < needed) throw new MailNotStartedError(key, remaining, needed)
      return ingestStoredMail(deps, { bucket, key })
    })
    deps.logger.info('mail ingested', { key, size, ...outcome })
  }
}
