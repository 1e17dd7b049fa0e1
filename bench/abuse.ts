import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { readRunningServer } from '../lib/local/runtime-file.ts'
import { httpFrom, type HttpAnswer } from '../test/support/http-from.ts'
import { createTransport } from 'nodemailer'
import { percentile, round } from './support/benchmark.ts'

/**
 * `npm run bench -- abuse` (issue 13, "Done when"): `docket start` in a process of its own
 * (DynamoDB Local on disk, production scrypt cost) under three attacks at once, while an agent
 * keeps asking for /api/health and a queue view:
 *
 *   search   a ticket with 16,000 lines of "invoice" ×12; two agents search "invoice" ×8, again and again (13.1)
 *   smtp     10 parallel mails of 100 MB without SIZE=, round after round, from a client process of their own (13.3)
 *   logins   24 parallel logins with random unknown names, round after round, from one address (13.5)
 *
 * Each caller plays a client address of its own (127.0.0.x). A request still unanswered when the
 * window ends counts with the time it has waited so far, so a frozen server shows as such and the
 * run stays bounded. Ends with one JSON line {"healthP95Ms","queueViewP95Ms"} (target: < 1 s both).
 * Flags: --seconds N (attack window, default 45), --smtp-mb N (size of each oversized mail, default 100),
 * --attacks search,smtp,logins (which of them run).
 */

const configPath = fileURLToPath(new URL('../docket.config.yaml', import.meta.url))
const docketBin = fileURLToPath(new URL('../bin/docket.js', import.meta.url))
const floodScript = fileURLToPath(new URL('../test/support/smtp-flood.ts', import.meta.url))
const password = 'Bench-Password-1!'

/** Latencies of one kind of call; calls still open at `close()` count with their wait so far. */
class Latencies {
  readonly done: number[] = []
  readonly statuses = new Map<number, number>()
  private readonly open = new Set<number>()

  async time(call: () => Promise<HttpAnswer>): Promise<void> {
    const started = performance.now()
    this.open.add(started)
    try {
      const answer = await call()
      this.statuses.set(answer.status, (this.statuses.get(answer.status) ?? 0) + 1)
    } catch {
      this.statuses.set(0, (this.statuses.get(0) ?? 0) + 1)
    } finally {
      if (this.open.delete(started)) this.done.push(performance.now() - started)
    }
  }

