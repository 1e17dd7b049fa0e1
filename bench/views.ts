import { cpus, loadavg } from 'node:os'
import { QueryCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb'
import { createApiApp } from '../lib/api/app.ts'
import { provisionAgentPasswords } from '../lib/auth/auth-service.ts'
import { createLogger } from '../lib/platform/logger.ts'
import { buildDependencies } from '../lib/runtime/dependencies.ts'
import { createDocumentClient } from '../lib/store/dynamodb-client.ts'
import { indexKeys } from '../lib/store/keys.ts'
import { table } from '../lib/store/table.ts'
import { now, percentile, round, seededRandom } from './support/benchmark.ts'
import { generateTicket, openTicketTable } from './support/ticket-table.ts'

/**
 * `npm run bench -- views`: the 500-ticket queue view over a realistic table of 100,000 tickets.
 *
 * DynamoDB Local serves the table ON DISK, as under `npm start`. The tickets are loaded (not timed)
 * with BatchWriteItem, 25 items a call, several calls in flight; each item is exactly what
 * DynamoTicketStore.save writes for a ticket (keys, entity, the ticket, `ticketIndexAttributes`),
 * so every view index holds what it would hold in production. Spread: 5 demo queues, every state
 * type, most tickets closed (as in a helpdesk that has run a while); Support holds thousands of
 * new/open/pending tickets, so its view has more than 500 to show in each of its four partitions.
 *
 * Measured: `GET /api/tickets?queue=Support&limit=500` through the real API app (app.request, a
 * real login token, permissions, zod, JSON) N times after a warm-up: p50/p95 in ms. Target p95 ≤ 50 ms.
 * To say where the time goes, the same run times the layers below the API on the same data,
 * interleaved: the store's read alone (summary fields, and whole tickets), one raw 500-item Query
 * (the floor), the same with a ProjectionExpression of the summary fields, and the four partitions
 * read whole (500 each) as the view did before the lazy merge.
 *
 * Flags: --tickets N (default 100000), --requests N (default 300, at least 200), --load-on-disk
 * (load straight into the on-disk database instead of building it on tmpfs first; ~7 minutes).
 */

const seed = 20261123
const password = 'bench-Password-1!'
const listSize = 500
const warmup = 20

async function timeIt(times: number, task: () => Promise<unknown>): Promise<number[]> {
  const samples: number[] = []
  for (let index = 0; index < times; index++) {
    const started = now()
    await task()
    samples.push(now() - started)
  }
  return samples
}

const summaryFields = ['number', 'title', 'queue', 'state', 'stateType', 'priority', 'lock', 'owner', 'responsible', 'customer', 'customerId', 'createdAt', 'changedAt', 'pendingUntil']

function partitionQuery(tableName: string, stateType: string, projection: boolean, limit: number): QueryCommandInput {
  const index = table.indexes.byQueue
  const projected = ['pk', 'sk', index.partitionKey, index.sortKey, ...summaryFields]
  return {
    TableName: tableName,
    IndexName: index.name,
    KeyConditionExpression: '#pk = :pk',
    ExpressionAttributeNames: { '#pk': index.partitionKey, ...(projection ? Object.fromEntries(projected.map((name, at) => [`#p${at}`, name])) : {}) },
    ExpressionAttributeValues: { ':pk': indexKeys.queue('Support', stateType, 0) }, // one shard of the queue key (lib/store/keys.ts)
    ...(projection ? { ProjectionExpression: projected.map((_, at) => `#p${at}`).join(', ') } : {}),
    ScanIndexForward: true,
    Limit: limit,
  }
}

function option(args: string[], name: string, fallback: number): number {
  const at = args.indexOf(name)
  if (at === -1) return fallback
  const value = Number(args[at + 1])
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} needs a positive whole number`)
  return value
}

const ms = (value: number) => round(value, 1)
const stats = (samples: number[]) => `p50 ${ms(percentile(samples, 50))} ms, p95 ${ms(percentile(samples, 95))} ms`

export async function run(args: string[]): Promise<number> {
  const ticketCount = option(args, '--tickets', 100_000)
  const requests = Math.max(200, option(args, '--requests', 300))
  const random = seededRandom(seed)
  const tickets = Array.from({ length: ticketCount }, (_, index) => generateTicket(random, index, ticketCount))
  const loaded = await openTicketTable(tickets, { name: 'views', loadOnDisk: args.includes('--load-on-disk') })
  const { settings, dataDir, loadMs } = loaded
  let documents: DynamoDBDocumentClient | undefined
  try {
    const deps = await buildDependencies(settings, { logger: createLogger('ERROR') })
    documents = createDocumentClient({ region: settings.region, endpoint: settings.dynamodbEndpoint })
    const support = tickets.filter((ticket) => ticket.queue === 'Support')
    const openish = support.filter((ticket) => ['new', 'open', 'pending reminder', 'pending auto'].includes(ticket.stateType))

    await provisionAgentPasswords(deps, password)
    const app = createApiApp(deps)
    const loginResponse = await app.request('/api/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: 'admin', password }) })
    const { token } = (await loginResponse.json()) as { token: string }
    const path = `/api/tickets?queue=Support&limit=${listSize}`
    let bytes = 0
    const queueView = async () => {
      const response = await app.request(path, { headers: { authorization: `Bearer ${token}` } })
      const text = await response.text()
      if (response.status !== 200) throw new Error(`${path} answered ${response.status}: ${text}`)
      const body = JSON.parse(text) as { items: unknown[] }
      if (body.items.length !== listSize) throw new Error(`${path} returned ${body.items.length} tickets, not ${listSize}`)
      bytes = text.length
    }

    // The measurement: warm-up, then N sequential requests (one agent opening the queue view).
    await timeIt(warmup, queueView)
    const api = await timeIt(requests, queueView)

    // Where the time goes: the same read one layer down at a time, interleaved round by round so
    // that other load on the machine weighs on every line alike.
    const viewStateTypes = ['new', 'open', 'pending reminder', 'pending auto']
    const client = documents
    const raw = (stateType: string, projection: boolean, limit = listSize) => client.send(new QueryCommand(partitionQuery(settings.tableName, stateType, projection, limit)))
    const layers: [string, () => Promise<unknown>][] = [
      ['GET through the API app (auth, zod, store, JSON)', queueView],
      ['store.listTicketItems: the view\'s read (4 partitions merged, summary fields)', () => deps.tickets.listTicketItems({ queues: ['Support'], stateTypes: viewStateTypes, order: 'asc', limit: listSize })],
      ['store.listTickets: the same with whole tickets', () => deps.tickets.listTickets({ queues: ['Support'], stateTypes: viewStateTypes, order: 'asc', limit: listSize })],
      [`raw Query, 1 partition (shard 0) × up to ${listSize} items (the floor)`, () => raw('open', false)],
      [`… with ProjectionExpression of the summary fields`, () => raw('open', true)],
      [`raw Query, 4 partitions × ${listSize} in parallel (the read before the lazy merge)`, () => Promise.all(viewStateTypes.map((stateType) => raw(stateType, false)))],
    ]
    const diagnosticRuns = 40
    const layerSamples = layers.map((): number[] => [])
    for (let run = 0; run < diagnosticRuns; run++) {
      for (const [index, [, task]] of layers.entries()) layerSamples[index]!.push(...(await timeIt(1, task)))
    }

    const p50 = percentile(api, 50)
    const p95 = percentile(api, 95)
    const target = 50
    console.log(
      [
        `views benchmark: ${ticketCount.toLocaleString('en')} tickets in DynamoDB Local on disk (${dataDir})`,
        `  load            ${round(loadMs / 1000, 1)} s, ${Math.round(ticketCount / (loadMs / 1000))} tickets/s (BatchWriteItem, 25 items a call, 16 in flight${loaded.staged ? '; built on tmpfs, copied to disk' : '; on disk'}; not part of the figures)`,
        `  Support queue   ${support.length} tickets, ${openish.length} of them new/open/pending (the view's four index partitions)`,
        `  queue view      GET ${path}: ${requests} requests after ${warmup} warm-up: ${stats(api)} (target p95 ≤ ${target} ms: ${p95 <= target ? 'met' : 'MISSED'}), ${Math.round(bytes / 1024)} KiB a response`,
        `  machine         ${cpus().length} cores, load average ${loadavg().map((value) => value.toFixed(1)).join(' ')} (other processes share the cores with DynamoDB Local)`,
        `where the time goes (${diagnosticRuns} rounds, interleaved):`,
        ...layers.map(([name], index) => `  ${name.padEnd(82)} ${stats(layerSamples[index]!)}`),
      ].join('\n'),
    )
    console.log(JSON.stringify({ tickets: ticketCount, listSize, p50Ms: ms(p50), p95Ms: ms(p95) }))
    return 0
  } finally {
    documents?.destroy()
    await loaded.close()
  }
}
