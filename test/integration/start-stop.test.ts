import { spawn, type ChildProcess } from 'node:child_process'
import { chmod, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises'
import { connect, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ListTablesCommand } from '@aws-sdk/client-dynamodb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort } from '../../lib/local/dynamodb-local.ts'
import { externalAddresses, findExposedListeners } from '../../lib/local/listener-exposure.ts'
import type { RuntimeInfo } from '../../lib/local/runtime-file.ts'
import { createDynamoClient } from '../../lib/store/dynamodb-client.ts'
import { apiLogin, demoPassword, mail, sendMail, waitFor } from '../support/local-stack.ts'

/**
 * `docket start` as a user runs it (a child process with its own DynamoDB Local on a data dir of its
 * own), attacked as in issue 13: DynamoDB Local from another address (2), the data dir's file modes
 * (10), Ctrl+C with clients connected and a start straight after (13).
 */

/** Addresses someone else would use to reach this machine; on Linux 127.0.0.2 also stands for "not the bound one". */
const otherAddresses = [...externalAddresses(), ...(process.platform === 'linux' ? ['127.0.0.2'] : [])]

interface Started {
  child: ChildProcess
  output: () => string
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>
  info: RuntimeInfo
}

async function startDocket(dataDir: string): Promise<Started> {
  const [httpPort, smtpPort] = [await freePort(), await freePort()]
  // Its own process group, as a terminal runs it: Ctrl+C signals the whole group (node and whatever it did not detach).
  const child = spawn(process.execPath, ['bin/docket.js', 'start'], {
    env: {
      ...process.env,
      DOCKET_DATA_DIR: dataDir,
      DOCKET_DYNAMODB_ENDPOINT: '',
      DOCKET_HOST: '127.0.0.1',
      PORT: String(httpPort),
      SMTP_PORT: String(smtpPort),
      DOCKET_DEMO_PASSWORD: demoPassword,
      DOCKET_PASSWORD_HASH_COST: '10',
      DOCKET_LOG_LEVEL: 'WARN',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  let output = ''
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })))
  const info = await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`docket start exited (${child.exitCode}):\n${output}`)
      const text = await readFile(join(dataDir, 'runtime.json'), 'utf8').catch(() => undefined)
      if (!text) return undefined
      const parsed = JSON.parse(text) as RuntimeInfo
      if (parsed.pid !== child.pid) return undefined
      const health = await fetch(`${parsed.httpUrl}/api/health`).catch(() => undefined)
      return health?.ok ? parsed : undefined
    },
    'docket start to answer /api/health',
    150_000,
  )
  return { child, output: () => output, exited, info }
}

async function listTables(endpoint: string): Promise<string> {
  const client = createDynamoClient({ region: 'eu-west-1', endpoint })
  try {
    const result = await client.send(new ListTablesCommand({}), { abortSignal: AbortSignal.timeout(3000) })
    return `answered: ${JSON.stringify(result.TableNames)}`
  } catch (error) {
    return `refused: ${(error as NodeJS.ErrnoException).code ?? (error as Error).name}`
  } finally {
    client.destroy()
  }
}

async function filesOpenToOthers(dir: string): Promise<string[]> {
  const open: string[] = []
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath, entry.name)
    // SQLite's journal and the queue's temporary files come and go while we look.
    const found = await stat(path).catch(() => undefined)
    const mode = (found?.mode ?? 0) & 0o777
    if (mode & 0o077) open.push(`${path.slice(dir.length)} ${mode.toString(8)}`)
  }
  return open
}

const portAnswers = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect({ host: '127.0.0.1', port })
    socket.once('connect', () => (socket.destroy(), resolve(true)))
    socket.once('error', () => resolve(false))
  })

