import { readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

/**
 * `<data dir>/runtime.json` says a local server is running and where its DynamoDB Local listens,
 * so CLI commands use the running instance instead of opening the same files a second time.
 */
export interface RuntimeInfo {
  pid: number
  /** DynamoDB Local's Java process, when this server started its own. */
  dynamodbPid?: number
  dynamodbEndpoint: string
  httpUrl: string
  smtp: string
  startedAt: string
}

const fileOf = (dataDir: string) => join(dataDir, 'runtime.json')

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

export async function readRunningServer(dataDir: string): Promise<RuntimeInfo | undefined> {
  try {
    const info = JSON.parse(await readFile(fileOf(dataDir), 'utf8')) as RuntimeInfo
    // A file left by a killed run can name a pid that is now ours (a container's process runs under the same pid each time).
    return info.pid !== process.pid && isAlive(info.pid) ? info : undefined
  } catch {
    return undefined
  }
}

export async function writeRuntimeFile(dataDir: string, info: RuntimeInfo): Promise<void> {
  await writeFile(fileOf(dataDir), JSON.stringify(info, null, 2), { mode: 0o600 })
}

export async function removeRuntimeFile(dataDir: string): Promise<void> {
  await rm(fileOf(dataDir), { force: true })
}
