import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { PartitionWriteRecorder } from '../../bench/support/partition-writes.ts'
import { DynamoCustomerStore } from '../../lib/customers/adapters/dynamodb-customer-store.ts'
import { auditIndexAttributes, auditShardCount, customerIndexShardCount, customerShardOf, indexKeys, keys, queueShardCount, queueShardOf } from '../../lib/store/keys.ts'
import { table } from '../../lib/store/table.ts'
import { DynamoTicketStore, mergeOrder, ticketIndexAttributes } from '../../lib/ticket/adapters/dynamodb-ticket-store.ts'
import type { Ticket } from '../../lib/ticket/model.ts'
import { TicketCounter, counterWindowMs, counterWritesPerSecond } from '../../lib/ticket/ticket-counter.ts'
import { newTicketRecord } from '../../lib/ticket/ticket-rules.ts'
import type { StateType } from '../../schemas/config.ts'

const day = '20261207'
const numberOf = (counter: number) => `${day}10${String(counter).padStart(6, '0')}`

describe('shard choice (issue 15.10)', () => {
  it('a ticket always lands on the same queue shard, one of queueShardCount', () => {
    for (let counter = 1; counter <= 500; counter++) {
      const shard = queueShardOf(numberOf(counter))
      expect(shard).toBeGreaterThanOrEqual(0)
      expect(shard).toBeLessThan(queueShardCount)
      expect(queueShardOf(numberOf(counter))).toBe(shard)
    }
  })

  it('consecutive ticket numbers (a burst of new tickets) spread evenly over the shards', () => {
    const perShard = new Array<number>(queueShardCount).fill(0)
    const burst = 16_000
    for (let counter = 1; counter <= burst; counter++) perShard[queueShardOf(numberOf(counter))]! += 1
    const even = burst / queueShardCount
    expect(Math.max(...perShard)).toBeLessThanOrEqual(even * 1.15)
    expect(Math.min(...perShard)).toBeGreaterThanOrEqual(even * 0.85)
  })

  it('shard 0 is the key of the time before sharding; the others carry the shard', () => {
    expect(indexKeys.queue('Support', 'new', 0)).toBe('QUEUE#Support#new')
    expect(indexKeys.queue('Support', 'new', 5)).toBe('QUEUE#Support#new#5')
    const keysOfQueue = Array.from({ length: queueShardCount }, (_, shard) => indexKeys.queue('Support', 'new', shard))
    expect(new Set(keysOfQueue).size).toBe(queueShardCount)
  })

  it('the ticket item carries the queue key of its own shard', () => {
    const ticket = newTicketRecord({ number: numberOf(7), title: 't', queue: 'Sales', state: 'open', stateType: 'open', at: new Date('2026-12-07T10:00:00Z') })
    const attributes = ticketIndexAttributes(ticket)
    expect(attributes[table.indexes.byQueue.partitionKey]).toBe(indexKeys.queue('Sales', 'open', queueShardOf(ticket.number)))
  })

  it('the audit index spreads a day over auditShardCount shards, and the 4 shards of before are among them', () => {
    const shards = new Set<string>()
    for (let counter = 1; counter <= 2000; counter++) shards.add(auditIndexAttributes(numberOf(counter), new Date('2026-12-07T10:00:00Z'))[table.indexes.byAuditDay.partitionKey]!)
    expect(shards.size).toBe(auditShardCount)
    expect(auditShardCount).toBeGreaterThanOrEqual(16)
    for (let old = 0; old < 4; old++) expect(shards).toContain(indexKeys.auditDay('2026-12-07', old))
  })
})

