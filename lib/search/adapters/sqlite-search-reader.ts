import { DatabaseSync, type StatementSync } from 'node:sqlite'
import type { SearchTerm, TextField } from '../../../schemas/search.ts'
import type { EngineQuery, SearchHit, SearchResult } from '../ports.ts'
import { highlightPassage, snippetTextChars } from './sqlite-snippets.ts'

/**
 * The read side of the embedded search engine: a read-only connection to one index file, run in a
 * worker thread (sqlite-search-workers.ts) so a costly search never stalls the event loop that
 * serves HTTP, SMTP and the queues. The writer (sqlite-search-index.ts) keeps the file in WAL mode,
 * so this reader sees each committed write while the writer goes on.
 */
export const columns: Record<TextField, string> = {
  title: 'f_title',
  subject: 'f_subject',
  body: 'f_body',
  from: 'f_from',
  to: 'f_to',
  cc: 'f_cc',
  attachment: 'f_attachment',
}
// The worker thread imports only this file and sqlite-snippets.ts (no zod, no schemas): it starts in a few milliseconds.
const textFields = Object.keys(columns) as TextField[]
const textColumns = textFields.map((field) => columns[field])
/** bm25 weights per column, in column order: a word in the title or subject counts more than in the body. */
const weights = [8, 5, 1, 2, 1, 1, 1]

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

/** A search stopped at its deadline (thrown out of SQLite by docket_in_time()). */
export class SearchDeadlineExceeded extends Error {
  constructor() {
    super('the search went past its deadline')
    this.name = 'SearchDeadlineExceeded'
  }
}

export class SearchReader {
  readonly path: string
  private readonly db: DatabaseSync
  private readonly statements = new Map<string, StatementSync>()
  /** Epoch milliseconds the running search must end by. */
  private deadline = Number.POSITIVE_INFINITY

  constructor(path: string) {
    this.path = path
    this.db = new DatabaseSync(path, { readOnly: true })
    this.db.function('docket_in_time', { deterministic: false }, () => {
      this.checkDeadline()
      return 1
    })
  }

  private checkDeadline(): void {
    if (Date.now() > this.deadline) throw new SearchDeadlineExceeded()
  }

  private prepare(sql: string): StatementSync {
    let statement = this.statements.get(sql)
    if (!statement) {
      statement = this.db.prepare(sql)
      this.statements.set(sql, statement)
    }
    return statement
  }

  /** Runs the search; past `deadline` (epoch ms) it throws SearchDeadlineExceeded. */
  search(query: EngineQuery, deadline: number): SearchResult {
    this.deadline = deadline
    try {
      return this.run(query)
    } finally {
      this.deadline = Number.POSITIVE_INFINITY
    }
  }

  private run(query: EngineQuery): SearchResult {
    // docket_in_time() runs once per row the query looks at: past the deadline it throws, and the statement stops.
    const where: string[] = ['t.deleted = 0', 'docket_in_time()']
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
      where.push('t.id NOT IN (SELECT rowid FROM ticket_text WHERE ticket_text MATCH ? AND docket_in_time())')
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
    // Passages of the page's hits only, one by one, from the first snippetTextChars of each field
    // (sqlite-snippets.ts: FTS5's snippet() costs the square of the matches in a field). The rowid is
    // bound as a BigInt: node:sqlite binds a number as REAL, which FTS5 does not take as a rowid.
    const fieldsAt = this.prepare(`SELECT ${textColumns.map((column) => `substr(${column}, 1, ${snippetTextChars + 1}) AS ${column}`).join(', ')} FROM ticket_text WHERE rowid = ?`)
    const highlightsOf = (id: number): string[] => {
      if (!positive) return []
      this.checkDeadline()
      const row = fieldsAt.get(BigInt(id)) as Record<string, string | null> | undefined
      if (!row) return []
      const fields = textFields.map((field) => {
        const text = row[columns[field]] ?? ''
        return { field, text: text.slice(0, snippetTextChars), truncated: text.length > snippetTextChars }
      })
      const passage = highlightPassage(fields, query.terms)
      return passage ? [passage] : []
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

  close(): void {
    this.statements.clear()
    this.db.close()
  }
}
