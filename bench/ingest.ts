import { readdirSync, readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { PutCommand, ScanCommand, type DynamoDBDocumentClient, type ScanCommandOutput } from '@aws-sdk/lib-dynamodb'
import MailComposer from 'nodemailer/lib/mail-composer'
import { s3ObjectCreatedNotification } from '../lib/local/aws-events.ts'
import { storeRawMail } from '../lib/local/smtp-inbound.ts'
import { startDynamoDbLocal, type DynamoDbLocal } from '../lib/local/dynamodb-local.ts'
import { startLocalRuntime, type LocalRuntime } from '../lib/local/start-local.ts'
import { parseMail } from '../lib/mail/parse-mail.ts'
import { createLogger } from '../lib/platform/logger.ts'
import { readRuntimeSettings } from '../lib/platform/runtime-settings.ts'
import type { QueuedMessage } from '../lib/queue/adapters/fs-work-queue.ts'
import { createDocumentClient } from '../lib/store/dynamodb-client.ts'
import type { IngestRecord, TicketChange } from '../lib/ticket/ports.ts'
import { decodeS3Key } from '../schemas/events.ts'
import { now, percentile, pick, pool, round, seededRandom } from './support/benchmark.ts'
import { CpuProfiler } from './support/cpu-profile.ts'

/**
 * `npm run bench -- ingest`: 1,000 realistic mails through the local pipeline exactly as
 * `npm start` runs it: the whole runtime in-process (startLocalRuntime) with DynamoDB Local ON DISK
 * in a fresh temp data dir. Each mail takes the SMTP server's two steps (store the raw mail, queue
 * the S3 "object created" notification); the runtime's queue worker then runs the real
 * mail-received Lambda handler on it. Follow-ups (10 %) come in a second wave, once the tickets
 * they answer exist: half by "[Ticket#<number>]" in the subject, half by In-Reply-To/References.
 *
 * Also measured in the same run: parseMail alone over the same mails (one core) and the raw
 * PutItem rate of the same DynamoDB Local (2,000 × ~1 KB at concurrency 32).
 *
 * Flags:
 *   --profile    CPU-profile the two ingest waves only (inspector, the sampler of `node --cpu-prof`)
 *                and print the top self-time functions on stderr. Bottlenecks are named from a
 *                profile, not guessed. DynamoDB Local is a separate Java process, invisible to that
 *                profile: the "where the time went" block therefore also reports Node's CPU time
 *                (process.cpuUsage), event-loop utilisation, the Java process's and the whole
 *                machine's CPU time over the ingest (other processes skew the figures: it says how
 *                much they took), plus the per-call time of every store, blob and queue operation.
 *   --in-memory  diagnostic only: DynamoDB Local with -inMemory instead of on disk, to see what the
 *                disk costs. Not what `npm start` runs; the output says so.
 */

export const seed = 20261123
export const originalCount = 900
export const followUpCount = 100
export const mailCount = originalCount + followUpCount
const attachmentBytes = 100 * 1024
/** Concurrent "SMTP sessions" feeding the intake (store raw mail, queue the notification). */
const feedConcurrency = 16
const waveTimeoutMs = 90_000
const storeWriteCount = 2000
const storeWriteConcurrency = 32
const envelopeRecipients = ['support@example.com']
export const configPath = fileURLToPath(new URL('../docket.config.yaml', import.meta.url))

// ---------------------------------------------------------------------------------------------
// The mails

interface Person {
  name: string
  handle: string
}

const people: readonly Person[] = [
  { name: 'Ann Miller', handle: 'ann.miller' },
  { name: 'Jürgen Müller', handle: 'juergen.mueller' },
  { name: 'Zoë Ólafsdóttir', handle: 'zoe.olafsdottir' },
  { name: 'François Dubois', handle: 'f.dubois' },
  { name: 'Søren Kierkegård', handle: 'soren.k' },
  { name: '李伟', handle: 'li.wei' },
  { name: 'Анна Петрова', handle: 'anna.petrova' },
  { name: 'José Álvarez', handle: 'jose.alvarez' },
  { name: 'Małgorzata Wiśniewska', handle: 'm.wisniewska' },
  { name: 'Bob Smith', handle: 'bob' },
  { name: 'Priya Natarajan', handle: 'priya.n' },
  { name: '佐藤 健二', handle: 'kenji.sato' },
  { name: "O'Brien, Siobhán", handle: 'siobhan.obrien' },
  { name: 'Mehmet Yılmaz', handle: 'mehmet.yilmaz' },
  { name: 'Ngozi Okafor', handle: 'ngozi.okafor' },
  { name: 'Lars Ødegård', handle: 'lars.odegard' },
  { name: 'Chloé Martin', handle: 'chloe.martin' },
  { name: 'Dmitri Ivanov', handle: 'd.ivanov' },
  { name: 'Fatima Al-Sayed', handle: 'fatima.alsayed' },
  { name: 'Hannah Schmidt', handle: 'h.schmidt' },
  { name: 'Γιώργος Παπαδόπουλος', handle: 'g.papadopoulos' },
  { name: 'Tom Baker', handle: 'tom' },
]

const domains = ['customer.example', 'acme-corp.example', 'kunde.example', 'client.example', 'bigco.example', 'example.org']

const subjects = [
  'Printer on floor 3 does not print',
  'Invoice {n} shows the wrong amount',
  'Cannot log in since this morning',
  'Order {n} has not arrived',
  'VPN disconnects every 10 minutes',
  'Request: new laptop for our intern',
  'Password reset link expired',
  'Question about our contract renewal',
  'URGENT: shop checkout returns error 500',
  'Export to CSV is missing column "VAT"',
  'Drucker druckt nicht – bitte um Rückruf',
  'Rechnung {n}: falscher Betrag, bitte prüfen',
  'Problème de facturation sur la commande {n}',
  'Заказ {n} не пришёл',
  '注文 {n} についてのお問い合わせ',
  'Café-Maschine im 2. Stock kaputt ☕',
  'Ångström units in report {n} are wrong',
  'Zamówienie {n} – brak faktury',
]

const sentences = [
  'Since yesterday afternoon the problem occurs every time we try it.',
  'We already restarted the machine twice, but nothing changed.',
  'Could you please have a look at this as soon as possible?',
  'The error message says "unexpected token at position 42" and then the window closes.',
  'Our team in the Hamburg office is affected as well.',
  'I attached the details we have; please let me know if you need more information.',
  'This worked fine until the update last Tuesday.',
  'We are a customer since 2019 and never had such an issue before.',
  'The amount on the invoice is 1.234,56 € instead of 1.134,56 €.',
  'Bitte melden Sie sich kurz, sobald Sie mehr wissen.',
  'Merci de me recontacter rapidement, c’est assez urgent pour nous.',
  'Our customers cannot complete their orders, which costs us money every hour.',
  'Steps to reproduce: open the app, go to Settings, click Export, choose CSV.',
  'I tried Chrome, Firefox and Safari; the result is the same in all three.',
  'The tracking number is 00340434161234567890 but the status has not changed for a week.',
  'Is there a workaround we can use until this is fixed?',
  'We need this resolved before the end of the quarter.',
  'Ich habe es auch mit einem anderen Benutzerkonto versucht – gleiches Ergebnis.',
  'The log file shows a timeout after 30 seconds on every request.',
  'Thanks in advance for your help!',
]

const replyOpeners = [
  'Thank you for the quick answer.',
  'Unfortunately the problem is back.',
  'I tried what you suggested, and it did not help.',
  'Vielen Dank, das hat leider nicht funktioniert.',
  'Here is the additional information you asked for.',
  'It works again now, you can close the ticket.',
]

export interface GeneratedMail {
  index: number
  kind: 'original' | 'follow-up by subject' | 'follow-up by In-Reply-To'
  raw: Buffer
  messageId: string
  subject: string
  from: { name: string; address: string }
  text: string
  /** Follow-ups: the index of the original mail they answer. */
  answers?: number
}

function textOfSize(random: () => number, bytes: number, signer: string): string {
  const paragraphs: string[] = []
  let size = 0
  while (size < bytes) {
    const paragraph = Array.from({ length: 2 + Math.floor(random() * 4) }, () => pick(random, sentences)).join(' ')
    paragraphs.push(paragraph)
    size += Buffer.byteLength(paragraph) + 2
  }
  return `Hello,\n\n${paragraphs.join('\n\n')}\n\nBest regards,\n${signer}\n`
}

const escapeHtml = (text: string) => text.replace(/[&<>"]/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[char]!)

function htmlOf(text: string): string {
  const paragraphs = text.split('\n\n').map((paragraph) => `<p>${escapeHtml(paragraph).replace(/\n/g, '<br>')}</p>`)
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><style>p{font-family:Arial,sans-serif;font-size:11pt}</style></head><body>${paragraphs.join('\n')}</body></html>`
}

/** A PDF-looking blob of exactly `bytes` (binary, so it is base64 in the mail). */
function pdfLike(random: () => number, bytes: number): Buffer {
  const head = Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n3 0 obj\n<< /Length 102000 /Filter /FlateDecode >>\nstream\n', 'latin1')
  const tail = Buffer.from('\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n', 'latin1')
  const body = Buffer.alloc(bytes - head.length - tail.length)
  for (let index = 0; index < body.length; index++) body[index] = Math.floor(random() * 256)
  return Buffer.concat([head, body, tail])
}

const baseDate = Date.UTC(2026, 10, 23, 8, 0, 0)

async function compose(options: {
  index: number
  random: () => number
  from: { name: string; address: string }
  subject: string
  text: string
  messageId: string
  inReplyTo?: string
  references?: string[]
}): Promise<Buffer> {
  const { index, random } = options
  const html = random() < 0.3 // 30 % multipart/alternative with an HTML part
  const attachment = index % 20 === 7 // exactly 5 %
  const composer = new MailComposer({
    from: options.from,
    to: random() < 0.85 ? 'Example Support <support@example.com>' : 'sales@example.com',
    ...(random() < 0.1 ? { cc: `${pick(random, people).handle}@${pick(random, domains)}` } : {}),
    subject: options.subject,
    text: options.text,
    ...(html ? { html: htmlOf(options.text) } : {}),
    messageId: `<${options.messageId}>`,
    date: new Date(baseDate + index * 37_000),
    ...(options.inReplyTo ? { inReplyTo: `<${options.inReplyTo}>` } : {}),
    ...(options.references ? { references: options.references.map((id) => `<${id}>`) } : {}),
    headers: { 'X-Mailer': pick(random, ['Microsoft Outlook 16.0', 'Apple Mail (2.3774)', 'Thunderbird 128.4', 'Roundcube Webmail/1.6']) },
    attachments: attachment ? [{ filename: `Rechnung-${index}.pdf`, contentType: 'application/pdf', content: pdfLike(random, attachmentBytes) }] : [],
  })
  return composer.compile().build()
}

export async function generateOriginals(random: () => number): Promise<GeneratedMail[]> {
  const mails: GeneratedMail[] = []
  for (let index = 0; index < originalCount; index++) {
    const person = pick(random, people)
    // ~130 distinct customers, each writing several mails (customer items are shared).
    const from = { name: person.name, address: `${person.handle}${index % 6 || ''}@${pick(random, domains)}` }
    const subject = pick(random, subjects).replace('{n}', String(100000 + Math.floor(random() * 900000)))
    const text = textOfSize(random, 500 + Math.floor(random() * 4500), person.name)
    const messageId = `bench-${seed}-${index}@${from.address.split('@')[1]}`
    mails.push({ index, kind: 'original', messageId, subject, from, text, raw: await compose({ index, random, from, subject, text, messageId }) })
  }
  return mails
}

/** The second wave: answers to tickets of the first, by ticket number in the subject or by Message-ID. */
export async function generateFollowUps(random: () => number, originals: GeneratedMail[], ticketOf: (index: number) => string | undefined): Promise<GeneratedMail[]> {
  const mails: GeneratedMail[] = []
  for (let offset = 0; offset < followUpCount; offset++) {
    const index = originalCount + offset
    const original = originals[Math.floor(random() * originals.length)]!
    const bySubject = offset % 2 === 0
    const quoted = original.text.split('\n').slice(0, 12).map((line) => `> ${line}`).join('\n')
    const text = `${pick(random, replyOpeners)}\n\n${textOfSize(random, 300 + Math.floor(random() * 1200), original.from.name)}\n${quoted}\n`
    const prefix = pick(random, ['Re:', 'RE:', 'AW:', 'SV:'])
    const messageId = `bench-${seed}-${index}@${original.from.address.split('@')[1]}`
    const number = ticketOf(original.index)
    // A ticket whose original was not ingested cannot be answered by number; the check below counts it.
    const subject = bySubject && number ? `${prefix} [Ticket#${number}] ${original.subject}` : `${prefix} ${original.subject}`
    const threading = bySubject
      ? { inReplyTo: `reply-${index}@docket.example.com` } // an agent's reply we never stored: only the subject can match
      : { inReplyTo: original.messageId, ...(offset % 4 === 1 ? { references: [original.messageId] } : {}) }
    const raw = await compose({ index, random, from: original.from, subject, text, messageId, ...threading })
    mails.push({ index, kind: bySubject ? 'follow-up by subject' : 'follow-up by In-Reply-To', messageId, subject, from: original.from, text, answers: original.index, raw })
  }
  return mails
}

// ---------------------------------------------------------------------------------------------
// Watching the pipeline

interface Delivery {
  mail: GeneratedMail
  key: string
  enqueuedAt: number
  claimedAt?: number
  doneAt?: number
  action?: IngestRecord['action']
  ticketNumber?: string
  completions: number
}

class Stages {
  readonly calls = new Map<string, { count: number; totalMs: number; errors: number }>()
  add(name: string, ms: number, ok: boolean): void {
    const entry = this.calls.get(name) ?? { count: 0, totalMs: 0, errors: 0 }
    entry.count += 1
    entry.totalMs += ms
    if (!ok) entry.errors += 1
    this.calls.set(name, entry)
  }
}

/**
 * Wraps methods of a live adapter instance (the handler reaches the same instance through the
 * runtime's dependencies) to time each call and, on success, to observe its result. The wrapper is
 * a pass-through: one performance.now() before and after, no I/O.
 */
function instrument(target: object, label: string, names: readonly string[], stages: Stages, onSuccess: Record<string, (args: unknown[], result: unknown) => void> = {}): void {
  const methods = target as Record<string, unknown>
  for (const name of names) {
    const original = methods[name]
    if (typeof original !== 'function') throw new Error(`${label}.${name} is not a method`)
    methods[name] = async (...args: unknown[]) => {
      const started = now()
      try {
        const result: unknown = await (original as (...parameters: unknown[]) => Promise<unknown>).apply(target, args)
        stages.add(`${label}.${name}`, now() - started, true)
        onSuccess[name]?.(args, result)
        return result
      } catch (error) {
        stages.add(`${label}.${name}`, now() - started, false)
        throw error
      }
    }
  }
}

/** CPU time (ms) of a process from /proc (Linux; undefined elsewhere). */
function procCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100 // utime + stime, in USER_HZ (100)
  } catch {
    return undefined
  }
}

/** DynamoDB Local: the java child of this process. */
function javaChildPid(): number | undefined {
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
        const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
        if (comm === 'java' && ppid === process.pid) return Number(entry)
      } catch {
        // the process went away
      }
    }
  } catch {
    // no /proc
  }
  return undefined
}

