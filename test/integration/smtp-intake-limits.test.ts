import { spawn } from 'node:child_process'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FsBlobStore } from '../../lib/blobs/adapters/fs-blob-store.ts'
import { startSmtpServer } from '../../lib/local/smtp-inbound.ts'
import { parseConfig } from '../../lib/platform/config-file.ts'
import { createLogger } from '../../lib/platform/logger.ts'
import { FsWorkQueue } from '../../lib/queue/adapters/fs-work-queue.ts'
import { apiLogin, mail, sendMail, startTestRuntime, waitFor } from '../support/local-stack.ts'

const floodScript = fileURLToPath(new URL('../support/smtp-flood.ts', import.meta.url))

/** The attack's clients in a process of their own, so only the server's memory is measured here. */
function floodFromChild(port: number, streams: number, megabytes: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--no-warnings', floodScript, String(port), String(streams), String(megabytes)], { stdio: ['ignore', 'pipe', 'inherit'] })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.on('error', reject)
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(output) as number[]) : reject(new Error(`flood client exited with ${code}`))))
  })
}

/** The first line the server sends on a new connection. */
function greeting(port: number): Promise<{ line: string; close(): void }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('error', reject)
    socket.once('data', (data) => resolve({ line: data.toString().split('\r\n')[0]!, close: () => socket.destroy() }))
  })
}

/** Issue 13.3: the SMTP intake under oversized mail and connection floods. */
describe('SMTP intake limits', () => {
  let runtime: Awaited<ReturnType<typeof startTestRuntime>>

  beforeAll(async () => {
    runtime = await startTestRuntime()
  })
  afterAll(async () => {
    await runtime?.cleanup()
  })

  it('10 parallel 100 MB mails without SIZE=: each refused with 552, the server never buffers them, normal mail goes through right after', async () => {
    const limit = runtime.deps.config.mail.maxMessageBytes
    expect(limit).toBe(40 * 1024 * 1024)
    const baseline = process.memoryUsage().rss
    let peak = baseline
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 25)
    const started = performance.now()
    const codes = await floodFromChild(runtime.smtpPort, 10, 100).finally(() => clearInterval(sampler))
    const seconds = (performance.now() - started) / 1000
    const growthMb = (peak - baseline) / 1024 / 1024
    console.log(`10 × 100 MB in ${seconds.toFixed(1)} s: answers ${codes.join(',')}; server RSS ${Math.round(baseline / 1048576)} MB → peak ${Math.round(peak / 1048576)} MB (+${growthMb.toFixed(0)} MB)`)
    expect(codes).toEqual(Array(10).fill(552))
    // Before the fix each stream was kept whole: 1 GB, and 400 MB even with chunks dropped past the limit.
    expect(growthMb).toBeLessThan(100)
    // Nothing of the refused mails was stored.
    const stored = await readdir(join(runtime.deps.settings.dataDir, 'blobs'), { recursive: true }).catch(() => [] as string[])
    expect(stored.filter((name) => name.endsWith('.eml'))).toEqual([])

    await sendMail(runtime.smtpPort, mail({ subject: 'right after the flood' }), { from: 'ann@customer.example', to: ['support@example.com'] })
    const token = await apiLogin(runtime.httpUrl)
    await waitFor(async () => {
      const body = (await (await fetch(`${runtime.httpUrl}/api/tickets?queue=Support`, { headers: { authorization: `Bearer ${token}` } })).json()) as { items: { title: string }[] }
      return body.items.find((item) => item.title === 'right after the flood')
    }, 'the normal mail as a ticket')
  }, 180_000)
})

describe('SMTP intake connection limits', () => {
  const yaml = readFileSync('docket.config.yaml', 'utf8')
    .replace(/maxClients: \d+/, 'maxClients: 3')
    .replace(/connectionsPerMinute: \d+/, 'connectionsPerMinute: 5')
    .replace(/messagesPerMinute: \d+/, 'messagesPerMinute: 2')
  const config = parseConfig(yaml)
  let dataDir: string
  let server: Awaited<ReturnType<typeof startSmtpServer>>

  beforeAll(async () => {
    expect(config.mail.smtpIntake).toEqual({ maxClients: 3, connectionsPerMinute: 5, messagesPerMinute: 2 })
    dataDir = await mkdtemp(join(tmpdir(), 'docket-smtp-'))
    const inbound = new FsWorkQueue<unknown>(join(dataDir, 'queue'), 'inbound', { maxReceiveCount: 5 })
    await inbound.init()
    const rawMail = new FsBlobStore(join(dataDir, 'blobs'), 'raw')
    server = await startSmtpServer({ host: '127.0.0.1', port: 0, config, rawMail, inbound, logger: createLogger('SILENT'), spoolDir: join(dataDir, 'spool') })
  })
  afterAll(async () => {
    await server?.stop()
    await rm(dataDir, { recursive: true, force: true })
  })

  it('more clients at once than maxClients get 421; a client address over its connections per minute gets 421', async () => {
    // The counts are per clock minute: start early in one, so the whole test falls inside it.
    const intoMinute = Date.now() % 60_000
    if (intoMinute > 40_000) await new Promise((resolve) => setTimeout(resolve, 60_500 - intoMinute))
    const open = await Promise.all([greeting(server.port), greeting(server.port), greeting(server.port)])
    expect(open.map((connection) => connection.line.slice(0, 3))).toEqual(['220', '220', '220'])
    const fourth = await greeting(server.port)
    expect(fourth.line).toMatch(/^421 .*Too many connected clients/)
    for (const connection of [...open, fourth]) connection.close()
    // The server notices the closed sockets asynchronously.
    await new Promise((resolve) => setTimeout(resolve, 300))

    // Three connections counted so far this minute (the refused one never got as far); two more are allowed.
    await sendMail(server.port, mail({ subject: 'counted' }), { from: 'ann@customer.example', to: ['support@example.com'] })
    const fifth = await greeting(server.port)
    expect(fifth.line.slice(0, 3)).toBe('220')
    fifth.close()
    const sixth = await greeting(server.port)
    expect(sixth.line).toMatch(/^421 4\.7\.0 too many connections from 127\.0\.0\.1; try again in \d+ seconds/)
    sixth.close()
  })
})
