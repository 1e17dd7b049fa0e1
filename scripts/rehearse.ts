/**
 * `npm run rehearse [-- --cdk-out DIR] [--keep]`: the deployment rehearsal (scripts/rehearsal/).
 * Exit code 0 when the loop passed and every AWS call was allowed, 1 otherwise.
 */
import { parseArgs } from 'node:util'
import { projectRoot } from '../infra/deployment-settings.ts'
import { rehearse } from './rehearsal/rehearse.ts'

const { values } = parseArgs({ options: { 'cdk-out': { type: 'string' }, keep: { type: 'boolean', default: false } } })
const report = await rehearse({ projectRoot, ...(values['cdk-out'] ? { cdkOut: values['cdk-out'] } : {}), keepWorkDir: values.keep })
process.exitCode = report.ok ? 0 : 1
