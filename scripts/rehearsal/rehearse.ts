import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { LocalCloud, type Problem } from './local-cloud.ts'
import { runScenario, type StepResult } from './scenario.ts'

/**
 * `npm run rehearse`: the deployment rehearsal. Synthesizes the CDK app with bundling (or takes
 * a cdk.out), starts the templates' resources on local stand-ins, cold-starts every function's
 * bundle in a sandbox of its own, runs the end-to-end loop through the wiring the templates
 * define, and checks every AWS call the functions made against their roles.
 */

export interface RehearsalOptions {
  projectRoot: string
  /** Use this cloud assembly instead of synthesizing one. */
  cdkOut?: string
  say?: (line: string) => void
  keepWorkDir?: boolean
}

export interface FunctionSummary {
  id: string
  initMs: number | undefined
  bundleMb: number
  invocations: number
  calls: { action: string; count: number; allowed: boolean }[]
  unsetProjectVariables: string[]
}

export interface RehearsalReport {
  ok: boolean
  seconds: number
  synthSeconds: number | undefined
  steps: StepResult[]
  functions: FunctionSummary[]
  problems: Problem[]
  warnings: string[]
}

/** The Node the project pins (node_modules/.bin/node), the one Lambda's nodejs22.x matches. */
export function projectNode(projectRoot: string): string {
  const pinned = join(projectRoot, 'node_modules', '.bin', 'node')
  return existsSync(pinned) ? pinned : process.execPath
}

export function synthesize(projectRoot: string, outDir: string): { seconds: number } {
  // No AWS environment at all, as on a fresh machine without credentials (the synth test does the same).
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: [join(projectRoot, 'node_modules', '.bin'), process.env.PATH].join(delimiter) }
  for (const key of Object.keys(env)) if (key.startsWith('AWS_') || key.startsWith('CDK_')) delete env[key]
  const started = performance.now()
  const result = spawnSync(join(projectRoot, 'node_modules', '.bin', 'cdk'), ['synth', '--quiet', '-o', outDir], { cwd: projectRoot, env, encoding: 'utf8', timeout: 400_000 })
  if (result.status !== 0) throw new Error(`cdk synth failed (${result.signal ? `killed by ${result.signal} after the 400 s limit` : `exit ${result.status}`}):\n${result.stdout}\n${result.stderr}`)
  return { seconds: (performance.now() - started) / 1000 }
}

export async function rehearse(options: RehearsalOptions): Promise<RehearsalReport> {
  const say = options.say ?? ((line: string) => console.log(line))
  const started = performance.now()
  let cdkOut = options.cdkOut
  let synthSeconds: number | undefined
  let synthDir: string | undefined
  if (!cdkOut) {
    synthDir = mkdtempSync(join(tmpdir(), 'docket-rehearsal-cdk-'))
    cdkOut = synthDir
    say(`Synthesizing (cdk synth with bundling) into ${cdkOut} …`)
    synthSeconds = synthesize(options.projectRoot, cdkOut).seconds
    say(`  done in ${synthSeconds.toFixed(1)} s`)
  }
  const node = projectNode(options.projectRoot)
  const cloud = new LocalCloud(cdkOut, node, say)
  let steps: StepResult[]
  try {
    say(`Starting the templates' resources on local endpoints (functions run on ${spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim()}) …`)
    await cloud.start()
    say('End-to-end loop through the bundled handlers:')
    steps = await runScenario(cloud, { projectRoot: options.projectRoot, node, say })
    const iam = cloud.checkIam()
    const functions = cloud.functions.map((fn): FunctionSummary => {
      const unset = [...fn.sandbox.unsetReads].filter((name) => name.startsWith('DOCKET_'))
      for (const name of unset) cloud.problem('missing-env', fn, `the code reads ${name}, which its template does not set`)
      return {
        id: fn.id,
        initMs: fn.sandbox.initMs,
        bundleMb: fn.assetBytes / 1024 / 1024,
        invocations: fn.sandbox.invocations,
        calls: iam.filter((entry) => entry.caller === fn.id).map((entry) => ({ action: entry.action, count: entry.count, allowed: entry.allowed })),
        unsetProjectVariables: unset,
      }
    })
    for (const fn of cloud.functions) {
      // The project's variables the bundle knows of but the template leaves to their defaults (information, not a failure).
      const known = cloud.knownVariables(fn)
      // Local-runtime settings (data dir, host, DynamoDB Local endpoint, demo password) have no meaning in Lambda.
      const localOnly = ['DOCKET_DATA_DIR', 'DOCKET_HOST', 'DOCKET_DEMO_PASSWORD', 'DOCKET_DYNAMODB_ENDPOINT']
      const defaulted = known.filter((name) => !(name in fn.environment) && !localOnly.includes(name))
      const summary = functions.find((entry) => entry.id === fn.id)!
      const calls = summary.calls.map((call) => `${call.allowed ? '' : '✗ '}${call.action}×${call.count}`).join(', ')
      say(`  ${fn.id}: ${summary.invocations} invocation(s); calls: ${calls || 'none'}${defaulted.length ? `; left to defaults: ${defaulted.join(', ')}` : ''}`)
    }
    // Worth knowing, not failures: what Node printed as a warning in a sandbox (an ExperimentalWarning at a cold start, say).
    const warnings = cloud.functions.flatMap((fn) => [...new Set(fn.sandbox.output.filter((line) => /\w+Warning: /.test(line)).map((line) => line.replace(/^\(node:\d+\) /, '')))].map((line) => `${fn.id}: ${line}`))
    if (warnings.length > 0) say(`Warnings printed in the sandboxes:\n${warnings.map((line) => `  ${line}`).join('\n')}`)
    const problems = cloud.problems
    const seconds = (performance.now() - started) / 1000
    say('')
    if (problems.length === 0) say(`REHEARSAL PASSED: ${steps.length} steps, ${cloud.functions.length} functions, ${cloud.log.calls.length} AWS calls checked against their roles, ${cloud.deliveries} service deliveries against resource policies, in ${seconds.toFixed(1)} s`)
    else {
      say(`REHEARSAL FAILED: ${problems.length} problem(s) (${seconds.toFixed(1)} s)`)
      for (const problem of problems) say(`  [${problem.kind}] ${problem.function ? `${problem.function}: ` : ''}${problem.message}`)
    }
    return { ok: problems.length === 0 && steps.every((entry) => entry.ok), seconds, synthSeconds, steps, functions, problems, warnings }
  } finally {
    await cloud.stop(options.keepWorkDir)
    if (synthDir) rmSync(synthDir, { recursive: true, force: true })
  }
}
