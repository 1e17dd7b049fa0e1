import { spawnSync } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest'
import { DynamoAgentStore } from '../../lib/auth/adapters/dynamodb-agent-store.ts'
import { verifyPassword } from '../../lib/auth/passwords.ts'
import { createDocumentClient, createDynamoClient } from '../../lib/store/dynamodb-client.ts'
import { ensureTable } from '../../lib/store/ensure-table.ts'
import { mail } from '../support/local-stack.ts'
import { dataDirWarnings } from '../../cli/commands.ts'
import { writeRuntimeFile } from '../../lib/local/runtime-file.ts'

const docket = (args: string[], env: Record<string, string>, input?: string) =>
  spawnSync(process.execPath, ['bin/docket.js', ...args], { encoding: 'utf8', env: { ...process.env, DOCKET_LOG_LEVEL: 'ERROR', ...env }, input, timeout: 120_000 })

describe('docket CLI', () => {
  let dir: string
  let env: Record<string, string>
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'docket-cli-'))
    env = { DOCKET_DATA_DIR: dir, DOCKET_DYNAMODB_ENDPOINT: inject('dynamodbEndpoint'), DOCKET_TABLE_NAME: `cli-${randomUUID()}` }
  })
  afterAll(() => rm(dir, { recursive: true, force: true }))

  it('mail ingest prints one JSON line per mail; the same file again is a duplicate', async () => {
    const file = join(dir, 'hello.eml')
    await writeFile(file, mail({ subject: 'via the CLI' }))
    const first = docket(['mail', 'ingest', file], env)
    expect(first.status, first.stderr).toBe(0)
    const created = JSON.parse(first.stdout.trim()) as Record<string, string>
    expect(created).toMatchObject({ action: 'created', queue: 'Support' })
    expect(created.ticketNumber).toMatch(/^\d{8}42\d{6}$/)
    expect(Object.keys(created).sort()).toEqual(['action', 'articleId', 'queue', 'ticketNumber'])
    const second = docket(['mail', 'ingest', file], env)
    expect(JSON.parse(second.stdout.trim())).toEqual({ ...created, action: 'duplicate' })
  })

  it('mail ingest reads standard input and several files, and strips an mbox "From " line', async () => {
    const stdin = docket(['mail', 'ingest', '-'], env, `From sender@example.org Fri Dec 21 23:59:24 2001\n${mail({ subject: 'from stdin' })}`)
    expect(JSON.parse(stdin.stdout.trim())).toMatchObject({ action: 'created' })
    const files = await Promise.all(['a', 'b'].map(async (name) => {
      const path = join(dir, `${name}.eml`)
      await writeFile(path, mail({ subject: `file ${name}`, to: 'sales@example.com' }))
      return path
    }))
    const many = docket(['mail', 'ingest', ...files], env)
    const lines = many.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, string>)
    expect(lines.map((line) => [line.action, line.queue])).toEqual([['created', 'Sales'], ['created', 'Sales']])
  })

  it('mail ingest works with no server and no DynamoDB Local running (starts its own on the data dir)', async () => {
    const own = await mkdtemp(join(tmpdir(), 'docket-cli-own-'))
    try {
      const file = join(own, 'x.eml')
      await writeFile(file, mail({ subject: 'offline ingest' }))
      const result = docket(['mail', 'ingest', file], { DOCKET_DATA_DIR: own, DOCKET_DYNAMODB_ENDPOINT: '' })
      expect(result.status, result.stderr).toBe(0)
      expect(JSON.parse(result.stdout.trim())).toMatchObject({ action: 'created', ticketNumber: expect.stringMatching(/000001$/) })
    } finally {
      await rm(own, { recursive: true, force: true })
    }
  }, 120_000)

  it('config check names the bad path and exits non-zero', async () => {
    const bad = join(dir, 'bad.yaml')
    await writeFile(bad, (await import('node:fs')).readFileSync('docket.config.yaml', 'utf8').replace('id: "42"', 'id: "forty-two"'))
    const result = docket(['config', 'check', bad], env)
    expect(result.status).toBe(1)
    expect(result.stderr).toContain('system.id: must be 1 to 10 digits')
    const good = docket(['config', 'check'], env)
    expect(good.status).toBe(0)
    expect(good.stdout).toMatch(/is valid: 5 queues/)
  })

  it('start refuses a bad config with the path of the field and a non-zero exit', async () => {
    const bad = join(dir, 'bad-start.yaml')
    await writeFile(bad, 'system:\n  id: "42"\n')
    const result = docket(['start'], { ...env, DOCKET_CONFIG: bad })
    expect(result.status).toBe(1)
    expect(result.stderr).toMatch(/mail: .*expected object/i)
  })

  it('agent password --table sets the password in a deployed table (AWS credentials; here DynamoDB Local) and ends the sessions', async () => {
    const table = `cli-deployed-${randomUUID()}`
    const client = createDynamoClient({ region: 'eu-west-1', endpoint: inject('dynamodbEndpoint') })
    await ensureTable(client, table)
    client.destroy()
    const documents = createDocumentClient({ region: 'eu-west-1', endpoint: inject('dynamodbEndpoint') })
    const agents = new DynamoAgentStore(documents, table)
    try {
      await agents.createSession({ login: 'admin', sessionId: 'old', createdAt: '2026-01-01T00:00:00Z', lastSeenAt: '2026-01-01T00:00:00Z', expiresAt: '2099-01-01T00:00:00Z', userAgent: null, ip: null, twoFactor: false })
      const result = docket(['agent', 'password', 'admin', '--table', table, '--region', 'eu-west-1', '--password', 'First-login-42!'], { ...env, DOCKET_PASSWORD_HASH_COST: '10' })
      expect(result.status, result.stderr).toBe(0)
      expect(result.stdout).toContain(`Password of admin set in ${table}; their sessions have ended`)
      const record = await agents.getAgent('admin')
      expect(await verifyPassword('First-login-42!', record!.passwordHash!)).toBe(true)
      expect(await agents.listSessions('admin')).toEqual([])
      const weak = docket(['agent', 'password', 'admin', '--table', table, '--password', 'short'], env)
      expect(weak.status).toBe(1)
      expect(weak.stderr).toMatch(/password policy/)
    } finally {
      documents.destroy()
    }
  })

  it('warns when the data a command uses is not the running server\'s: another DynamoDB endpoint, or a server on the default data dir', async () => {
    const serverDir = await mkdtemp(join(tmpdir(), 'docket-cli-server-'))
    try {
      // A live process that is not this one stands in for the server (readRunningServer checks the pid).
      const server = { pid: process.ppid, dynamodbEndpoint: 'http://127.0.0.1:1', httpUrl: 'http://127.0.0.1:2', smtp: '127.0.0.1:3', startedAt: new Date().toISOString() }
      await writeRuntimeFile(serverDir, server)
      const settings = { dataDir: dir, tableName: 'docket', dynamodbEndpoint: 'http://127.0.0.1:9' }
      expect(await dataDirWarnings(settings, server, 'existing', serverDir)).toEqual([
        `the server running on ${dir} (pid ${server.pid}) uses DynamoDB at http://127.0.0.1:1, but DOCKET_DYNAMODB_ENDPOINT points this command at http://127.0.0.1:9.`,
      ])
      const elsewhere = await dataDirWarnings({ ...settings, dynamodbEndpoint: undefined }, undefined, 'created', serverDir)
      expect(elsewhere[0]).toBe(`data dir ${dir} held no Docket table: a new, empty one was created. If your server keeps its data elsewhere, set DOCKET_DATA_DIR to its data dir.`)
      expect(elsewhere[1]).toContain(`a Docket server is running on ${serverDir} (pid ${server.pid}, http://127.0.0.1:2), but this command uses ${dir}`)
      expect(await dataDirWarnings({ ...settings, dataDir: serverDir, dynamodbEndpoint: undefined }, undefined, 'existing', serverDir)).toEqual([])
    } finally {
      await rm(serverDir, { recursive: true, force: true })
    }
  })
})
