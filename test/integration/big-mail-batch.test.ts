import { spawn } from 'node:child_process'
import { randomBytes, randomUUID } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'
import { createMailReceivedHandler } from '../../functions/mail-received.ts'
import { s3ObjectCreatedNotification, sqsEventFrom } from '../../lib/local/aws-events.ts'
import { storeRawMail } from '../../lib/local/smtp-inbound.ts'
import { localLambdaContext } from '../../lib/local/start-local.ts'
import { mailIngestTimeMs } from '../../lib/mail/receive-mail-notification.ts'
import { createLogger } from '../../lib/platform/logger.ts'
import type { Dependencies } from '../../lib/runtime/dependencies.ts'
import { mail, testDependencies, testSettings } from '../support/local-stack.ts'

/**
 * Issue 15.5: mail-received gets up to 10 mails per SQS batch at 512 MB. Parsed all at once,
 * a few 30 MB mails (SES takes up to 40 MB) ran the function out of memory, failing the whole
 * batch, small mails included. Through the real handler in a fresh process (as Lambda runs it),
 * with the local stack: big mails take turns, the small ones still go, each failure is its own.
 */

const workerScript = fileURLToPath(new URL('../support/big-mail-worker.ts', import.meta.url))
const bigMailCount = 4
const attachmentBytes = 22 * 1024 * 1024
/** mail-received's memory (infra/constructs/docket-functions.ts: the default). */
const functionMemoryMb = 512

/** A mail of ~30 MB: a short text and a 22 MB attachment (base64, 76-character lines). */
function bigMail(index: number, attachment: Buffer): Buffer {
  const boundary = `b-${randomUUID()}`
  const head = [
    'From: Ann Customer <ann@customer.example>',
    'To: support@example.com',
    `Subject: Scan ${index} of the contract`,
    `Message-ID: <big-${index}-${randomUUID()}@customer.example>`,
    'Date: Mon, 23 Nov 2026 09:00:00 +0000',
    'MIME-Version: 1.0',
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    `Please find scan ${index} attached.`,
    `--${boundary}`,
    `Content-Type: application/pdf; name="scan-${index}.pdf"`,
    `Content-Disposition: attachment; filename="scan-${index}.pdf"`,
    'Content-Transfer-Encoding: base64',
    '',
    '',
  ].join('\r\n')
  return Buffer.concat([Buffer.from(head), attachment, Buffer.from(`\r\n--${boundary}--\r\n`)])
}

/** The attachment's base64 with CRLF every 76 characters, built once for all the big mails. */
function base64Lines(content: Buffer): Buffer {
  const base64 = Buffer.from(content.toString('base64'))
  const lines = Math.ceil(base64.length / 76)
  const out = Buffer.alloc(base64.length + lines * 2)
  for (let line = 0, at = 0; line < lines; line++) {
    at += base64.copy(out, at, line * 76, Math.min(base64.length, (line + 1) * 76))
    out[at++] = 0x0d
    out[at++] = 0x0a
  }
  return out
}

interface WorkerReport {
  response: { batchItemFailures: { itemIdentifier: string }[] }
  ms: number
  baselineRssMb: number
  peakRssMb: number
  rssGrowthMb: number
  heapAndBuffersGrowthMb: number
}

function runWorker(settings: unknown, eventFile: string): Promise<WorkerReport> {
  // The heap capped as in a 512 MB Lambda function (the Node.js runtime's bootstrap sets --max-old-space-size to ~90 % of the memory).
  const child = spawn(process.execPath, ['--no-warnings', `--max-old-space-size=${Math.floor(functionMemoryMb * 0.9)}`, workerScript, JSON.stringify(settings), eventFile], { stdio: ['ignore', 'pipe', 'inherit'] })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(output.trim().split('\n').at(-1)!) as WorkerReport) : reject(new Error(`worker exited with ${code}: ${output}`))))
  })
}

