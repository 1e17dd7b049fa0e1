/**
 * `npm run nag`: synthesizes the CDK app with cdk-nag's AwsSolutions checks and exits 1 on any
 * finding that is not acknowledged in infra/ with a reason (see infra/nag.ts), printing each with
 * the construct path and the id to acknowledge it with.
 *
 * Without arguments it checks the variants whose templates differ: the dev stage as shipped, and
 * prod with every option on (alarm email, custom domains, two search nodes, audit Object Lock),
 * so an acknowledgement that only one of them needs is checked too. `npm run nag -- -c key=value …`
 * checks just the context given. Bundling is skipped: cdk-nag reads templates, not code.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Validations, type App } from 'aws-cdk-lib'
import { AwsSolutionsChecks } from 'cdk-nag'
import { buildDocketApp } from '../infra/docket-app.ts'
import { withoutAcknowledgements } from '../infra/nag.ts'
import { projectRoot } from '../infra/deployment-settings.ts'

interface ValidationReport {
  pluginReports: { pluginName: string; violations: { ruleName: string; description: string; severity: string; violatingConstructs: { constructPath: string }[] }[] }[]
}

const cdkJsonContext = (JSON.parse(readFileSync(join(projectRoot, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }).context

/** Prod with every option that changes the templates (also the infra tests' "every option" variant). */
export const everyOptionContext: Record<string, string> = {
  stage: 'prod',
  alarmEmail: 'ops@example.com',
  webDomain: 'helpdesk.example.com',
  webCertificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-4000-8000-000000000000',
  apiDomain: 'api.helpdesk.example.com',
  apiCertificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/00000000-0000-4000-8000-000000000001',
  searchDataNodes: '2',
  auditObjectLockDays: '365',
  auditObjectLockMode: 'compliance',
}

export const nagVariants: Record<string, Record<string, string>> = { dev: {}, 'prod, every option': everyOptionContext }

export interface NagFinding {
  rule: string
  severity: string
  description: string
  paths: string[]
}

/** Findings of the Docket app synthesized with `context` (added to cdk.json's). */
export function nagFindings(context: Record<string, string>): NagFinding[] {
  const outdir = mkdtempSync(join(tmpdir(), 'docket-nag-'))
  try {
    const { app } = buildDocketApp({ context: { ...cdkJsonContext, 'aws:cdk:bundling-stacks': [], ...context }, env: {}, outdir })
    return nagFindingsOf(app, outdir)
  } finally {
    rmSync(outdir, { recursive: true, force: true })
  }
}

export interface NagAcknowledgement {
  /** The construct it was made on; it covers findings there and below. */
  path: string
  rule: string
  reason: string
}

/** Every AwsSolutions acknowledgement of a synthesized app (those made during synthesis included). */
export function acknowledgementsOf(app: App): NagAcknowledgement[] {
  return app.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) => Object.entries(entry.data as Record<string, string>))
      .filter(([id]) => id.startsWith('AwsSolutions::'))
      .map(([id, reason]) => ({ path: construct.node.path, rule: id.slice('AwsSolutions::'.length), reason })),
  )
}

/**
 * Acknowledgements of the app synthesized with `context` that hide no finding: the same app built
 * without any acknowledgement reports nothing with their rule at or under their construct.
 */
export function unusedAcknowledgements(context: Record<string, string>): NagAcknowledgement[] {
  const synthesize = (acknowledge: boolean) => {
    const outdir = mkdtempSync(join(tmpdir(), 'docket-nag-'))
    try {
      const build = () => {
        const { app } = buildDocketApp({ context: { ...cdkJsonContext, 'aws:cdk:bundling-stacks': [], ...context }, env: {}, outdir })
        return { findings: nagFindingsOf(app, outdir), acknowledgements: acknowledgementsOf(app) }
      }
      return acknowledge ? build() : quietly(() => withoutAcknowledgements(build))
    } finally {
      rmSync(outdir, { recursive: true, force: true })
    }
  }
  const { acknowledgements } = synthesize(true)
  const { findings } = synthesize(false)
  const unique = new Map(acknowledgements.map((acknowledgement) => [`${acknowledgement.path} ${acknowledgement.rule}`, acknowledgement]))
  return [...unique.values()].filter(
    (acknowledgement) =>
      !findings.some((finding) => finding.rule === acknowledgement.rule && finding.paths.some((path) => path === acknowledgement.path || path.startsWith(`${acknowledgement.path}/`))),
  )
}

