import { DatabaseSync, type StatementSync } from 'node:sqlite'
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { EngineQuery, EngineStatistics, IndexRebuild, SearchIndex, SearchResult, StatisticsQuery, TicketDocument } from '../ports.ts'
import { SearchWorkerPool, type SearchWorkerPoolOptions } from './sqlite-search-workers.ts'

/**
 * The embedded search engine: SQLite FTS5 (Node's own node:sqlite), one database file per index
 * generation in `<data dir>/search/`, and a pointer file naming the live one (the alias). Ticket
 * fields live in a plain table (filters, sorting, versions), article text in an FTS5 table with a
 * column per text field (bm25 ranking, phrases, prefixes, snippets).
 *
 * Searches run in worker threads with a time limit (sqlite-search-workers.ts, sqlite-search-reader.ts).
 * Writes (indexing, small and bounded by the documents given) and the statistics (aggregates over
 * indexed columns, no text matching) stay on the calling thread, on the one writer connection.
 */
const schema = `
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
CREATE TABLE IF NOT EXISTS tickets (
  id INTEGER PRIMARY KEY, number TEXT NOT NULL UNIQUE, version INTEGER NOT NULL, deleted INTEGER NOT NULL DEFAULT 0,
  title TEXT, queue TEXT, state TEXT, state_type TEXT, priority INTEGER, owner TEXT, responsible TEXT, lock TEXT,
  customer TEXT, customer_id TEXT, created_at TEXT, changed_at TEXT, closed_at TEXT, pending_until TEXT);
CREATE INDEX IF NOT EXISTS tickets_queue_created ON tickets (queue, created_at);
CREATE INDEX IF NOT EXISTS tickets_changed ON tickets (changed_at);
CREATE INDEX IF NOT EXISTS tickets_customer ON tickets (customer);
CREATE VIRTUAL TABLE IF NOT EXISTS ticket_text USING fts5 (
  f_title, f_subject, f_body, f_from, f_to, f_cc, f_attachment,
  tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3');
`

/** Columns added after the first release: added in place to older index files (a reindex fills them for old documents). */
const statisticsColumns = [
  ['sla', 'TEXT'],
  ['first_response_at', 'TEXT'],
  ['first_response_minutes', 'REAL'],
  ['solved_at', 'TEXT'],
  ['solution_minutes', 'REAL'],
  ['breaches', 'TEXT'],
] as const

function migrate(db: DatabaseSync): void {
  const present = new Set((db.prepare('PRAGMA table_info(tickets)').all() as { name: string }[]).map((column) => column.name))
  for (const [name, type] of statisticsColumns) if (!present.has(name)) db.exec(`ALTER TABLE tickets ADD COLUMN ${name} ${type}`)
  db.exec(`
CREATE INDEX IF NOT EXISTS tickets_closed ON tickets (closed_at);
CREATE INDEX IF NOT EXISTS tickets_first_response ON tickets (first_response_at);
CREATE INDEX IF NOT EXISTS tickets_solved ON tickets (solved_at);
`)
}

/** Nearest-rank percentile of ascending values. */
const percentileOf = (sorted: number[], p: number) => (sorted.length === 0 ? null : sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1]!)
const oneDecimal = (value: number | null) => (value === null ? null : Math.round(value * 10) / 10)

/** One index generation: a database file. */
class IndexFile {
  readonly path: string
  readonly db: DatabaseSync
  private readonly statements = new Map<string, StatementSync>()

  constructor(path: string) {
    this.path = path
    this.db = new DatabaseSync(path)
    this.db.exec(schema)
    migrate(this.db)
  }

  prepare(sql: string): StatementSync {
    let statement = this.statements.get(sql)
    if (!statement) {
      statement = this.db.prepare(sql)
      this.statements.set(sql, statement)
    }
    return statement
  }

  transaction(work: () => void): void {
    this.db.exec('BEGIN IMMEDIATE')
    try {
      work()
      this.db.exec('COMMIT')
    } catch (error) {
      this.db.exec('ROLLBACK')
      throw error
    }
  }

