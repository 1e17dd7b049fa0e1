import { Worker } from 'node:worker_threads'
import { DocketError, searchTimedOut } from '../../platform/errors.ts'
import type { EngineQuery, SearchResult } from '../ports.ts'

/** A search as sent to a worker: the live index file, the query, and the epoch ms it must end by. */
export interface SearchJob {
  id: number
  path: string
  query: EngineQuery
  deadline: number
}

/** A worker's answer to a job, or `ready` once it has loaded (it takes jobs from then on). */
export type SearchJobAnswer = { id: number; result: SearchResult } | { id: number; timedOut: true } | { id: number; error: string } | { ready: true }

export interface SearchWorkerPoolOptions {
  /** Threads, each with its own read-only connection. @default 2 (a search per core of a small machine) */
  size?: number
  /**
   * A search's time limit, counted from when a thread starts it. Waiting for a thread (one busy, or
   * one starting) is bounded by the same limit: a search that waited longer is answered `timeout`
   * without running. @default 5,000 ms
   */
  timeoutMs?: number
  /** Searches waiting for a thread beyond which a new one is refused at once (503). @default 32 */
  maxWaiting?: number
}

/**
 * After the deadline, how long a thread may take to answer `timeout` before it is terminated: SQLite
 * checks the deadline once per row, so only a single long step (bounded by query-limits.ts) runs past it.
 */
const graceMs = 1_000
/** A search holds little (a page of hits, passages of 20,000 characters a field): a heap beyond this is a fault, and the thread ends. */
const heapLimitMb = 256

interface Pending {
  job: Omit<SearchJob, 'deadline'>
  resolve(result: SearchResult): void
  reject(error: unknown): void
  timer: NodeJS.Timeout
  slot?: Slot
}

interface Slot {
  worker: Worker
  /** Loaded: takes jobs. */
  ready: boolean
  running: Pending | undefined
}

/**
 * SQLite FTS5 searches off the event loop (issue 13.1: a search on the main thread stopped HTTP,
 * SMTP intake and the queue workers for 54 s). Each search gets a time limit; past it the search is
 * answered with a typed `timeout` error (503), stopped inside SQLite, and its thread is replaced if
 * it does not stop. Threads start with the pool's owner (start()) or on the first search; an idle
 * thread is unref'd (it never keeps the process alive), and a search's timer keeps it alive while
 * the search waits or runs. Process exit ends them.
 */
export class SearchWorkerPool {
  readonly timeoutMs: number
  private readonly size: number
  private readonly maxWaiting: number
  private readonly slots: Slot[] = []
  private readonly waiting: Pending[] = []
  private nextId = 1

  constructor(options: SearchWorkerPoolOptions = {}) {
    this.size = options.size ?? 2
    this.timeoutMs = options.timeoutMs ?? 5_000
    this.maxWaiting = options.maxWaiting ?? 32
  }

  /** Starts the threads now, so the first searches do not wait for them to load (they are idle and unref'd until used). */
  start(): void {
    while (this.slots.length < this.size) this.spawn()
  }

  run(path: string, query: EngineQuery): Promise<SearchResult> {
    if (this.waiting.length >= this.maxWaiting) {
      return Promise.reject(new DocketError('unavailable', `search is busy (${this.waiting.length} searches waiting); try again in a few seconds`, undefined, 5))
    }
    return new Promise<SearchResult>((resolve, reject) => {
      const pending: Pending = { job: { id: this.nextId++, path, query }, resolve, reject, timer: setTimeout(() => this.expire(pending), this.timeoutMs) }
      this.waiting.push(pending)
      this.dispatch()
    })
  }

  /** Terminates the threads; searches still waiting or running are answered `unavailable`. A later search starts new ones. */
  async close(): Promise<void> {
    const stopped = new DocketError('unavailable', 'search is shutting down; try again in a moment')
    for (const pending of this.waiting.splice(0)) this.settle(pending, stopped)
    await Promise.all(
      this.slots.splice(0).map((slot) => {
        if (slot.running) this.settle(slot.running, stopped)
        return slot.worker.terminate()
      }),
    )
  }

  private dispatch(): void {
    while (this.waiting.length > 0) {
      const slot = this.slots.find((each) => each.ready && !each.running)
      if (!slot) {
        // Start a thread when every thread is busy (a starting one counts as busy with the next waiting search).
        const starting = this.slots.filter((each) => !each.ready).length
        if (this.slots.length < this.size && starting < this.waiting.length) this.spawn()
        return
      }
      const pending = this.waiting.shift()!
      clearTimeout(pending.timer)
      pending.timer = setTimeout(() => this.expire(pending), this.timeoutMs + graceMs)
      slot.running = pending
      pending.slot = slot
      // Ref'd while it runs a search: a script awaiting only a search must not exit under it.
      slot.worker.ref()
      slot.worker.postMessage({ ...pending.job, deadline: Date.now() + this.timeoutMs } satisfies SearchJob)
    }
  }

  private spawn(): Slot {
    const worker = new Worker(new URL('./sqlite-search-worker.ts', import.meta.url), { resourceLimits: { maxOldGenerationSizeMb: heapLimitMb } })
    const slot: Slot = { worker, ready: false, running: undefined }
    worker.on('message', (answer: SearchJobAnswer) => {
      if ('ready' in answer) {
        slot.ready = true
        this.dispatch()
        return
      }
      const pending = slot.running
      if (!pending || pending.job.id !== answer.id) return
      slot.running = undefined
      slot.worker.unref()
      if ('result' in answer) this.settle(pending, undefined, answer.result)
      else if ('timedOut' in answer) this.settle(pending, searchTimedOut(this.timeoutMs))
      else this.settle(pending, new Error(`search failed: ${answer.error}`))
      this.dispatch()
    })
    const lost = (reason: string) => {
      if (!this.slots.includes(slot)) return
      this.slots.splice(this.slots.indexOf(slot), 1)
      if (slot.running) this.settle(slot.running, new DocketError('unavailable', `search failed (${reason}); try again, or narrow the search`))
      if (!slot.ready) {
        // A thread that cannot even start would be started again and again: answer the waiting searches instead.
        for (const pending of this.waiting.splice(0)) this.settle(pending, new DocketError('unavailable', `search is not available: its thread did not start (${reason})`))
        return
      }
      this.dispatch()
    }
    worker.on('error', (error) => lost(error.message))
    worker.on('exit', (code) => lost(`its thread ended with code ${code}`))
    // After the listeners: adding a 'message' listener refs the thread again, and an idle thread would keep the process alive.
    worker.unref()
    this.slots.push(slot)
    return slot
  }

  /** A search waited for a thread longer than the time limit, or ran past it and its grace: answered; a running one's thread is replaced. */
  private expire(pending: Pending): void {
    const index = this.waiting.indexOf(pending)
    if (index >= 0) this.waiting.splice(index, 1)
    const slot = pending.slot
    if (slot && slot.running === pending) {
      this.slots.splice(this.slots.indexOf(slot), 1)
      slot.running = undefined
      void slot.worker.terminate()
    }
    this.settle(pending, searchTimedOut(this.timeoutMs))
    this.dispatch()
  }

  private settle(pending: Pending, error: unknown, result?: SearchResult): void {
    clearTimeout(pending.timer)
    pending.slot = undefined
    if (error === undefined) pending.resolve(result!)
    else pending.reject(error)
  }
}
