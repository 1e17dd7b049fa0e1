import { spawnSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { describe, expect, inject, it } from 'vitest'
import { findJob } from '../../lib/jobs/catalog.ts'
import { runJob } from '../../lib/jobs/run-job.ts'
import type { JobResult } from '../../lib/jobs/job.ts'
import { startScheduler } from '../../lib/local/scheduler.ts'
import { startQueueWorker } from '../../lib/local/queue-worker.ts'
import { sqsEventFrom } from '../../lib/local/aws-events.ts'
import type { FsWorkQueue } from '../../lib/queue/adapters/fs-work-queue.ts'
import { createJobsHandler } from '../../functions/jobs.ts'
import { jobsMaxReceiveCount, type ScheduledJobEvent } from '../../schemas/jobs.ts'
import type { SQSBatchResponse } from 'aws-lambda'
import { localLambdaContext } from '../../lib/local/start-local.ts'
import { createLogger } from '../../lib/platform/logger.ts'
import type { Clock } from '../../lib/platform/clock.ts'
import type { Dependencies } from '../../lib/runtime/dependencies.ts'
import type { Ticket } from '../../lib/ticket/model.ts'
import { ingestRaw, mail, testDependencies, testDependenciesWithConfig } from '../support/local-stack.ts'
import { patchTicket } from '../support/tickets.ts'

/** Issue 5: timed jobs, exactly once, with an injected clock, through the real local store. */
function movableClock(iso: string): Clock & { set(iso: string): void } {
  let current = new Date(iso)
  return { now: () => current, set: (next) => (current = new Date(next)) }
}

const run = (deps: Dependencies, name: string, now: string, dryRun = false): Promise<JobResult> => runJob(deps, { job: name, time: new Date(now).toISOString(), dryRun })
const setTicket = (deps: Dependencies, number: string, patch: Partial<Ticket>) => patchTicket(deps.tickets, number, patch)
const historyOf = async (deps: Dependencies, number: string) => (await deps.tickets.getThread(number))!.history

describe('pending job', () => {
  it('pending auto close± closes at the pending time, exactly once even when runs overlap', async () => {
    const clock = movableClock('2026-11-23T10:00:00Z')
    const deps = await testDependencies({}, { clock })
    const plus = (await ingestRaw(deps, mail({ subject: 'auto close plus' }))).ticketNumber!
    const minus = (await ingestRaw(deps, mail({ subject: 'auto close minus' }))).ticketNumber!
    await setTicket(deps, plus, { state: 'pending auto close+', stateType: 'pending auto', pendingUntil: '2026-11-23T12:00:00.000Z' })
    await setTicket(deps, minus, { state: 'pending auto close-', stateType: 'pending auto', pendingUntil: '2026-11-23T12:00:30.000Z' })

    expect(await run(deps, 'pending', '2026-11-23T11:59:59Z')).toMatchObject({ selected: 0, changed: 0 })
    const preview = await run(deps, 'pending', '2026-11-23T12:01:00Z', true)
    expect(preview).toMatchObject({ selected: 2, changed: 0, dryRun: true })
    // Two schedulers firing the same minute, at once: every ticket changes once.
    const [first, second] = await Promise.all([run(deps, 'pending', '2026-11-23T12:01:00Z'), run(deps, 'pending', '2026-11-23T12:01:00Z')])
    expect(first.changed + second.changed).toBe(2)
    expect(await deps.tickets.get(plus)).toMatchObject({ state: 'closed successful', pendingUntil: null })
    expect(await deps.tickets.get(minus)).toMatchObject({ state: 'closed unsuccessful' })
    expect((await historyOf(deps, plus)).filter((entry) => entry.type === 'StateUpdate')).toHaveLength(1)
    expect(await run(deps, 'pending', '2026-11-23T12:02:00Z')).toMatchObject({ selected: 0 })
  })

  it('pending reminders go to the owner, again every 24 hours until the ticket is handled', async () => {
    const deps = await testDependencies()
    const number = (await ingestRaw(deps, mail({ subject: 'remind me' }))).ticketNumber!
    await setTicket(deps, number, { state: 'pending reminder', stateType: 'pending reminder', pendingUntil: '2026-11-23T12:00:00.000Z', lock: 'lock', owner: 'admin' })
    expect(await run(deps, 'pending', '2026-11-23T12:00:40Z')).toMatchObject({ selected: 1, changed: 1 })
    expect(await run(deps, 'pending', '2026-11-23T12:01:40Z')).toMatchObject({ selected: 0 })
    const reminders = async () => (await historyOf(deps, number)).filter((entry) => entry.message.startsWith('Pending reminder'))
    expect((await reminders()).map((entry) => entry.message)).toEqual(['Pending reminder 1 sent to admin@example.com'])
    expect(await run(deps, 'pending', '2026-11-24T12:00:30Z')).toMatchObject({ changed: 0 })
    expect(await run(deps, 'pending', '2026-11-24T12:00:41Z')).toMatchObject({ changed: 1 })
    expect(await reminders()).toHaveLength(2)
    // The customer answers: the ticket reopens and the reminders stop.
    await ingestRaw(deps, mail({ subject: `Re: [Ticket#${number}] remind me` }))
    expect((await deps.tickets.get(number))!.state).toBe('open')
    expect(await run(deps, 'pending', '2026-11-26T12:00:00Z')).toMatchObject({ selected: 0 })
  })

  it('a new pending time starts the reminders afresh; unlocked tickets remind the queue agents', async () => {
    const deps = await testDependencies()
    const number = (await ingestRaw(deps, mail({ subject: 'unlocked reminder' }))).ticketNumber!
    await setTicket(deps, number, { state: 'pending reminder', stateType: 'pending reminder', pendingUntil: '2026-11-23T12:00:00.000Z' })
    await run(deps, 'pending', '2026-11-23T12:00:10Z')
    await setTicket(deps, number, { pendingUntil: '2026-11-25T08:00:00.000Z' })
    expect(await run(deps, 'pending', '2026-11-24T12:00:20Z')).toMatchObject({ selected: 0 })
    expect(await run(deps, 'pending', '2026-11-25T08:00:10Z')).toMatchObject({ changed: 1 })
    const messages = (await historyOf(deps, number)).filter((entry) => entry.message.startsWith('Pending reminder')).map((entry) => entry.message)
    expect(messages).toEqual(['Pending reminder 1 sent to admin@example.com', 'Pending reminder 1 sent to admin@example.com'])
  })
  it('a reminder of an away owner goes to the responsible, else to the agents with the queue in My Queues, else to every agent of the queue', async () => {
    const agent = (login: string) => `  - login: ${login}\n    firstName: ${login}\n    lastName: Support\n    email: ${login}@example.com\n    roles: [Support agent]\n`
    const deps = await testDependenciesWithConfig((yaml) => yaml.replace('  - login: sales\n', `${agent('kim')}${agent('lee')}  - login: sales\n`))
    const away = { outOfOffice: { enabled: true, from: '2026-11-20', until: '2026-11-30', autoUnlock: false } }
    await deps.agents.setPreferences('kim', { set: away, reset: [] }, '2026-11-20T08:00:00Z')
    // My Queues defaults to every queue an agent may read: here nobody watches Support at first.
    for (const login of ['admin', 'lee']) await deps.agents.setPreferences(login, { set: { myQueues: [] }, reset: [] }, '2026-11-20T08:00:00Z')
    const remindedFor = async (patch: Partial<Ticket>) => {
      const number = (await ingestRaw(deps, mail({ subject: `away owner ${randomUUID()}` }))).ticketNumber!
      await setTicket(deps, number, { queue: 'Support', state: 'pending reminder', stateType: 'pending reminder', pendingUntil: '2026-11-23T12:00:00.000Z', lock: 'lock', owner: 'kim', ...patch })
      expect(await run(deps, 'pending', '2026-11-23T12:00:40Z')).toMatchObject({ changed: 1 })
      await setTicket(deps, number, { state: 'open', stateType: 'open', pendingUntil: null })
      return (await historyOf(deps, number)).filter((entry) => entry.message.startsWith('Pending reminder')).map((entry) => entry.message)
    }
    expect(await remindedFor({ responsible: 'lee' })).toEqual(['Pending reminder 1 sent to lee@example.com'])
    expect(await remindedFor({ responsible: 'kim' })).toEqual(['Pending reminder 1 sent to admin@example.com, lee@example.com'])
    await deps.agents.setPreferences('admin', { set: { myQueues: ['Support'] }, reset: [] }, '2026-11-20T08:00:00Z')
    expect(await remindedFor({ responsible: null })).toEqual(['Pending reminder 1 sent to admin@example.com'])
    // Back from holiday: the owner is reminded, nobody else.
    await deps.agents.setPreferences('kim', { set: { outOfOffice: { ...away.outOfOffice, enabled: false } }, reset: [] }, '2026-11-20T08:00:00Z')
    expect(await remindedFor({ responsible: 'lee' })).toEqual(['Pending reminder 1 sent to kim@example.com'])
  })

  it('docket job run --now decides as of that time, but stamps the changes with the real time', async () => {
    const deps = await testDependencies()
    const number = (await ingestRaw(deps, mail({ subject: 'auto close as of then' }))).ticketNumber!
    await setTicket(deps, number, { state: 'pending auto close+', stateType: 'pending auto', pendingUntil: '2030-01-01T00:00:00.000Z' })
    const before = Date.now()
    expect(await run(deps, 'pending', '2030-01-01T00:05:00Z')).toMatchObject({ changed: 1 })
    const ticket = (await deps.tickets.get(number))!
    expect(ticket.state).toBe('closed successful')
    const closing = (await historyOf(deps, number)).find((entry) => entry.type === 'StateUpdate' && entry.message.startsWith('Pending time'))!
    for (const stamp of [closing.at, ticket.changedAt, ticket.closedAt!]) {
      expect(Date.parse(stamp)).toBeGreaterThanOrEqual(before - 1000)
      expect(Date.parse(stamp)).toBeLessThanOrEqual(Date.now() + 1000)
    }
  })
})

describe('Junk jobs', () => {
  it('junk-cleanup: Junk older than 24 h becomes removed; younger Junk and tickets moved out are untouched; exactly once', async () => {
    const clock = movableClock('2026-11-22T10:00:00Z')
    const deps = await testDependencies({}, { clock })
    const old = (await ingestRaw(deps, mail({ subject: 'old spam', headers: { 'X-Spam-Score': '9' } }))).ticketNumber!
    const rescued = (await ingestRaw(deps, mail({ subject: 'ham in junk', headers: { 'X-Spam-Score': '9' } }))).ticketNumber!
    await setTicket(deps, rescued, { queue: 'Support' })
    clock.set('2026-11-23T08:00:00Z')
    const young = (await ingestRaw(deps, mail({ subject: 'new spam', headers: { 'X-Spam-Score': '9' } }))).ticketNumber!
    const [a, b] = await Promise.all([run(deps, 'junk-cleanup', '2026-11-24T00:00:00Z'), run(deps, 'junk-cleanup', '2026-11-24T00:00:00Z')])
    expect(a.changed + b.changed).toBe(1)
    expect(await deps.tickets.get(old)).toMatchObject({ state: 'removed', stateType: 'removed', removedAt: expect.any(String) })
    expect((await deps.tickets.get(young))!.state).toBe('new')
    expect((await deps.tickets.get(rescued))!.state).toBe('new')
    // Hidden from the normal views, still in the status view.
    expect((await deps.tickets.listTickets({ queues: ['Junk'], stateTypes: ['new', 'open'], order: 'asc', limit: 50 })).items.map((ticket) => ticket.number)).toEqual([young])
    expect((await deps.tickets.listTickets({ queues: ['Junk'], stateTypes: ['removed'], order: 'asc', limit: 50 })).items.map((ticket) => ticket.number)).toEqual([old])
  })

  it('junk-purge: removed a month or more ago → deleted for good with blobs and Message-ID entries; a tombstone stays', async () => {
    const clock = movableClock('2026-10-01T10:00:00Z')
    const deps = await testDependencies({}, { clock })
    const spam = await ingestRaw(deps, mail({ subject: 'purge me', messageId: 'purge-me@spam.example', headers: { 'X-Spam-Score': '9' } }))
    const movedOut = (await ingestRaw(deps, mail({ subject: 'removed then rescued', headers: { 'X-Spam-Score': '9' } }))).ticketNumber!
    // A job stamps its changes with the real time (the clock), and decides as of the run's time (issue 14.4.13).
    clock.set('2026-10-03T00:00:00Z')
    await run(deps, 'junk-cleanup', '2026-10-03T00:00:00Z')
    clock.set('2026-10-05T00:00:00Z')
    const fresh = (await ingestRaw(deps, mail({ subject: 'recently removed', headers: { 'X-Spam-Score': '9' } }))).ticketNumber!
    clock.set('2026-10-20T00:00:00Z')
    await run(deps, 'junk-cleanup', '2026-10-20T00:00:00Z')
    await setTicket(deps, movedOut, { queue: 'Support' })
    const article = (await deps.tickets.getThread(spam.ticketNumber!))!.articles[0]!

    expect(await run(deps, 'junk-purge', '2026-11-08T00:00:00Z', true)).toMatchObject({ selected: 1, dryRun: true })
    const [a, b] = await Promise.all([run(deps, 'junk-purge', '2026-11-08T00:00:00Z'), run(deps, 'junk-purge', '2026-11-08T00:00:00Z')])
    expect(a.changed + b.changed).toBe(1)
    expect(await deps.tickets.getThread(spam.ticketNumber!)).toBeUndefined()
    expect(await deps.tickets.findByMessageIds(['purge-me@spam.example'])).toEqual([])
    await expect(deps.rawMail.get(article.rawBlobKey!)).rejects.toThrow(/not found/)
    expect(await deps.tickets.getTombstone(spam.ticketNumber!)).toMatchObject({ title: 'purge me', by: 'junk-purge', reason: expect.stringContaining('month') })
    expect((await deps.tickets.get(fresh))!.state).toBe('removed')
    expect(await deps.tickets.get(movedOut)).toBeDefined()
    // The same spam delivered again is still recognised (the dedupe record outlives the ticket).
    expect((await ingestRaw(deps, (await import('../support/local-stack.ts')).mail({ subject: 'purge me', messageId: 'purge-me@spam.example', headers: { 'X-Spam-Score': '9' } }))).action).not.toBe('followup')
  })
})

describe('GenericAgent', () => {
  const jobs = `genericAgent:
  - name: Close old bounces
    schedule: "30 2 * * *"
    batchLimit: 2
    select:
      queues: [Bounces]
      subject: "*Undelivered*"
      createdBefore: 6 months
    actions:
      state: closed successful
      priority: 1
      note:
        body: Closed by {{job.name}}
  - name: DeleteSpam in all queues
    select:
      stateTypes: [removed]
    actions:
      delete: true
  - name: Escalate VIP
    enabled: false
    schedule: "* * * * *"
    select:
      from: "*@vip.example*"
    actions:
      priority: 5
      notify:
        to: queue
        subject: "VIP ticket {{ticket.number}}"
        body: "Please look at {{ticket.title}}"
`
  it('selects by queue, subject pattern and age; acts batch after batch until done (no "run again")', async () => {
    const clock = movableClock('2026-01-10T10:00:00Z')
    const deps = await testDependenciesWithConfig((config) => config.replace('genericAgent: []', jobs), {})
    const withClock = { ...deps, clock }
    const bounce = (subject: string) => ingestRaw(withClock, mail({ from: 'MAILER-DAEMON@mx.example', subject, to: 'info@example.com' }).replace('Content-Type: text/plain; charset=utf-8', 'Content-Type: multipart/report; report-type=delivery-status; boundary="b"').replace('\r\n\r\nHello, something is broken.', '\r\n\r\n--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example\r\n\r\nFinal-Recipient: rfc822; x@y.example\r\nAction: failed\r\nStatus: 5.1.1\r\n--b--'))
    const old = [await bounce('Undelivered Mail 1'), await bounce('Undelivered Mail 2'), await bounce('Undelivered Mail 3'), await bounce('Delivery delayed')]
    clock.set('2026-11-01T10:00:00Z')
    const recent = await bounce('Undelivered Mail recent')
    expect(old.every((outcome) => outcome.queue === 'Bounces')).toBe(true)
    const preview = await run(withClock, 'Close old bounces', '2026-11-23T02:30:00Z', true)
    expect(preview).toMatchObject({ selected: 3, changed: 0 })
    const result = await run(withClock, 'Close old bounces', '2026-11-23T02:30:00Z')
    expect(result).toMatchObject({ selected: 3, changed: 3 })
    for (const outcome of old.slice(0, 3)) expect(await deps.tickets.get(outcome.ticketNumber!)).toMatchObject({ state: 'closed successful', priority: 1 })
    expect((await deps.tickets.get(old[3]!.ticketNumber!))!.state).toBe('new')
    expect((await deps.tickets.get(recent.ticketNumber!))!.state).toBe('new')
    const notes = (await deps.tickets.getThread(old[0]!.ticketNumber!))!.articles.filter((article) => article.channel === 'note')
    expect(notes[0]!.bodyText).toBe('Closed by Close old bounces')
  })

  it('delete: every removed ticket in all queues, with a tombstone; disabled jobs are not scheduled', async () => {
    const deps = await testDependenciesWithConfig((config) => config.replace('genericAgent: []', jobs))
    const numbers = []
    for (let index = 0; index < 3; index++) numbers.push((await ingestRaw(deps, mail({ subject: `spam ${index}` }))).ticketNumber!)
    for (const number of numbers.slice(0, 2)) await setTicket(deps, number, { state: 'removed', stateType: 'removed' })
    expect(await run(deps, 'DeleteSpam in all queues', '2026-11-23T12:00:00Z')).toMatchObject({ selected: 2, changed: 2 })
    expect(await deps.tickets.get(numbers[0]!)).toBeUndefined()
    expect(await deps.tickets.getTombstone(numbers[1]!)).toMatchObject({ by: 'GenericAgent DeleteSpam in all queues' })
    expect(await deps.tickets.get(numbers[2]!)).toBeDefined()
    expect(findJob(deps.config, 'Escalate VIP').schedule).toBeNull()
    expect(findJob(deps.config, 'DeleteSpam in all queues').schedule).toBeNull()
  })
})

describe('running jobs', () => {
  it('docket job run prints one JSON line per run; --now and --dry-run; unknown jobs are named', () => {
    const env = { ...process.env, DOCKET_DYNAMODB_ENDPOINT: inject('dynamodbEndpoint'), DOCKET_TABLE_NAME: `jobs-${randomUUID()}`, DOCKET_DATA_DIR: `/tmp/docket-jobs-${randomUUID()}`, DOCKET_LOG_LEVEL: 'ERROR' }
    const result = spawnSync(process.execPath, ['bin/docket.js', 'job', 'run', 'junk-cleanup', '--now', '2026-11-30T00:00:00Z', '--dry-run'], { encoding: 'utf8', env, timeout: 60_000 })
    expect(result.status, result.stderr).toBe(0)
    expect(JSON.parse(result.stdout.trim())).toEqual({ job: 'junk-cleanup', selected: 0, changed: 0, dryRun: true })
    // A fresh table means the command does not see the server's data (a typo in DOCKET_DATA_DIR?): said once.
    expect(result.stderr).toContain(`warning: table ${env.DOCKET_TABLE_NAME} at ${env.DOCKET_DYNAMODB_ENDPOINT} held no Docket table`)
    const unknown = spawnSync(process.execPath, ['bin/docket.js', 'job', 'run', 'nope'], { encoding: 'utf8', env, timeout: 60_000 })
    expect(unknown.status).toBe(1)
    expect(unknown.stderr).toContain('job "nope"')
    const list = spawnSync(process.execPath, ['bin/docket.js', 'job', 'list'], { encoding: 'utf8', env, timeout: 60_000 })
    expect(list.stderr).not.toContain('warning:')
    expect(list.stdout).toMatch(/^junk-purge\s+0 0 \* \* 0\s+next 20\d\d-\d\d-\d\dT00:00:00\.000Z/m)
  })

  it('the local scheduler puts the message EventBridge puts on the jobs queue', async () => {
    const events: ScheduledJobEvent[] = []
    const queue = { send: async (event: ScheduledJobEvent) => void events.push(event) }
    const scheduler = startScheduler([{ name: 'every-second', schedule: '* * * * * *', description: 'test', run: async () => ({ job: 'every-second', selected: 0, changed: 0, dryRun: false }) }], queue, createLogger('SILENT'))
    await new Promise((resolve) => setTimeout(resolve, 2200))
    await scheduler.stop()
    expect(events.length).toBeGreaterThanOrEqual(1)
    expect(events[0]).toMatchObject({ job: 'every-second', time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/) })
  })
})

