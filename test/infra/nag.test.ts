import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { App, Stack } from 'aws-cdk-lib'
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda'
import { Bucket } from 'aws-cdk-lib/aws-s3'
import { afterAll, describe, expect, it } from 'vitest'
import { grantObjectAccess } from '../../infra/data-access.ts'
import { acknowledgeNag } from '../../infra/nag.ts'
import { nagFindingsOf, nagVariants, unusedAcknowledgements } from '../../scripts/nag.ts'

const outdir = mkdtempSync(join(tmpdir(), 'docket-nag-test-'))
afterAll(() => rmSync(outdir, { recursive: true, force: true }))

/** A bucket in one stack, a function in another (the shape of Docket's data and service stacks). */
function twoStacks() {
  const app = new App({ outdir: join(outdir, String(Math.random())) })
  const env = { account: '123456789012', region: 'eu-west-1' }
  const data = new Stack(app, 'Data', { env })
  const bucket = new Bucket(data, 'Bucket')
  const service = new Stack(app, 'Service', { env })
  const fn = new LambdaFunction(service, 'Fn', { runtime: Runtime.NODEJS_22_X, handler: 'index.handler', code: Code.fromInline('export const handler = async () => ({})') })
  return { app, bucket, fn, out: app.outdir }
}

const iam5 = (findings: { rule: string; paths: string[] }[]) => findings.filter((finding) => finding.rule.startsWith('AwsSolutions-IAM5')).map((finding) => finding.rule)

describe('npm run nag', () => {
  it('reports each wildcard by its id; a CDK grant of a whole action group is a finding', () => {
    const { app, bucket, fn, out } = twoStacks()
    bucket.grantRead(fn, 'raw/*')
    expect(iam5(nagFindingsOf(app, out))).toEqual(expect.arrayContaining(['AwsSolutions-IAM5[Action::s3:GetObject*]', 'AwsSolutions-IAM5[Action::s3:List*]', expect.stringMatching(/^AwsSolutions-IAM5\[Resource::.*Bucket.*\/raw\/\*\]$/)]))
  })

  it('grantObjectAccess grants exact actions and acknowledges its key pattern as spelled after synthesis (a cross-stack reference)', () => {
    const { app, bucket, fn, out } = twoStacks()
    grantObjectAccess(bucket, fn, { read: true }, 'raw/*')
    expect(iam5(nagFindingsOf(app, out))).toEqual([])
  })

  it('an acknowledgement covers only the finding it names', () => {
    const { app, bucket, fn, out } = twoStacks()
    bucket.grantRead(fn)
    acknowledgeNag(fn, 'AwsSolutions-IAM5[Action::s3:List*]', 'test')
    const findings = iam5(nagFindingsOf(app, out))
    expect(findings).not.toContain('AwsSolutions-IAM5[Action::s3:List*]')
    expect(findings).toContain('AwsSolutions-IAM5[Action::s3:GetObject*]')
  })

  it.each(Object.entries(nagVariants))('every acknowledgement of the %s variant hides a finding (issue 15.13: 6 matched nothing)', (_name, context) => {
    expect(unusedAcknowledgements(context).map((acknowledgement) => `${acknowledgement.rule} at ${acknowledgement.path}`)).toEqual([])
  }, 300_000)

  it('the JWT key acknowledgement gives a procedure that works (not "delete the secret and deploy")', () => {
    const source = readFileSync('infra/constructs/agent-api.ts', 'utf8')
    expect(source).not.toMatch(/delete the secret and deploy/)
    expect(readFileSync('README.md', 'utf8')).toMatch(/put-secret-value --secret-id <JwtSigningKeyArn output>/)
  })
})