  upsert(documents: TicketDocument[]): void {
    this.transaction(() => {
      for (const document of documents) {
        const existing = this.prepare('SELECT id, version FROM tickets WHERE number = ?').get(document.number) as { id: number; version: number } | undefined
        if (existing && existing.version >= document.version) continue
        const fields = [
          document.version, document.title, document.queue, document.state, document.stateType, document.priority, document.owner, document.responsible, document.lock,
          document.customer, document.customerId, document.createdAt, document.changedAt, document.closedAt, document.pendingUntil,
          document.sla ?? null, document.firstResponseAt ?? null, document.firstResponseMinutes ?? null, document.solvedAt ?? null, document.solutionMinutes ?? null,
          document.breaches?.length ? `,${document.breaches.join(',')},` : null,
        ]
        let id: number
        if (existing) {
          id = existing.id
          this.prepare('UPDATE tickets SET version = ?, deleted = 0, title = ?, queue = ?, state = ?, state_type = ?, priority = ?, owner = ?, responsible = ?, lock = ?, customer = ?, customer_id = ?, created_at = ?, changed_at = ?, closed_at = ?, pending_until = ?, sla = ?, first_response_at = ?, first_response_minutes = ?, solved_at = ?, solution_minutes = ?, breaches = ? WHERE id = ?').run(...fields, id)
          this.prepare('DELETE FROM ticket_text WHERE rowid = ?').run(id)
        } else {
          id = Number(this.prepare('INSERT INTO tickets (version, title, queue, state, state_type, priority, owner, responsible, lock, customer, customer_id, created_at, changed_at, closed_at, pending_until, sla, first_response_at, first_response_minutes, solved_at, solution_minutes, breaches, number) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').run(...fields, document.number).lastInsertRowid)
        }
        this.prepare('INSERT INTO ticket_text (rowid, f_title, f_subject, f_body, f_from, f_to, f_cc, f_attachment) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(id, document.title, document.subject, document.body, document.from, document.to, document.cc, document.attachment)
      }
    })
  }

  remove(tickets: { number: string; version: number }[]): void {
    this.transaction(() => {
      for (const ticket of tickets) {
        const existing = this.prepare('SELECT id, version, deleted FROM tickets WHERE number = ?').get(ticket.number) as { id: number; version: number; deleted: number } | undefined
        if (!existing) {
          // A tombstone: an older update arriving after the deletion must not bring the ticket back.
          this.prepare('INSERT INTO tickets (number, version, deleted) VALUES (?, ?, 1)').run(ticket.number, ticket.version)
          continue
        }
        if (existing.deleted && existing.version >= ticket.version) continue
        this.prepare('UPDATE tickets SET deleted = 1, version = MAX(version, ?) WHERE id = ?').run(ticket.version, existing.id)
        this.prepare('DELETE FROM ticket_text WHERE rowid = ?').run(existing.id)
      }
    })
  }

  statistics(query: StatisticsQuery): EngineStatistics {
    if (query.queues.length === 0 || query.days.length === 0) {
      const none = { tickets: 0, averageMinutes: null, medianMinutes: null, p90Minutes: null }
      return { perDay: [], openByState: [], firstResponse: none, solution: none, slaBreaches: [] }
    }
    const inQueues = `queue IN (${query.queues.map(() => '?').join(', ')})`
    const from = query.days[0]!.from
    const to = query.days.at(-1)!.to
    const days = `WITH days(day, lo, hi) AS (VALUES ${query.days.map(() => '(?, ?, ?)').join(', ')})`
    const dayParams = query.days.flatMap((day) => [day.day, day.from, day.to])
    const perDayOf = (column: string) =>
      this.prepare(`${days} SELECT days.day AS day, t.queue AS queue, COUNT(*) AS n FROM days JOIN tickets t ON t.${column} >= days.lo AND t.${column} < days.hi WHERE t.deleted = 0 AND t.${inQueues} GROUP BY days.day, t.queue`).all(
        ...dayParams,
        ...query.queues,
      ) as { day: string; queue: string; n: number }[]
    const perDay = new Map<string, { day: string; queue: string; created: number; closed: number }>()
    const row = (day: string, queue: string) => perDay.get(`${day}\n${queue}`) ?? perDay.set(`${day}\n${queue}`, { day, queue, created: 0, closed: 0 }).get(`${day}\n${queue}`)!
    for (const { day, queue, n } of perDayOf('created_at')) row(day, queue).created = Number(n)
    for (const { day, queue, n } of perDayOf('closed_at')) row(day, queue).closed = Number(n)
    const openByState = (
      this.prepare(`SELECT queue, state, COUNT(*) AS n FROM tickets WHERE deleted = 0 AND ${inQueues} AND state_type NOT IN ('closed', 'merged', 'removed') GROUP BY queue, state`).all(...query.queues) as { queue: string; state: string; n: number }[]
    ).map(({ queue, state, n }) => ({ queue, state, count: Number(n) }))
    const durations = (at: string, minutes: string) => {
      const values = (this.prepare(`SELECT ${minutes} AS m FROM tickets WHERE deleted = 0 AND ${inQueues} AND ${at} >= ? AND ${at} < ? AND ${minutes} IS NOT NULL ORDER BY ${minutes}`).all(...query.queues, from, to) as { m: number }[]).map(({ m }) => Number(m))
      const total = values.reduce((sum, value) => sum + value, 0)
      return { tickets: values.length, averageMinutes: values.length ? oneDecimal(total / values.length) : null, medianMinutes: percentileOf(values, 50), p90Minutes: percentileOf(values, 90) }
    }
    const slaBreaches = (
      this.prepare(
        `SELECT queue, COUNT(*) AS n, SUM(breaches LIKE '%,firstResponse,%') AS fr, SUM(breaches LIKE '%,update,%') AS up, SUM(breaches LIKE '%,solution,%') AS so FROM tickets WHERE deleted = 0 AND ${inQueues} AND sla IS NOT NULL AND created_at >= ? AND created_at < ? GROUP BY queue`,
      ).all(...query.queues, from, to) as { queue: string; n: number; fr: number | null; up: number | null; so: number | null }[]
    ).map(({ queue, n, fr, up, so }) => ({ queue, tickets: Number(n), firstResponse: Number(fr ?? 0), update: Number(up ?? 0), solution: Number(so ?? 0) }))
    return { perDay: [...perDay.values()], openByState, firstResponse: durations('first_response_at', 'first_response_minutes'), solution: durations('solved_at', 'solution_minutes'), slaBreaches }
  }

  versionsAfter(number: string, limit: number): { number: string; version: number }[] {
    return (this.prepare('SELECT number, version FROM tickets WHERE deleted = 0 AND number > ? ORDER BY number LIMIT ?').all(number, limit) as { number: string; version: number }[]).map((row) => ({ number: row.number, version: Number(row.version) }))
  }

  count(): number {
    return Number((this.prepare('SELECT COUNT(*) AS n FROM tickets WHERE deleted = 0').get() as { n: number }).n)
  }

  close(): void {
    this.statements.clear()
    this.db.close()
  }
}

export class SqliteSearchIndex implements SearchIndex {
  private readonly dir: string
  private readonly pointer: string
  private live: { file: IndexFile; pointerChanged: number } | undefined
  private readonly readers: SearchWorkerPool

