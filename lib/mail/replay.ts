import type { BlobStore } from '../blobs/ports.ts'
import { ingestStoredMail, previewStoredMail, type IngestDeps, type IngestOutcome, type IngestPreview } from './ingest-mail.ts'

/** Archived raw mail of a day range [from, to] (UTC days, inclusive), oldest first. */
export async function* rawMailBetween(rawMail: BlobStore, from: string, to: string): AsyncIterable<string> {
  const day = (key: string, lastModified: Date) => /^raw\/(\d{4})\/(\d{2})\/(\d{2})\//.exec(key)?.slice(1).join('-') ?? lastModified.toISOString().slice(0, 10)
  const keys: { key: string; day: string; at: number }[] = []
  for await (const blob of rawMail.list('raw/')) {
    const blobDay = day(blob.key, blob.lastModified)
    if (blobDay >= from && blobDay <= to) keys.push({ key: blob.key, day: blobDay, at: blob.lastModified.getTime() })
  }
  keys.sort((a, b) => a.day.localeCompare(b.day) || a.at - b.at || a.key.localeCompare(b.key))
  for (const entry of keys) yield entry.key
}

/**
 * Replays archived raw mail through the pipeline. Ingest is idempotent, so replaying a day twice
 * changes nothing ("duplicate"); mail that failed before is ingested now. With dryRun, shows what
 * the current configuration would do ("what would my new filter have done last week?").
 */
export async function* replayRawMail(deps: IngestDeps, range: { from: string; to: string }, dryRun: boolean): AsyncIterable<{ key: string } & (IngestOutcome | IngestPreview | { action: 'failed'; error: string })> {
  for await (const key of rawMailBetween(deps.rawMail, range.from, range.to)) {
    try {
      const stored = { bucket: deps.rawMail.bucket, key }
      yield { key, ...(dryRun ? await previewStoredMail(deps, stored) : await ingestStoredMail(deps, stored)) }
    } catch (error) {
      yield { key, action: 'failed', error: (error as Error).message }
    }
  }
}
