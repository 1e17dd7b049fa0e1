import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { measureQueueRender, seedTickets } from '../../bench/web.ts'
import { launchChromium } from '../support/browser.ts'
import { demoPassword, startTestRuntime } from '../support/local-stack.ts'

/**
 * The 500-ticket queue view in Chromium, from navigation start to every row in the table. The
 * figure to report comes from `npm run bench -- web`; here only a loose bound, because the test
 * machine runs other suites at the same time.
 */
let runtime: Awaited<ReturnType<typeof startTestRuntime>>
let browser: Browser

beforeAll(async () => {
  ;[runtime, browser] = await Promise.all([startTestRuntime(), launchChromium()])
  await seedTickets(runtime.deps, 500)
})
afterAll(async () => {
  await browser?.close()
  await runtime?.cleanup()
})

describe('the 500-ticket queue view', () => {
  it('renders all 500 rows within a loose bound', async () => {
    const [cold, warm] = await measureQueueRender(browser, runtime.httpUrl, { queue: 'Raw', login: 'admin', password: demoPassword, expectedRows: 500, runs: 2 })
    console.log(`500-ticket queue view: cold ${Math.round(cold!)} ms, warm ${Math.round(warm!)} ms (navigation start → all rows rendered)`)
    expect(warm).toBeLessThan(5000)
  })
})
