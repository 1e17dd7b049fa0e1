import { spawn, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { once } from 'node:events'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import MailComposer from 'nodemailer/lib/mail-composer'
import { createMailReceivedHandler } from '../../functions/mail-received.ts'
import { runJob } from '../../lib/jobs/run-job.ts'
import { s3ObjectCreatedNotification, sqsEventFrom } from '../../lib/local/aws-events.ts'
import { storeRawMail } from '../../lib/local/smtp-inbound.ts'
import { localLambdaContext } from '../../lib/local/start-local.ts'
import { ingestStoredMail } from '../../lib/mail/ingest-mail.ts'
import { mailContentHash } from '../../lib/mail/mail-identity.ts'
import { replayRawMail } from '../../lib/mail/replay.ts'
import type { RuntimeSettings } from '../../lib/platform/runtime-settings.ts'
import { FsWorkQueue, type QueuedMessage } from '../../lib/queue/adapters/fs-work-queue.ts'
import { localQueueDir, type Dependencies } from '../../lib/runtime/dependencies.ts'
import type { Ticket } from '../../lib/ticket/model.ts'
import { createTicket } from '../../lib/ticket/ticket-service.ts'
import { historyEntry, newTicketRecord } from '../../lib/ticket/ticket-rules.ts'

/**
 * Fault injection over the local stack (issue 9.4), shared by `npm run bench -- faults` (full
 * sizes, figures) and test/integration/faults.test.ts (small sizes, CI). Nothing here imports
 * vitest. Each run says what it did in numbers; the callers assert or print them.
 */

/** A plain customer mail, composed as a mail client would (nodemailer's MailComposer). */
export async function customerMail(fields: { subject: string; from?: string; body?: string; messageId?: string }): Promise<{ raw: Buffer; messageId: string }> {
  const messageId = fields.messageId ?? `${randomUUID()}@customer.example`
  const raw = await new MailComposer({ from: fields.from ?? 'Fay Faults <fay@customer.example>', to: 'support@example.com', subject: fields.subject, text: fields.body ?? 'Something broke.', messageId: `<${messageId}>`, date: new Date('2026-11-23T09:00:00Z') }).compile().build()
  return { raw, messageId }
}

/** Runs `task(i)` for i in 0..count-1, at most `concurrency` at once. */
export async function inParallel<T>(count: number, concurrency: number, task: (index: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count)
  let next = 0
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, async () => {
    while (next < count) {
      const index = next++
      results[index] = await task(index)
    }
  }))
  return results
}

const notificationBody = (deps: Dependencies, key: string, bytes: number) => JSON.stringify(s3ObjectCreatedNotification(deps.rawMail.bucket, key, bytes))

function oneMessageEvent(body: string): Parameters<ReturnType<typeof createMailReceivedHandler>>[0] {
  return sqsEventFrom('inbound', [{ id: randomUUID(), body, receiveCount: 1, sentAt: Date.now(), errors: [] }])
}

// --- 1. The same stored mail, notified again and again ------------------------------------------

export interface RedeliveryFigures {
  redeliveries: number
  concurrency: number
  articles: number
  failures: number
  ms: number
}

/** One stored mail, its S3 notification delivered `count` times at `concurrency` to the real mail-received handler. */
export async function redeliverOneMail(deps: Dependencies, count: number, concurrency: number): Promise<RedeliveryFigures> {
  const { raw, messageId } = await customerMail({ subject: 'delivered again and again' })
  const key = await storeRawMail(deps.rawMail, raw, { recipients: ['support@example.com'] })
  const handler = createMailReceivedHandler(deps)
  const body = notificationBody(deps, key, raw.length)
  const started = performance.now()
  const responses = await inParallel(count, concurrency, () => handler(oneMessageEvent(body), localLambdaContext('mail-received')))
  const ms = performance.now() - started
  const hits = await deps.tickets.findByMessageIds([messageId])
  return { redeliveries: count, concurrency, articles: hits.length, failures: responses.reduce((sum, response) => sum + response.batchItemFailures.length, 0), ms }
}

// --- 2. Workers killed at random points -----------------------------------------------------------

export interface KillFigures {
  runs: number
  lost: number
  duplicated: number
  /** Where the kill landed: before the worker claimed the message, while it held it, after it finished. */
  phases: Record<'before-claim' | 'in-flight' | 'in-flight-committed' | 'after-done', number>
  ms: number
}

const workerScript = fileURLToPath(new URL('./fault-worker.ts', import.meta.url))