  constructor(dataDir: string, options: SearchWorkerPoolOptions = {}) {
    this.dir = join(dataDir, 'search')
    this.pointer = join(this.dir, 'current')
    mkdirSync(this.dir, { recursive: true })
    this.readers = new SearchWorkerPool(options)
    this.readers.start()
  }

  /** The live index; reopened when a reindex (possibly in another process) has swapped the pointer. */
  private file(): IndexFile {
    let changed: number
    try {
      changed = statSync(this.pointer).mtimeMs
    } catch {
      this.writePointer(`tickets-${Date.now()}.db`)
      changed = statSync(this.pointer).mtimeMs
    }
    if (!this.live || this.live.pointerChanged !== changed) {
      this.live?.file.close()
      this.live = { file: new IndexFile(join(this.dir, readFileSync(this.pointer, 'utf8').trim())), pointerChanged: changed }
    }
    return this.live.file
  }

  private writePointer(name: string): void {
    writeFileSync(`${this.pointer}.tmp`, name)
    renameSync(`${this.pointer}.tmp`, this.pointer)
  }

  async upsert(documents: TicketDocument[]): Promise<void> {
    this.file().upsert(documents)
  }

  async remove(tickets: { number: string; version: number }[]): Promise<void> {
    this.file().remove(tickets)
  }

  /** In a worker thread, on the live file (which the writer connection has created with its schema). */
  async search(query: EngineQuery): Promise<SearchResult> {
    return this.readers.run(this.file().path, query)
  }

  async count(): Promise<number> {
    return this.file().count()
  }

  async statistics(query: StatisticsQuery): Promise<EngineStatistics> {
    return this.file().statistics(query)
  }

  async *versions(): AsyncIterable<{ number: string; version: number }[]> {
    let after = ''
    for (;;) {
      const page = this.file().versionsAfter(after, 5_000)
      if (page.length === 0) return
      yield page
      after = page.at(-1)!.number
    }
  }

  async beginRebuild(): Promise<IndexRebuild> {
    const name = `tickets-${Date.now()}-rebuild.db`
    const next = new IndexFile(join(this.dir, name))
    return {
      upsert: async (documents) => next.upsert(documents),
      remove: async (tickets) => next.remove(tickets),
      swap: async () => {
        next.db.exec('PRAGMA wal_checkpoint(TRUNCATE)')
        next.close()
        const previous = (() => {
          try {
            return readFileSync(this.pointer, 'utf8').trim()
          } catch {
            return null
          }
        })()
        this.writePointer(name)
        if (previous && previous !== name) {
          // Readers in this process reopen on their next call; other processes do the same on theirs.
          setTimeout(() => {
            for (const suffix of ['', '-wal', '-shm']) rmSync(join(this.dir, `${previous}${suffix}`), { force: true })
          }, 10_000).unref()
        }
      },
      abandon: async () => {
        next.close()
        for (const suffix of ['', '-wal', '-shm']) rmSync(join(this.dir, `${name}${suffix}`), { force: true })
      },
    }
  }

  /** Closes the writer connection and ends the search threads (they never keep the process alive, so this is tidiness). */
  async close(): Promise<void> {
    this.live?.file.close()
    this.live = undefined
    await this.readers.close()
  }
}
