import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import type { DynamoDBRecord } from 'aws-lambda'
import { purgeTicket } from '../../lib/jobs/purge-ticket.ts'
import { storeRawMail } from '../../lib/local/smtp-inbound.ts'
import { startStreamPoller } from '../../lib/local/stream-poller.ts'
import { ingestStoredMail } from '../../lib/mail/ingest-mail.ts'
import { createLogger } from '../../lib/platform/logger.ts'
import type { Dependencies } from '../../lib/runtime/dependencies.ts'
import { indexChanges } from '../../lib/search/indexer.ts'
import type { SearchIndex } from '../../lib/search/ports.ts'
import { customerMail } from './fault-runs.ts'
import { patchTicket } from './tickets.ts'

/**
 * Search index consistency under at-least-once, out-of-order change events (shared by
 * test/integration/search-consistency.test.ts and `npm run bench -- faults`): random creates,
 * follow-ups, updates and purges; every stream record then delivered 1–3 times, shuffled, in
 * batches of random size to the real indexer. The index must equal the store.
 */
export interface ConsistencyFigures {
  steps: number
  tickets: number
  deleted: number
  records: number
  deliveries: number
  batchFailures: number
  /** Tickets whose index document differs from the store (or a deleted ticket still found). */
  mismatches: string[]
  indexCount: number
}

/** A small seeded generator, so a failure can be replayed. */
export function lcgRandom(seed: number): () => number {
  let state = seed
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31
    return state / 2 ** 31
  }
}

async function indexed(search: SearchIndex, queues: string[], number: string) {
  const result = await search.search({ terms: [], filters: { queues, number }, sort: 'changed', order: 'desc', limit: 1, offset: 0 })
  return result.hits[0]
}

export async function checkSearchConsistency(deps: Dependencies, search: SearchIndex, options: { seed: number; steps: number }): Promise<ConsistencyFigures> {
  const ingest = async (subject: string, body: string) => {
    const { raw } = await customerMail({ subject, body })
    return ingestStoredMail(deps, { bucket: deps.rawMail.bucket, key: await storeRawMail(deps.rawMail, raw, { recipients: [] }) })
  }
  const records: DynamoDBRecord[] = []
  const poller = startStreamPoller({
    endpoint: deps.settings.dynamodbEndpoint!,
    tableName: deps.settings.tableName,
    checkpointFile: join(deps.settings.dataDir, `consistency-checkpoints-${randomUUID()}.json`),
    handler: async (event) => {
      records.push(...event.Records)
    },
    logger: createLogger('SILENT'),
    intervalMs: 50,
  })
  const next = lcgRandom(options.seed)
  const numbers: string[] = []
  const deleted = new Set<string>()
  for (let step = 0; step < options.steps; step++) {
    const roll = next()
    const live = numbers.filter((number) => !deleted.has(number))
    if (roll < 0.35 || live.length === 0) {
      numbers.push((await ingest(`case ${step} word${step}`, `body ${step}`)).ticketNumber!)
    } else if (roll < 0.65) {
      await ingest(`Re: [Ticket#${live[Math.floor(next() * live.length)]!}] follow-up ${step}`, `follow-up text step${step}`)
    } else if (roll < 0.9) {
      await patchTicket(deps.tickets, live[Math.floor(next() * live.length)]!, { title: `renamed ${step}`, priority: 1 + Math.floor(next() * 5) })
    } else {
      const number = live[Math.floor(next() * live.length)]!
      const ticket = (await deps.tickets.get(number))!
      await purgeTicket(deps, number, ticket.version, { by: 'test', reason: 'consistency', at: new Date() })
      deleted.add(number)
    }
  }
  await poller.drain()
  await poller.drain()
  await poller.stop()

  // Deliver every record 1–3 times, in a shuffled order, in batches of random size.
  const deliveries = records.flatMap((record) => Array.from({ length: 1 + Math.floor(next() * 3) }, () => record))
  for (let index = deliveries.length - 1; index > 0; index--) {
    const other = Math.floor(next() * (index + 1))
    ;[deliveries[index], deliveries[other]] = [deliveries[other]!, deliveries[index]!]
  }
  let batchFailures = 0
  for (let start = 0; start < deliveries.length; ) {
    const size = 1 + Math.floor(next() * 25)
    batchFailures += (await indexChanges({ ...deps, search }, deliveries.slice(start, start + size))).batchItemFailures.length
    start += size
  }

  const queues = deps.config.queues.map((queue) => queue.name)
  const mismatches: string[] = []
  for (const number of numbers) {
    const ticket = await deps.tickets.get(number)
    const hit = await indexed(search, queues, number)
    if (!ticket) {
      if (hit) mismatches.push(`${number} was deleted but is still indexed`)
      continue
    }
    const same = hit && hit.number === number && hit.title === ticket.title && hit.priority === ticket.priority && hit.state === ticket.state && hit.changedAt === ticket.changedAt
    if (!same) mismatches.push(`${number}: store ${JSON.stringify({ title: ticket.title, priority: ticket.priority, state: ticket.state, changedAt: ticket.changedAt })}, index ${JSON.stringify(hit ?? null)}`)
  }
  return { steps: options.steps, tickets: numbers.length, deleted: deleted.size, records: records.length, deliveries: deliveries.length, batchFailures, mismatches, indexCount: await search.count() }
}