function startWorker(settings: RuntimeSettings): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--no-warnings', workerScript, JSON.stringify(settings)], { stdio: ['ignore', 'pipe', 'inherit'] })
  return new Promise((resolve, reject) => {
    let output = ''
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      if (output.includes('ready')) resolve(child)
    })
    child.once('exit', (code) => reject(new Error(`fault worker exited (${code}) before it was ready`)))
  })
}

/**
 * `runs` times: a worker process (the real local queue worker and mail-received handler) gets a
 * new mail's notification and is SIGKILLed after a random delay in [0, maxDelayMs), or, every
 * fourth run, the moment its transaction has committed (before the message is deleted). Then the
 * queue does what SQS does after the visibility timeout: the message (if not deleted) is visible
 * again, and a fresh worker takes it. Afterwards the mail must be in exactly one article.
 */
export async function killWorkers(deps: Dependencies, runs: number, maxDelayMs: number, random: () => number): Promise<KillFigures> {
  const settings = deps.settings
  const inbound = new FsWorkQueue<unknown>(localQueueDir(settings, 'inbound'), 'inbound', { maxReceiveCount: 1000, retryDelayMs: () => 0 })
  await inbound.recoverInflight()
  const handler = createMailReceivedHandler(deps)
  const figures: KillFigures = { runs, lost: 0, duplicated: 0, phases: { 'before-claim': 0, 'in-flight': 0, 'in-flight-committed': 0, 'after-done': 0 }, ms: 0 }
  const started = performance.now()
  // The next worker starts while this run is checked: process start-up dominates a run.
  let spare = startWorker(settings)
  for (let run = 0; run < runs; run++) {
    const worker = await spare
    const { raw, messageId } = await customerMail({ subject: `kill run ${run}`, body: `run ${run} of the kill test` })
    const key = await storeRawMail(deps.rawMail, raw, { recipients: ['support@example.com'] })
    await inbound.sendBody(notificationBody(deps, key, raw.length))
    const identity = { bucket: deps.rawMail.bucket, objectKey: key, contentHash: mailContentHash(raw) }
    if (run % 4 === 3) {
      // Every fourth run aims at the riskiest moment: right after the transaction committed, before the message is deleted.
      const deadline = Date.now() + 10_000
      while (!(await deps.tickets.findIngest(identity)) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 2))
    } else {
      await new Promise((resolve) => setTimeout(resolve, random() * maxDelayMs))
    }
    worker.kill('SIGKILL')
    if (worker.exitCode === null && worker.signalCode === null) await once(worker, 'exit')
    if (run + 1 < runs) spare = startWorker(settings)
    const depth = await inbound.depth()
    const committed = (await deps.tickets.findIngest(identity)) !== undefined
    const phase = depth.ready > 0 ? 'before-claim' : depth.inflight > 0 ? (committed ? 'in-flight-committed' : 'in-flight') : 'after-done'
    figures.phases[phase]++
    // The visibility timeout has passed: what the dead worker held is visible again; a fresh worker drains the queue.
    await inbound.recoverInflight()
    await drain(inbound, async (messages) => (await handler(sqsEventFrom('inbound', messages), localLambdaContext('mail-received'))).batchItemFailures.map((failure) => failure.itemIdentifier))
    const articles = (await deps.tickets.findByMessageIds([messageId])).length
    if (articles === 0) figures.lost++
    if (articles > 1) figures.duplicated++
  }
  figures.ms = performance.now() - started
  return figures
}

/** Receives and handles until the queue is empty (failures retried at once, up to the queue's receive limit). */
async function drain(queue: FsWorkQueue<unknown>, handle: (messages: QueuedMessage[]) => Promise<string[]>): Promise<void> {
  for (;;) {
    const messages = await queue.receive(10)
    if (messages.length === 0) {
      const depth = await queue.depth()
      if (depth.ready === 0) return
      continue
    }
    const failed = new Set(await handle(messages))
    for (const message of messages) await (failed.has(message.id) ? queue.fail(message, 'failed') : queue.complete(message))
  }
}

// --- 3. A poison mail among nine good ones ------------------------------------------------------

export interface PoisonFigures {
  batch: number
  firstPassSucceeded: number
  firstPassFailed: number
  deadAfterReceives: number
  replayed: boolean
}

/**
 * Ten notifications in one batch, one of them for a raw mail that is not there: the handler
 * reports only that one (partial batch response), the local queue retries it and dead-letters it
 * after 5 receives; once the raw mail is there, the dead-letter replay (`docket mail replay`'s
 * loop) ingests it.
 */
