import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { IngestOutcome } from '../../lib/mail/ingest-mail.ts'
import { renderArticleHtml } from '../../lib/mail/render-html.ts'
import type { Dependencies } from '../../lib/runtime/dependencies.ts'
import type { TicketThread } from '../../lib/ticket/model.ts'
import { ingestRaw, mail, testDependencies } from '../support/local-stack.ts'
import { hostileCases, isSafeFileName, type HostileCase, type HostileContext } from './hostile-mails.ts'

/**
 * Every hostile mail through the real ingest path (raw mail stored as the SMTP server stores it,
 * then mail-received's ingestStoredMail against DynamoDB Local and the filesystem blob store):
 * bounded time and memory per mail, the raw mail kept, and the expected safe outcome.
 */
setFlagsFromString('--expose-gc')
const collectGarbage = runInNewContext('gc') as () => void

/**
 * Per mail, parse + postmaster + store (450 attachment blobs included). The target is 2 s; the
 * bound leaves room for a 2-core machine shared with other test files.
 */
const maxMillisPerMail = 3000
/** Heap growth per case after a collection: nothing of a mail stays behind. */
const maxRetainedBytes = 64 * 1024 * 1024
/** Heap in use right after the case, before a collection: what one mail costs at most. */
const maxPeakBytes = 512 * 1024 * 1024
const maxHistoryChars = 8000

interface Row {
  name: string
  attack: string
  mails: number
  bytes: number
  maxMs: number
  peakMb: number
  retainedMb: number
  outcome: string
}

const rows: Row[] = []
const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10

