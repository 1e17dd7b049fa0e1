import { describe, expect, it } from 'vitest'
import { projectRoot } from '../../infra/deployment-settings.ts'
import { rehearse } from '../../scripts/rehearsal/rehearse.ts'

/**
 * The deployment rehearsal (issue 15 §2, `npm run rehearse`): a real `cdk synth` with bundling,
 * then the end-to-end loop through the bundles in cdk.out, each function in a fresh Node with only
 * its template's environment, driven by the events its sources send, every AWS call checked
 * against its role. Any problem (missing variable, module or handler, unparsable event, call the
 * role does not allow, failed step) fails the test with the rehearsal's own words.
 */
describe('deployment rehearsal', () => {
  it('runs mail in → ticket → agent reply → follow-up, the schedules, a search, attachments and a bounce through the synthesized bundles', async () => {
    // Prepare / Act
    const lines: string[] = []
    const report = await rehearse({ projectRoot, say: (line) => lines.push(line) })
    console.log(lines.join('\n'))

    // Assess
    expect(report.problems, lines.join('\n')).toEqual([])
    expect(report.steps.map((step) => [step.name, step.ok]).filter(([, ok]) => !ok)).toEqual([])
    expect(report.steps.length).toBeGreaterThanOrEqual(8)
    // Every function something triggers at run time was cold-started and invoked at least once.
    const run = report.functions.filter((fn) => fn.initMs !== undefined)
    expect(run.length).toBeGreaterThanOrEqual(7)
    expect(run.filter((fn) => fn.invocations === 0).map((fn) => fn.id)).toEqual([])
    expect(run.flatMap((fn) => fn.calls.filter((call) => !call.allowed))).toEqual([])
  }, 300_000)
})
