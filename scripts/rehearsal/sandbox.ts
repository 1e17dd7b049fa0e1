import { fork, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { cpSync, existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/**
 * One function's sandbox: a fresh Node process started the way the Lambda Node.js runtime starts
 * one, with the function's bundle as its task root (copied out of the repository, so nothing can
 * be resolved from the project's node_modules), `_HANDLER` from the template, and only the
 * environment the template sets plus what Lambda itself sets (region, credentials, function
 * name, task root). The runtime shim below plays the Lambda runtime interface: it imports the
 * handler module at init, then runs one invocation at a time and answers with the result.
 */

const runtimeShim = String.raw`
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

// Every read of a variable that is not set is noted: the report names the ones the code wanted.
const unset = new Set()
process.env = new Proxy(process.env, {
  get(target, key) {
    if (typeof key === 'string' && !(key in target)) unset.add(key)
    return Reflect.get(target, key)
  },
})

const send = (message) => process.send(message)
let handler
async function init() {
  const spec = process.env._HANDLER ?? ''
  const dot = spec.lastIndexOf('.')
  const moduleName = spec.slice(0, dot)
  const functionName = spec.slice(dot + 1)
  const root = process.env.LAMBDA_TASK_ROOT
  // The Lambda Node.js runtime's order: .js, .mjs, .cjs.
  const file = ['.js', '.mjs', '.cjs'].map((extension) => join(root, moduleName + extension)).find((candidate) => existsSync(candidate))
  if (dot <= 0 || !file) throw Object.assign(new Error('Cannot find module ' + moduleName + ' in ' + root + ' (handler ' + spec + ')'), { kind: 'handler-module' })
  const started = performance.now()
  const module = await import(pathToFileURL(file).href)
  const exported = module[functionName] ?? module.default?.[functionName]
  if (typeof exported !== 'function') throw Object.assign(new Error(moduleName + '.' + functionName + ' is undefined or not exported'), { kind: 'handler-name' })
  handler = exported
  return performance.now() - started
}

const errorOf = (error) => ({ name: error?.name ?? 'Error', message: String(error?.message ?? error), stack: String(error?.stack ?? ''), code: error?.code, kind: error?.kind })

process.on('message', async (message) => {
  if (message.type === 'init') {
    try {
      send({ type: 'ready', initMs: await init(), unset: [...unset] })
    } catch (error) {
      send({ type: 'init-error', error: errorOf(error), unset: [...unset] })
    }
    return
  }
  const deadline = Date.now() + message.timeoutMs
  const context = {
    callbackWaitsForEmptyEventLoop: true,
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: message.functionArn,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: message.requestId,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done() {},
    fail() {},
    succeed() {},
  }
  let timer
  try {
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(Object.assign(new Error('Task timed out after ' + message.timeoutMs / 1000 + ' seconds'), { kind: 'timeout' })), message.timeoutMs)
    })
    const started = performance.now()
    const value = await Promise.race([Promise.resolve(handler(message.event, context)), timeout])
    send({ type: 'result', id: message.id, ok: true, value: value === undefined ? null : value, ms: performance.now() - started, unset: [...unset] })
  } catch (error) {
    send({ type: 'result', id: message.id, ok: false, error: errorOf(error), unset: [...unset] })
  } finally {
    clearTimeout(timer)
  }
})
`

export interface SandboxOptions {
  /** Logical id of the function (names its log and its calls). */
  id: string
  functionName: string
  functionArn: string
  assetDir: string
  handler: string
  /** The template's Environment.Variables, resolved. */
  environment: Record<string, string>
  /** What Lambda sets besides (credentials, region, endpoints of the local stand-ins). */
  runtimeEnvironment: Record<string, string>
  memoryMb: number
  timeoutSeconds: number
  /** Where the task roots go (outside the repository). */
  workDir: string
  node: string
}

export interface InvocationError {
  name: string
  message: string
  stack: string
  code?: string
  kind?: string
}

export type InvocationResult = { ok: true; value: unknown; ms: number } | { ok: false; error: InvocationError }

/** The template's paths under /var/task (where Lambda unpacks the bundle) point into the local task root. */
export const lambdaTaskRoot = '/var/task'

export class Sandbox {
  private child: ChildProcess | undefined
  private readonly pending = new Map<string, (result: InvocationResult) => void>()
  readonly output: string[] = []
  readonly unsetReads = new Set<string>()
  initMs: number | undefined
  initError: InvocationError | undefined
  invocations = 0
  readonly taskRoot: string
  readonly options: SandboxOptions

  constructor(options: SandboxOptions) {
    this.options = options
    this.taskRoot = join(options.workDir, 'task', options.id)
  }

  /** Cold start: copies the bundle to the task root and imports the handler module. */
  async start(): Promise<void> {
    const { options } = this
    if (!existsSync(options.assetDir)) {
      this.initError = { name: 'AssetMissing', message: `no asset directory ${options.assetDir}`, stack: '', kind: 'handler-module' }
      return
    }
    cpSync(options.assetDir, this.taskRoot, { recursive: true })
    const shim = join(options.workDir, 'lambda-runtime.mjs')
    if (!existsSync(shim)) writeFileSync(shim, runtimeShim)
    const environment = Object.fromEntries(Object.entries(options.environment).map(([key, value]) => [key, value.replaceAll(lambdaTaskRoot, this.taskRoot)]))
    const env = {
      ...environment,
      ...options.runtimeEnvironment,
      _HANDLER: options.handler,
      LAMBDA_TASK_ROOT: this.taskRoot,
      AWS_LAMBDA_FUNCTION_NAME: options.functionName,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(options.memoryMb),
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${options.functionName}`,
      AWS_LAMBDA_LOG_STREAM_NAME: `2026/01/01/[$LATEST]${randomUUID().replaceAll('-', '')}`,
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
      TZ: ':UTC',
      LANG: 'en_US.UTF-8',
      PATH: '/usr/local/bin:/usr/bin:/bin',
    }
    // NODE_OPTIONS comes from the template (as in Lambda); the heap limit is the one Lambda's runtime sets from the memory size.
    this.child = fork(shim, [], {
      cwd: this.taskRoot,
      env,
      execPath: options.node,
      execArgv: [`--max-old-space-size=${Math.floor(options.memoryMb * 0.9)}`],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    })
    const keep = (chunk: Buffer) => {
      this.output.push(...chunk.toString('utf8').split('\n').filter(Boolean))
      if (this.output.length > 400) this.output.splice(0, this.output.length - 400)
    }
    this.child.stdout!.on('data', keep)
    this.child.stderr!.on('data', keep)
    this.child.on('exit', (code, signal) => {
      for (const resolve of this.pending.values()) resolve({ ok: false, error: { name: 'Runtime.ExitError', message: `the sandbox exited (code ${code}, signal ${signal})`, stack: '' } })
      this.pending.clear()
    })
    const ready = await new Promise<{ type: string; initMs?: number; error?: InvocationError; unset: string[] }>((resolve) => {
      this.child!.once('message', (message) => resolve(message as { type: string; unset: string[] }))
      this.child!.once('exit', (code) => resolve({ type: 'init-error', error: { name: 'Runtime.ExitError', message: `exited during init (code ${code})`, stack: '' }, unset: [] }))
      this.child!.send({ type: 'init' })
    })
    ready.unset.forEach((key) => this.unsetReads.add(key))
    if (ready.type === 'ready') this.initMs = ready.initMs
    else this.initError = ready.error
    this.child.on('message', (message: { type: string; id: string; ok: boolean; value?: unknown; ms?: number; error?: InvocationError; unset: string[] }) => {
      if (message.type !== 'result') return
      message.unset.forEach((key) => this.unsetReads.add(key))
      const resolve = this.pending.get(message.id)
      this.pending.delete(message.id)
      resolve?.(message.ok ? { ok: true, value: message.value, ms: message.ms ?? 0 } : { ok: false, error: message.error! })
    })
  }

  async invoke(event: unknown): Promise<InvocationResult> {
    if (this.initError || !this.child) return { ok: false, error: this.initError ?? { name: 'NotStarted', message: 'the sandbox did not start', stack: '' } }
    this.invocations++
    const id = randomUUID()
    return new Promise<InvocationResult>((resolve) => {
      this.pending.set(id, resolve)
      this.child!.send({ type: 'invoke', id, event, requestId: id, functionArn: this.options.functionArn, timeoutMs: this.options.timeoutSeconds * 1000 })
    })
  }

  async stop(): Promise<void> {
    const child = this.child
    if (!child || child.exitCode !== null) return
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve())
      child.kill('SIGTERM')
    })
  }
}
