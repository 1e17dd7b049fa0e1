import { defineConfig } from 'vitest/config'

/**
 * The real `cdk synth` (with esbuild bundling) runs alone, after the other suites: it takes both
 * cores for ~15 s. One file at a time: the deployment rehearsal synthesizes too, then runs the bundles (twice).
 */
export default defineConfig({
  test: { include: ['test/synth/**/*.test.ts'], testTimeout: 180_000, fileParallelism: false },
})
