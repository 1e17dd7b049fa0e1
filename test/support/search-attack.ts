import { plantedSearchWordsMail } from '../hostile/hostile-mails.ts'
import { sendMail, waitFor } from './local-stack.ts'

/**
 * The search attack of issue 13.1, for tests and benchmarks (`npm run bench -- abuse`): a customer
 * plants a ticket of 16,000 lines of `invoice` ×12, then an agent searches `invoice` ×8 and `*a`
 * ×1000. Before the fix one such search stopped HTTP, SMTP intake and the workers for 54 s and 13+
 * minutes; now each ends within the search time limit (DOCKET_SEARCH_TIMEOUT_MS) with a 200, a 400
 * naming `q` or a 503 `timeout`, while everything else keeps answering.
 */
export const searchAttackQueries = {
  /** The planted word, 8 times: one term after deduplication. */
  repeatedWord: Array(8).fill('invoice').join(' '),
  /** `*a` ×1000 (2,000 characters, the longest text a search takes): 999 one-letter prefixes, refused. */
  wildcardFlood: '*a'.repeat(1000),
  /** The same with spaces: `*a *a …`, a leading * on one-letter words (ignored, so one word). */
  spacedWildcards: Array(666).fill('*a').join(' '),
} as const

export type SearchAttackQuery = keyof typeof searchAttackQueries

/** Mails the planted ticket over SMTP, as the attacker did (to support@example.com, the demo config's Support queue). */
export async function plantSearchWords(smtpPort: number, subject = 'planted search words'): Promise<void> {
  await sendMail(smtpPort, plantedSearchWordsMail(subject), { from: 'mallory@evil.example', to: ['support@example.com'] })
}

/** Waits until the planted ticket is searchable (intake, store, stream and indexer are asynchronous): its number. */
export async function waitForPlantedTicket(baseUrl: string, token: string, subject = 'planted search words', timeoutMs = 120_000): Promise<string> {
  return waitFor(
    async () => {
      const response = await fetch(`${baseUrl}/api/search?q=${encodeURIComponent(`subject:"${subject}"`)}`, { headers: { authorization: `Bearer ${token}` } })
      const body = (await response.json()) as { items?: { number: string }[] }
      return body.items?.[0]?.number
    },
    'the planted ticket to be indexed',
    timeoutMs,
  )
}

export interface SearchAttackAnswer {
  query: SearchAttackQuery
  status: number
  ms: number
  /** The error code of a refusal or a stop (`invalid_request`, `timeout`), else null. */
  code: string | null
  field: string | null
  hits: number
}

/** One quick search (GET /api/search?q=…) as an agent, timed. */
export async function fireSearch(baseUrl: string, token: string, query: SearchAttackQuery): Promise<SearchAttackAnswer> {
  const started = performance.now()
  const response = await fetch(`${baseUrl}/api/search?q=${encodeURIComponent(searchAttackQueries[query])}`, { headers: { authorization: `Bearer ${token}` } })
  const body = (await response.json()) as { items?: unknown[]; error?: { code?: string; field?: string } }
  return { query, status: response.status, ms: Math.round(performance.now() - started), code: body.error?.code ?? null, field: body.error?.field ?? null, hits: body.items?.length ?? 0 }
}

/**
 * The attack: `rounds` times, every query of `queries` at once, `parallel` of each (the planted
 * ticket must be indexed first: plantSearchWords, then the runtime's drainIndex or a wait).
 */
export async function fireSearchAttack(options: { baseUrl: string; token: string; rounds?: number; parallel?: number; queries?: SearchAttackQuery[] }): Promise<SearchAttackAnswer[]> {
  const queries = options.queries ?? (Object.keys(searchAttackQueries) as SearchAttackQuery[])
  const answers: SearchAttackAnswer[] = []
  for (let round = 0; round < (options.rounds ?? 1); round++) {
    const batch = queries.flatMap((query) => Array.from({ length: options.parallel ?? 1 }, () => fireSearch(options.baseUrl, options.token, query)))
    answers.push(...(await Promise.all(batch)))
  }
  return answers
}

/** Latencies (ms) of GET `path` every `everyMs` until `stop` is called: what an attack does to everyone else. */
export function probeLatency(baseUrl: string, path = '/api/health', everyMs = 25): { stop(): Promise<number[]> } {
  const latencies: number[] = []
  let running = true
  const loop = (async () => {
    while (running) {
      const started = performance.now()
      await fetch(`${baseUrl}${path}`).then((response) => response.arrayBuffer())
      latencies.push(performance.now() - started)
      await new Promise((resolve) => setTimeout(resolve, everyMs))
    }
  })()
  return {
    async stop() {
      running = false
      await loop
      return latencies
    },
  }
}