/** Runs `work` without the validation report CDK prints (the findings are read from its file). */
function quietly<T>(work: () => T): T {
  const { error, warn, log } = console
  const write = process.stderr.write.bind(process.stderr)
  console.error = console.warn = console.log = () => {}
  process.stderr.write = () => true
  try {
    return work()
  } finally {
    Object.assign(console, { error, warn, log })
    process.stderr.write = write
  }
}

/**
 * Synthesizes `app` (whose outdir is `outdir`) with the AwsSolutions checks and returns cdk-nag's
 * unacknowledged findings. Other validation output (annotations) is not ours to judge here.
 */
export function nagFindingsOf(app: App, outdir: string): NagFinding[] {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app))
  const reportFile = join(outdir, 'validation-report.json')
  try {
    app.synth()
  } catch (error) {
    // Synthesis fails on the findings after writing the report; without a report it failed for real.
    if (!existsSync(reportFile)) throw error
  }
  if (!existsSync(reportFile)) return [] // no report: nothing found
  const report = JSON.parse(readFileSync(reportFile, 'utf8')) as ValidationReport
  return report.pluginReports
    .filter((plugin) => plugin.pluginName === 'AwsSolutions')
    .flatMap((plugin) => plugin.violations)
    .map((violation) => ({ rule: violation.ruleName, severity: violation.severity, description: violation.description, paths: violation.violatingConstructs.map((construct) => construct.constructPath) }))
}

function contextFromArgs(args: string[]): Record<string, string> | undefined {
  if (args.length === 0) return undefined
  const context: Record<string, string> = {}
  for (let index = 0; index < args.length; index++) {
    const arg = args[index]!
    const pair = arg === '-c' || arg === '--context' ? args[++index] : arg.startsWith('--context=') ? arg.slice('--context='.length) : undefined
    const separator = pair?.indexOf('=') ?? -1
    if (!pair || separator < 1) throw new Error(`npm run nag takes -c key=value arguments, got "${arg}"`)
    context[pair.slice(0, separator)] = pair.slice(separator + 1)
  }
  return context
}

if (import.meta.main) {
  const given = contextFromArgs(process.argv.slice(2))
  const variants = given ? { [Object.entries(given).map(([key, value]) => `${key}=${value}`).join(' ')]: given } : nagVariants
  let total = 0
  for (const [name, context] of Object.entries(variants)) {
    const started = performance.now()
    const findings = nagFindings(context)
    total += findings.length
    const unused = unusedAcknowledgements(context)
    total += unused.length
    console.log(`cdk-nag AwsSolutions, ${name}: ${findings.length} unacknowledged finding(s), ${unused.length} acknowledgement(s) matching nothing (${((performance.now() - started) / 1000).toFixed(1)} s)`)
    for (const acknowledgement of unused) console.log(`  UNUSED ${acknowledgement.rule} at ${acknowledgement.path}: remove it ("${acknowledgement.reason.slice(0, 80)}…")`)
    for (const finding of findings) {
      console.log(`  ${finding.severity.toUpperCase()} ${finding.rule}: ${finding.description}`)
      for (const path of finding.paths) console.log(`    at ${path}`)
      console.log(`    acknowledge with acknowledgeNag(<construct>, '${finding.rule}', '<why>') from infra/nag.ts`)
    }
  }
  process.exitCode = total > 0 ? 1 : 0
}
