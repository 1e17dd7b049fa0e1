import { DatabaseSync, type StatementSync } from 'node:sqlite'
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { SearchTerm, TextField } from '../../../schemas/search.ts'
import type { EngineQuery, EngineStatistics, IndexRebuild, SearchHit, SearchIndex, SearchResult, StatisticsQuery, TicketDocument } from '../ports.ts'

/**
 * The embedded search engine: SQLite FTS5 (Node's own node:sqlite), one database file per index
 * generation in `<data dir>/search/`, and a pointer file naming the live one (the alias). Ticket
 * fields live in a plain table (filters, sorting, versions), article text in an FTS5 table with a
 * column per text field (bm25 ranking, phrases, prefixes, snippets).
 */
const columns: Record<TextField, string> = {
  title: 'f_title',
  subject: 'f_subject',
  body: 'f_body',
  from: 'f_from',
  to: 'f_to',
  cc: 'f_cc',
  attachment: 'f_attachment',
}
/** bm25 weights per column, in column order: a word in the title or subject counts more than in the body. */
const weights = [8, 5, 1, 2, 1, 1, 1]

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

const quote = (word: string) => `"${word.replace(/"/g, '""')}"`

function termExpression(term: SearchTerm): string {
  // "a" + "b" is the phrase "a b" in FTS5 ("a" "b" would be two words anywhere).
  const phrase = term.words.map(quote).join(' + ')
  const body = term.prefix ? `${phrase} *` : phrase
  return term.field ? `${columns[term.field]} : ${body}` : body
}

/** FTS5 MATCH text from parsed terms: every word quoted, so no user input is ever FTS syntax. */
export function matchExpression(terms: SearchTerm[]): { positive: string | null; negative: string | null } {
  const positive = terms.filter((term) => !term.negated).map(termExpression)
  const negative = terms.filter((term) => term.negated).map(termExpression)
  return { positive: positive.length ? positive.join(' AND ') : null, negative: negative.length ? negative.join(' OR ') : null }
}

