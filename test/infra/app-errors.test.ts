import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Annotations, Match } from 'aws-cdk-lib/assertions'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfigError } from '../../lib/platform/config.ts'
import { DeploymentSettingsError, projectRoot } from '../../infra/deployment-settings.ts'
import { synthesizeDocket } from './docket-template.ts'

let dir: string
let badConfig: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'docket-infra-config-'))
  badConfig = join(dir, 'docket.config.yaml')
  const shipped = readFileSync(join(projectRoot, 'docket.config.yaml'), 'utf8')
  expect(shipped).toContain('email: admin@example.com')
  writeFileSync(badConfig, shipped.replace('email: admin@example.com', 'email: not-an-address'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('a bad docket.config.yaml or bad context stops synth', () => {
  it('building the app throws the ConfigError that names the field path', () => {
    expect(() => synthesizeDocket({ config: badConfig })).toThrow(ConfigError)
    expect(() => synthesizeDocket({ config: badConfig })).toThrow(/agents\[0\]\.email: must be an email address/)
  })

  it('the config path comes from context `config` as well', () => {
    expect(() => synthesizeDocket({ context: { config: badConfig } })).toThrow(/agents\[0\]\.email/)
  })

  it('the app prints only the message and exits 1', () => {
    const result = spawnSync(process.execPath, ['infra/app.ts'], { cwd: projectRoot, env: { ...process.env, DOCKET_CONFIG: badConfig, CDK_OUTDIR: join(dir, 'out') }, encoding: 'utf8', timeout: 60_000 })
    expect(result.status).toBe(1)
    expect(result.stderr).toContain('agents[0].email: must be an email address')
    expect(result.stderr).not.toMatch(/^\s+at /m)
  })

  it('a stage that cannot be part of a stack name is refused with the fix', () => {
    expect(() => synthesizeDocket({ context: { stage: 'Prod Env' } })).toThrow(DeploymentSettingsError)
    expect(() => synthesizeDocket({ context: { stage: 'Prod Env' } })).toThrow(/-c stage=prod/)
  })

  it('a region without SES receiving is a warning on the service stack', () => {
    const docket = synthesizeDocket({ context: { region: 'sa-east-1' } })
    const warnings = Annotations.fromStack(docket.service).findWarning('/Docket-dev-Service', Match.stringLikeRegexp('SES email receiving'))
    expect(warnings.map((warning) => String(warning.entry.data))).toEqual([expect.stringContaining('SES email receiving may not exist in sa-east-1')])
  })

  it('the stage names the stacks and the receipt rule set', () => {
    const docket = synthesizeDocket({ context: { stage: 'prod' } })
    expect([docket.data.stackName, docket.service.stackName]).toEqual(['Docket-prod-Data', 'Docket-prod-Service'])
    docket.serviceTemplate.hasResourceProperties('AWS::SES::ReceiptRuleSet', { RuleSetName: 'docket-prod' })
  })
})