/**
 * Issue 15.7: a run longer than the function (1,000 due tickets took 32–50 s against a 30 s limit)
 * goes on in slices through the jobs queue, each within the time the function has; a slice that
 * keeps failing ends in the dead-letter place. Locally and in AWS the same handler does it.
 */
describe('job slices', () => {
  const dueTickets = async (deps: Dependencies, count: number) => {
    const numbers: string[] = []
    for (let index = 0; index < count; index++) numbers.push((await ingestRaw(deps, mail({ subject: `slice ${index}`, messageId: `<slice-${index}-${randomUUID()}@customer.example>` }))).ticketNumber!)
    await Promise.all(numbers.map((number, index) => setTicket(deps, number, { state: 'pending auto close+', stateType: 'pending auto', pendingUntil: new Date(Date.parse('2026-11-23T12:00:00.000Z') + index * 1000).toISOString() })))
    return numbers
  }
  const jobQueue = (deps: Dependencies) => deps.jobQueue as FsWorkQueue<ScheduledJobEvent>
  /** A Lambda context with `ms` left (middy stops the handler just before that). */
  const contextWith = (ms: number) => localLambdaContext('jobs', ms)
  /** A margin as large as the time left: no time beyond the first page, so every slice handles one page. */
  const noTimeToSpare = 60_000

  it('a run with more due tickets than one slice handles goes on slice after slice: every ticket closed once, none skipped', async () => {
    const deps = await testDependencies()
    const numbers = await dueTickets(deps, 45)
    const handler = createJobsHandler(deps, { marginMs: noTimeToSpare, pageSize: 10 })
    const queue = jobQueue(deps)
    await queue.send({ job: 'pending', time: '2026-11-23T12:05:00.000Z', dryRun: false })
    const slices: ScheduledJobEvent[] = []
    for (let round = 0; round < 20; round++) {
      const messages = await queue.receive(1)
      if (messages.length === 0) break
      slices.push(JSON.parse(messages[0]!.body) as ScheduledJobEvent)
      const response = (await handler(sqsEventFrom('jobs', messages), contextWith(noTimeToSpare))) as SQSBatchResponse
      expect(response.batchItemFailures).toEqual([])
      await queue.complete(messages[0]!)
    }
    expect(slices.map((slice) => slice.slice ?? 1)).toEqual([1, 2, 3, 4, 5])
    expect(new Set(slices.map((slice) => slice.time))).toEqual(new Set(['2026-11-23T12:05:00.000Z']))
    expect(slices.slice(1).every((slice) => typeof slice.cursor === 'string')).toBe(true)
    for (const number of numbers) {
      expect((await deps.tickets.get(number))!.state, number).toBe('closed successful')
      expect((await historyOf(deps, number)).filter((entry) => entry.type === 'StateUpdate' && entry.message.startsWith('Pending time')), number).toHaveLength(1)
    }
    expect(await queue.depth()).toEqual({ ready: 0, inflight: 0, dead: 0 })
  })

  it('slices overlapping with the next firing change nothing twice; with time to spare one slice does it all', async () => {
    const deps = await testDependencies()
    const numbers = await dueTickets(deps, 12)
    const tight = createJobsHandler(deps, { marginMs: noTimeToSpare, pageSize: 5 })
    const roomy = createJobsHandler(deps, { pageSize: 5 })
    const queue = jobQueue(deps)
    await queue.send({ job: 'pending', time: '2026-11-23T12:05:00.000Z', dryRun: false })
    const [first] = await queue.receive(1)
    await tight(sqsEventFrom('jobs', [first!]), contextWith(noTimeToSpare))
    await queue.complete(first!)
    // The next minute fires while the rest of the first run waits on the queue: both run, at once.
    await queue.send({ job: 'pending', time: '2026-11-23T12:06:00.000Z', dryRun: false })
    const waiting = await queue.receive(2)
    expect(waiting).toHaveLength(2)
    await Promise.all(waiting.map((message) => roomy(sqsEventFrom('jobs', [message]), contextWith(900_000))))
    for (const message of waiting) await queue.complete(message)
    expect(await queue.depth()).toEqual({ ready: 0, inflight: 0, dead: 0 })
    for (const number of numbers) expect((await historyOf(deps, number)).filter((entry) => entry.type === 'StateUpdate'), number).toHaveLength(1)
  })

  it('GenericAgent jobs go on after the last ticket number handled, also when the job moved tickets between the partitions it reads', async () => {
    const deps = await testDependenciesWithConfig((config) =>
      config.replace('genericAgent: []', `genericAgent:
  - name: Lift all
    schedule: "0 3 * * *"
    batchLimit: 4
    select:
      title: "ga *"
    actions:
      priority: 4
      state: open
`),
    )
    const numbers: string[] = []
    for (let index = 0; index < 10; index++) numbers.push((await ingestRaw(deps, mail({ subject: `ga ${index}` }))).ticketNumber!)
    let calls = 0
    const slices: JobResult[] = []
    let cursor: string | undefined
    do {
      const result = await runJob(deps, { job: 'Lift all', time: '2026-11-23T03:00:00.000Z', dryRun: false, ...(cursor ? { cursor } : {}) }, { timeLeftMs: () => (calls++ % 2 === 0 ? 1 : 0) })
      slices.push(result)
      cursor = result.next
    } while (cursor)
    expect(slices.map((slice) => [slice.selected, slice.changed])).toEqual([[8, 8], [2, 2]])
    expect(slices.reduce((sum, slice) => sum + slice.changed, 0)).toBe(numbers.length)
    for (const number of numbers) {
      expect(await deps.tickets.get(number)).toMatchObject({ state: 'open', priority: 4 })
      expect((await historyOf(deps, number)).filter((entry) => entry.type === 'PriorityUpdate'), number).toHaveLength(1)
    }
  })

  it('a slice that keeps failing is retried, then dead-lettered with its error (the jobs queue DLQ in AWS)', async () => {
    const deps = await testDependencies({}, { logger: createLogger('SILENT') })
    const queue = jobQueue(deps)
    const handler = createJobsHandler(deps)
    const worker = startQueueWorker(queue, async (event) => (await handler(event, contextWith(30_000))) as SQSBatchResponse, createLogger('SILENT'), { batchSize: 1, pollMs: 20 })
    try {
      await queue.send({ job: 'no such job', time: '2026-11-23T12:05:00.000Z', dryRun: false })
      const deadline = Date.now() + 20_000
      while ((await queue.depth()).dead === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100))
    } finally {
      await worker.stop()
    }
    const [dead] = await queue.listDead()
    expect(dead!.receiveCount).toBe(jobsMaxReceiveCount)
    expect(dead!.errors.at(-1)).toContain('job "no such job"')
  })
})
