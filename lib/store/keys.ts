import { createHash } from 'node:crypto'
import { table } from './table.ts'

/**
 * Every key of the single table is built here, never at a call site. Each item also carries
 * `entity` so a stream consumer or an operator can tell what it is.
 */
export interface Key {
  pk: string
  sk: string
}

export type Entity =
  | 'ticket'
  | 'article'
  | 'history'
  | 'message-id'
  | 'ticket-counter'
  | 'ingest'
  | 'customer'
  | 'agent'
  | 'session'
  | 'login-attempts'
  | 'login-address'
  | 'login-rate'
  | 'password-reset'
  | 'password-reset-count'
  | 'link'
  | 'outbound-mail'
  | 'external-ref'
  | 'address'
  | 'auto-response-count'
  | 'queue-count'
  | 'draft'
  | 'tombstone'
  | 'saved-search'
  | 'company'
  | 'company-member'
  | 'customer-search'
  | 'watch'

/**
 * Partitions of the due indexes (and the escalation index), so no single index key takes every
 * write (see README: scaling). Every escalating ticket's writes copy it (1–3 KB) into one of them:
 * at 1,000 mails/s that all escalate, ~2,000 units/s; 8 keep each near 250. Was 4: the shards of
 * before (hash mod 4) are among these (hash mod 8 is read whole), so nothing needs rewriting.
 */
export const dueShardCount = 8

/**
 * The shard of a ticket in an index spread over `shards` partitions: a hash of its number, so
 * consecutive numbers (the ticket counter) land on consecutive shards and a burst of new tickets
 * spreads evenly. Every read of a sharded key reads all its shards, so the choice never decides
 * what a view shows, only where the write lands.
 */
export function shardOf(number: string, shards = dueShardCount): number {
  let hash = 0
  for (const char of number) hash = (hash * 31 + char.charCodeAt(0)) >>> 0
  return hash % shards
}

/**
 * Partitions of each queue view key (queue × state type). A GSI partition takes about 1,000 write
 * units per second, and every new ticket of a queue and every change of its tickets (an index with
 * every attribute projected copies the whole ticket, 1–3 KB) is a write on its queue's key: at
 * 1,000 mails/s, 85 % of them into Support, QUEUE#Support#new took ~1,000 writes and ~2,100 units
 * per second (`npm run bench -- hotkeys`). 8 shards keep the busiest shard near 260 units/s at that
 * rate: headroom of more than three for bursts, a queue that takes every mail, and bigger tickets.
 * The price is on the read side: a queue view or count reads 8 partitions per queue and state type
 * (merged by creation time); 16 made a page of a view of several queues 64+ Queries.
 */
export const queueShardCount = 8

/** The queue index shard of a ticket. */
export const queueShardOf = (number: string): number => shardOf(number, queueShardCount)

/**
 * Shards of the customer list and customer search partitions. The first mail of every new sender
 * writes its customer user's list item and search items in the ticket's transaction (two write
 * units each): at 1,000 mails/s of new senders the one list partition (CUSTLIST#U) and the search
 * partition of a common token ("ex" of example.com) took ~2,000 units/s (`npm run bench --
 * hotkeys`). 8 shards by the record's id keep each near 250. Reads (readIndex) query every shard
 * and merge by sort key. Shard 0 keeps the key of the time before sharding, so records indexed by
 * an older Docket are read as shard 0.
 */
export const customerIndexShardCount = 8

export const customerShardOf = (id: string): number => shardOf(id.toLowerCase(), customerIndexShardCount)

const customerShardSuffix = (shard: number) => (shard === 0 ? '' : `#S${shard}`)

/** Message-IDs are compared without angle brackets; very long ones are hashed to fit a key. */
export function normalizeMessageId(messageId: string): string {
  const bare = messageId.trim().replace(/^<+/, '').replace(/>+$/, '').trim()
  return bare.length > 500 ? `sha256:${createHash('sha256').update(bare).digest('hex')}` : bare
}

