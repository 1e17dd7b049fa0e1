import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Annotations, Match } from 'aws-cdk-lib/assertions'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfigError } from '../../lib/platform/config.ts'
import { DeploymentSettingsError, projectRoot } from '../../infra/deployment-settings.ts'
import { synthesizeDocket, synthesizeDocketOnce } from './docket-template.ts'

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

  it('a stage other than dev or prod is refused with the fix', () => {
    expect(() => synthesizeDocket({ context: { stage: 'Prod Env' } })).toThrow(DeploymentSettingsError)
    expect(() => synthesizeDocket({ context: { stage: 'Prod Env' } })).toThrow(/context "stage" is "Prod Env": must be dev or prod \(e\.g\. -c stage=prod\)/)
  })

  it.each([
    [{ logRetentionDays: '42' }, /context "logRetentionDays" is "42": must be one of the periods CloudWatch Logs accepts: 1, 3, 5/],
    [{ searchDataNodes: '3' }, /context "searchDataNodes" is "3": must be 1 or an even number/],
    [{ searchDataNodes: 'two' }, /context "searchDataNodes" is "two": /],
    [{ searchVolumeGiB: '5' }, /context "searchVolumeGiB" is "5": must be at least 10/],
    [{ searchInstanceType: 't3.small' }, /context "searchInstanceType" is "t3.small": must be an OpenSearch instance type/],
    [{ alarmEmail: 'ops' }, /context "alarmEmail" is "ops": must be an email address/],
    [{ logLevel: 'chatty' }, /context "logLevel" is "chatty": must be one of DEBUG, INFO/],
    [{ region: 'Ireland' }, /context "region" is "Ireland": must be an AWS region such as eu-west-1/],
    [{ auditObjectLockDays: '0' }, /context "auditObjectLockDays" is "0": must be at least 1/],
    [{ auditObjectLockMode: 'strict', auditObjectLockDays: '30' }, /context "auditObjectLockMode" is "strict": must be governance or compliance/],
    [{ auditObjectLockMode: 'compliance' }, /context "auditObjectLockDays" is needed when auditObjectLockMode is set/],
    [{ webDomain: 'helpdesk.example.com' }, /context "webCertificateArn" is needed together with webDomain/],
    [{ webDomain: 'helpdesk.example.com', webCertificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/00000000-0000-4000-8000-000000000000' }, /CloudFront only takes certificates from us-east-1/],
    [{ apiDomain: 'api.example.com', apiCertificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-4000-8000-000000000000' }, /context "apiCertificateArn" is in us-east-1: the API's certificate must be in the stack's region \(eu-west-1\)/],
  ])('context %j is refused, naming the key and the fix', (context, message) => {
    expect(() => synthesizeDocket({ context })).toThrow(DeploymentSettingsError)
    expect(() => synthesizeDocket({ context })).toThrow(message)
  })

  it('every bad context value is reported at once', () => {
    expect(() => synthesizeDocket({ context: { stage: 'staging', alarmEmail: 'x' } })).toThrow(/"stage"[^]*\n {2}- context "alarmEmail"/)
  })

  it('prod without an alarm email is a warning on the service stack', () => {
    const docket = synthesizeDocketOnce({ stage: 'prod' })
    const warnings = Annotations.fromStack(docket.service).findWarning('/Docket-prod-Service', Match.stringLikeRegexp('no alarm email'))
    expect(warnings).toHaveLength(1)
  })

  it('a region without SES receiving is a warning on the service stack', () => {
    const docket = synthesizeDocket({ context: { region: 'sa-east-1' } })
    const warnings = Annotations.fromStack(docket.service).findWarning('/Docket-dev-Service', Match.stringLikeRegexp('SES email receiving'))
    expect(warnings.map((warning) => String(warning.entry.data))).toEqual([expect.stringContaining('SES email receiving may not exist in sa-east-1')])
  })

  it('the stage names the stacks and the receipt rule set', () => {
    const docket = synthesizeDocketOnce({ stage: 'prod' })
    expect([docket.data.stackName, docket.service.stackName]).toEqual(['Docket-prod-Data', 'Docket-prod-Service'])
    docket.serviceTemplate.hasResourceProperties('AWS::SES::ReceiptRuleSet', { RuleSetName: 'docket-prod' })
  })
})
