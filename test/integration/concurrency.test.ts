import { beforeAll, describe, expect, it } from 'vitest'
import { ingestStoredMail } from '../../lib/mail/ingest-mail.ts'
import { storeRawMail } from '../../lib/local/smtp-inbound.ts'
import { buildDependencies, type Dependencies } from '../../lib/runtime/dependencies.ts'
import { createLogger } from '../../lib/platform/logger.ts'
import { inParallel, parallelCreates } from '../support/fault-runs.ts'
import { mail, testDependencies } from '../support/local-stack.ts'

describe('concurrency through DynamoDB Local', () => {
  let deps: Dependencies
  beforeAll(async () => {
    deps = await testDependencies()
  })

  it('ticket numbers are consecutive within a day, also across a restart; 1,000 parallel creates: 0 duplicates (npm run bench -- faults does 10,000)', async () => {
    const fresh = await testDependencies()
    const counters = (numbers: string[]) => numbers.map((number) => Number(number.slice(10))).sort((a, b) => a - b)
    const first = await parallelCreates(fresh, 1_000, 50)
    expect(first).toMatchObject({ creates: 1_000, duplicateNumbers: 0 })
    expect(counters(first.numbers)).toEqual(Array.from({ length: 1_000 }, (_, index) => index + 1))
    // A restart is a new process: new dependencies on the same table. Its first ticket takes the next number.
    const restarted = await buildDependencies(fresh.settings, { config: fresh.config, logger: createLogger('ERROR') })
    const after = await parallelCreates(restarted, 3, 3)
    expect(counters(after.numbers)).toEqual([1_001, 1_002, 1_003])
    console.log(`1,000 parallel creates (concurrency 50): ${Math.round(first.ms)} ms, ${Math.round(1_000_000 / first.ms)} creates/s`)
  }, 180_000)

  it('the same stored mail notified 200× at concurrency 50 makes one article', async () => {
    const key = await storeRawMail(deps.rawMail, Buffer.from(mail({ subject: 'delivered many times' })), { recipients: [] })
    const outcomes = await inParallel(200, 50, () => ingestStoredMail(deps, { bucket: deps.rawMail.bucket, key }))
    const created = outcomes.filter((outcome) => outcome.action === 'created')
    expect(created).toHaveLength(1)
    expect(outcomes.filter((outcome) => outcome.action === 'duplicate')).toHaveLength(199)
    expect(new Set(outcomes.map((outcome) => outcome.ticketNumber))).toEqual(new Set([created[0]!.ticketNumber]))
    const thread = await deps.tickets.getThread(created[0]!.ticketNumber!)
    expect(thread!.articles.filter((article) => article.sender === 'customer')).toHaveLength(1)
  }, 120_000)

  it('the same bytes stored twice under two keys (an MTA re-send) make one article', async () => {
    const raw = Buffer.from(mail({ subject: 'sent twice by the MTA' }))
    const first = await ingestStoredMail(deps, { bucket: deps.rawMail.bucket, key: await storeRawMail(deps.rawMail, raw, { recipients: [] }) })
    const second = await ingestStoredMail(deps, { bucket: deps.rawMail.bucket, key: await storeRawMail(deps.rawMail, Buffer.concat([Buffer.from('Received: from relay2.example.net\r\n'), raw]), { recipients: [] }) })
    expect(first.action).toBe('created')
    expect(second).toMatchObject({ action: 'duplicate', ticketNumber: first.ticketNumber })
  })

  it('different mails that reuse one Message-ID stay distinct', async () => {
    const first = await ingestStoredMail(deps, { bucket: deps.rawMail.bucket, key: await storeRawMail(deps.rawMail, Buffer.from(mail({ subject: 'alert 1', messageId: 'static-id@monitoring.example', body: 'disk full' })), { recipients: [] }) })
    const second = await ingestStoredMail(deps, { bucket: deps.rawMail.bucket, key: await storeRawMail(deps.rawMail, Buffer.from(mail({ subject: 'alert 2', messageId: 'static-id@monitoring.example', body: 'cpu hot' })), { recipients: [] }) })
    expect(first.action).toBe('created')
    expect(second.action).not.toBe('duplicate')
  })

  it('50 parallel follow-ups to one ticket: 50 articles, no lost update', async () => {
    const first = await ingestStoredMail(deps, { bucket: deps.rawMail.bucket, key: await storeRawMail(deps.rawMail, Buffer.from(mail({ subject: 'busy ticket' })), { recipients: [] }) })
    const number = first.ticketNumber!
    await inParallel(50, 50, async (index) => {
      const key = await storeRawMail(deps.rawMail, Buffer.from(mail({ subject: `Re: [Ticket#${number}] busy ticket`, body: `follow-up ${index}` })), { recipients: [] })
      return ingestStoredMail(deps, { bucket: deps.rawMail.bucket, key })
    })
    const thread = await deps.tickets.getThread(number)
    expect(thread!.articles.filter((article) => article.sender === 'customer')).toHaveLength(51)
    expect(thread!.ticket.articleCount).toBe(thread!.articles.length)
  }, 120_000)
})
