import { exportAuditDay, previousUtcDay } from '../audit/export-audit-day.ts'
import type { Job } from './job.ts'

/**
 * The audit export (issue 9.7): every day, the previous UTC day's history entries and tombstones
 * as JSON lines to the audit archive (`audit/YYYY/MM/DD.jsonl`). `docket job run audit-export
 * --now 2026-11-24T00:30:00Z` exports 2026-11-23; a dry run counts without writing.
 */
export function auditExportJob(schedule: string): Job {
  return {
    name: 'audit-export',
    schedule,
    description: "Previous UTC day's history and tombstones → audit/YYYY/MM/DD.jsonl (JSON lines)",
    async run(deps, { now, dryRun }) {
      const result = await exportAuditDay(deps, previousUtcDay(now), { dryRun })
      return {
        job: 'audit-export',
        selected: result.lines,
        changed: result.written ? 1 : 0,
        dryRun,
        details: [`${result.key}: ${result.lines} line(s), ${result.added} new, ${result.written ? 'written' : dryRun ? 'not written (dry run)' : 'unchanged'}`],
      }
    },
  }
}