describe('ticket counter: blocks per writer window (group commit)', () => {
  afterEach(() => vi.useRealTimers())

  /** A counter item as DynamoDB keeps it: ADD n answers the new total. */
  const fakeStore = () => {
    const adds: number[] = []
    let total = 0
    return {
      adds,
      reserveTicketCounters: (_day: string, count: number) => {
        adds.push(count)
        total += count
        return Promise.resolve(total)
      },
    }
  }

  it('a lone ticket draws at once with ADD 1', async () => {
    const store = fakeStore()
    const counter = new TicketCounter(store)
    expect(await counter.next(day)).toBe(1)
    expect(store.adds).toEqual([1])
  })

  it('tickets waiting together share one ADD n; numbers stay consecutive, without gaps or repeats', async () => {
    vi.useFakeTimers()
    const store = fakeStore()
    const counter = new TicketCounter(store)
    const first = counter.next(day)
    const rest = Array.from({ length: 9 }, () => counter.next(day))
    await vi.advanceTimersByTimeAsync(counterWindowMs)
    expect(await Promise.all([first, ...rest])).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    expect(store.adds).toEqual([1, 9])
  })

  it('a busy writer writes the counter at most once per window, however many tickets it creates', async () => {
    vi.useFakeTimers()
    const store = fakeStore()
    const counter = new TicketCounter(store)
    const drawn: Promise<number>[] = []
    // 2,000 tickets over 2 s: one every millisecond.
    for (let ms = 0; ms < 2000; ms++) {
      drawn.push(counter.next(day))
      await vi.advanceTimersByTimeAsync(1)
    }
    await vi.advanceTimersByTimeAsync(counterWindowMs)
    const numbers = await Promise.all(drawn)
    expect(numbers).toEqual(Array.from({ length: 2000 }, (_, index) => index + 1))
    expect(store.adds.length).toBeLessThanOrEqual((2000 / 1000) * (1000 / counterWindowMs) + 1)
    expect(store.adds.reduce((a, b) => a + b, 0)).toBe(2000)
    expect(counterWritesPerSecond(50)).toBe(50 * (1000 / counterWindowMs))
  })

  it('a failed draw fails the tickets of its block only; the next draw goes on from the counter', async () => {
    let fail = true
    let total = 0
    const counter = new TicketCounter({
      reserveTicketCounters: (_day, count) => {
        if (fail) {
          fail = false
          return Promise.reject(new Error('throttled'))
        }
        return Promise.resolve((total += count))
      },
    })
    await expect(counter.next(day)).rejects.toThrow('throttled')
    expect(await counter.next(day)).toBe(1)
  })
})

/**
 * An in-memory stand-in for DynamoDB's Query on the queue index: the partition's items sorted by
 * sort key in byte order, `#sk <= :to`, ScanIndexForward, Limit and ExclusiveStartKey as DynamoDB
 * does them. Enough to test the fan-out merge and its cursors without a database.
 */
function fakeIndexClient(items: Record<string, unknown>[]) {
  const index = table.indexes.byQueue
  const queries: string[] = []
  const client = {
    send: (command: unknown) => {
      if (!(command instanceof QueryCommand)) throw new Error('only Query')
      const input = command.input
      const values = input.ExpressionAttributeValues as Record<string, string>
      queries.push(values[':pk']!)
      let rows = items.filter((item) => item[index.partitionKey] === values[':pk'])
      if (values[':to'] !== undefined) rows = rows.filter((item) => mergeOrder(String(item[index.sortKey]), values[':to']!) <= 0)
      rows.sort((a, b) => mergeOrder(String(a[index.sortKey]), String(b[index.sortKey])))
      if (input.ScanIndexForward === false) rows.reverse()
      const start = input.ExclusiveStartKey as Record<string, string> | undefined
      // DynamoDB resumes after the start key's position, whether or not that item is in the partition.
      const forward = input.ScanIndexForward !== false
      if (start) rows = rows.filter((item) => (forward ? 1 : -1) * mergeOrder(String(item[index.sortKey]), start[index.sortKey]!) > 0)
      const page = rows.slice(0, input.Limit ?? rows.length)
      const last = page.at(-1)
      const more = rows.length > page.length
      return Promise.resolve({
        Items: page,
        LastEvaluatedKey: more && last ? { pk: last.pk, sk: last.sk, [index.partitionKey]: last[index.partitionKey], [index.sortKey]: last[index.sortKey] } : undefined,
      })
    },
  }
  return { client: client as unknown as DynamoDBDocumentClient, queries }
}