  close(): number[] {
    const now = performance.now()
    const all = [...this.done, ...[...this.open].map((started) => now - started)]
    this.open.clear()
    return all
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export async function run(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { seconds: { type: 'string', default: '45' }, 'smtp-mb': { type: 'string', default: '100' }, attacks: { type: 'string', default: 'search,smtp,logins' } },
  })
  const attacks = new Set(values.attacks.split(','))
  const seconds = Number(values.seconds)
  const dataDir = await mkdtemp(join(tmpdir(), 'docket-abuse-'))
  // `docket start` in a process of its own, as an operator runs it: the callers below must not share its event loop.
  const server = spawn(process.execPath, [docketBin, 'start'], {
    env: { ...process.env, DOCKET_CONFIG: configPath, DOCKET_DATA_DIR: dataDir, DOCKET_HOST: '127.0.0.1', PORT: '0', SMTP_PORT: '0', DOCKET_DEMO_PASSWORD: password, DOCKET_LOG_LEVEL: 'ERROR' },
    stdio: ['ignore', 'ignore', 'inherit'],
    detached: true,
  })
  const stopServer = async () => {
    if (server.exitCode !== null || server.pid === undefined) return
    const exited = new Promise((resolve) => server.once('exit', resolve))
    server.kill('SIGTERM')
    // A frozen server ignores SIGTERM (finding 1): then its whole process group goes, DynamoDB Local included.
    if ((await Promise.race([exited.then(() => true), sleep(15_000).then(() => false)])) === false) process.kill(-server.pid, 'SIGKILL')
  }
  let info: Awaited<ReturnType<typeof readRunningServer>>
  for (let tries = 0; tries < 600 && !(info = await readRunningServer(dataDir)); tries++) await sleep(100)
  if (!info) {
    await stopServer()
    throw new Error('docket start did not come up within 60 s')
  }
  const url = info.httpUrl
  const smtpPort = Number(info.smtp.split(':').at(-1))
  try {
    console.log(`abuse on \`docket start\` (DynamoDB Local on disk in ${dataDir}, production scrypt cost); ${cpus().length} cores, load ${loadavg().map((value) => round(value, 1)).join('/')}`)
    const loginAs = async (address: string, login: string) => {
      const answer = await httpFrom(address, `${url}/api/auth/login`, { method: 'POST', body: { login, password } })
      if (answer.status !== 200) throw new Error(`login of ${login} failed: ${answer.status} ${answer.body}`)
      return (JSON.parse(answer.body) as { token: string }).token
    }
    const viewer = await loginAs('127.0.0.4', 'admin')
    const searcher = await loginAs('127.0.0.5', 'admin')

    // The planted mail of finding 1, and a normal one so the queue view has something to show.
    const line = `${'invoice '.repeat(12).trim()}\r\n`
    const transport = createTransport({ host: '127.0.0.1', port: smtpPort, secure: false, ignoreTLS: true })
    await transport.sendMail({ from: 'ann@customer.example', to: 'support@example.com', subject: 'invoice question', text: line.repeat(16_000) })
    await transport.sendMail({ from: 'bob@customer.example', to: 'support@example.com', subject: 'a normal question', text: 'Hello, something is broken.' })
    transport.close()
    for (let tries = 0; tries < 200; tries++) {
      const view = await httpFrom('127.0.0.4', `${url}/api/tickets?queue=Support&limit=500`, { token: viewer })
      if ((JSON.parse(view.body) as { items: unknown[] }).items.length >= 2) break
      await sleep(100)
    }
    for (let tries = 0; tries < 300; tries++) {
      const found = await httpFrom('127.0.0.5', `${url}/api/search`, { method: 'POST', token: searcher, body: { text: 'question' } })
      if (((JSON.parse(found.body) as { items?: unknown[] }).items?.length ?? 0) >= 2) break
      await sleep(100)
    }
    const quietViews: number[] = []
    for (let index = 0; index < 10; index++) quietViews.push((await httpFrom('127.0.0.4', `${url}/api/tickets?queue=Support&limit=500`, { token: viewer })).ms)
    console.log(`quiet              queue view p95 ${round(percentile(quietViews, 95))} ms`)

    const health = new Latencies()
    const queueView = new Latencies()
    const searches = new Latencies()
    const logins = new Latencies()
    let smtpAnswers: number[] = []
    let smtpRounds = 0
    const ends = performance.now() + seconds * 1000
    const running = () => performance.now() < ends
    const started = performance.now()

    const loops = [
      (async () => {
        while (running()) {
          void health.time(() => httpFrom('127.0.0.6', `${url}/api/health`))
          await sleep(100)
        }
      })(),
      (async () => {
        while (running()) {
          void queueView.time(() => httpFrom('127.0.0.4', `${url}/api/tickets?queue=Support&limit=500`, { token: viewer }))
          await sleep(250)
        }
      })(),
      ...[0, 1].map(async () => {
        while (running() && attacks.has('search')) await searches.time(() => httpFrom('127.0.0.5', `${url}/api/search`, { method: 'POST', token: searcher, body: { text: Array(8).fill('invoice').join(' ') } }))
      }),
      (async () => {
        while (running() && attacks.has('logins')) {
          await Promise.all(
            Array.from({ length: 24 }, () =>
              logins.time(() => httpFrom('127.0.0.2', `${url}/api/auth/login`, { method: 'POST', body: { login: `guess-${randomUUID()}`, password: 'Wrong-password-1!' } })),
            ),
          )
        }
      })(),
      (async () => {
        while (running() && attacks.has('smtp')) {
          smtpAnswers = smtpAnswers.concat(await floodFromChild(smtpPort, 10, Number(values['smtp-mb']), ends - performance.now()))
          smtpRounds++
        }
      })(),
    ]
    // The window, then a short grace for calls in flight; whatever is still open counts as it stands.
    await Promise.race([Promise.all(loops), sleep(seconds * 1000 + 15_000)])
    const [healthMs, viewMs, searchMs, loginMs] = [health.close(), queueView.close(), searches.close(), logins.close()]
    const describe = (statuses: Map<number, number>) => [...statuses].map(([status, count]) => `${count}× ${status || 'error'}`).join(', ')
    console.log(`window             ${round((performance.now() - started) / 1000, 1)} s of attacks: ${[...attacks].join(', ')}`)
    console.log(`search attack      ${searchMs.length} searches of "invoice" ×8: p50 ${round(percentile(searchMs, 50))} ms, max ${round(Math.max(...searchMs))} ms (${describe(searches.statuses)})`)
    console.log(`smtp flood         ${smtpRounds} round(s) of 10 × ${values['smtp-mb']} MB: answers ${smtpAnswers.join(',') || 'none finished'}`)
    console.log(`login flood        ${loginMs.length} logins with unknown names: ${describe(logins.statuses)}`)
    console.log(`health             ${healthMs.length} calls: p50 ${round(percentile(healthMs, 50))} ms, p95 ${round(percentile(healthMs, 95))} ms, max ${round(Math.max(...healthMs))} ms`)
    console.log(`queue view         ${viewMs.length} calls: p50 ${round(percentile(viewMs, 50))} ms, p95 ${round(percentile(viewMs, 95))} ms, max ${round(Math.max(...viewMs))} ms`)
    const figures = { healthP95Ms: round(percentile(healthMs, 95)), queueViewP95Ms: round(percentile(viewMs, 95)) }
    console.log(JSON.stringify(figures))
    return figures.healthP95Ms < 1000 && figures.queueViewP95Ms < 1000 ? 0 : 1
  } finally {
    await stopServer()
    await rm(dataDir, { recursive: true, force: true })
  }
}

/** The oversized mails from a process of their own (its memory is not the server's), killed when the window ends. */
function floodFromChild(port: number, streams: number, megabytes: number, windowMs: number): Promise<number[]> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--no-warnings', floodScript, String(port), String(streams), String(megabytes)], { stdio: ['ignore', 'pipe', 'inherit'] })
    let output = ''
    const timer = setTimeout(() => child.kill('SIGKILL'), Math.max(0, windowMs))
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.on('exit', () => {
      clearTimeout(timer)
      try {
        resolve(JSON.parse(output) as number[])
      } catch {
        resolve([])
      }
    })
  })
}
