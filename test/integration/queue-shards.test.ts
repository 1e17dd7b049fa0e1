import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb'
import { beforeAll, describe, expect, it } from 'vitest'
import { createApiApp } from '../../lib/api/app.ts'
import { provisionAgentPasswords } from '../../lib/auth/auth-service.ts'
import type { Dependencies } from '../../lib/runtime/dependencies.ts'
import { createDocumentClient } from '../../lib/store/dynamodb-client.ts'
import { indexKeys, keys, queueShardCount, queueShardOf } from '../../lib/store/keys.ts'
import { table } from '../../lib/store/table.ts'
import { mergeOrder, ticketIndexAttributes } from '../../lib/ticket/adapters/dynamodb-ticket-store.ts'
import type { Ticket } from '../../lib/ticket/model.ts'
import { historyEntry, newTicketRecord } from '../../lib/ticket/ticket-rules.ts'
import { stateTypes } from '../../schemas/config.ts'
import { demoPassword, testDependencies } from '../support/local-stack.ts'
import { patchTicket } from '../support/tickets.ts'

/**
 * Issue 15.10: the queue view index is spread over queueShardCount shards per queue and state
 * type. The views read every shard and merge them, so they must show exactly what one partition
 * showed: the same tickets, order, pages and counts, and a ticket that moves leaves nothing behind.
 */
