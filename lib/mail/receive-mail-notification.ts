import { decodeS3Key, type MailNotification } from '../../schemas/events.ts'
import { ingestStoredMail, type IngestDeps } from './ingest-mail.ts'

/**
 * One inbound-queue message: S3 says a raw mail was stored. The key arrives URL-encoded; S3's
 * test event (sent once when the notification is set up) is acknowledged and ignored.
 */
export async function receiveMailNotification(deps: IngestDeps, notification: MailNotification): Promise<void> {
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
    const outcome = await ingestStoredMail(deps, { bucket, key })
    deps.logger.info('mail ingested', { key, ...outcome })
  }
}