describe('queue view fan-out over shards: one merged order, exact paging', () => {
  // 300 tickets in Support (new and open), many created in the same second, so ties across shards are ordered by number.
  const tickets: Ticket[] = Array.from({ length: 300 }, (_, index) =>
    newTicketRecord({
      number: numberOf(index + 1),
      title: `t${index}`,
      queue: 'Support',
      state: index % 3 === 0 ? 'open' : 'new',
      stateType: index % 3 === 0 ? 'open' : 'new',
      at: new Date(Date.UTC(2026, 11, 7, 10, 0, Math.floor((index * 7) % 120))),
    }),
  )
  const items: Record<string, unknown>[] = tickets.map((ticket) => ({ ...keys.ticket(ticket.number), entity: 'ticket', ...ticket, ...ticketIndexAttributes(ticket) }))
  const expected = (stateTypes: string[], order: 'asc' | 'desc') => {
    const sorted = tickets.filter((ticket) => stateTypes.includes(ticket.stateType)).sort((a, b) => mergeOrder(`${a.createdAt}#${a.number}`, `${b.createdAt}#${b.number}`))
    return (order === 'asc' ? sorted : sorted.reverse()).map((ticket) => ticket.number)
  }

  it('the tickets are on every shard', () => {
    expect(new Set(items.map((item) => item[table.indexes.byQueue.partitionKey])).size).toBe(2 * queueShardCount)
  })

  for (const order of ['asc', 'desc'] as const) {
    for (const limit of [1, 7, 50, 500]) {
      it(`${order}, pages of ${limit}: every ticket once, in creation order`, async () => {
        const { client } = fakeIndexClient(items)
        const store = new DynamoTicketStore(client, 'fake')
        const seen: string[] = []
        let cursor: string | undefined
        do {
          const page = await store.listTicketItems({ queues: ['Support'], stateTypes: ['new', 'open'], order, limit, ...(cursor ? { cursor } : {}) })
          expect(page.items.length).toBeLessThanOrEqual(limit)
          seen.push(...page.items.map((item) => item.number))
          cursor = page.next ?? undefined
        } while (cursor)
        expect(seen).toEqual(expected(['new', 'open'], order))
      })
    }
  }

  it('reads every shard of each queue and state type', async () => {
    const { client, queries } = fakeIndexClient(items)
    await new DynamoTicketStore(client, 'fake').listTicketItems({ queues: ['Support'], stateTypes: ['open'], order: 'asc', limit: 10 })
    expect(new Set(queries)).toEqual(new Set(Array.from({ length: queueShardCount }, (_, shard) => indexKeys.queue('Support', 'open', shard))))
  })

  it('one merge position resumes every shard; a cursor of another list or not of our making is refused', async () => {
    const { client } = fakeIndexClient(items)
    const store = new DynamoTicketStore(client, 'fake')
    const page = await store.listTicketItems({ queues: ['Support'], stateTypes: ['new'], order: 'asc', limit: 5 })
    const cursor = JSON.parse(Buffer.from(page.next!, 'base64url').toString('utf8')) as Record<string, unknown>
    // The position is the last ticket's creation time and number, whatever shard it came from.
    const last = page.items.at(-1)!
    expect(cursor.after).toBe(`${last.createdAt}#${last.number}`)
    expect(Buffer.from(page.next!, 'base64url').length).toBeLessThan(120)
    const tamper = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
    const refused = [
      tamper({ ...cursor, after: 'not a ticket' }),
      tamper({ ...cursor, extra: 1 }),
      tamper({ ...cursor, after: 5 }),
      tamper([cursor]),
      (await store.listTicketItems({ queues: ['Support'], stateTypes: ['open'], order: 'asc', limit: 5 })).next!,
      (await store.listTicketItems({ queues: ['Support'], stateTypes: ['new'], order: 'desc', limit: 5 })).next!,
    ]
    for (const other of refused) {
      await expect(store.listTicketItems({ queues: ['Support'], stateTypes: ['new'], order: 'asc', limit: 5, cursor: other })).rejects.toMatchObject({ field: 'query.cursor' })
    }
  })
})