export async function poisonInBatch(deps: Dependencies): Promise<PoisonFigures> {
  const queue = new FsWorkQueue<unknown>(join(deps.settings.dataDir, 'queues', `poison-${randomUUID()}`), 'inbound', { maxReceiveCount: 5, retryDelayMs: () => 0 })
  await queue.init()
  const handler = createMailReceivedHandler(deps)
  const poisonKey = `raw/2026/11/23/poison-${randomUUID()}.eml`
  const bodies: string[] = []
  for (let index = 0; index < 9; index++) {
    const { raw } = await customerMail({ subject: `batch neighbour ${index}` })
    bodies.push(notificationBody(deps, await storeRawMail(deps.rawMail, raw, { recipients: ['support@example.com'] }), raw.length))
  }
  bodies.splice(4, 0, notificationBody(deps, poisonKey, 100))
  for (const body of bodies) await queue.sendBody(body)
  const first = await queue.receive(10)
  const failed = (await handler(sqsEventFrom('inbound', first), localLambdaContext('mail-received'))).batchItemFailures.map((failure) => failure.itemIdentifier)
  for (const message of first) await (failed.includes(message.id) ? queue.fail(message, 'failed') : queue.complete(message))
  await drain(queue, async (messages) => (await handler(sqsEventFrom('inbound', messages), localLambdaContext('mail-received'))).batchItemFailures.map((failure) => failure.itemIdentifier))
  const dead = await queue.listDead()
  // The cause is fixed (the raw mail arrives); replay the dead letter as `docket mail replay` does.
  const { raw } = await customerMail({ subject: 'the poison, repaired' })
  await deps.rawMail.put(poisonKey, raw, { contentType: 'message/rfc822', metadata: { 'envelope-recipients': 'support@example.com' } })
  let replayed = dead.length === 1
  for (const letter of dead) {
    const response = await handler(sqsEventFrom('inbound', [{ ...letter, receiveCount: 1 }]), localLambdaContext('mail-received'))
    if (response.batchItemFailures.length === 0) await queue.removeDead(letter)
    else replayed = false
  }
  return { batch: first.length, firstPassSucceeded: first.length - failed.length, firstPassFailed: failed.length, deadAfterReceives: dead[0]?.receiveCount ?? 0, replayed: replayed && (await queue.listDead()).length === 0 }
}

// --- 4. A day of raw mail replayed twice ----------------------------------------------------------

export interface ReplayFigures {
  mails: number
  replays: number
  /** Tickets or articles created, or tickets changed, by the replays. */
  changes: number
  actions: Record<string, number>
}

async function snapshot(deps: Dependencies, numbers: string[]): Promise<Map<string, string>> {
  const entries = await inParallel(numbers.length, 16, async (index) => {
    const thread = await deps.tickets.getThread(numbers[index]!)
    return [numbers[index]!, `${thread?.ticket.version}:${thread?.articles.length}:${thread?.history.length}`] as const
  })
  return new Map(entries)
}

/**
 * A day of mail (`mails`, a tenth of them follow-ups) ingested, then the day replayed twice
 * through replayRawMail, the code of `docket mail replay --from DAY --to DAY`. Counts every
 * replay action that wrote something and every ticket whose version, articles or history moved.
 */
export async function replayDayTwice(deps: Dependencies, mails: number): Promise<ReplayFigures> {
  const day = new Date().toISOString().slice(0, 10)
  const numbers: string[] = []
  for (let index = 0; index < mails; index++) {
    const followUp = index % 10 === 9 && numbers.length > 0
    const { raw } = await customerMail({ subject: followUp ? `Re: [Ticket#${numbers[index % numbers.length]}] still broken` : `replay day mail ${index}`, body: `mail ${index}` })
    const outcome = await ingestStoredMail(deps, { bucket: deps.rawMail.bucket, key: await storeRawMail(deps.rawMail, raw, { recipients: ['support@example.com'] }) })
    if (outcome.action === 'created') numbers.push(outcome.ticketNumber!)
  }
  const before = await snapshot(deps, numbers)
  const countBefore = await countTickets(deps)
  const actions: Record<string, number> = {}
  for (let replay = 0; replay < 2; replay++) {
    for await (const result of replayRawMail(deps, { from: day, to: day }, false)) actions[result.action] = (actions[result.action] ?? 0) + 1
  }
  const after = await snapshot(deps, numbers)
  const moved = numbers.filter((number) => before.get(number) !== after.get(number)).length
  const written = Object.entries(actions).filter(([action]) => action !== 'duplicate').reduce((sum, [, count]) => sum + count, 0)
  return { mails, replays: 2, changes: moved + written + Math.abs((await countTickets(deps)) - countBefore), actions }
}

