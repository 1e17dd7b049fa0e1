import { parse } from 'csv-parse/sync'
import { stringify } from 'csv-stringify/sync'
import type { ImportResult } from '../../schemas/customers.ts'
import { DocketError } from '../platform/errors.ts'
import { allCompanies, allCustomerUsers, saveCompany, saveCustomerUser, type CustomerDirectoryDeps } from './customer-directory.ts'
import { exportColumns, exportRow, mapHeader, mapRow, type CsvRecordKind } from './csv-columns.ts'

/** Rows written at once: the import is bound by round trips, not by the table. */
const importConcurrency = 8

/**
 * `docket customers import` / `docket companies import`: every row is a PUT of its record by its
 * key (email or CustomerID), so a re-import updates and never duplicates. A bad row (a broken
 * quote, a missing name, a bad address) is reported with the line it starts on; the rest is imported.
 */
export async function importCsv(deps: CustomerDirectoryDeps, kind: CsvRecordKind, text: string, onIgnoredColumns?: (columns: string[]) => void): Promise<ImportResult> {
  const failed: ImportResult['failed'] = []
  // One kind of line break: csv-parse counts a CRLF inside a quoted field as two lines.
  const rows = parse(text.replace(/\r\n?/g, '\n'), {
    info: true,
    bom: true,
    relax_column_count: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    on_skip: (error: { message: string; lines?: number } | undefined) => {
      if (error) failed.push({ line: error.lines ?? 0, error: error.message })
    },
  }) as unknown as { record: string[]; info: { lines: number } }[]
  const [header, ...data] = rows
  if (!header) return { imported: 0, updated: 0, failed }
  const mapping = mapHeader(kind, header.record)
  if (mapping.ignored.length > 0) onIgnoredColumns?.(mapping.ignored)
  const result: ImportResult = { imported: 0, updated: 0, failed }
  const save = kind === 'customers' ? saveCustomerUser : saveCompany
  let next = 0
  const worker = async () => {
    while (next < data.length) {
      const { record, info } = data[next++]!
      // csv-parse counts the line a record ends on; a quoted field may span lines.
      const line = info.lines - record.reduce((count, field) => count + field.split('\n').length - 1, 0)
      let row: ReturnType<typeof mapRow>
      try {
        row = mapRow(kind, mapping, record)
      } catch (error) {
        failed.push({ line, error: (error as Error).message })
        continue
      }
      try {
        const { created } = await save(deps, 'operator', row.key, row.fields)
        if (created) result.imported++
        else result.updated++
      } catch (error) {
        if (!(error instanceof DocketError) || error.status >= 500) throw error
        // The directory names fields as a request body does; a CSV row has columns.
        failed.push({ line, error: error.message.replace(/\b(body|path)\./g, '') })
      }
    }
  }
  await Promise.all(Array.from({ length: importConcurrency }, worker))
  failed.sort((a, b) => a.line - b.line)
  return result
}

/** The CSV export: a header row with the API's field names, then every record by name. */
export async function* exportCsv(deps: CustomerDirectoryDeps, kind: CsvRecordKind): AsyncIterable<string> {
  yield stringify([exportColumns[kind]])
  const records: AsyncIterable<Record<string, unknown>> = kind === 'customers' ? allCustomerUsers(deps) : allCompanies(deps)
  for await (const record of records) yield stringify([exportRow(kind, record)])
}
