import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { projectRoot } from '../../infra/deployment-settings.ts'
import type { CfnTemplate } from '../../scripts/rehearsal/assembly.ts'
import { rehearse, synthesize } from '../../scripts/rehearsal/rehearse.ts'

/**
 * The deployment rehearsal (issue 15 §2, `npm run rehearse`): a real `cdk synth` with bundling,
 * then the end-to-end loop through the bundles in cdk.out, each function in a fresh Node with only
 * its template's environment, driven by the events its sources send, every AWS call checked
 * against its role. Then the same assembly with three defects put in, which it must name.
 */
const outDir = mkdtempSync(join(tmpdir(), 'docket-rehearsal-test-'))
beforeAll(() => {
  const { seconds } = synthesize(projectRoot, outDir)
  console.log(`cdk synth with bundling took ${seconds.toFixed(1)} s`)
}, 450_000)
afterAll(() => rmSync(outDir, { recursive: true, force: true }))

describe('deployment rehearsal', () => {
  it('runs mail in → ticket → agent reply → follow-up, the schedules, a search, attachments and a bounce through the synthesized bundles', async () => {
    // Act
    const lines: string[] = []
    const report = await rehearse({ projectRoot, cdkOut: outDir, say: (line) => lines.push(line) })
    console.log(lines.join('\n'))

    // Assess
    expect(report.problems, lines.join('\n')).toEqual([])
    expect(report.steps.filter((step) => !step.ok).map((step) => step.name)).toEqual([])
    expect(report.steps.length).toBeGreaterThanOrEqual(8)
    // Every function something triggers at run time was cold-started and invoked at least once.
    const run = report.functions.filter((fn) => fn.initMs !== undefined)
    expect(run.length).toBeGreaterThanOrEqual(7)
    expect(run.filter((fn) => fn.invocations === 0).map((fn) => fn.id)).toEqual([])
  }, 300_000)

  it('fails, naming each, on a variable the template drops, a call the role no longer allows and a handler that does not exist', async () => {
    // Prepare: a copy of the assembly with three defects in the service stack.
    const broken = mkdtempSync(join(tmpdir(), 'docket-rehearsal-broken-'))
    cpSync(outDir, broken, { recursive: true })
    const file = join(broken, 'Docket-dev-Service.template.json')
    const template = JSON.parse(readFileSync(file, 'utf8')) as CfnTemplate
    const resources = Object.entries(template.Resources)
    const variablesOf = (id: string) => (template.Resources[id]!.Properties!.Environment as { Variables: Record<string, unknown> }).Variables
    const functions = resources.filter(([, resource]) => resource.Type === 'AWS::Lambda::Function' && resource.Properties?.Environment)
    const api = functions.find(([id]) => 'DOCKET_JWT_SECRET_ARN' in variablesOf(id))![0]
    delete variablesOf(api).DOCKET_TABLE_NAME
    const ruleTarget = JSON.stringify((resources.find(([, resource]) => resource.Type === 'AWS::Events::Rule')![1].Properties!.Targets as { Arn: unknown }[])[0]!.Arn)
    const jobs = functions.find(([id]) => ruleTarget.includes(`"${id}"`))![0]
    template.Resources[jobs]!.Properties!.Handler = 'index.run'
    let sender = ''
    for (const [id, resource] of resources.filter(([, candidate]) => candidate.Type === 'AWS::IAM::Policy')) {
      for (const statement of (resource.Properties!.PolicyDocument as { Statement: { Action: string | string[] }[] }).Statement) {
        const actions = [statement.Action].flat()
        if (actions.includes('ses:SendEmail')) {
          statement.Action = actions.filter((action) => action !== 'ses:SendEmail')
          sender = id
        }
      }
    }
    writeFileSync(file, JSON.stringify(template))

    // Act
    const lines: string[] = []
    const report = await rehearse({ projectRoot, cdkOut: broken, say: (line) => lines.push(line) })
    rmSync(broken, { recursive: true, force: true })

    // Assess
    const kinds = (kind: string) => report.problems.filter((problem) => problem.kind === kind)
    expect(report.ok).toBe(false)
    expect(sender).not.toBe('')
    expect(kinds('handler'), lines.join('\n')).toEqual([expect.objectContaining({ function: jobs, message: expect.stringContaining('index.run is undefined') })])
    expect(kinds('missing-env').some((problem) => problem.function === api && problem.message.includes('DOCKET_TABLE_NAME')), lines.join('\n')).toBe(true)
    expect(kinds('iam').some((problem) => problem.message.startsWith('ses:SendEmail')), lines.join('\n')).toBe(true)
  }, 300_000)
})
