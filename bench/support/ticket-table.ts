import { existsSync } from 'node:fs'
import { cp, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { startDynamoDbLocal, type DynamoDbLocal } from '../../lib/local/dynamodb-local.ts'
import { readRuntimeSettings, type RuntimeSettings } from '../../lib/platform/runtime-settings.ts'
import { createDocumentClient, createDynamoClient } from '../../lib/store/dynamodb-client.ts'
import { ensureTable } from '../../lib/store/ensure-table.ts'
import { keys, type Entity } from '../../lib/store/keys.ts'
import { ticketIndexAttributes } from '../../lib/ticket/adapters/dynamodb-ticket-store.ts'
import type { Ticket } from '../../lib/ticket/model.ts'
import { formatTicketNumber } from '../../lib/ticket/ticket-number.ts'
import type { StateType } from '../../schemas/config.ts'
import { now, pick, pool } from './benchmark.ts'

/**
 * A realistic table of tickets for the benchmarks that read or work on many tickets (views, jobs):
 * a year of tickets over the demo queues and every state type, written exactly as the store
 * writes them, in DynamoDB Local ON DISK as under `npm start`.
 */

export const configPath = fileURLToPath(new URL('../../docket.config.yaml', import.meta.url))

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

/** The generated year ends here; benchmarks act as of this moment. */
export const end = Date.UTC(2026, 10, 23, 9, 0, 0)
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
export const ticketItem = (ticket: Ticket) => ({ ...keys.ticket(ticket.number), entity: 'ticket' satisfies Entity, ...ticket, ...ticketIndexAttributes(ticket) })

export async function load(documents: DynamoDBDocumentClient, tableName: string, tickets: Ticket[], concurrency = 16): Promise<void> {
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


export interface TicketTable {
  settings: RuntimeSettings
  dataDir: string
  /** How long the load took (not part of any figure). */
  loadMs: number
  /** True when the database was built on tmpfs and copied to disk. */
  staged: boolean
  close(): Promise<void>
}

/**
 * Loads `tickets` into a fresh table served by DynamoDB Local from a data dir on disk.
 * DynamoDB Local on disk writes about 230 tickets/s here (each item lands in up to 6 indexes, every
 * batch is synced to disk): 7 minutes for 100,000. So the same DynamoDB Local builds its database
 * file in memory (tmpfs), the file is copied to the data dir on disk, and a fresh DynamoDB Local
 * serves it from there: the very file a load on disk would have written. `loadOnDisk` loads on
 * disk directly.
 */
export async function openTicketTable(tickets: Ticket[], options: { name: string; loadOnDisk?: boolean }): Promise<TicketTable> {
  const loadOnDisk = options.loadOnDisk || !existsSync('/dev/shm')
  const dataDir = await mkdtemp(join(tmpdir(), `docket-bench-${options.name}-`))
  const stageDir = loadOnDisk ? undefined : await mkdtemp(`/dev/shm/docket-bench-${options.name}-`)
  const dbPath = join(dataDir, 'dynamodb')
  let database: DynamoDbLocal | undefined
  const close = async () => {
    await database?.stop()
    database = undefined
    await rm(dataDir, { recursive: true, force: true })
    if (stageDir) await rm(stageDir, { recursive: true, force: true })
  }
  try {
    const started = now()
    database = await startDynamoDbLocal({ dbPath: stageDir ? join(stageDir, 'dynamodb') : dbPath })
    let settings = readRuntimeSettings({ DOCKET_CONFIG: configPath, DOCKET_DATA_DIR: dataDir, DOCKET_DYNAMODB_ENDPOINT: database.endpoint, DOCKET_LOG_LEVEL: 'ERROR' })
    const admin = createDynamoClient({ region: settings.region, endpoint: settings.dynamodbEndpoint })
    await ensureTable(admin, settings.tableName)
    admin.destroy()
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
    return { settings, dataDir, loadMs: now() - started, staged: Boolean(stageDir), close }
  } catch (error) {
    await close()
    throw error
  }
}
