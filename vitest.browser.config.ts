import { defineConfig } from 'vitest/config'

/**
 * Browser tests (test/browser): Debian's Chromium drives the real local runtime serving the built
 * client. One file at a time: each starts a runtime and a browser, and 2 cores are all there is.
 */
export default defineConfig({
  test: {
    include: ['test/browser/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts', 'test/support/web-build-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
    fileParallelism: false,
    maxWorkers: 1,
  },
})