const markStart = '\uE000'
const markEnd = '\uE001'
const escapeHtml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
const highlight = (snippet: string) => escapeHtml(snippet).replaceAll(markStart, '<mark>').replaceAll(markEnd, '</mark>')

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

  search(query: EngineQuery): SearchResult {
    const where: string[] = ['t.deleted = 0']
    const params: (string | number | null)[] = []
    const list = (column: string, values: (string | number)[] | undefined) => {
      if (!values) return
      if (values.length === 0) where.push('0')
      else {
        where.push(`${column} IN (${values.map(() => '?').join(', ')})`)
        params.push(...values)
      }
    }
    const { filters } = query
    // A ticket-number filter is the most selective of all: keep the planner on the number index
    // (the unary + takes the queue list, present in every query, out of index selection).
    list(filters.number ? '+t.queue' : 't.queue', filters.queues)
    list('t.state', filters.states)
    list('t.state_type', filters.stateTypes)
    list('t.priority', filters.priorities)
    list('t.owner', filters.owners)
    list('t.responsible', filters.responsibles)
    list('t.customer', filters.customers)
    list('t.customer_id', filters.customerIds)
    if (filters.lock) {
      where.push('t.lock = ?')
      params.push(filters.lock)
    }
    for (const [column, range] of [['t.created_at', filters.created], ['t.changed_at', filters.changed], ['t.closed_at', filters.closed], ['t.pending_until', filters.pending]] as const) {
      if (range?.from) {
        where.push(`${column} >= ?`)
        params.push(new Date(range.from).toISOString())
      }
      if (range?.to) {
        where.push(`${column} <= ?`)
        params.push(new Date(range.to).toISOString())
      }
    }
    if (filters.number) {
      if (filters.number.endsWith('*')) {
        // The numbers that begin with the digits, as a range of the number index (LIKE would scan every ticket).
        const prefix = filters.number.slice(0, -1)
        where.push('t.number >= ? AND t.number < ?')
        params.push(prefix, `${prefix.slice(0, -1)}${String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1)}`)
      } else {
        where.push('t.number = ?')
        params.push(filters.number)
      }
    }
    const { positive, negative } = matchExpression(query.terms)
    if (negative) {
      where.push('t.id NOT IN (SELECT rowid FROM ticket_text WHERE ticket_text MATCH ?)')
      params.push(negative)
    }
    const direction = query.order === 'asc' ? 'ASC' : 'DESC'
    const orderBy =
      query.sort === 'relevance' && positive
        ? `bm25(ticket_text, ${weights.join(', ')}) ${query.order === 'asc' ? 'DESC' : 'ASC'}, t.changed_at DESC`
        : query.sort === 'priority'
          ? `t.priority ${direction}, t.created_at ${direction}`
          : query.sort === 'created'
            ? `t.created_at ${direction}`
            : `t.changed_at ${direction}`
    const select = 't.id, t.number, t.title, t.queue, t.state, t.state_type, t.priority, t.owner, t.customer, t.created_at, t.changed_at'
    // CROSS JOIN fixes the join order: the full-text match first, then each hit's ticket by primary
    // key. Left to itself, the planner takes the queue index as the outer loop (every agent's query
    // carries a queue list) and runs the MATCH once per ticket: 15 s instead of 15 ms for a word
    // over 100,000 tickets, minutes for a short prefix.
    const sql = positive
      ? `SELECT ${select} FROM ticket_text CROSS JOIN tickets t ON t.id = ticket_text.rowid WHERE ticket_text MATCH ? AND ${where.join(' AND ')} ORDER BY ${orderBy} LIMIT ? OFFSET ?`
      : `SELECT ${select} FROM tickets t WHERE ${where.join(' AND ')} ORDER BY ${orderBy} LIMIT ? OFFSET ?`
    const rows = this.prepare(sql).all(...(positive ? [positive] : []), ...params, query.limit + 1, query.offset) as Record<string, string | number | null>[]
    // Snippets of the page's hits only, one by one (the match at a single rowid): in the query above
    // SQLite would build one for every matching ticket before sorting (4× the time for a common word sorted by priority).
    // The rowid is bound as a BigInt: node:sqlite binds a number as REAL, and FTS5 then ignores the rowid next to MATCH.
    const snippetAt = positive ? this.prepare(`SELECT snippet(ticket_text, -1, '${markStart}', '${markEnd}', '…', 16) AS snippet FROM ticket_text WHERE ticket_text MATCH ? AND rowid = ?`) : undefined
    const highlightsOf = (id: number): string[] => {
      const snippet = (snippetAt?.get(positive, BigInt(id)) as { snippet: string | null } | undefined)?.snippet
      return snippet ? [highlight(snippet)] : []
    }
    const hits: SearchHit[] = rows.slice(0, query.limit).map((row) => ({
      number: String(row.number),
      title: String(row.title ?? ''),
      queue: String(row.queue ?? ''),
      state: String(row.state ?? ''),
      stateType: String(row.state_type ?? 'new') as SearchHit['stateType'],
      priority: Number(row.priority ?? 3),
      owner: (row.owner as string | null) ?? null,
      customer: (row.customer as string | null) ?? null,
      createdAt: String(row.created_at ?? ''),
      changedAt: String(row.changed_at ?? ''),
      highlights: highlightsOf(Number(row.id)),
    }))
    return { hits, more: rows.length > query.limit }
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

  constructor(dataDir: string) {
    this.dir = join(dataDir, 'search')
    this.pointer = join(this.dir, 'current')
    mkdirSync(this.dir, { recursive: true })
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

  async search(query: EngineQuery): Promise<SearchResult> {
    return this.file().search(query)
  }

  async count(): Promise<number> {
    return this.file().count()
  }

  async statistics(query: StatisticsQuery): Promise<EngineStatistics> {
    return this.file().statistics(query)
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

  close(): void {
    this.live?.file.close()
    this.live = undefined
  }
}
