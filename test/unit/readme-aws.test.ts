import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { contextKeys } from '../../infra/deployment-settings.ts'

/** Issue 15.14: the README's AWS section says what the deploy costs and takes, as the cost table and the app do. */
const readme = readFileSync('README.md', 'utf8')
const section = (heading: string) => readme.slice(readme.indexOf(heading), readme.indexOf('\n#', readme.indexOf(heading) + heading.length))

describe('README, In AWS', () => {
  it('the idle cost it states is the cost table’s idle total, and nothing promises "nothing to pay at idle"', () => {
    const costs = section('### What it costs')
    const rows = costs.split('\n').filter((line) => line.startsWith('| ') && !line.startsWith('| service') && !line.startsWith('| **total**'))
    const idle = rows.map((row) => Number(row.split('|')[3]!.trim().replace('$', ''))).filter((value) => !Number.isNaN(value))
    const idleTotal = Math.round(idle.reduce((sum, value) => sum + value, 0))
    expect(costs).toContain(`| **total** | | **≈ $${idleTotal}** |`)
    expect(readme).toContain(`an idle installation costs about $${idleTotal} a month`)
    expect(readme).not.toMatch(/nothing to pay at idle/)
    expect(costs).toMatch(/AWS WAF/)
  })

  it('does not call cdk deploy the whole install, and names every step and fresh-account gate', () => {
    expect(readme).not.toMatch(/`cdk deploy` is the whole install/)
    const guide = section('### Deploy guide')
    for (const step of ['DNS', 'SES production access', 'first admin password', 'CloudFront account verification', 'Lambda concurrency quota', 'SES email receiving', 'us-east-1']) expect(guide).toContain(step)
  })

  it('documents every deployment setting (CDK context key)', () => {
    const guide = section('### Deploy guide')
    for (const key of contextKeys) expect(guide, key).toContain(`\`${key}\``)
  })
})
