import { spawnSync } from 'node:child_process'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { s3ObjectCreatedNotification } from '../../lib/local/aws-events.ts'
import { storeRawMail } from '../../lib/local/smtp-inbound.ts'
import { FsWorkQueue } from '../../lib/queue/adapters/fs-work-queue.ts'
import { localQueueDir } from '../../lib/runtime/dependencies.ts'
import { mailContentHash } from '../../lib/mail/mail-identity.ts'
import { mail, startTestRuntime, waitFor } from '../support/local-stack.ts'
import { patchTicket } from '../support/tickets.ts'

/** Nothing lost, nothing twice: retries, the dead-letter folder, replay, and dry runs. */
describe('failures, dead letters and replay (local runtime)', () => {
  let runtime: Awaited<ReturnType<typeof startTestRuntime>>
  const docket = (args: string[]) =>
    spawnSync(process.execPath, ['bin/docket.js', ...args], {
      encoding: 'utf8',
      timeout: 120_000,
      env: {
        ...process.env,
        DOCKET_DATA_DIR: runtime.deps.settings.dataDir,
        DOCKET_DYNAMODB_ENDPOINT: runtime.deps.settings.dynamodbEndpoint!,
        DOCKET_TABLE_NAME: runtime.deps.settings.tableName,
        DOCKET_LOG_LEVEL: 'ERROR',
      },
    })
  const lines = (stdout: string) => stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>)
  const ticketCount = async () => (await runtime.deps.tickets.listTickets({ queues: runtime.deps.config.queues.map((queue) => queue.name), stateTypes: ['new', 'open'], order: 'asc', limit: 500 })).items.length
  const today = new Date().toISOString().slice(0, 10)
  // Archived under today's date, like every stored mail: the day's replay and dry run below must find it.
  const poisonKey = `raw/${today.replaceAll('-', '/')}/missing-poison.eml`

  beforeAll(async () => {
    runtime = await startTestRuntime()
  })
  afterAll(() => runtime.cleanup())

  it('a poison message in a batch of 10: the 9 others are ingested, the poison is retried and dead-lettered', async () => {
    const keys = []
    for (let index = 0; index < 9; index++) keys.push(await storeRawMail(runtime.deps.rawMail, Buffer.from(mail({ subject: `batch mail ${index}` })), { recipients: ['support@example.com'] }))
    keys.splice(4, 0, poisonKey)
    for (const key of keys) await runtime.inbound.sendBody(JSON.stringify(s3ObjectCreatedNotification(runtime.deps.rawMail.bucket, key, 100)))
    await waitFor(async () => ((await ticketCount()) === 9 ? true : undefined), 'the nine good mails')
    const dead = await waitFor(async () => {
      const letters = await runtime.inbound.listDead()
      return letters.length === 1 ? letters : undefined
    }, 'the poison message in the dead-letter folder')
    expect(dead[0]!.receiveCount).toBe(5)
    expect(dead[0]!.errors.at(-1)).toContain('missing-poison.eml was not found')
  })

  it('docket mail replay re-runs the dead letter once its cause is fixed', async () => {
    await runtime.deps.rawMail.put(poisonKey, mail({ subject: 'the poison, repaired' }), { contentType: 'message/rfc822', metadata: { 'envelope-recipients': 'support@example.com' } })
    const result = docket(['mail', 'replay'])
    expect(result.status, result.stderr).toBe(0)
    expect(lines(result.stdout).at(-1)).toMatchObject({ summary: true, deadLetters: 1, replayed: 1, failed: 0 })
    expect(await new FsWorkQueue(localQueueDir(runtime.deps.settings, 'inbound'), 'inbound', { maxReceiveCount: 5 }).listDead()).toEqual([])
    expect(await ticketCount()).toBe(10)
  })

  it('replaying a day of archived raw mail twice changes nothing', async () => {
    const before = await ticketCount()
    for (let round = 0; round < 2; round++) {
      const result = docket(['mail', 'replay', '--from', today, '--to', today])
      expect(result.status, result.stderr).toBe(0)
      const summary = lines(result.stdout).at(-1)!
      expect(summary.created ?? 0).toBe(0)
      expect(summary.followup ?? 0).toBe(0)
      expect(summary.duplicate).toBeGreaterThanOrEqual(9)
    }
    expect(await ticketCount()).toBe(before)
  })

  it('mail ingest --dry-run shows what the filters would do and writes nothing', async () => {
    const before = await ticketCount()
    const file = join(runtime.deps.settings.dataDir, 'preview.eml')
    await (await import('node:fs/promises')).writeFile(file, mail({ subject: 'what would happen?', to: 'sales@example.com' }))
    const result = docket(['mail', 'ingest', '--dry-run', file])
    expect(result.status, result.stderr).toBe(0)
    expect(lines(result.stdout)[0]).toMatchObject({ action: 'created', ticketNumber: null, queue: 'Sales', state: 'new', priority: 3, title: 'what would happen?', dryRun: true })
    expect(await ticketCount()).toBe(before)
  })

  it('a dry run over archived mail: what would the current filters have done that day?', async () => {
    const result = docket(['mail', 'ingest', '--dry-run', '--from', today, '--to', today])
    expect(result.status, result.stderr).toBe(0)
    const summary = lines(result.stdout).at(-1)!
    expect(summary).toMatchObject({ summary: true, dryRun: true })
    // Everything of that day is ingested already: the preview says so instead of planning it twice.
    expect(summary.duplicate).toBeGreaterThanOrEqual(10)
  })

  it('a customer follow-up notifies the ticket owner', async () => {
    const deliver = async (raw: string) => {
      const key = await storeRawMail(runtime.deps.rawMail, Buffer.from(raw), { recipients: ['support@example.com'] })
      await runtime.inbound.sendBody(JSON.stringify(s3ObjectCreatedNotification(runtime.deps.rawMail.bucket, key, raw.length)))
      return key
    }
    const first = mail({ from: 'olga@customer.example', subject: 'owner notification' })
    const key = await deliver(first)
    const identity = { bucket: runtime.deps.rawMail.bucket, objectKey: key, contentHash: mailContentHash(Buffer.from(first)) }
    const number = await waitFor(async () => (await runtime.deps.tickets.findIngest(identity))?.ticketNumber ?? undefined, 'the ticket')
    await patchTicket(runtime.deps.tickets, number, { owner: 'admin' })
    await deliver(mail({ from: 'olga@customer.example', subject: `Re: [Ticket#${number}] owner notification`, body: 'any news?' }))
    const outbox = join(runtime.deps.settings.dataDir, 'outbox')
    const notification = await waitFor(async () => {
      for (const file of (await readdir(outbox).catch(() => [])).filter((name) => name.endsWith('.eml'))) {
        const text = await readFile(join(outbox, file), 'utf8')
        if (text.includes('Ticket Follow-Up') && text.includes(number)) return text
      }
      return undefined
    }, 'the follow-up notification')
    expect(notification).toMatch(/^To: Admin Agent <admin@example\.com>/m)
    expect(notification).toContain('any news?')
  })
})