/** Whole-machine CPU counters (ms): busy and iowait, summed over all cores. */
function machineCpuMs(): { busy: number; iowait: number; total: number } | undefined {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1, 9).map(Number)
    const [user, nice, system, idle, iowait, irq, softirq, steal] = fields as [number, number, number, number, number, number, number, number]
    const total = user + nice + system + idle + iowait + irq + softirq + steal
    return { busy: (total - idle - iowait) * 10, iowait: iowait * 10, total: total * 10 }
  } catch {
    return undefined
  }
}

interface CpuWindow {
  wallMs: number
  nodeCpuMs: number
  eventLoopUtilization: number
  javaCpuMs: number | undefined
  machineBusyMs: number | undefined
  machineIowaitMs: number | undefined
  machineTotalMs: number | undefined
}

function startCpuWindow(javaPid: number | undefined): () => CpuWindow {
  const wall = now()
  const cpu = process.cpuUsage()
  const elu = performance.eventLoopUtilization()
  const java = javaPid === undefined ? undefined : procCpuMs(javaPid)
  const machine = machineCpuMs()
  return () => {
    const used = process.cpuUsage(cpu)
    const javaNow = javaPid === undefined ? undefined : procCpuMs(javaPid)
    const machineNow = machineCpuMs()
    return {
      wallMs: now() - wall,
      nodeCpuMs: (used.user + used.system) / 1000,
      eventLoopUtilization: performance.eventLoopUtilization(elu).utilization,
      javaCpuMs: java === undefined || javaNow === undefined ? undefined : javaNow - java,
      machineBusyMs: machine && machineNow ? machineNow.busy - machine.busy : undefined,
      machineIowaitMs: machine && machineNow ? machineNow.iowait - machine.iowait : undefined,
      machineTotalMs: machine && machineNow ? machineNow.total - machine.total : undefined,
    }
  }
}

