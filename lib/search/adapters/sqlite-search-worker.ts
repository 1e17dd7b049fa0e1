/**
 * A search worker thread (started by sqlite-search-workers.ts): one read-only connection to the live
 * index file, one search at a time. A search past its deadline is stopped inside SQLite (a function
 * in its WHERE clause throws) and answered `timeout`; the pool terminates the thread if that answer
 * does not come.
 */
import { parentPort } from 'node:worker_threads'
import type { SearchJob, SearchJobAnswer } from './sqlite-search-workers.ts'

// node:sqlite is experimental in Node 22: its warning, printed once per thread, is noise (bin/docket.js hides it too).
process.removeAllListeners('warning')
process.on('warning', (warning) => {
  if (warning.name !== 'ExperimentalWarning') console.warn(warning)
})
const { SearchDeadlineExceeded, SearchReader } = await import('./sqlite-search-reader.ts')

let reader: InstanceType<typeof SearchReader> | undefined

parentPort!.on('message', (job: SearchJob) => {
  let answer: SearchJobAnswer
  try {
    if (reader?.path !== job.path) {
      // A reindex swapped the live file: read the new one.
      reader?.close()
      reader = undefined
      reader = new SearchReader(job.path)
    }
    answer = { id: job.id, result: reader.search(job.query, job.deadline) }
  } catch (error) {
    answer = error instanceof SearchDeadlineExceeded ? { id: job.id, timedOut: true } : { id: job.id, error: error instanceof Error ? error.message : String(error) }
  }
  parentPort!.postMessage(answer)
})
parentPort!.postMessage({ ready: true } satisfies SearchJobAnswer)