describe('queue index shards: the views stay exact', () => {
  let deps: Dependencies
  let app: ReturnType<typeof createApiApp>
  let token: string
  const tickets: Ticket[] = []
  const day = '20261207'
  const numberOf = (counter: number) => `${day}10${String(counter).padStart(6, '0')}`
  const documents = () => createDocumentClient({ region: deps.settings.region, endpoint: deps.settings.dynamodbEndpoint })

  const save = async (ticket: Ticket) => {
    await deps.tickets.save({ ticket, expectedVersion: null, newArticles: [], history: [historyEntry('NewTicket', 'test', new Date(ticket.createdAt), 'test')], messageIds: [] })
    tickets.push(ticket)
  }
  const current = async () => Promise.all(tickets.map(async (ticket) => (await deps.tickets.get(ticket.number))!))
  const expectedOrder = (list: Ticket[], order: 'asc' | 'desc') => {
    const sorted = [...list].sort((a, b) => mergeOrder(`${a.createdAt}#${a.number}`, `${b.createdAt}#${b.number}`)).map((ticket) => ticket.number)
    return order === 'asc' ? sorted : sorted.reverse()
  }
  const get = async (path: string) => {
    const response = await app.request(path, { headers: { authorization: `Bearer ${token}` } })
    expect(response.status, path).toBe(200)
    return (await response.json()) as { items: { number: string }[]; next: string | null }
  }
  const walk = async (path: string, size: number) => {
    const seen: string[] = []
    let cursor: string | null = null
    do {
      const page = await get(`${path}${path.includes('?') ? '&' : '?'}limit=${size}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
      expect(page.items.length).toBeLessThanOrEqual(size)
      seen.push(...page.items.map((item) => item.number))
      cursor = page.next
    } while (cursor)
    return seen
  }
  /** Every queue index entry of a ticket number, read straight from every shard of every queue and state type. */
  const indexEntries = async (number: string, queues: string[]) => {
    const client = documents()
    const index = table.indexes.byQueue
    try {
      const found: string[] = []
      for (const queue of queues) {
        for (const stateType of stateTypes) {
          for (let shard = 0; shard < queueShardCount; shard++) {
            const page = await client.send(
              new QueryCommand({
                TableName: deps.settings.tableName,
                IndexName: index.name,
                KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :created)',
                ExpressionAttributeNames: { '#pk': index.partitionKey, '#sk': index.sortKey },
                ExpressionAttributeValues: { ':pk': indexKeys.queue(queue, stateType, shard), ':created': '2026' },
              }),
            )
            for (const item of page.Items ?? []) if (item.number === number) found.push(String(item[index.partitionKey]))
          }
        }
      }
      return found
    } finally {
      client.destroy()
    }
  }

  beforeAll(async () => {
    deps = await testDependencies()
    await provisionAgentPasswords(deps, demoPassword)
    app = createApiApp(deps)
    const login = await app.request('/api/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: 'admin', password: demoPassword }) })
    token = ((await login.json()) as { token: string }).token
    // 240 tickets: Support and Sales, new/open/closed, many created in the same second (ties across shards go by number).
    const mix = ['new', 'new', 'open', 'closed'] as const
    for (let index = 0; index < 240; index++) {
      const stateType = mix[index % mix.length]!
      const state = stateType === 'closed' ? 'closed successful' : stateType
      await save(newTicketRecord({ number: numberOf(index + 1), title: `shard ${index}`, queue: index % 5 === 0 ? 'Sales' : 'Support', state, stateType, at: new Date(Date.UTC(2026, 11, 7, 9, 0, (index * 13) % 90)) }))
    }
  }, 120_000)

  it('the tickets are on every shard of Support new', () => {
    const shards = new Set(tickets.filter((ticket) => ticket.queue === 'Support' && ticket.stateType === 'new').map((ticket) => queueShardOf(ticket.number)))
    expect(shards.size).toBe(queueShardCount)
  })

  it('the store\'s queue view: every ticket once, in creation order, whatever the page size, both directions', async () => {
    const all = await current()
    for (const order of ['asc', 'desc'] as const) {
      for (const limit of [13, 100]) {
        const seen: string[] = []
        let cursor: string | undefined
        do {
          const page = await deps.tickets.listTicketItems({ queues: ['Support', 'Sales'], stateTypes: ['new', 'open'], order, limit, ...(cursor ? { cursor } : {}) })
          seen.push(...page.items.map((item) => item.number))
          cursor = page.next ?? undefined
        } while (cursor)
        expect(seen, `${order} ${limit}`).toEqual(expectedOrder(all.filter((ticket) => ticket.stateType === 'new' || ticket.stateType === 'open'), order))
      }
    }
  }, 120_000)

  it('the API queue view and status view page exactly through every shard', async () => {
    const all = await current()
    const support = all.filter((ticket) => ticket.queue === 'Support' && ['new', 'open', 'pending reminder', 'pending auto'].includes(ticket.stateType))
    expect(await walk('/api/tickets?queue=Support', 17)).toEqual(expectedOrder(support, 'asc'))
    const statusNew = all.filter((ticket) => ticket.stateType === 'new')
    const status = await walk('/api/views/status?stateType=new', 23)
    expect([...status].sort()).toEqual(statusNew.map((ticket) => ticket.number).sort())
    expect(new Set(status).size).toBe(status.length)
  }, 120_000)

  it('counts per queue and state type are the sums over the shards', async () => {
    const all = await current()
    const counts = await deps.tickets.countByQueue(['Support', 'Sales'])
    for (const queue of ['Support', 'Sales']) {
      for (const stateType of stateTypes) expect(counts[queue]?.[stateType] ?? 0, `${queue} ${stateType}`).toBe(all.filter((ticket) => ticket.queue === queue && ticket.stateType === stateType).length)
    }
  })

  it('a ticket that moves between queues and state types has exactly one index entry, on its own shard', async () => {
    const number = tickets.find((ticket) => ticket.queue === 'Support' && ticket.stateType === 'new' && queueShardOf(ticket.number) !== 0)!.number
    await patchTicket(deps.tickets, number, { queue: 'Sales' })
    await patchTicket(deps.tickets, number, { state: 'open', stateType: 'open' })
    await patchTicket(deps.tickets, number, { queue: 'Support', state: 'closed successful', stateType: 'closed' })
    expect(await indexEntries(number, ['Support', 'Sales'])).toEqual([indexKeys.queue('Support', 'closed', queueShardOf(number))])
    const counts = await deps.tickets.countByQueue(['Support', 'Sales'])
    const all = await current()
    expect(counts.Support!.closed).toBe(all.filter((ticket) => ticket.queue === 'Support' && ticket.stateType === 'closed').length)
    expect(counts.Sales!.open).toBe(all.filter((ticket) => ticket.queue === 'Sales' && ticket.stateType === 'open').length)
  }, 120_000)

  it('a ticket indexed before sharding (key without a shard) is read, counted, and moves to its shard on its next change', async () => {
    // What an older Docket wrote: the same item, with the unsharded queue key.
    const legacy = newTicketRecord({ number: numberOf(900), title: 'from before sharding', queue: 'Sales', state: 'new', stateType: 'new', at: new Date('2026-12-07T09:00:30Z') })
    expect(queueShardOf(legacy.number)).not.toBe(0)
    const client = documents()
    try {
      await client.send(new PutCommand({ TableName: deps.settings.tableName, Item: { ...keys.ticket(legacy.number), entity: 'ticket', ...legacy, ...ticketIndexAttributes(legacy), [table.indexes.byQueue.partitionKey]: 'QUEUE#Sales#new' } }))
    } finally {
      client.destroy()
    }
    tickets.push(legacy)
    const all = await current()
    const salesNew = all.filter((ticket) => ticket.queue === 'Sales' && ticket.stateType === 'new')
    expect(await walk('/api/tickets?queue=Sales', 4)).toEqual(expectedOrder(all.filter((ticket) => ticket.queue === 'Sales' && ['new', 'open'].includes(ticket.stateType)), 'asc'))
    expect((await deps.tickets.countByQueue(['Sales'])).Sales!.new).toBe(salesNew.length)
    await patchTicket(deps.tickets, legacy.number, { state: 'open', stateType: 'open' })
    expect(await indexEntries(legacy.number, ['Sales'])).toEqual([indexKeys.queue('Sales', 'open', queueShardOf(legacy.number))])
  }, 120_000)

  it('a cursor is one short position for all shards, and a cursor of another list is a 400 naming the cursor', async () => {
    const first = await get('/api/tickets?queue=Support&limit=3')
    expect(first.next!.length).toBeLessThan(160)
    const sales = await get('/api/tickets?queue=Sales&limit=1')
    const response = await app.request(`/api/tickets?queue=Support&limit=3&cursor=${sales.next}`, { headers: { authorization: `Bearer ${token}` } })
    expect(response.status).toBe(400)
    expect(((await response.json()) as { error: { field?: string } }).error.field).toMatch(/cursor$/)
  })
})