export const keys = {
  ticket: (number: string): Key => ({ pk: `TICKET#${number}`, sk: 'META' }),
  ticketPartition: (number: string) => `TICKET#${number}`,
  article: (number: string, articleId: string): Key => ({ pk: `TICKET#${number}`, sk: `ARTICLE#${articleId}` }),
  history: (number: string, entryId: string): Key => ({ pk: `TICKET#${number}`, sk: `HISTORY#${entryId}` }),
  messageIdPartition: (messageId: string) => `MSGID#${normalizeMessageId(messageId)}`,
  messageId: (messageId: string, number: string, articleId: string): Key => ({
    pk: `MSGID#${normalizeMessageId(messageId)}`,
    sk: `${number}#${articleId}`,
  }),
  ticketCounter: (day: string): Key => ({ pk: `COUNTER#TICKET#${day}`, sk: 'COUNTER' }),
  /** Ingest dedupe record for one stored object (bucket/key, decoded). */
  ingestByObject: (bucket: string, objectKey: string): Key => ({ pk: `INGEST#OBJECT#${bucket}/${objectKey}`, sk: 'INGEST' }),
  /** Ingest dedupe record for one mail content, however often it was delivered. */
  ingestByContent: (contentHash: string): Key => ({ pk: `INGEST#CONTENT#${contentHash}`, sk: 'INGEST' }),
  customer: (email: string): Key => ({ pk: `CUSTOMER#${email.toLowerCase()}`, sk: 'META' }),
  agent: (login: string): Key => ({ pk: `AGENT#${login}`, sk: 'META' }),
  /** Under the agent, so their sessions are one query (GET /api/me/sessions) and never a scan. */
  session: (login: string, sessionId: string): Key => ({ pk: `AGENT#${login}`, sk: `SESSION#${sessionId}` }),
  sessionPrefix: 'SESSION#',
  /** Failed logins of a login name, known or not, from every address (lockout); expiring by TTL. */
  loginAttempts: (login: string): Key => ({ pk: `LOGIN#${login}`, sk: 'ATTEMPTS' }),
  /** Failed logins of a login name from one client address; beside the above, so both are one query. */
  loginAttemptsFrom: (login: string, address: string): Key => ({ pk: `LOGIN#${login}`, sk: `ATTEMPTS#${address}` }),
  loginPartition: (login: string) => `LOGIN#${login}`,
  loginAttemptsPrefix: 'ATTEMPTS',
  /** An address the agent logged in from (exempt from the lock of the login as a whole); expiring by TTL. */
  loginAddress: (login: string, address: string): Key => ({ pk: `LOGIN#${login}`, sk: `KNOWN#${address}` }),
  /** Login attempts of a scope ("address#<ip>" or "all") in one window (flood control); expiring by TTL. */
  loginRate: (scope: string, window: string): Key => ({ pk: `LOGINRATE#${scope}#${window}`, sk: 'COUNT' }),
  /** A mailed password-reset token, by the SHA-256 of the token; expiring by TTL. */
  passwordReset: (tokenHash: string): Key => ({ pk: `PWRESET#${tokenHash}`, sk: 'PWRESET' }),
  /** Reset mails sent to one login in one hour (flood cap); expiring by TTL. */
  passwordResetMails: (login: string, hour: string): Key => ({ pk: `PWRESET#COUNT#${login}#${hour}`, sk: 'COUNT' }),
  link: (number: string, other: string): Key => ({ pk: `TICKET#${number}`, sk: `LINK#${other}` }),
  outboundMail: (id: string): Key => ({ pk: `OUTMAIL#${id}`, sk: 'OUTMAIL' }),
  externalRef: (field: string, value: string): Key => ({ pk: `EXTREF#${field}#${value.toLowerCase()}`, sk: 'EXTREF' }),
  /** What we know about an address we mail: undeliverable after a hard bounce. */
  address: (address: string): Key => ({ pk: `ADDRESS#${address.toLowerCase()}`, sk: 'ADDRESS' }),
  /** Auto responses to an address per day (loop cap), expiring by TTL. */
  autoResponsesToAddress: (address: string, day: string): Key => ({ pk: `AUTORESPONSE#ADDRESS#${address.toLowerCase()}#${day}`, sk: 'COUNT' }),
  /** Tickets per queue and state type, in shards so no single item takes every ticket change. */
  queueCount: (shard: number, queue: string, stateType: string): Key => ({ pk: `COUNTS#${shard}`, sk: `${queue}#${stateType}` }),
  queueCountPartition: (shard: number) => `COUNTS#${shard}`,
  draft: (number: string, login: string): Key => ({ pk: `TICKET#${number}`, sk: `DRAFT#${login}` }),
  tombstone: (number: string): Key => ({ pk: `TOMBSTONE#${number}`, sk: 'TOMBSTONE' }),
  savedSearch: (login: string, id: string): Key => ({ pk: `AGENT#${login}`, sk: `SEARCH#${id}` }),
  /** A customer company (OTRS CustomerID); its customer users are items under it. */
  company: (customerId: string): Key => ({ pk: `COMPANY#${customerId.toLowerCase()}`, sk: 'META' }),
  companyPartition: (customerId: string) => `COMPANY#${customerId.toLowerCase()}`,
  /** A customer user of a company (the customer information center lists them with one Query). */
  companyMember: (customerId: string, email: string): Key => ({ pk: `COMPANY#${customerId.toLowerCase()}`, sk: `USER#${email.toLowerCase()}` }),
  companyMemberPrefix: 'USER#',
  /**
   * Customer search: one item per token of a record, in the partition of the token's first two
   * characters, sorted by token then the record's key (see lib/customers/search-tokens.ts).
   * `record` is U (customer users) or C (companies).
   */
  customerSearchPartition: (record: 'U' | 'C', partition: string, shard: number) => `CUSTSEARCH#${record}#${partition}${customerShardSuffix(shard)}`,
  customerSearch: (record: 'U' | 'C', partition: string, token: string, id: string): Key => ({
    pk: `CUSTSEARCH#${record}#${partition}${customerShardSuffix(customerShardOf(id))}`,
    sk: `${token} ${id.toLowerCase()}`,
  }),
  /** Every record by name (an empty search, the admin list, the export). */
  customerListPartition: (record: 'U' | 'C', shard: number) => `CUSTLIST#${record}${customerShardSuffix(shard)}`,
  customerList: (record: 'U' | 'C', sortName: string, id: string): Key => ({ pk: `CUSTLIST#${record}${customerShardSuffix(customerShardOf(id))}`, sk: `${sortName} ${id.toLowerCase()}` }),
  /** An agent watching a ticket: a copy of the ticket's list fields, rewritten with every change, for "My watched tickets". */
  watch: (number: string, login: string): Key => ({ pk: `TICKET#${number}`, sk: `WATCH#${login}` }),
}

