import { EventEmitter } from 'node:events'
import { mkdir, open, readFile, readdir, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { newId } from '../../platform/ids.ts'
import type { RetryableQueue, WorkQueue } from '../ports.ts'

/**
 * The local stand-in for SQS: a durable queue in a folder. Messages survive a crash (files,
 * fsynced), a claimed message is invisible to other consumers (atomic rename), failures come back
 * after a backoff, and after `maxReceiveCount` receives a message moves to `dead/`, where
 * `docket mail replay` finds it. Semantics follow SQS: at-least-once, receive count per delivery.
 */
export interface QueuedMessage {
  id: string
  body: string
  receiveCount: number
  sentAt: number
  errors: string[]
}

export interface FsQueueOptions {
  maxReceiveCount: number
  /** Delay before a failed message is visible again, by receive count. */
  retryDelayMs?: (receiveCount: number) => number
}

const padTime = (ms: number) => String(ms).padStart(15, '0')

export class FsWorkQueue<T> implements WorkQueue<T>, RetryableQueue {
  readonly name: string
  readonly dir: string
  private readonly options: Required<FsQueueOptions>
  private readonly events = new EventEmitter()
  /** Retry delays the consumer asked for, by message id, used when the delivery fails. */
  private readonly requestedDelaysMs = new Map<string, number>()

  constructor(dir: string, name: string, options: FsQueueOptions) {
    this.dir = dir
    this.name = name
    this.options = { retryDelayMs: (count) => Math.min(30_000, 250 * 2 ** count), ...options }
  }

  private folder(kind: 'ready' | 'inflight' | 'dead') {
    return join(this.dir, kind)
  }

  async init(): Promise<void> {
    await Promise.all((['ready', 'inflight', 'dead'] as const).map((kind) => mkdir(this.folder(kind), { recursive: true })))
  }

  /** Only the consumer calls this at its start: messages claimed by a consumer that died are visible again (SQS: visibility timeout). */
  async recoverInflight(): Promise<void> {
    await this.init()
    for (const file of await readdir(this.folder('inflight'))) {
      const message = await this.read(join(this.folder('inflight'), file))
      if (message) await this.write('ready', `${padTime(Date.now())}-${message.id}.json`, message)
      await rm(join(this.folder('inflight'), file), { force: true })
    }
  }

  async send(message: T): Promise<void> {
    await this.sendBody(JSON.stringify(message))
  }

  async sendBody(body: string): Promise<void> {
    const message: QueuedMessage = { id: newId(), body, receiveCount: 0, sentAt: Date.now(), errors: [] }
    await this.write('ready', `${padTime(Date.now())}-${message.id}.json`, message)
    this.events.emit('message')
  }

  /** Resolves when a message is sent in this process, or after `ms`. */
  waitForMessage(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer)
        this.events.off('message', done)
        resolve()
      }
      const timer = setTimeout(done, ms)
      this.events.once('message', done)
    })
  }

  /** Claims up to `max` visible messages; each receive counts, as in SQS. */
  async receive(max: number): Promise<QueuedMessage[]> {
    const now = Date.now()
    const files = (await readdir(this.folder('ready'))).filter((file) => file.endsWith('.json')).sort()
    const claimed: QueuedMessage[] = []
    for (const file of files) {
      if (claimed.length >= max) break
      if (Number(file.slice(0, 15)) > now) break
      const id = file.slice(16, -5)
      const inflight = join(this.folder('inflight'), `${id}.json`)
      try {
        await rename(join(this.folder('ready'), file), inflight)
      } catch {
        continue // another consumer took it
      }
      const message = await this.read(inflight)
      if (!message) continue
      message.receiveCount += 1
      await this.write('inflight', `${id}.json`, message)
      claimed.push(message)
    }
    return claimed
  }

  async complete(message: QueuedMessage): Promise<void> {
    await rm(join(this.folder('inflight'), `${message.id}.json`), { force: true })
  }

  /** The consumer's choice of when a delivery it is failing comes back (the local receipt handle is the message id). */
  async retryAfter(receiptHandle: string, seconds: number): Promise<void> {
    this.requestedDelaysMs.set(receiptHandle, Math.max(0, seconds) * 1000)
  }

  /** A failed delivery: retried after a backoff (or the delay the consumer asked for), or dead-lettered after maxReceiveCount receives. */
  async fail(message: QueuedMessage, error: string): Promise<'retry' | 'dead'> {
    const failed = { ...message, errors: [...message.errors, `${new Date().toISOString()} ${error}`].slice(-10) }
    const outcome = message.receiveCount >= this.options.maxReceiveCount ? 'dead' : 'retry'
    const delayMs = this.requestedDelaysMs.get(message.id) ?? this.options.retryDelayMs(message.receiveCount)
    this.requestedDelaysMs.delete(message.id)
    if (outcome === 'dead') await this.write('dead', `${message.id}.json`, failed)
    else await this.write('ready', `${padTime(Date.now() + delayMs)}-${message.id}.json`, failed)
    await rm(join(this.folder('inflight'), `${message.id}.json`), { force: true })
    return outcome
  }

  async listDead(): Promise<QueuedMessage[]> {
    const files = (await readdir(this.folder('dead')).catch(() => [])).filter((file) => file.endsWith('.json')).sort()
    const messages = await Promise.all(files.map((file) => this.read(join(this.folder('dead'), file))))
    return messages.filter((message): message is QueuedMessage => message !== undefined)
  }

  /** Moves a dead letter back to the queue with a fresh receive count. */
  async redrive(message: QueuedMessage): Promise<void> {
    await this.write('ready', `${padTime(Date.now())}-${message.id}.json`, { ...message, receiveCount: 0 })
    await rm(join(this.folder('dead'), `${message.id}.json`), { force: true })
    this.events.emit('message')
  }

  async removeDead(message: QueuedMessage): Promise<void> {
    await rm(join(this.folder('dead'), `${message.id}.json`), { force: true })
  }

  async depth(): Promise<{ ready: number; inflight: number; dead: number }> {
    const count = async (kind: 'ready' | 'inflight' | 'dead') => (await readdir(this.folder(kind)).catch(() => [])).filter((file) => file.endsWith('.json')).length
    return { ready: await count('ready'), inflight: await count('inflight'), dead: await count('dead') }
  }

  private async read(path: string): Promise<QueuedMessage | undefined> {
    try {
      return JSON.parse(await readFile(path, 'utf8')) as QueuedMessage
    } catch {
      return undefined
    }
  }

  private async write(kind: 'ready' | 'inflight' | 'dead', file: string, message: QueuedMessage): Promise<void> {
    const path = join(this.folder(kind), file)
    const temp = `${path}.tmp`
    const handle = await open(temp, 'w')
    try {
      await handle.writeFile(JSON.stringify(message))
      await handle.sync()
    } finally {
      await handle.close()
    }
    await rename(temp, path)
  }
}
