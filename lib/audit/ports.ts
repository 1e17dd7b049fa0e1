import type { HistoryEntry } from '../ticket/model.ts'
import type { Tombstone } from '../ticket/ports.ts'

/** One line of the audit export: a history entry of a ticket, or the tombstone of a deleted one. */
export type AuditRecord =
  | ({ kind: 'history'; ticketNumber: string; recordedAt: string } & HistoryEntry)
  | ({ kind: 'tombstone'; recordedAt: string } & Tombstone)

/**
 * The audit trail as written: the ticket history (append-only; one item per change) and the
 * tombstones purges leave. Read by the day the records were written (UTC).
 */
export interface AuditTrail {
  recordsOfDay(day: string): Promise<AuditRecord[]>
}