async function countTickets(deps: Dependencies): Promise<number> {
  const counts = await deps.tickets.countByQueue(deps.config.queues.map((queue) => queue.name))
  return Object.values(counts).flatMap((byState) => Object.values(byState)).reduce((sum, value) => sum + value, 0)
}

// --- 5. Parallel ticket creates -----------------------------------------------------------------

export async function parallelCreates(deps: Dependencies, count: number, concurrency: number): Promise<{ creates: number; duplicateNumbers: number; ms: number; numbers: string[] }> {
  const started = performance.now()
  const numbers = await inParallel(count, concurrency, async () => {
    const created = await createTicket(deps, (number, at) => ({
      ticket: newTicketRecord({ number, at, title: 'parallel create', queue: 'Raw', state: 'new', stateType: 'new' }),
      expectedVersion: null,
      newArticles: [],
      history: [historyEntry('NewTicket', 'system', at, 'fault test')],
      messageIds: [],
    }))
    return created.ticket.number
  })
  return { creates: count, duplicateNumbers: count - new Set(numbers).size, ms: performance.now() - started, numbers }
}

// --- 6. Scheduled jobs fired twice, at once -----------------------------------------------------

export interface JobFigures {
  ticketsPerKind: number
  firings: number
  remindersSent: number
  autoClosed: number
  junkRemoved: number
  junkPurged: number
  /** Effects beyond one per ticket: must be 0. */
  extraEffects: number
}

/**
 * `perKind` tickets each: pending reminder due, pending auto close+ due, Junk older than a day,
 * Junk removed 40 days ago. Every job is fired twice at once (two schedulers, or EventBridge
 * delivering twice) and once more a minute later; each ticket must show its effect exactly once.
 */
export async function jobsFiredTwice(deps: Dependencies, perKind: number): Promise<JobFigures> {
  const now = new Date()
  const at = (offsetMs: number) => new Date(now.getTime() + offsetMs)
  const make = (patch: Partial<Ticket> & { at: Date; queue: string; state: string; stateType: Ticket['stateType'] }) =>
    inParallel(perKind, 16, async () =>
      (await createTicket(deps, (number) => ({ ticket: newTicketRecord({ number, title: 'job fault test', ...patch }), expectedVersion: null, newArticles: [], history: [historyEntry('NewTicket', 'system', patch.at, 'fault test')], messageIds: [] }))).ticket.number,
    )
  const reminders = await make({ at: at(-86_400_000), queue: 'Support', state: 'pending reminder', stateType: 'pending reminder', pendingUntil: at(-3_600_000).toISOString(), owner: 'admin', lock: 'lock' })
  const autoClose = await make({ at: at(-86_400_000), queue: 'Support', state: 'pending auto close+', stateType: 'pending auto', pendingUntil: at(-3_600_000).toISOString() })
  const junk = await make({ at: at(-2 * 86_400_000), queue: 'Junk', state: 'new', stateType: 'new' })
  const purge = await make({ at: at(-60 * 86_400_000), queue: 'Junk', state: 'removed', stateType: 'removed', removedAt: at(-40 * 86_400_000).toISOString() })
  const fire = (job: string, time: Date) => runJob(deps, { job, time: time.toISOString(), dryRun: false })
  for (const job of ['pending', 'junk-cleanup', 'junk-purge']) {
    await Promise.all([fire(job, now), fire(job, now)])
    await fire(job, at(60_000))
  }
  const count = async (numbers: string[], matches: (thread: NonNullable<Awaited<ReturnType<Dependencies['tickets']['getThread']>>>) => number) =>
    (await inParallel(numbers.length, 16, async (index) => {
      const thread = await deps.tickets.getThread(numbers[index]!)
      return thread ? matches(thread) : 0
    })).reduce((sum, value) => sum + value, 0)
  const remindersSent = await count(reminders, (thread) => thread.history.filter((entry) => entry.type === 'SendAgentNotification' && /Pending reminder/.test(entry.message)).length)
  const autoClosed = await count(autoClose, (thread) => thread.history.filter((entry) => entry.type === 'StateUpdate').length)
  const junkRemoved = await count(junk, (thread) => thread.history.filter((entry) => entry.type === 'StateUpdate').length)
  const junkPurged = (await inParallel(purge.length, 16, async (index) => ((await deps.tickets.get(purge[index]!)) ? 0 : 1))).reduce((sum: number, value) => sum + value, 0)
  const extraEffects = Math.max(0, remindersSent - perKind) + Math.max(0, autoClosed - perKind) + Math.max(0, junkRemoved - perKind)
  return { ticketsPerKind: perKind, firings: 3, remindersSent, autoClosed, junkRemoved, junkPurged, extraEffects }
}