/** Index attributes, built from the ticket's state so a view never drifts from its ticket. */
export const indexKeys = {
  /**
   * A queue view partition: QUEUE#<queue>#<stateType>#<shard>. Shard 0 keeps the key of the time
   * before sharding (no suffix), so tickets indexed by an older Docket (whose key was exactly that)
   * are read as shard 0 with no migration; each rewrite of such a ticket moves it to its own shard.
   */
  queue: (queue: string, stateType: string, shard: number) => (shard === 0 ? `QUEUE#${queue}#${stateType}` : `QUEUE#${queue}#${stateType}#${shard}`),
  owner: (login: string) => `OWNER#${login}`,
  responsible: (login: string) => `RESPONSIBLE#${login}`,
  /** Watch items share the responsible index (same sort key shape): WATCHER#<login> → stateType#created#number. */
  watcher: (login: string) => `WATCHER#${login}`,
  customer: (email: string) => `CUSTOMER#${email.toLowerCase()}`,
  company: (customerId: string) => `COMPANY#${customerId.toLowerCase()}`,
  due: (kind: 'PENDING' | 'PURGE' | 'ESCALATION', shard: number) => `DUE#${kind}#${shard}`,
  escalation: (shard: number) => `ESCALATION#${shard}`,
  auditDay: (day: string, shard: number) => `AUDIT#${day}#${shard}`,
}

/**
 * Partitions of a day in the audit index. Its sort key grows with time, so each partition's writes
 * all land at its end and DynamoDB cannot split it for heat: each shard stays under one partition's
 * ~1,000 writes/s. Every change writes one history item (1 unit, keys only): at 1,000 mails/s
 * about 1,000–1,500 per second (`npm run bench -- hotkeys`); 16 shards keep each under 100/s with
 * room for agents' and jobs' changes on top. Was 4: the shards of those days (AUDIT#<day>#0..3)
 * are among these, so days written before are still read whole.
 */
export const auditShardCount = 16

/**
 * Audit index attributes of a history item or tombstone of ticket `number`, recorded at
 * `recordedAt` (the time of the write): the daily audit export finds a day's records by them.
 */
export function auditIndexAttributes(number: string, recordedAt: Date): Record<string, string> {
  const { byAuditDay } = table.indexes
  const at = recordedAt.toISOString()
  return { [byAuditDay.partitionKey]: indexKeys.auditDay(at.slice(0, 10), shardOf(number, auditShardCount)), [byAuditDay.sortKey]: `${at}#${number}` }
}