const sumWindows = (a: CpuWindow, b: CpuWindow): CpuWindow => {
  const add = (x: number | undefined, y: number | undefined) => (x === undefined || y === undefined ? undefined : x + y)
  return {
    wallMs: a.wallMs + b.wallMs,
    nodeCpuMs: a.nodeCpuMs + b.nodeCpuMs,
    eventLoopUtilization: (a.eventLoopUtilization * a.wallMs + b.eventLoopUtilization * b.wallMs) / (a.wallMs + b.wallMs),
    javaCpuMs: add(a.javaCpuMs, b.javaCpuMs),
    machineBusyMs: add(a.machineBusyMs, b.machineBusyMs),
    machineIowaitMs: add(a.machineIowaitMs, b.machineIowaitMs),
    machineTotalMs: add(a.machineTotalMs, b.machineTotalMs),
  }
}

// ---------------------------------------------------------------------------------------------
// Feeding and waiting

/**
 * How a mail's end is observed: tickets.save (the one TransactWrite that writes the article, the
 * ticket and the ingest record together) is wrapped, and its successful return stamps the mail's
 * raw key with performance.now(). That is the moment the ticket/article exists, measured in the
 * same process with no extra reads: polling findIngest would put a second reader on the same
 * DynamoDB Local the pipeline is waiting on. recordIngest (ignored/rejected mail) is observed too,
 * so such an outcome is reported instead of waited for.
 */
