import { describe, expect, it } from 'vitest'
import { createLogger } from '../../lib/platform/logger.ts'
import { jobsFiredTwice, killWorkers } from '../support/fault-runs.ts'
import { testDependencies } from '../support/local-stack.ts'

/**
 * The faults of `npm run bench -- faults` (issue 9.4), small enough for CI. The others have their
 * small versions elsewhere: redeliveries and parallel creates in concurrency.test.ts, the poison
 * batch and replaying a day in mail-resilience.test.ts, duplicated and reordered change events in
 * search-consistency.test.ts.
 */
describe('faults', () => {
  it('a worker process killed at random points and right after its commit: the mail is never lost and never doubled', async () => {
    const deps = await testDependencies({}, { logger: createLogger('SILENT') })
    const figures = await killWorkers(deps, 4, 400, Math.random)
    console.log(`kill runs: ${JSON.stringify(figures)}`)
    expect(figures).toMatchObject({ runs: 4, lost: 0, duplicated: 0 })
  }, 120_000)

  it('every scheduled job fired twice at once, and once more: each effect happens once', async () => {
    const deps = await testDependencies({}, { logger: createLogger('SILENT') })
    const figures = await jobsFiredTwice(deps, 3)
    expect(figures).toEqual({ ticketsPerKind: 3, firings: 3, remindersSent: 3, autoClosed: 3, junkRemoved: 3, junkPurged: 3, extraEffects: 0 })
  }, 120_000)
})
