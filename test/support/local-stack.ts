import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createTransport } from 'nodemailer'
import { inject } from 'vitest'
import { randomUUID } from 'node:crypto'
import type { RuntimeSettings } from '../../lib/platform/runtime-settings.ts'
import { readRuntimeSettings } from '../../lib/platform/runtime-settings.ts'
import { createLogger } from '../../lib/platform/logger.ts'
import { startLocalRuntime, type LocalRuntime } from '../../lib/local/start-local.ts'
import { buildDependencies, type Dependencies } from '../../lib/runtime/dependencies.ts'
import { createDynamoClient } from '../../lib/store/dynamodb-client.ts'
import { ensureTable } from '../../lib/store/ensure-table.ts'
import type { BuildOptions } from '../../lib/runtime/dependencies.ts'

export const demoPassword = 'Test-Password-1!'

/** Settings for one test: the shared DynamoDB Local, a table and a data dir of its own. */
export async function testSettings(overrides: Partial<RuntimeSettings> = {}): Promise<RuntimeSettings> {
  const dataDir = await mkdtemp(join(tmpdir(), 'docket-test-'))
  return {
    // scrypt at N=2^10 instead of 2^16: hashing stays real, but a login costs ~2 ms, not ~150 ms.
    ...readRuntimeSettings({ DOCKET_CONFIG: 'docket.config.yaml', DOCKET_PASSWORD_HASH_COST: '10' }),
    dataDir,
    httpPort: 0,
    smtpPort: 0,
    demoPassword,
    logLevel: 'ERROR',
    dynamodbEndpoint: inject('dynamodbEndpoint'),
    tableName: `t-${randomUUID()}`,
    ...overrides,
  }
}

/** Dependencies against the real local stack (DynamoDB Local, filesystem), no servers. */
export async function testDependencies(overrides: Partial<RuntimeSettings> = {}, options: BuildOptions = {}): Promise<Dependencies> {
  const settings = await testSettings(overrides)
  const client = createDynamoClient({ region: settings.region, endpoint: settings.dynamodbEndpoint })
  await ensureTable(client, settings.tableName)
  client.destroy()
  return buildDependencies(settings, { logger: createLogger('ERROR'), ...options })
}

/** The whole local runtime (HTTP, SMTP, queues, stream poller) on free ports. */
export async function startTestRuntime(overrides: Partial<RuntimeSettings> = {}): Promise<LocalRuntime & { cleanup(): Promise<void> }> {
  const settings = await testSettings(overrides)
  const runtime = await startLocalRuntime(settings, { logger: createLogger('SILENT'), writeRuntimeFile: false, retryDelayMs: () => 50 })
  return {
    ...runtime,
    async cleanup() {
      await runtime.stop()
      await rm(settings.dataDir, { recursive: true, force: true })
    },
  }
}

/** Sends a mail over real SMTP to the runtime's server. */
export async function sendMail(port: number, raw: string | Buffer, envelope: { from: string; to: string[] }): Promise<void> {
  const transport = createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true })
  await transport.sendMail({ envelope, raw })
  transport.close()
}

export async function waitFor<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

export async function apiLogin(baseUrl: string, login = 'admin', password = demoPassword): Promise<string> {
  const response = await fetch(`${baseUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login, password }) })
  if (!response.ok) throw new Error(`login failed: ${response.status} ${await response.text()}`)
  return ((await response.json()) as { token: string }).token
}

export function mail(fields: { from?: string; to?: string; subject: string; messageId?: string; inReplyTo?: string; references?: string; headers?: Record<string, string>; body?: string }): string {
  const lines = [
    `From: ${fields.from ?? 'Ann Customer <ann@customer.example>'}`,
    `To: ${fields.to ?? 'support@example.com'}`,
    `Subject: ${fields.subject}`,
    `Message-ID: <${fields.messageId ?? `${randomUUID()}@customer.example`}>`,
    `Date: Mon, 23 Nov 2026 09:00:00 +0000`,
    ...(fields.inReplyTo ? [`In-Reply-To: <${fields.inReplyTo}>`] : []),
    ...(fields.references ? [`References: ${fields.references}`] : []),
    ...Object.entries(fields.headers ?? {}).map(([name, value]) => `${name}: ${value}`),
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    fields.body ?? 'Hello, something is broken.',
    '',
  ]
  return lines.join('\r\n')
}

/** Stores a raw mail the way the SMTP server does and ingests it, as mail-received would. */
export async function ingestRaw(deps: Dependencies, raw: string | Buffer, envelope: { sender?: string; recipients?: string[] } = {}) {
  const { storeRawMail } = await import('../../lib/local/smtp-inbound.ts')
  const { ingestStoredMail } = await import('../../lib/mail/ingest-mail.ts')
  const key = await storeRawMail(deps.rawMail, Buffer.isBuffer(raw) ? raw : Buffer.from(raw), { recipients: envelope.recipients ?? [], ...(envelope.sender ? { sender: envelope.sender } : {}) })
  return { key, ...(await ingestStoredMail(deps, { bucket: deps.rawMail.bucket, key })) }
}

/** Dependencies with a config changed from the demo one (e.g. extra postmaster filters). */
export async function testDependenciesWithConfig(change: (yaml: string) => string, overrides: Partial<RuntimeSettings> = {}, options: BuildOptions = {}): Promise<Dependencies> {
  const { readFileSync } = await import('node:fs')
  const { parseConfig } = await import('../../lib/platform/config-file.ts')
  return testDependencies(overrides, { ...options, config: parseConfig(change(readFileSync('docket.config.yaml', 'utf8'))) })
}
