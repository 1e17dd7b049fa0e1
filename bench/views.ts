import { existsSync } from 'node:fs'
import { cp, mkdtemp, rm } from 'node:fs/promises'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { BatchWriteCommand, QueryCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb'
import { createApiApp } from '../lib/api/app.ts'
import { provisionAgentPasswords } from '../lib/auth/auth-service.ts'
import { startDynamoDbLocal, type DynamoDbLocal } from '../lib/local/dynamodb-local.ts'
import { createLogger } from '../lib/platform/logger.ts'
import { readRuntimeSettings } from '../lib/platform/runtime-settings.ts'
import { buildDependencies } from '../lib/runtime/dependencies.ts'
import { createDocumentClient, createDynamoClient } from '../lib/store/dynamodb-client.ts'
import { ensureTable } from '../lib/store/ensure-table.ts'
import { indexKeys, keys, type Entity } from '../lib/store/keys.ts'
import { table } from '../lib/store/table.ts'
import { ticketIndexAttributes } from '../lib/ticket/adapters/dynamodb-ticket-store.ts'
import type { Ticket } from '../lib/ticket/model.ts'
import { formatTicketNumber } from '../lib/ticket/ticket-number.ts'
import type { StateType } from '../schemas/config.ts'
import { now, percentile, pick, pool, round, seededRandom } from './support/benchmark.ts'

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
const configPath = fileURLToPath(new URL('../docket.config.yaml', import.meta.url))
const password = 'bench-Password-1!'
const listSize = 500
const loadConcurrency = 16
const warmup = 20

const queueWeights: [string, number][] = [
  ['Support', 0.4],
  ['Sales', 0.25],
  ['Raw', 0.15],
  ['Junk', 0.15],
  ['Bounces', 0.05],
]
const stateWeights: [StateType, number][] = [
  ['closed', 0.78],
  ['new', 0.04],
  ['open', 0.06],
  ['pending reminder', 0.03],
  ['pending auto', 0.02],
  ['merged', 0.02],
  ['removed', 0.05],
]
const stateNames: Record<StateType, string[]> = {
  new: ['new'],
  open: ['open'],
  'pending reminder': ['pending reminder'],
  'pending auto': ['pending auto close+', 'pending auto close-'],
  closed: ['closed successful', 'closed unsuccessful', 'closed - no response needed'],
  merged: ['merged'],
  removed: ['removed'],
}
const titles = [
  'Printer on floor 3 does not print',
  'Invoice {n} shows the wrong amount',
  'Cannot log in since this morning',
  'Order {n} has not arrived',
  'VPN disconnects every 10 minutes',
  'Rechnung {n}: falscher Betrag, bitte prüfen',
  'Problème de facturation sur la commande {n}',
  'Заказ {n} не пришёл',
  'URGENT: shop checkout returns error 500',
]
const domains = ['customer.example', 'acme-corp.example', 'kunde.example', 'client.example', 'bigco.example', 'gmail.com']

function weighted<T>(random: () => number, weights: [T, number][]): T {
  let roll = random()
  for (const [value, weight] of weights) {
    if ((roll -= weight) < 0) return value
  }
  return weights.at(-1)![0]
}

const end = Date.UTC(2026, 10, 23, 9, 0, 0)
const yearMs = 365 * 24 * 3600_000

/** A year of tickets, created oldest first; deterministic for a seed. */
export function generateTicket(random: () => number, index: number, count: number): Ticket {
  const created = new Date(end - yearMs + Math.floor(((index + random()) / count) * yearMs))
  const day = created.toISOString().slice(0, 10).replaceAll('-', '')
  const number = formatTicketNumber(day, '42', index + 1)
  const queue = weighted(random, queueWeights)
  const stateType = weighted(random, stateWeights)
  const worked = stateType !== 'new'
  const owner = worked && random() < 0.8 ? (queue === 'Sales' && random() < 0.5 ? 'sales' : 'admin') : null
  const customer = `customer${Math.floor(random() * 5000)}@${pick(random, domains)}`
  const changed = new Date(Math.min(end, created.getTime() + Math.floor(random() * 20 * 24 * 3600_000)))
  return {
    number,
    title: pick(random, titles).replace('{n}', String(100000 + Math.floor(random() * 900000))),
    queue,
    state: pick(random, stateNames[stateType]),
    stateType,
    priority: weighted(random, [[3, 0.7], [4, 0.12], [2, 0.1], [5, 0.05], [1, 0.03]]),
    lock: owner && (stateType === 'open' || stateType.startsWith('pending') || random() < 0.3) ? 'lock' : 'unlock',
    owner,
    responsible: worked && random() < 0.3 ? 'admin' : null,
    customer,
    customerId: customer.endsWith('@gmail.com') ? customer : customer.split('@')[1]!,
    createdAt: created.toISOString(),
    changedAt: changed.toISOString(),
    pendingUntil: stateType.startsWith('pending') ? new Date(end + Math.floor((random() - 0.5) * 60 * 24 * 3600_000)).toISOString() : null,
    mergedInto: null,
    version: 1 + Math.floor(random() * 6),
    articleCount: 1 + Math.floor(random() * 8),
    participants: [customer],
    dynamicFields: {},
    mergedFrom: [],
    timeUnits: 0,
  }
}

/** Exactly the item DynamoTicketStore.save puts for a ticket. */
const ticketItem = (ticket: Ticket) => ({ ...keys.ticket(ticket.number), entity: 'ticket' satisfies Entity, ...ticket, ...ticketIndexAttributes(ticket) })

export async function load(documents: DynamoDBDocumentClient, tableName: string, tickets: Ticket[], concurrency = loadConcurrency): Promise<void> {
  const batches = Math.ceil(tickets.length / 25)
  await pool(batches, concurrency, async (batch) => {
    let requests = tickets.slice(batch * 25, batch * 25 + 25).map((ticket) => ({ PutRequest: { Item: ticketItem(ticket) } }))
    for (let attempt = 0; requests.length > 0; attempt++) {
      if (attempt > 20) throw new Error('BatchWriteItem keeps leaving items unprocessed')
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 20 * attempt))
      const result = await documents.send(new BatchWriteCommand({ RequestItems: { [tableName]: requests } }))
      requests = (result.UnprocessedItems?.[tableName] ?? []) as typeof requests
    }
  })
}

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
    ExpressionAttributeValues: { ':pk': indexKeys.queue('Support', stateType) },
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
  const loadOnDisk = args.includes('--load-on-disk') || !existsSync('/dev/shm')
  const dataDir = await mkdtemp(join(tmpdir(), 'docket-bench-views-'))
  const stageDir = loadOnDisk ? undefined : await mkdtemp('/dev/shm/docket-bench-views-')
  const dbPath = join(dataDir, 'dynamodb')
  let database: DynamoDbLocal | undefined
  let documents: DynamoDBDocumentClient | undefined
  try {
    // The load (not part of the figures). DynamoDB Local on disk writes about 230 tickets/s here
    // (each item lands in up to 6 indexes, every batch is synced to disk): 7 minutes for 100,000.
    // So the same DynamoDB Local builds its database file in memory (tmpfs), the file is copied to
    // the data dir on disk, and a fresh DynamoDB Local serves it from there for the measurement:
    // the very file a load on disk would have written. --load-on-disk loads on disk directly.
    const phase = now()
    database = await startDynamoDbLocal({ dbPath: stageDir ? join(stageDir, 'dynamodb') : dbPath })
    let settings = readRuntimeSettings({ DOCKET_CONFIG: configPath, DOCKET_DATA_DIR: dataDir, DOCKET_DYNAMODB_ENDPOINT: database.endpoint, DOCKET_LOG_LEVEL: 'ERROR' })
    const admin = createDynamoClient({ region: settings.region, endpoint: settings.dynamodbEndpoint })
    await ensureTable(admin, settings.tableName)
    admin.destroy()
    const random = seededRandom(seed)
    const tickets = Array.from({ length: ticketCount }, (_, index) => generateTicket(random, index, ticketCount))
    const loader = createDocumentClient({ region: settings.region, endpoint: settings.dynamodbEndpoint })
    await load(loader, settings.tableName, tickets)
    loader.destroy()
    if (stageDir) {
      await database.stop()
      database = undefined
      await cp(join(stageDir, 'dynamodb'), dbPath, { recursive: true })
      await rm(stageDir, { recursive: true, force: true })
      database = await startDynamoDbLocal({ dbPath })
      settings = { ...settings, dynamodbEndpoint: database.endpoint }
    }
    const loadMs = now() - phase
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
      [`raw Query, 1 partition × ${listSize} items (the floor)`, () => raw('open', false)],
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
        `  load            ${round(loadMs / 1000, 1)} s, ${Math.round(ticketCount / (loadMs / 1000))} tickets/s (BatchWriteItem, 25 items a call, ${loadConcurrency} in flight${stageDir ? '; built on tmpfs, copied to disk' : '; on disk'}; not part of the figures)`,
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
    await database?.stop()
    await rm(dataDir, { recursive: true, force: true })
    if (stageDir) await rm(stageDir, { recursive: true, force: true })
  }
}
