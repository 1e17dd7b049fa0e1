import type { BlobStore } from '../blobs/ports.ts'
import type { AuditRecord, AuditTrail } from './ports.ts'

export interface AuditExportDeps {
  auditTrail: AuditTrail
  /** The audit archive: S3 (versioned, Object Lock optional) in AWS, a folder under the data dir locally. */
  auditArchive: BlobStore
}

export interface AuditExportResult {
  day: string
  key: string
  /** Lines in the object after the run. */
  lines: number
  /** Lines this run added (0 when the day was exported already). */
  added: number
  /** Whether the object was (re)written. */
  written: boolean
}

/** `audit/YYYY/MM/DD.jsonl`: one object per UTC day. */
export function auditObjectKey(day: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) throw new Error(`audit day must be YYYY-MM-DD, got "${day}"`)
  return `audit/${day.slice(0, 4)}/${day.slice(5, 7)}/${day.slice(8, 10)}.jsonl`
}

/** The UTC day before `now` (the day a run at 00:30 exports). */
export function previousUtcDay(now: Date): string {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - 1)).toISOString().slice(0, 10)
}

/**
 * Writes the audit records of `day` (history entries and tombstones written that UTC day) as JSON
 * lines to `audit/YYYY/MM/DD.jsonl`, sorted, one record per line.
 *
 * Exactly-once effect, however often it runs: the object is the union of what it held and what
 * the table holds now, each record once (by ticket and entry id), in a fixed order; when that
 * changes nothing the object is not written again. So a second run of a day writes nothing, a run
 * after a crash completes the object, and a ticket purged since the first run (its history gone
 * from the table) keeps its lines.
 */
export async function exportAuditDay(deps: AuditExportDeps, day: string, options: { dryRun?: boolean } = {}): Promise<AuditExportResult> {
  const key = auditObjectKey(day)
  const exists = (await deps.auditArchive.head(key)) !== undefined
  const existing = exists ? (await deps.auditArchive.get(key)).toString('utf8') : ''
  const records = new Map<string, string>()
  for (const line of existing.split('\n')) {
    if (line.trim() === '') continue
    const record = JSON.parse(line) as AuditRecord
    records.set(recordId(record), line)
  }
  const before = records.size
  for (const record of await deps.auditTrail.recordsOfDay(day)) {
    const id = recordId(record)
    if (!records.has(id)) records.set(id, JSON.stringify(record))
  }
  const lines = [...records.values()].sort((a, b) => compareRecords(JSON.parse(a) as AuditRecord, JSON.parse(b) as AuditRecord))
  const body = lines.length > 0 ? `${lines.join('\n')}\n` : ''
  // A quiet day still gets its (empty) object: it shows the day was exported.
  const written = !options.dryRun && (!exists || body !== existing)
  if (written) {
    await deps.auditArchive.put(key, body, { contentType: 'application/x-ndjson', metadata: { 'docket-day': day, 'docket-lines': String(lines.length) } })
  }
  return { day, key, lines: lines.length, added: records.size - before, written }
}

function recordId(record: AuditRecord): string {
  return record.kind === 'history' ? `history:${record.ticketNumber}:${record.id}` : `tombstone:${record.number}`
}

/** By time of writing, then ticket, then entry: the same records always give the same bytes. */
function compareRecords(a: AuditRecord, b: AuditRecord): number {
  return a.recordedAt.localeCompare(b.recordedAt) || recordId(a).localeCompare(recordId(b))
}
