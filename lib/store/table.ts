/**
 * The single table, declared once: the local runtime creates it from this declaration and the
 * CDK app deploys it from the same one, so both always have the same keys and indexes.
 */
export interface IndexDeclaration {
  name: string
  partitionKey: string
  sortKey: string
  /**
   * What the index copies of each item. `all` (the default) serves a view from the index alone;
   * `keys-only` costs the smallest index write and storage, for an index read rarely and followed
   * by a BatchGetItem of the items it names.
   */
  projection?: 'all' | 'keys-only'
}

export const table = {
  partitionKey: 'pk',
  sortKey: 'sk',
  timeToLiveAttribute: 'expiresAt',
  indexes: {
    /** Queue views: QUEUE#<queue>#<state type> → created#number. */
    byQueue: { name: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
    /** Owner views (my locked tickets): OWNER#<login> → lock#stateType#created#number. Sparse. */
    byOwner: { name: 'gsi2', partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
    /** A customer's tickets: CUSTOMER#<email> → created#number. */
    byCustomer: { name: 'gsi3', partitionKey: 'gsi3pk', sortKey: 'gsi3sk' },
    /**
     * Responsible views: RESPONSIBLE#<login> → stateType#created#number, on tickets. Also the watched
     * tickets: WATCHER#<login> → stateType#created#number, on watch items (one per ticket and watcher,
     * holding the ticket's list fields, rewritten with every change of the ticket). Sparse.
     */
    byResponsible: { name: 'gsi4', partitionKey: 'gsi4pk', sortKey: 'gsi4sk' },
    /** Timed work (pending due, Junk purge due, escalation to notify): DUE#<kind>#<shard> → dueAt#number. Sparse. */
    byDue: { name: 'gsi5', partitionKey: 'gsi5pk', sortKey: 'gsi5sk' },
    /** Escalations: ESCALATION#<shard> → escalationAt#number. Sparse. */
    byEscalation: { name: 'gsi6', partitionKey: 'gsi6pk', sortKey: 'gsi6sk' },
    /** A company's tickets (CustomerID): COMPANY#<id> → created#number. */
    byCompany: { name: 'gsi7', partitionKey: 'gsi7pk', sortKey: 'gsi7sk' },
    /**
     * The audit trail by day (the daily audit export): AUDIT#<day>#<shard> → recordedAt#number, on
     * history items and tombstones only (sparse). History lives in each ticket's partition, so a
     * day's entries need an index; none of the others fits (they hold tickets, keyed by ticket
     * state). Keys only: each history item (one per change) adds one index write of about 100
     * bytes, instead of a second copy of its entries, and the index is read once a day, followed
     * by a BatchGetItem of the items. The day is the day of the write (the store's clock), not
     * of the entry's time, so a day is complete once it has passed: a job run as of an earlier
     * time (`--now`) still lands in today's export. Shards spread a busy day over partitions.
     */
    byAuditDay: { name: 'gsi8', partitionKey: 'gsi8pk', sortKey: 'gsi8sk', projection: 'keys-only' },
  } satisfies Record<string, IndexDeclaration>,
} as const

export type IndexName = keyof typeof table.indexes

/** The DynamoDB projection type of an index (CreateTable, UpdateTable and CloudFormation spell it the same). */
export function projectionType(index: IndexDeclaration): 'ALL' | 'KEYS_ONLY' {
  return index.projection === 'keys-only' ? 'KEYS_ONLY' : 'ALL'
}