describe('hostile mail corpus', () => {
  let deps: Dependencies
  let context: HostileContext

  async function ticketWithAutoResponse(from: string, subject: string): Promise<{ number: string; messageId: string }> {
    const outcome = await ingestRaw(deps, mail({ from, subject }), { recipients: ['support@example.com'] })
    const thread = (await deps.tickets.getThread(outcome.ticketNumber!))!
    const response = thread.articles.find((article) => article.transmission !== null)
    if (!response?.messageId) throw new Error('the Support queue should answer a new ticket (demo config)')
    return { number: outcome.ticketNumber!, messageId: response.messageId }
  }

  const autoRepliesOf = (thread: TicketThread) => thread.history.filter((entry) => entry.type === 'SendAutoReply').length
  /** Auto responses written for these mails: per ticket touched, its SendAutoReply entries now less before. */
  async function autoRepliesSince(outcomes: IngestOutcome[], before: Map<string, number>): Promise<number> {
    let total = 0
    for (const number of new Set(outcomes.map((outcome) => outcome.ticketNumber).filter((value): value is string => value !== null))) {
      total += autoRepliesOf((await deps.tickets.getThread(number))!) - (before.get(number) ?? 0)
    }
    return total
  }

  beforeAll(async () => {
    deps = await testDependencies()
    const victim = await ticketWithAutoResponse('victim@customer.example', 'my confidential problem')
    const storm = await ticketWithAutoResponse('gone@nowhere.example', 'soon undeliverable')
    context = { victimNumber: victim.number, victimCustomer: 'victim@customer.example', ourMessageId: victim.messageId, fqdn: deps.config.system.fqdn, stormNumber: storm.number, stormMessageId: storm.messageId }
  })

  afterAll(() => {
    const line = (cells: string[]) => `| ${cells.join(' | ')} |`
    console.log(
      [
        `hostile mail corpus: ${rows.length} cases, ${rows.reduce((sum, row) => sum + row.mails, 0)} mails, slowest mail ${Math.max(...rows.map((row) => row.maxMs))} ms, largest peak ${Math.max(...rows.map((row) => row.peakMb))} MB`,
        line(['case', 'attack', 'mails', 'bytes', 'max ms', 'peak MB', 'retained MB', 'outcome']),
        line(['---', '---', '---:', '---:', '---:', '---:', '---:', '---']),
        ...rows.map((row) => line([row.name, row.attack, String(row.mails), String(row.bytes), String(row.maxMs), String(row.peakMb), String(row.retainedMb), row.outcome])),
      ].join('\n'),
    )
  })

  it('has at least 40 cases, each named once', () => {
    expect(hostileCases.length).toBeGreaterThanOrEqual(40)
    expect(new Set(hostileCases.map((entry) => entry.name)).size).toBe(hostileCases.length)
  })

  it.each(hostileCases.map((entry) => [entry.name, entry] as const))('%s', async (_, hostile: HostileCase) => {
    const caseDeps = hostile.aws ? { ...deps, settings: { ...deps.settings, runtime: 'aws' as const } } : deps
    const { expected } = hostile
    const victimBefore = expected.victimUntouched ? (await deps.tickets.getThread(context.victimNumber))! : undefined
    const autoRepliesBefore = new Map(await Promise.all([context.victimNumber, context.stormNumber].map(async (number) => [number, autoRepliesOf((await deps.tickets.getThread(number))!)] as const)))
    const count = hostile.repeat ?? 1
    collectGarbage()
    const heapBefore = process.memoryUsage().heapUsed
    let peak = 0
    let maxMs = 0
    let bytes = 0
    const outcomes: (IngestOutcome & { key: string; raw: Buffer })[] = []
    for (let index = 0; index < count; index++) {
      const raw = hostile.rawAt && count > 1 ? hostile.rawAt(context, index) : hostile.raw(context)
      bytes = Math.max(bytes, raw.length)
      const started = performance.now()
      const outcome = await ingestRaw(caseDeps, raw, hostile.envelope ?? { recipients: ['support@example.com'] })
      maxMs = Math.max(maxMs, Math.round(performance.now() - started))
      peak = Math.max(peak, process.memoryUsage().heapUsed - heapBefore)
      outcomes.push({ ...outcome, raw })
    }
    collectGarbage()
    const retained = process.memoryUsage().heapUsed - heapBefore
    const last = outcomes.at(-1)!
    const thread = last.ticketNumber ? await deps.tickets.getThread(last.ticketNumber) : undefined
    rows.push({ name: hostile.name, attack: hostile.attack, mails: count, bytes, maxMs, peakMb: mb(peak), retainedMb: mb(Math.max(0, retained)), outcome: summarize(last, thread) })

    expect(maxMs, 'time per mail').toBeLessThan(hostile.maxMs ?? maxMillisPerMail)
    expect(retained, 'heap retained').toBeLessThan(maxRetainedBytes)
    expect(peak, 'heap peak').toBeLessThan(maxPeakBytes)
    for (const outcome of outcomes.slice(-3)) expect((await deps.rawMail.get(outcome.key)).equals(outcome.raw), 'the raw mail is kept as received').toBe(true)

    if (expected.action) expect(last.action).toBe(expected.action)
    expect(thread, 'a ticket holds the mail').toBeDefined()
    const article = thread!.articles.find((candidate) => candidate.id === last.articleId)
    expect(article, 'the article of the mail').toBeDefined()

    // What holds for every mail, hostile or not.
    expect(article!.rawBlobKey).toBe(last.key)
    expect(article!.subject).not.toMatch(/[\r\n\u0000]/)
    expect(article!.subject.length).toBeLessThanOrEqual(3800)
    expect(article!.from).not.toMatch(/[\r\n]/)
    expect(thread!.ticket.title).not.toMatch(/[\r\n]/)
    // No control, bidi formatting characters or lone surrogates in what agents read as one line (issue 13.9).
    for (const line of [thread!.ticket.title, article!.subject, article!.from]) {
      expect(line, 'shown as one plain line').not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/)
      expect(line, 'no lone surrogates').not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/)
    }
    expect(thread!.ticket.title.length).toBeLessThanOrEqual(255)
    for (const file of article!.attachments) expect(isSafeFileName(file.name), `safe file name: ${JSON.stringify(file.name)}`).toBe(true)
    for (const file of article!.attachments) expect(file.blobKey).toMatch(/^mail\/[0-9a-f]{64}\/part-\d+$/)
    for (const entry of thread!.history) expect(entry.message.length, 'history lines are bounded').toBeLessThanOrEqual(maxHistoryChars)
    expect(article!.bodyText).not.toContain('\u0000')
    for (const id of [article!.messageId, article!.inReplyTo, ...article!.references]) if (id) expect(id, 'Message-IDs go back out in replies').toMatch(/^[^\s<>\u0000-\u001f]{1,998}$/)
    if (article!.htmlBlobKey) {
      // What an agent's viewer gets (GET …/articles/{id}/html): sanitized, in bounded time.
      const started = performance.now()
      const rendered = await renderArticleHtml((await deps.attachments.get(article!.htmlBlobKey)).toString('utf8'), article!.attachments, (file) => deps.attachments.get(file.blobKey))
      expect(performance.now() - started, 'time to render the HTML').toBeLessThan(hostile.maxMs ?? maxMillisPerMail)
      expect(rendered.html).not.toMatch(/<(script|iframe|svg|meta|object|embed|style|base|form)\b|\son\w+\s*=|javascript:/i)
    }

    if (expected.queue) expect(thread!.ticket.queue).toBe(expected.queue)
    if (expected.state) expect(thread!.ticket.state).toBe(expected.state)
    if (expected.priority !== undefined) expect(thread!.ticket.priority).toBe(expected.priority)
    if (expected.owner !== undefined) expect(thread!.ticket.owner).toBe(expected.owner)
    if (expected.customer !== undefined) expect(thread!.ticket.customer).toMatch(expected.customer)
    if (expected.subject) expect(article!.subject).toMatch(expected.subject)
    if (expected.text) expect(article!.bodyText).toMatch(expected.text)
    if (expected.limitExceeded) expect(article!.notes.join(' ')).toMatch(expected.limitExceeded)
    if (expected.note) expect(article!.notes.join(' ')).toMatch(expected.note)
    if (expected.attachmentCount !== undefined) expect(article!.attachments).toHaveLength(expected.attachmentCount)
    if (expected.attachmentNames) expect(article!.attachments.map((file) => file.name)).toEqual(expected.attachmentNames)
    const autoReplies = await autoRepliesSince(outcomes, autoRepliesBefore)
    if (expected.autoResponse !== undefined) expect(autoReplies > 0, 'auto response sent').toBe(expected.autoResponse)
    if (expected.linkedToVictim) expect(thread!.links.map((link) => link.ticketNumber)).toContain(context.victimNumber)
    if (expected.victimUntouched) {
      const victimAfter = (await deps.tickets.getThread(context.victimNumber))!
      expect(victimAfter.ticket.version, 'the victim ticket is not changed').toBe(victimBefore!.ticket.version)
      expect(victimAfter.articles).toHaveLength(victimBefore!.articles.length)
      expect(thread!.ticket.number).not.toBe(context.victimNumber)
    }
    if (expected.victimParticipants) expect((await deps.tickets.get(context.victimNumber))!.participants).toEqual(expected.victimParticipants)
    if (expected.autoResponseTo) {
      const responses = thread!.articles.filter((candidate) => candidate.sender === 'system' && candidate.transmission !== null)
      expect(responses.map((response) => response.transmission!.recipients)).toEqual([expected.autoResponseTo])
    }
    for (const address of expected.undeliverable ?? []) expect((await deps.mailState.addressStatus(address))?.undeliverable, `${address} undeliverable`).toBe(true)
    for (const address of expected.stillDeliverable ?? []) expect((await deps.mailState.addressStatus(address))?.undeliverable ?? false, `${address} deliverable`).toBe(false)

    if (hostile.name === 'auto-responder-ping-pong') {
      // Every mail is ingested; the per-address cap stops the ping-pong.
      expect(new Set(outcomes.map((outcome) => outcome.ticketNumber)).size).toBe(count)
      expect(autoReplies).toBe(deps.config.mail.autoResponseLimits.perAddressPerDay)
    }
    if (hostile.name === 'bounce-storm') {
      const storm = (await deps.tickets.getThread(context.stormNumber))!
      expect(outcomes.every((outcome) => outcome.ticketNumber === context.stormNumber)).toBe(true)
      expect(storm.ticket.state, 'a bounce changes no state').toBe('new')
      expect(storm.articles.filter((candidate) => candidate.transmission !== null)).toHaveLength(1)
    }
  })
})

function summarize(outcome: IngestOutcome, thread: TicketThread | undefined): string {
  if (!thread) return outcome.action
  const article = thread.articles.find((candidate) => candidate.id === outcome.articleId)
  const parts = [`${outcome.action} → ${thread.ticket.queue}/${thread.ticket.state}`]
  if (thread.links.length > 0) parts.push(`linked to ${thread.links.map((link) => link.ticketNumber).join(',')}`)
  if (article?.attachments.length) parts.push(`${article.attachments.length} files`)
  if (article?.notes.some((note) => note.startsWith('Not parsed in full'))) parts.push('limit: headers only')
  return parts.join(', ')
}