export class Tracker {
  readonly deliveries = new Map<string, Delivery>()
  private pending = 0
  private waiter: (() => void) | undefined

  enqueue(mail: GeneratedMail, key: string): void {
    this.deliveries.set(key, { mail, key, enqueuedAt: now(), completions: 0 })
    this.pending += 1
  }

  claimed(key: string): void {
    const delivery = this.deliveries.get(key)
    if (delivery && delivery.claimedAt === undefined) delivery.claimedAt = now()
  }

  done(key: string, action: IngestRecord['action'], ticketNumber: string | null): void {
    const delivery = this.deliveries.get(key)
    if (!delivery) return
    delivery.completions += 1
    if (delivery.completions > 1) return
    delivery.doneAt = now()
    delivery.action = action
    if (ticketNumber) delivery.ticketNumber = ticketNumber
    this.pending -= 1
    if (this.pending === 0) this.waiter?.()
  }

  /** Resolves when every enqueued mail is done, or when nothing is left in the queue to wait for. */
  async settle(runtime: LocalRuntime, timeoutMs: number): Promise<void> {
    const deadline = now() + timeoutMs
    while (this.pending > 0 && now() < deadline) {
      const allDone = new Promise<void>((resolve) => (this.waiter = resolve))
      await Promise.race([allDone, sleep(1000)])
      this.waiter = undefined
      if (this.pending === 0) return
      const depth = await runtime.inbound.depth()
      if (depth.ready + depth.inflight === 0) {
        await sleep(200) // the last batch may be between "claimed" and "saved"
        if ((await runtime.inbound.depth()).inflight === 0 && this.pending > 0) return
      }
    }
  }
}