describe('docket start and stop (issue 13: 2, 10, 13)', () => {
  let dataDir: string
  let previousUmask: number
  const started: Started[] = []
  const dirs: string[] = []
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'docket-start-stop-'))
    // As a data dir made by an older Docket under the usual umask (022) looks.
    await chmod(dataDir, 0o755)
    previousUmask = process.umask(0o022)
  })
  afterAll(async () => {
    process.umask(previousUmask)
    for (const { child } of started) if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL')
    await Promise.all(started.map(({ exited }) => exited))
    for (const dir of [dataDir, ...dirs]) await rm(dir, { recursive: true, force: true })
  })

  it('keeps the store private, the data dir to its owner, stops on Ctrl+C within 10 s and starts again at once', async () => {
    expect(otherAddresses.length, 'the check needs an address other than 127.0.0.1').toBeGreaterThan(0)
    const first = await startDocket(dataDir)
    started.push(first)
    const dynamoPort = Number(new URL(first.info.dynamodbEndpoint).port)
    const httpPort = Number(new URL(first.info.httpUrl).port)
    const smtpPort = Number(first.info.smtp.split(':').at(-1))

    // 2: DynamoDB Local answers any credentials; from another address it must not answer at all.
    expect(await listTables(first.info.dynamodbEndpoint)).toMatch(/^answered/)
    for (const address of otherAddresses) {
      const host = address.includes(':') ? `[${address.split('%')[0]}]` : address
      expect(await listTables(`http://${host}:${dynamoPort}`), `DynamoDB Local via ${address}`).toMatch(/^refused/)
    }
    const listeners = [
      { name: 'DynamoDB Local', port: dynamoPort, host: '127.0.0.1', fix: '' },
      { name: 'HTTP', port: httpPort, host: '127.0.0.1', fix: '' },
      { name: 'SMTP', port: smtpPort, host: '127.0.0.1', fix: '' },
    ]
    expect(await findExposedListeners(listeners, { addresses: otherAddresses })).toEqual([])

    // A mail in and its auto response out: raw mail, queue files, the search index, the outbox.
    await sendMail(smtpPort, mail({ subject: 'private, please' }), { from: 'ann@customer.example', to: ['support@example.com'] })
    const token = await apiLogin(first.info.httpUrl)
    const number = await waitFor(async () => {
      const body = (await (await fetch(`${first.info.httpUrl}/api/tickets?queue=Support`, { headers: { authorization: `Bearer ${token}` } })).json()) as { items: { number: string }[] }
      return body.items[0]?.number
    }, 'the ticket', 30_000)
    await waitFor(async () => ((await readdir(join(dataDir, 'outbox')).catch(() => [])).length > 0 ? true : undefined), 'the auto response in the outbox', 30_000)

    // 10: nothing in the data dir is readable (or listable) by anyone but its owner.
    expect((await stat(dataDir)).mode & 0o777).toBe(0o700)
    expect(await filesOpenToOthers(dataDir)).toEqual([])

    // 13: Ctrl+C (SIGINT to the whole group) with an SMTP session and an HTTP keep-alive connection open.
    const smtpSession: Socket = connect({ host: '127.0.0.1', port: smtpPort })
    smtpSession.on('error', () => undefined)
    await new Promise((resolve) => smtpSession.once('data', resolve))
    smtpSession.write('EHLO attacker.example\r\n')
    const keepAlive = await fetch(`${first.info.httpUrl}/api/health`, { headers: { connection: 'keep-alive' } })
    expect(keepAlive.ok).toBe(true)
    const stopAt = Date.now()
    process.kill(-first.child.pid!, 'SIGINT')
    const exit = await first.exited
    smtpSession.destroy()
    const stopMs = exit.at - stopAt
    console.log(`stopped in ${stopMs} ms (code ${exit.code})`)
    expect(exit, first.output()).toMatchObject({ code: 0, signal: null })
    expect(stopMs).toBeLessThan(10_000)
    expect(first.output()).not.toMatch(/stream poll failed|shutdown step failed/)
    // Released: the lock (runtime file) and DynamoDB Local's port (and with its process, the database file).
    await expect(stat(join(dataDir, 'runtime.json'))).rejects.toThrow()
    expect(await portAnswers(dynamoPort)).toBe(false)

    // A start straight after the stop, on the same data dir: no "already running", the data is there.
    const second = await startDocket(dataDir)
    started.push(second)
    expect(second.output()).not.toMatch(/already running/)
    const again = await apiLogin(second.info.httpUrl)
    const detail = await fetch(`${second.info.httpUrl}/api/tickets/${number}`, { headers: { authorization: `Bearer ${again}` } })
    expect(detail.status).toBe(200)
    const secondStopAt = Date.now()
    second.child.kill('SIGTERM')
    const secondExit = await second.exited
    expect(secondExit, second.output()).toMatchObject({ code: 0, signal: null })
    expect(secondExit.at - secondStopAt).toBeLessThan(10_000)
    expect(await filesOpenToOthers(dataDir)).toEqual([])
  }, 400_000)

  it('says so and exits 1 when DynamoDB Local dies under it, instead of polling a dead store', async () => {
    const ownDir = await mkdtemp(join(tmpdir(), 'docket-store-lost-'))
    dirs.push(ownDir)
    const run = await startDocket(ownDir)
    started.push(run)
    expect(run.info.dynamodbPid).toBeGreaterThan(0)
    const killedAt = Date.now()
    process.kill(run.info.dynamodbPid!, 'SIGKILL')
    const exit = await run.exited
    expect(exit, run.output()).toMatchObject({ code: 1, signal: null })
    expect(exit.at - killedAt).toBeLessThan(10_000)
    expect(run.output()).toContain('DynamoDB Local stopped on its own (signal SIGKILL)')
    expect(run.output().match(/stream poll failed/g)?.length ?? 0).toBeLessThanOrEqual(2)
    await expect(stat(join(ownDir, 'runtime.json'))).rejects.toThrow()
  }, 200_000)
})
