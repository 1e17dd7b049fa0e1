/**
 * `npm test`: lint, type-check, cdk-nag, and every test suite, then one plain closing line
 * `N passed, N failed` (CI reads that line, not the runners' own summaries).
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'

interface Step {
  name: string
  run(): { passed: number; failed: number }
}

const run = (command: string, args: string[], env: Record<string, string> = {}) => {
  const started = Date.now()
  const result = spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, ...env } })
  console.log(`\n[${command} ${args.slice(0, 2).join(' ')}] exit ${result.status} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`)
  return result.status === 0
}

const bin = (name: string) => `node_modules/.bin/${name}`

function vitestStep(name: string, args: string[] = []): Step {
  return {
    name,
    run() {
      const report = `test/artifacts/${name}.json`
      rmSync(report, { force: true })
      const ok = run(bin('vitest'), ['run', ...args, '--reporter=default', '--reporter=json', `--outputFile.json=${report}`])
      if (!existsSync(report)) return { passed: 0, failed: 1 }
      const results = JSON.parse(readFileSync(report, 'utf8')) as { numPassedTests: number; numFailedTests: number; numFailedTestSuites: number }
      const failed = results.numFailedTests + (ok || results.numFailedTests > 0 ? 0 : Math.max(1, results.numFailedTestSuites))
      return { passed: results.numPassedTests, failed }
    },
  }
}

const single = (name: string, command: string, args: string[]): Step => ({
  name,
  run: () => (run(command, args) ? { passed: 1, failed: 0 } : { passed: 0, failed: 1 }),
})

mkdirSync('test/artifacts', { recursive: true })
const only = process.argv[2]
const steps: Step[] = [
  single('lint', bin('eslint'), ['.']),
  single('typecheck', bin('tsc'), ['--noEmit', '-p', 'tsconfig.json']),
  single('typecheck:web', bin('tsc'), ['--noEmit', '-p', 'web/tsconfig.json']),
  // cdk-nag AwsSolutions on the CDK app (dev, and prod with every option): any unacknowledged finding fails.
  single('nag', process.execPath, ['scripts/nag.ts']),
  vitestStep('vitest'),
  // Chromium against the real local runtime and the built client (builds web/dist when stale).
  vitestStep('browser', ['--config', 'vitest.browser.config.ts']),
  vitestStep('synth', ['--config', 'vitest.synth.config.ts']),
].filter((step) => !only || step.name === only)

let passed = 0
let failed = 0
const summary: string[] = []
for (const step of steps) {
  const result = step.run()
  passed += result.passed
  failed += result.failed
  summary.push(`  ${step.name.padEnd(10)} ${result.passed} passed, ${result.failed} failed`)
}
console.log(summary.join('\n'))
console.log(`${passed} passed, ${failed} failed`)
process.exitCode = failed > 0 ? 1 : 0