export async function feedWave(runtime: LocalRuntime, tracker: Tracker, mails: GeneratedMail[]): Promise<number> {
  const startedAt = now()
  await pool(mails.length, feedConcurrency, async (index) => {
    const mail = mails[index]!
    // The SMTP server's two steps: store the raw mail (fsynced), then queue the notification.
    const key = await storeRawMail(runtime.deps.rawMail, mail.raw, { recipients: envelopeRecipients })
    tracker.enqueue(mail, key)
    await runtime.inbound.sendBody(JSON.stringify(s3ObjectCreatedNotification(runtime.deps.rawMail.bucket, key, mail.raw.length)))
  })
  return startedAt
}

// ---------------------------------------------------------------------------------------------
// The table

interface Inventory {
  total: number
  byEntity: Map<string, number>
  ingestByObject: Map<string, { action: string; ticketNumber: string | null }>
  /** Articles written from inbound mail (auto responses and other system articles are not). */
  customerArticles: number
}

async function inventory(documents: DynamoDBDocumentClient, tableName: string): Promise<Inventory> {
  // Select COUNT for the total; a projected scan for the breakdown and the ingest records.
  let total = 0
  let start: Record<string, unknown> | undefined
  do {
    const page = await documents.send(new ScanCommand({ TableName: tableName, Select: 'COUNT', ...(start ? { ExclusiveStartKey: start } : {}) }))
    total += page.Count ?? 0
    start = page.LastEvaluatedKey
  } while (start)
  const byEntity = new Map<string, number>()
  const ingestByObject = new Map<string, { action: string; ticketNumber: string | null }>()
  let customerArticles = 0
  do {
    const page: ScanCommandOutput = await documents.send(
      new ScanCommand({
        TableName: tableName,
        ProjectionExpression: '#pk, #entity, #action, #ticketNumber, #sender, #objectKey',
        ExpressionAttributeNames: { '#pk': 'pk', '#entity': 'entity', '#action': 'action', '#ticketNumber': 'ticketNumber', '#sender': 'sender', '#objectKey': 'objectKey' },
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    )
    for (const item of page.Items ?? []) {
      const entity = String(item.entity ?? '(none)')
      byEntity.set(entity, (byEntity.get(entity) ?? 0) + 1)
      if (entity === 'article' && item.sender === 'customer') customerArticles += 1
      // The ingest record is keyed by content and keeps the stored object's key.
      if (entity === 'ingest' && typeof item.objectKey === 'string') ingestByObject.set(item.objectKey, { action: String(item.action), ticketNumber: (item.ticketNumber as string | null) ?? null })
    }
    start = page.LastEvaluatedKey
  } while (start)
  return { total, byEntity, ingestByObject, customerArticles }
}

async function measureStoreWrites(documents: DynamoDBDocumentClient, tableName: string): Promise<number> {
  const payload = 'x'.repeat(900)
  const started = now()
  await pool(storeWriteCount, storeWriteConcurrency, async (index) => {
    await documents.send(
      new PutCommand({
        TableName: tableName,
        Item: { pk: `BENCH#${String(index).padStart(6, '0')}`, sk: 'BENCH', entity: 'bench', createdAt: new Date().toISOString(), payload },
      }),
    )
  })
  return storeWriteCount / ((now() - started) / 1000)
}

// ---------------------------------------------------------------------------------------------

/** `--profile` covers the two ingest waves only (see run.ts). */
export const profilesItself = true

export async function run(args: string[]): Promise<number> {
  const profiler = args.includes('--profile') ? new CpuProfiler() : undefined
  const inMemory = args.includes('--in-memory')
  const benchStarted = now()
  const failures: string[] = []
  const dataDir = await mkdtemp(join(tmpdir(), 'docket-bench-ingest-'))
  let runtime: LocalRuntime | undefined
  let memoryDatabase: DynamoDbLocal | undefined
  let documents: DynamoDBDocumentClient | undefined
  try {
    // As `npm start`, but on free ports and a fresh data dir; no DOCKET_DYNAMODB_ENDPOINT, so the
    // runtime launches DynamoDB Local on disk under the data dir. `--in-memory` is a diagnostic
    // (not what `npm start` does): DynamoDB Local -inMemory, to see what its disk costs.
    if (inMemory) memoryDatabase = await startDynamoDbLocal()
    const settings = readRuntimeSettings({
      ...(memoryDatabase ? { DOCKET_DYNAMODB_ENDPOINT: memoryDatabase.endpoint } : {}),
      DOCKET_CONFIG: configPath,
      DOCKET_DATA_DIR: dataDir,
      PORT: '0',
      SMTP_PORT: '0',
      DOCKET_LOG_LEVEL: 'ERROR',
      DOCKET_DEMO_PASSWORD: 'bench-Password-1!',
    })
    let phase = now()
    runtime = await startLocalRuntime(settings, { logger: createLogger('ERROR'), writeRuntimeFile: false })
    const startupMs = now() - phase
    const { tableName, dynamodbEndpoint } = runtime.deps.settings
    documents = createDocumentClient({ region: runtime.deps.settings.region, endpoint: dynamodbEndpoint })
    const before = await inventory(documents, tableName)

    phase = now()
    const random = seededRandom(seed)
    const originals = await generateOriginals(random)
    let generateMs = now() - phase

    // Observe the pipeline (see Tracker): commits, queue claims and per-call time of every adapter call.
    const tracker = new Tracker()
    const stages = new Stages()
    let writeOperations = 0
    const ticketOfMessageId = new Map<string, string>()
    instrument(runtime.deps.tickets, 'store', ['findIngest', 'get', 'findByMessageIds', 'reserveTicketCounters', 'save', 'recordIngest'], stages, {
      reserveTicketCounters: () => (writeOperations += 1),
      save: (args) => {
        const change = args[0] as TicketChange
        writeOperations += 1 + change.newArticles.length + (change.history.length > 0 ? 1 : 0) + change.messageIds.length + (change.ingest ? 1 : 0) + (change.customer ? 1 : 0) + (change.outboundMails?.length ?? 0)
        change.messageIds.forEach(({ messageId }) => ticketOfMessageId.set(messageId, change.ticket.number))
        if (change.ingest) tracker.done(change.ingest.identity.objectKey, change.ingest.record.action, change.ticket.number)
      },
      recordIngest: (args, result) => {
        const [identity, record] = args as [{ objectKey: string }, IngestRecord]
        if (result === true) tracker.done(identity.objectKey, record.action, record.ticketNumber)
      },
    })
    instrument(runtime.deps.rawMail, 'raw-mail', ['get', 'head'], stages)
    instrument(runtime.deps.attachments, 'attachments', ['put'], stages)
    instrument(runtime.inbound, 'queue', ['receive', 'complete', 'fail'], stages, {
      receive: (_args, result) => {
        for (const message of result as QueuedMessage[]) {
          const body = JSON.parse(message.body) as { Records?: { s3: { object: { key: string } } }[] }
          for (const record of body.Records ?? []) tracker.claimed(decodeS3Key(record.s3.object.key))
        }
      },
    })
    const javaPid = javaChildPid()

    // Wave 1: the originals, all fed at once by 16 concurrent "SMTP sessions".
    await profiler?.resume()
    let cpu = startCpuWindow(javaPid)
    const wave1Start = await feedWave(runtime, tracker, originals)
    const wave1FedMs = now() - wave1Start
    await tracker.settle(runtime, waveTimeoutMs)
    const wave1Cpu = cpu()
    await profiler?.pause()
    const wave1 = [...tracker.deliveries.values()]
    const wave1End = Math.max(...wave1.map((delivery) => delivery.doneAt ?? now()))

    // Wave 2: follow-ups to tickets of wave 1 (their numbers are known only now).
    phase = now()
    const ticketOfOriginal = new Map(wave1.filter((delivery) => delivery.ticketNumber).map((delivery) => [delivery.mail.index, delivery.ticketNumber!]))
    const followUps = await generateFollowUps(random, originals, (index) => ticketOfOriginal.get(index))
    generateMs += now() - phase
    await profiler?.resume()
    cpu = startCpuWindow(javaPid)
    const wave2Start = await feedWave(runtime, tracker, followUps)
    await tracker.settle(runtime, waveTimeoutMs)
    const wave2Cpu = cpu()
    await profiler?.pause()
    const deliveries = [...tracker.deliveries.values()]
    const wave2 = deliveries.filter((delivery) => delivery.mail.kind !== 'original')
    const wave2End = Math.max(...wave2.map((delivery) => delivery.doneAt ?? now()))

    const wallMs = wave1End - wave1Start + (wave2End - wave2Start)
    const done = deliveries.filter((delivery) => delivery.doneAt !== undefined)
    const latencies = done.map((delivery) => delivery.doneAt! - delivery.enqueuedAt)
    const queued = done.filter((delivery) => delivery.claimedAt !== undefined).map((delivery) => delivery.claimedAt! - delivery.enqueuedAt)
    const service = done.filter((delivery) => delivery.claimedAt !== undefined).map((delivery) => delivery.doneAt! - delivery.claimedAt!)
    const mailsPerSecond = done.length / (wallMs / 1000)
    const ingestCpu = sumWindows(wave1Cpu, wave2Cpu)

    // Exactly once, from both sides: what the pipeline reported, and what is in the table.
    const after = await inventory(documents, tableName)
    const dead = await runtime.inbound.listDead()
    const tableRecords = deliveries.map((delivery) => after.ingestByObject.get(delivery.key))
    const tableIngested = tableRecords.filter((record) => record?.action === 'created' || record?.action === 'followup').length
    const created = deliveries.filter((delivery) => delivery.action === 'created').length
    const followedUp = deliveries.filter((delivery) => delivery.action === 'followup').length
    const twice = deliveries.filter((delivery) => delivery.completions > 1).length
    const threadedRight = wave2.filter((delivery) => {
      const original = originals[delivery.mail.answers!]!
      return delivery.action === 'followup' && delivery.ticketNumber === ticketOfMessageId.get(original.messageId)
    }).length
    // Follow-ups that did not thread, with what the ticket they answer says about its customer.
    const unthreaded = await Promise.all(
      wave2
        .filter((delivery) => delivery.action !== 'followup' || delivery.ticketNumber !== ticketOfMessageId.get(originals[delivery.mail.answers!]!.messageId))
        .slice(0, 5)
        .map(async (delivery) => {
          const expected = ticketOfMessageId.get(originals[delivery.mail.answers!]!.messageId)
          const ticket = expected ? await runtime!.deps.tickets.get(expected) : undefined
          return `    #${delivery.mail.index} ${delivery.mail.kind} from ${delivery.mail.from.address} "${delivery.mail.subject}" → ${delivery.action ?? 'not ingested'} ${delivery.ticketNumber ?? ''}; expected ${expected ?? '?'} (customer ${ticket?.customer ?? '?'}, state ${ticket?.state ?? '?'})`
        }),
    )
    const byKind = (kind: GeneratedMail['kind']) => {
      const ofKind = wave2.filter((delivery) => delivery.mail.kind === kind)
      return `${ofKind.filter((delivery) => delivery.action === 'followup').length}/${ofKind.length}`
    }
    const articleDelta = after.customerArticles - before.customerArticles
    if (deliveries.length !== mailCount) failures.push(`${deliveries.length} of ${mailCount} mails were enqueued`)
    if (done.length !== mailCount) failures.push(`${mailCount - done.length} mails were not ingested within ${waveTimeoutMs / 1000} s`)
    if (created + followedUp !== mailCount) failures.push(`created + followup = ${created + followedUp}, expected ${mailCount}`)
    if (tableIngested !== mailCount) failures.push(`the table holds ${tableIngested} created/followup ingest records for the ${mailCount} mails`)
    if (articleDelta !== mailCount) failures.push(`${articleDelta} customer articles were written for ${mailCount} mails`)
    if (twice > 0) failures.push(`${twice} mails were committed more than once`)
    if (dead.length > 0) failures.push(`${dead.length} mails are in the dead-letter folder`)
    if (followedUp < 0.9 * followUpCount) failures.push(`only ${followedUp} of ${followUpCount} follow-ups were threaded (at least 90 % expected)`)

    const itemsDelta = after.total - before.total
    const itemsPerMail = itemsDelta / mailCount
    const entityDelta = [...after.byEntity]
      .map(([entity, count]) => ({ entity, count: count - (before.byEntity.get(entity) ?? 0) }))
      .filter((entry) => entry.count !== 0)
      .sort((a, b) => b.count - a.count)

    // parseMail alone, on one core, over the very same raw mails.
    const raws = deliveries.map((delivery) => delivery.mail.raw)
    phase = now()
    for (const raw of raws) await parseMail(raw)
    const parseOnlyMailsPerSecond = raws.length / ((now() - phase) / 1000)
    const rawBytes = raws.reduce((sum, raw) => sum + raw.length, 0)

    // The store's raw write rate: PutItem against the same on-disk DynamoDB Local.
    const storeWritesPerSecond = await measureStoreWrites(documents, tableName)

    // ----- report
    const ms = (value: number) => `${value.toFixed(0)} ms`
    const pct = (part: number, whole: number) => `${((100 * part) / whole).toFixed(0)} %`
    const lines = [
      `Docket ingest benchmark: 1,000 mails through the local pipeline (storeRawMail + queue → mail-received → DynamoDB Local ${inMemory ? 'IN MEMORY: --in-memory diagnostic, not the npm start setup' : 'on disk'})`,
      `  data set        ${mailCount} mails (${originalCount} originals, ${followUpCount} follow-ups: ${followUpCount / 2} by [Ticket#…] in the subject, ${followUpCount / 2} by In-Reply-To), ${(rawBytes / 1024 / 1024).toFixed(1)} MB raw, seed ${seed}`,
      `                  ${raws.filter((raw) => raw.includes('multipart/alternative')).length} multipart/alternative, ${raws.filter((raw) => raw.includes('application/pdf')).length} with a 100 KB PDF, ${raws.filter((raw) => raw.includes('=?UTF-8?')).length} with RFC 2047 encoded words`,
      `  throughput      ${mailsPerSecond.toFixed(1)} mails/s  (${done.length} mails in ${(wallMs / 1000).toFixed(1)} s; wave 1: ${wave1.length} in ${((wave1End - wave1Start) / 1000).toFixed(1)} s = ${(wave1.length / ((wave1End - wave1Start) / 1000)).toFixed(1)}/s, fed in ${ms(wave1FedMs)}; wave 2: ${wave2.length} in ${((wave2End - wave2Start) / 1000).toFixed(1)} s)`,
      `  latency         enqueue → ticket/article committed: p50 ${ms(percentile(latencies, 50))}, p95 ${ms(percentile(latencies, 95))}, p99 ${ms(percentile(latencies, 99))}, max ${ms(Math.max(...latencies))}`,
      `                  of which waiting in the queue: p50 ${ms(percentile(queued, 50))}, p95 ${ms(percentile(queued, 95))}; claimed → committed: p50 ${ms(percentile(service, 50))}, p95 ${ms(percentile(service, 95))}`,
      `                  (a whole wave is queued at once, so enqueue → committed is mostly queueing; claimed → committed is the per-mail service time in a batch of 10)`,
      `  outcome         ${created} created, ${followedUp} follow-ups (${created + followedUp}/${mailCount} ingested exactly once; table agrees: ${tableIngested}), dead letters ${dead.length}`,
      `                  follow-ups threaded: ${followedUp}/${followUpCount} (subject ${byKind('follow-up by subject')}, In-Reply-To ${byKind('follow-up by In-Reply-To')}), to the right ticket: ${threadedRight}`,
      ...(unthreaded.length > 0 ? ['                  not threaded (first 5):', ...unthreaded] : []),
      `  items per mail  ${itemsPerMail.toFixed(2)} DynamoDB items stored per mail (${itemsDelta} new items; Scan COUNT ${after.total})`,
      `                  ${entityDelta.map((entry) => `${entry.entity} ${(entry.count / mailCount).toFixed(2)}`).join(', ')}`,
      `                  write operations per mail incl. updates of the ticket and the day counter: ${(writeOperations / mailCount).toFixed(2)}`,
      `  parse only      ${parseOnlyMailsPerSecond.toFixed(0)} mails/s (parseMail, sequential, one core; ${((rawBytes / 1024 / 1024) / (raws.length / parseOnlyMailsPerSecond)).toFixed(1)} MB/s)`,
      `  store writes    ${storeWritesPerSecond.toFixed(0)} PutItem/s (${storeWriteCount} × ~1 KB, concurrency ${storeWriteConcurrency}, DynamoDB Local ${inMemory ? 'in memory' : 'on disk'}, the docket table with its 7 indexes and stream)`,
      `  OTRS 6          on this kind of machine: 1.33 mails/s piped, 4.3/s batch fetch, 6.3/s in-process; Docket target ≥ 100 mails/s → ${mailsPerSecond >= 100 ? 'met' : 'NOT met'}`,
      'Where the time went during ingest (DynamoDB Local is a separate Java process, not in a Node profile):',
      `  wall ${ms(ingestCpu.wallMs)}; Node process CPU ${ms(ingestCpu.nodeCpuMs)} (${pct(ingestCpu.nodeCpuMs, ingestCpu.wallMs)} of one core), event loop busy ${(100 * ingestCpu.eventLoopUtilization).toFixed(0)} %` +
        (ingestCpu.javaCpuMs === undefined ? '' : `; DynamoDB Local (java) CPU ${ms(ingestCpu.javaCpuMs)} (${pct(ingestCpu.javaCpuMs, ingestCpu.wallMs)} of one core)`),
      ...(ingestCpu.machineBusyMs !== undefined && ingestCpu.machineTotalMs !== undefined
        ? [
            `  machine: ${pct(ingestCpu.machineBusyMs, ingestCpu.machineTotalMs)} of all ${cpus().length} cores busy, ${pct(ingestCpu.machineIowaitMs ?? 0, ingestCpu.machineTotalMs)} iowait` +
              (ingestCpu.javaCpuMs === undefined ? '' : `; other processes: ${pct(Math.max(0, ingestCpu.machineBusyMs - ingestCpu.nodeCpuMs - ingestCpu.javaCpuMs), ingestCpu.wallMs)} of one core`),
          ]
        : []),
      '  per call (count, mean, sum over all calls; calls overlap, up to 10 mails are in flight):',
      ...[...stages.calls]
        .sort((a, b) => b[1].totalMs - a[1].totalMs)
        .map(([name, entry]) => `    ${name.padEnd(28)} ${String(entry.count).padStart(5)} × ${(entry.totalMs / entry.count).toFixed(1).padStart(6)} ms = ${(entry.totalMs / 1000).toFixed(1).padStart(6)} s${entry.errors ? `  (${entry.errors} failed/retried)` : ''}`),
      `  startup ${ms(startupMs)} (DynamoDB Local on disk, table, agents), mail generation ${ms(generateMs)}, whole benchmark ${((now() - benchStarted) / 1000).toFixed(1)} s`,
      ...failures.map((failure) => `FAILED: ${failure}`),
    ]
    await profiler?.report('ingest') // stderr, before the block: stdout's last line stays the JSON
    console.log(lines.join('\n'))
    console.log(
      JSON.stringify({
        mailsPerSecond: round(mailsPerSecond, 1),
        p50Ms: round(percentile(latencies, 50)),
        p95Ms: round(percentile(latencies, 95)),
        itemsPerMail: round(itemsPerMail, 2),
        parseOnlyMailsPerSecond: round(parseOnlyMailsPerSecond),
        storeWritesPerSecond: round(storeWritesPerSecond),
      }),
    )
    return failures.length === 0 ? 0 : 1
  } finally {
    documents?.destroy()
    await runtime?.stop()
    await memoryDatabase?.stop()
    await rm(dataDir, { recursive: true, force: true })
  }
}