describe('a batch of big mails', () => {
  let deps: Dependencies
  let settings: Awaited<ReturnType<typeof testSettings>>
  beforeAll(async () => {
    settings = await testSettings({ logLevel: 'SILENT' })
    deps = await testDependencies(settings, { logger: createLogger('SILENT') })
  })

  it(`${bigMailCount} mails of 30 MB, small mails and a poison message in one SQS batch: all mails ingested within a 512 MB function, only the poison fails`, async () => {
    const attachment = base64Lines(randomBytes(attachmentBytes))
    const messages: { id: string; key: string; size: number }[] = []
    for (let index = 1; index <= bigMailCount; index++) {
      const raw = bigMail(index, attachment)
      messages.push({ id: `big-${index}`, key: await storeRawMail(deps.rawMail, raw, { recipients: ['support@example.com'] }), size: raw.length })
    }
    for (let index = 1; index <= 5; index++) {
      const raw = Buffer.from(mail({ subject: `small ${index}`, from: `small-${index}@customer.example` }))
      messages.push({ id: `small-${index}`, key: await storeRawMail(deps.rawMail, raw, { recipients: ['support@example.com'] }), size: raw.length })
    }
    messages.push({ id: 'poison', key: 'raw/2026/11/23/never-stored.eml', size: 1000 })
    // Big first, as a burst would bring them: a handler that takes records in order must not hold the small ones back behind them forever.
    const event = sqsEventFrom(
      'inbound',
      messages.map((message) => ({ id: message.id, body: JSON.stringify(s3ObjectCreatedNotification(deps.rawMail.bucket, message.key, message.size)), receiveCount: 1, sentAt: Date.now(), errors: [] })),
    )
    const eventFile = join(settings.dataDir, 'batch.json')
    await writeFile(eventFile, JSON.stringify(event))

    const report = await runWorker(settings, eventFile)
    console.log(`mail-received, ${bigMailCount} × ${(messages[0]!.size / 1024 / 1024).toFixed(1)} MB + 5 small + 1 poison in one batch: ${JSON.stringify(report)}`)

    expect(report.response).toEqual({ batchItemFailures: [{ itemIdentifier: 'poison' }] })
    // Every mail is a ticket: the big ones with their whole attachment, the small ones too.
    const big = (await deps.tickets.listByIndex([{ by: 'customer', email: 'ann@customer.example' }], { order: 'asc', limit: 50 })).items
    expect(big.map((ticket) => ticket.title).sort()).toEqual(Array.from({ length: bigMailCount }, (_, index) => `Scan ${index + 1} of the contract`))
    for (const ticket of big) {
      const attachments = (await deps.tickets.getThread(ticket.number))!.articles[0]!.attachments
      expect(attachments.map((file) => file.size)).toEqual([attachmentBytes])
    }
    for (let index = 1; index <= 5; index++) {
      expect((await deps.tickets.listByIndex([{ by: 'customer', email: `small-${index}@customer.example` }], { order: 'asc', limit: 5 })).items).toHaveLength(1)
    }
    // A 512 MB function: the node runtime and our modules take ~100 MB; the batch must leave room to spare.
    expect(report.peakRssMb).toBeLessThan(480)
    expect(report.rssGrowthMb).toBeLessThan(300)
  }, 240_000)

  it('a mail that the invocation cannot finish in time is not started: handed back to the queue, the others are ingested', async () => {
    const handler = createMailReceivedHandler(deps)
    // The sizes S3 reports: two of 30 MB (sent small here: only the reported size decides), three small.
    const entries = await Promise.all(
      ['late-1', 'late-2', 'quick-1', 'quick-2', 'quick-3'].map(async (id) => {
        const raw = Buffer.from(mail({ subject: `timing ${id}`, from: `${id}@customer.example` }))
        const key = await storeRawMail(deps.rawMail, raw, { recipients: ['support@example.com'] })
        return { id, key, size: id.startsWith('late') ? 30 * 1024 * 1024 : raw.length }
      }),
    )
    const event = (ids: string[]) =>
      sqsEventFrom(
        'inbound',
        entries.filter((entry) => ids.includes(entry.id)).map((entry) => ({ id: entry.id, body: JSON.stringify(s3ObjectCreatedNotification(deps.rawMail.bucket, entry.key, entry.size)), receiveCount: 1, sentAt: Date.now(), errors: [] })),
      )
    const remainingMs = mailIngestTimeMs(30 * 1024 * 1024) - 1000
    const shortOnTime = { ...localLambdaContext('mail-received'), getRemainingTimeInMillis: () => remainingMs }
    expect(await handler(event(entries.map((entry) => entry.id)), shortOnTime)).toEqual({ batchItemFailures: [{ itemIdentifier: 'late-1' }, { itemIdentifier: 'late-2' }] })
    const ticketsOf = async (id: string) => (await deps.tickets.listByIndex([{ by: 'customer', email: `${id}@customer.example` }], { order: 'asc', limit: 5 })).items
    for (const id of ['quick-1', 'quick-2', 'quick-3']) expect(await ticketsOf(id)).toHaveLength(1)
    for (const id of ['late-1', 'late-2']) expect(await ticketsOf(id)).toHaveLength(0)
    // The queue brings them back to an invocation with time enough.
    expect(await handler(event(['late-1', 'late-2']), localLambdaContext('mail-received'))).toEqual({ batchItemFailures: [] })
    for (const id of ['late-1', 'late-2']) expect(await ticketsOf(id)).toHaveLength(1)
  })
})