describe('the partition write recorder of npm run bench -- hotkeys', () => {
  const ticketItem = (queue: string, stateType: StateType): Record<string, unknown> => {
    const ticket = newTicketRecord({ number: numberOf(3), title: 't', queue, state: stateType, stateType, at: new Date('2026-12-07T10:00:00Z') })
    return { ...keys.ticket(ticket.number), entity: 'ticket', ...ticket, ...ticketIndexAttributes(ticket) }
  }

  it('charges the table partition and each index partition of a write; a move also charges the partition left', () => {
    const recorder = new PartitionWriteRecorder()
    const created = ticketItem('Support', 'new')
    recorder.record('TransactWriteItemsCommand', { TransactItems: [{ Put: { Item: created } }] }, true)
    const queueKey = String(created[table.indexes.byQueue.partitionKey])
    expect(recorder.table.get(keys.ticketPartition(numberOf(3)))).toBe(1)
    expect(recorder.indexes.get('gsi1')!.get(queueKey)).toBe(1)
    const moved = ticketItem('Sales', 'open')
    recorder.record('TransactWriteItemsCommand', { TransactItems: [{ Put: { Item: moved } }] }, true)
    expect(recorder.indexes.get('gsi1')!.get(queueKey)).toBe(2) // the delete of the old entry
    expect(recorder.indexes.get('gsi1')!.get(String(moved[table.indexes.byQueue.partitionKey]))).toBe(1)
    // Transactional table writes take two units per KB.
    expect(recorder.tableUnits.get(keys.ticketPartition(numberOf(3)))).toBeGreaterThanOrEqual(4)
  })

  it('reads keys in AttributeValue form (after the document client marshalled them) and charges a failed write to the table only', () => {
    const recorder = new PartitionWriteRecorder()
    recorder.record('UpdateItemCommand', { Key: { pk: { S: 'COUNTER#TICKET#20261207' }, sk: { S: 'COUNTER' } } }, true)
    recorder.record('PutItemCommand', { Item: { pk: { S: 'X' }, sk: { S: 'Y' }, gsi1pk: { S: 'QUEUE#a#new' }, gsi1sk: { S: '1' } } }, false)
    expect(recorder.table.get('COUNTER#TICKET#20261207')).toBe(1)
    expect(recorder.table.get('X')).toBe(1)
    expect(recorder.indexes.get('gsi1')!.size).toBe(0)
  })
})

describe('customer list and search partitions in shards', () => {
  it('a record lands on one shard of its list and search partitions; shard 0 is the key of before', () => {
    expect(keys.customerListPartition('U', 0)).toBe('CUSTLIST#U')
    expect(keys.customerSearchPartition('U', 'ex', 0)).toBe('CUSTSEARCH#U#ex')
    const shards = new Set<string>()
    for (let index = 0; index < 400; index++) {
      const id = `person${index}@example.com`
      const listKey = keys.customerList('U', `name ${index}`, id)
      expect(listKey.pk).toBe(keys.customerListPartition('U', customerShardOf(id)))
      expect(keys.customerSearch('U', 'ex', 'example', id).pk).toBe(keys.customerSearchPartition('U', 'ex', customerShardOf(id)))
      shards.add(listKey.pk)
    }
    expect(shards.size).toBe(customerIndexShardCount)
  })

  it('readIndex merges the shards by sort key, resumes each after the last entry, and reads an entry in two shards once', async () => {
    // Entries in every shard, plus one indexed before sharding (shard 0's key) and again in its own shard since.
    const items = Array.from({ length: 60 }, (_, index) => {
      const id = `p${index}@example.com`
      return { ...keys.customerList('U', `name${String(index).padStart(3, '0')}`, id), token: `name${index}`, id }
    })
    const twice = items.find((item) => item.pk !== keys.customerListPartition('U', 0))!
    items.push({ ...twice, pk: keys.customerListPartition('U', 0) })
    const client = {
      send: (command: QueryCommand) => {
        const values = command.input.ExpressionAttributeValues as Record<string, string>
        const start = command.input.ExclusiveStartKey as { sk: string } | undefined
        const rows = items.filter((item) => item.pk === values[':pk'] && (!start || mergeOrder(item.sk, start.sk) > 0)).sort((a, b) => mergeOrder(a.sk, b.sk))
        const page = rows.slice(0, command.input.Limit)
        return Promise.resolve({ Items: page, LastEvaluatedKey: rows.length > page.length ? { pk: page.at(-1)!.pk, sk: page.at(-1)!.sk } : undefined })
      },
    } as unknown as DynamoDBDocumentClient
    const store = new DynamoCustomerStore(client, 'fake')
    const seen: string[] = []
    let after: string | undefined
    for (;;) {
      const { entries, more } = await store.readIndex('user', undefined, after, 7)
      seen.push(...entries.map((entry) => entry.sortKey))
      if (!more) break
      after = entries.at(-1)!.sortKey
    }
    expect(seen).toEqual([...new Set(items.map((item) => item.sk))].sort())
  })
})
