/**
 * Builds the web client into web/dist when it is missing or older than its sources
 * (`npm start` and the browser tests call this first; `--force` always builds).
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'

const builtMarker = 'web/dist/index.html'
const sources = ['web/src', 'web/index.html', 'web/vite.config.ts', 'package-lock.json']

function newestChange(path: string): number {
  if (!existsSync(path)) return 0
  const info = statSync(path)
  if (!info.isDirectory()) return info.mtimeMs
  return readdirSync(path).reduce((newest, name) => Math.max(newest, newestChange(join(path, name))), info.mtimeMs)
}

export function webBuildIsCurrent(): boolean {
  if (!existsSync(builtMarker)) return false
  const built = statSync(builtMarker).mtimeMs
  return sources.every((source) => newestChange(source) <= built)
}

export function buildWeb(force = false): void {
  if (!force && webBuildIsCurrent()) return
  console.log('Building the web client (web/dist)…')
  buildWebInto('web/dist')
}

/**
 * A production build of the client into `outDir` (relative to `root`, or absolute): web/dist for
 * `npm start`, the asset folder CDK gives at synth (infra/constructs/web-client.ts).
 */
export function buildWebInto(outDir: string, root = process.cwd()): void {
  // Always a production build: vitest sets NODE_ENV=test, which would give React's development build.
  const result = spawnSync(
    process.execPath,
    [join(root, 'node_modules/vite/bin/vite.js'), 'build', join(root, 'web'), '--mode', 'production', '--outDir', resolve(root, outDir), '--emptyOutDir', '--logLevel', 'warn'],
    { cwd: root, stdio: ['ignore', process.stderr, process.stderr], env: { ...process.env, NODE_ENV: 'production' } },
  )
  if (result.status !== 0) throw new Error(`building the web client failed (vite exit ${result.status ?? result.signal}): run \`npm run build:web\` to see why`)
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    buildWeb(process.argv.includes('--force'))
  } catch (error) {
    console.error((error as Error).message)
    process.exitCode = 1
  }
}
