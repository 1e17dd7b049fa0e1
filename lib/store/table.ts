/**
 * The single table, declared once: the local runtime creates it from this declaration and the
 * CDK app deploys it from the same one, so both always have the same keys and indexes.
 */
export interface IndexDeclaration {
  name: string
  partitionKey: string
  sortKey: string
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
    /** Responsible views: RESPONSIBLE#<login> → stateType#created#number. Sparse. */
    byResponsible: { name: 'gsi4', partitionKey: 'gsi4pk', sortKey: 'gsi4sk' },
    /** Timed work (pending due, Junk purge due, escalation to notify): DUE#<kind>#<shard> → dueAt#number. Sparse. */
    byDue: { name: 'gsi5', partitionKey: 'gsi5pk', sortKey: 'gsi5sk' },
    /** Escalations: ESCALATION#<shard> → escalationAt#number. Sparse. */
    byEscalation: { name: 'gsi6', partitionKey: 'gsi6pk', sortKey: 'gsi6sk' },
    /** A company's tickets (CustomerID): COMPANY#<id> → created#number. */
    byCompany: { name: 'gsi7', partitionKey: 'gsi7pk', sortKey: 'gsi7sk' },
  } satisfies Record<string, IndexDeclaration>,
} as const

export type IndexName = keyof typeof table.indexes
