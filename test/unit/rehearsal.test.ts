import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Assembly, type CfnTemplate, type Stack } from '../../scripts/rehearsal/assembly.ts'
import { dynamoDbActions, s3Action } from '../../scripts/rehearsal/endpoints.ts'
import { httpApiEvent, matchesPattern, notificationMatches, passesFilters, scheduledEvent, selectRoute } from '../../scripts/rehearsal/event-sources.ts'
import { evaluate, resourcePolicies, roleStatements, servicePermitted } from '../../scripts/rehearsal/iam.ts'
import { projectNode } from '../../scripts/rehearsal/rehearse.ts'
import { Sandbox } from '../../scripts/rehearsal/sandbox.ts'
import { projectRoot } from '../../infra/deployment-settings.ts'
import { logicalIdOf, roleLogicalId, synthesizeDocketOnce, type SynthesizedDocket } from '../infra/docket-template.ts'

/**
 * The deployment rehearsal's judges, each shown to catch what it is there for: a role without an
 * action, a handler that is not exported, a module missing from a bundle, a variable the template
 * does not set, and the events shaped as their sources send them. The rehearsal itself runs in
 * the synth phase (test/synth/rehearsal.test.ts).
 */

let docket: SynthesizedDocket
let assembly: Assembly
let service: Stack
beforeAll(() => {
  docket = synthesizeDocketOnce()
  const stacks = [docket.data, docket.service].map((stack) => ({ name: stack.stackName, account: '123456789012', region: 'eu-west-1', template: (stack === docket.data ? docket.dataTemplate : docket.serviceTemplate).toJSON() as CfnTemplate }))
  assembly = new Assembly('', { sqs: 'http://127.0.0.1:1', openSearchHost: '127.0.0.1:2' }, stacks)
  service = assembly.stack(docket.service.stackName)
})

const roleOf = (name: Parameters<SynthesizedDocket['service']['functions']['get']>[0]) => roleStatements(assembly, service, roleLogicalId(docket.service.functions.get(name))).statements
const bucketArn = (id: RegExp) => {
  const data = assembly.stack(docket.data.stackName)
  const logicalId = Object.keys(data.template.Resources).find((candidate) => id.test(candidate) && data.template.Resources[candidate]!.Type === 'AWS::S3::Bucket')!
  return assembly.attribute(data, logicalId, 'Arn')
}

describe('rehearsal: IAM from the template', () => {
  it('allows what a role grants, on the resources it names, and reports what it does not grant', () => {
    // Prepare
    const api = roleOf('api')
    const feedback = roleOf('ses-feedback')
    const tableArn = assembly.attribute(assembly.stack(docket.data.stackName), logicalIdOf(docket.data.table), 'Arn')

    // Act / Assess: the API may put uploads and outbound mail, not stored attachments or raw mail; the feedback function may not delete items.
    expect(evaluate(api, 's3:PutObject', [`${bucketArn(/^Attachments/)}/uploads/a1b2`]).allowed).toBe(true)
    expect(evaluate(api, 's3:PutObject', [`${bucketArn(/^Attachments/)}/mail/2026/a.bin`]).allowed).toBe(false)
    expect(evaluate(api, 's3:PutObject', [`${bucketArn(/^RawMail/)}/raw/x`])).toEqual({ allowed: false, denied: [`${bucketArn(/^RawMail/)}/raw/x`] })
    expect(evaluate(feedback, 'dynamodb:UpdateItem', [tableArn]).allowed).toBe(true)
    expect(evaluate(feedback, 'dynamodb:DeleteItem', [tableArn]).allowed).toBe(false)
    expect(evaluate(api, 'DYNAMODB:getitem', [tableArn]).allowed).toBe(true) // actions ignore case
  })

  it('checks an SES send on the sender identity (address or domain) and on the configuration set', () => {
    const send = roleOf('mail-send')
    const configurationSet = Object.entries(service.template.Resources).find(([, resource]) => resource.Type === 'AWS::SES::ConfigurationSet')![0]
    const setArn = `arn:aws:ses:eu-west-1:123456789012:configuration-set/${assembly.physicalName(service, configurationSet)}`
    const identity = (name: string) => `arn:aws:ses:eu-west-1:123456789012:identity/${name}`
    expect(evaluate(send, 'ses:SendEmail', [{ anyOf: [identity('support@example.com'), identity('example.com')] }, setArn]).allowed).toBe(true)
    expect(evaluate(send, 'ses:SendEmail', [{ anyOf: [identity('someone@elsewhere.example'), identity('elsewhere.example')] }, setArn]).allowed).toBe(false)
    expect(evaluate(roleOf('api'), 'ses:SendEmail', [{ anyOf: [identity('support@example.com'), identity('example.com')] }]).allowed).toBe(false)
  })

  it('checks service deliveries against resource policies (S3 → intake queue, SNS → feedback queue), conditions included', () => {
    const queues = assembly.resources('AWS::SQS::Queue').map(({ stack, id }) => ({ id, url: assembly.physicalName(stack, id), arn: assembly.attribute(stack, id, 'Arn') }))
    const intake = queues.find((queue) => /^MailIntakeQueue/.test(queue.id))!
    const feedback = queues.find((queue) => /FeedbackQueue/.test(queue.id) && !/DeadLetter/.test(queue.id))!
    const rawMail = bucketArn(/^RawMail/)
    const fromBucket = (arn: string) => ({ service: 's3.amazonaws.com', action: 'sqs:SendMessage', resource: intake.arn, context: { 'aws:SourceArn': arn, 'aws:SourceAccount': '123456789012' } })
    expect(servicePermitted(resourcePolicies(assembly, { queueUrl: intake.url }), fromBucket(rawMail))).toBe(true)
    expect(servicePermitted(resourcePolicies(assembly, { queueUrl: intake.url }), fromBucket('arn:aws:s3:::someone-elses-bucket'))).toBe(false)
    expect(servicePermitted(resourcePolicies(assembly, { queueUrl: feedback.url }), fromBucket(rawMail))).toBe(false)
  })

  it('names the IAM actions of DynamoDB calls as IAM checks them (transactions per item, queries on the index)', () => {
    const tables = { arnOf: (name: string) => `arn:aws:dynamodb:eu-west-1:1:table/${name}` }
    expect(dynamoDbActions('Query', { TableName: 't', IndexName: 'gsi2' }, tables)).toEqual([{ action: 'dynamodb:Query', resources: ['arn:aws:dynamodb:eu-west-1:1:table/t/index/gsi2'] }])
    expect(dynamoDbActions('TransactWriteItems', { TransactItems: [{ Put: { TableName: 't' } }, { Update: { TableName: 't' } }, { ConditionCheck: { TableName: 't' } }] }, tables).map((call) => call.action)).toEqual([
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:ConditionCheckItem',
    ])
    expect(dynamoDbActions('BatchWriteItem', { RequestItems: { t: [] } }, tables)).toEqual([{ action: 'dynamodb:BatchWriteItem', resources: ['arn:aws:dynamodb:eu-west-1:1:table/t'] }])
  })

  it('names the IAM actions of S3 requests (path style)', () => {
    const url = (path: string) => new URL(path, 'http://127.0.0.1')
    expect(s3Action('GET', url('/b/raw/a%20b'), {})).toEqual({ action: 's3:GetObject', resources: ['arn:aws:s3:::b/raw/a b'] })
    expect(s3Action('HEAD', url('/b/k'), {}).action).toBe('s3:GetObject')
    expect(s3Action('GET', url('/b?list-type=2&prefix=x'), {})).toEqual({ action: 's3:ListBucket', resources: ['arn:aws:s3:::b'] })
    expect(s3Action('PUT', url('/b/new'), { 'x-amz-copy-source': '/a/old' })).toEqual({ action: 's3:PutObject', resources: ['arn:aws:s3:::b/new', 'arn:aws:s3:::a/old'] })
    expect(s3Action('DELETE', url('/b/k'), {}).action).toBe('s3:DeleteObject')
  })
})

describe('rehearsal: events as their sources send them', () => {
  it('the schedules\' input transformer gives the jobs function {job, time}', () => {
    const rules = assembly.resources('AWS::Events::Rule')
    expect(rules.length).toBeGreaterThan(0)
    for (const { stack, id, resource } of rules) {
      const target = assembly.resolve(stack, (resource.Properties!.Targets as never[])[0]) as Record<string, unknown>
      const event = scheduledEvent({ ruleArn: assembly.attribute(stack, id, 'Arn'), account: '123456789012', region: 'eu-west-1', time: new Date('2026-12-07T23:00:00.123Z'), target }) as { job: string; time: string }
      // The weekly search drift check (issue 15.6) has a constant input of its own.
      if (id.startsWith('SearchDriftCheck')) {
        expect(event).toEqual({ action: 'check', repair: true })
        continue
      }
      expect(event.time, id).toBe('2026-12-07T23:00:00Z')
      expect(typeof event.job, id).toBe('string')
    }
    expect(scheduledEvent({ ruleArn: 'r', account: '1', region: 'r', time: new Date(), target: { Input: '{"job":"x"}' } })).toEqual({ job: 'x' })
  })

  it('filters stream records like Lambda event filtering, and S3 notifications by event and key', () => {
    const record = { eventName: 'INSERT', dynamodb: { NewImage: { entity: { S: 'article' }, pk: { S: 'TICKET#1' } } } }
    expect(passesFilters(undefined, record as never)).toBe(true)
    expect(passesFilters([{ Pattern: JSON.stringify({ eventName: ['INSERT', 'MODIFY'] }) }], record as never)).toBe(true)
    expect(passesFilters([{ Pattern: JSON.stringify({ dynamodb: { NewImage: { entity: { S: ['ticket'] } } } }) }], record as never)).toBe(false)
    expect(matchesPattern({ dynamodb: { NewImage: { pk: { S: [{ prefix: 'TICKET#' }] } } } }, record)).toBe(true)
    expect(matchesPattern({ dynamodb: { OldImage: [{ exists: false }] } }, record)).toBe(true)
    expect(matchesPattern({ eventName: [{ 'anything-but': ['REMOVE'] }] }, record)).toBe(true)
    const created = { bucket: 'b', key: 'raw/1', size: 1, eTag: 'e', versionId: undefined, eventName: 'ObjectCreated:Put' as const, caller: 'x' }
    expect(notificationMatches({ events: ['s3:ObjectCreated:*'], prefix: 'raw/', suffix: '' }, created)).toBe(true)
    expect(notificationMatches({ events: ['s3:ObjectCreated:*'], prefix: 'other/', suffix: '' }, created)).toBe(false)
  })

  it('selects HTTP API routes as API Gateway does and builds payload 2.0 events', () => {
    const routes = ['ANY /api', 'ANY /api/{proxy+}', 'GET /api/tickets/{number}'].map((routeKey) => ({ routeKey, method: routeKey.split(' ')[0]!, path: routeKey.split(' ')[1]!, authorizationType: 'NONE' }))
    expect(selectRoute(routes, 'GET', '/api')?.route.routeKey).toBe('ANY /api')
    expect(selectRoute(routes, 'POST', '/api/tickets/1/articles')).toMatchObject({ route: { routeKey: 'ANY /api/{proxy+}' }, pathParameters: { proxy: 'tickets/1/articles' } })
    expect(selectRoute(routes, 'GET', '/api/tickets/7')).toMatchObject({ route: { routeKey: 'GET /api/tickets/{number}' }, pathParameters: { number: '7' } })
    expect(selectRoute(routes, 'GET', '/health')).toBeUndefined()
    const event = httpApiEvent({
      apiId: 'abc',
      region: 'eu-west-1',
      account: '1',
      stage: '$default',
      routeKey: 'ANY /api/{proxy+}',
      method: 'PUT',
      url: new URL('https://x/api/files?a=1&a=2'),
      headers: { 'Content-Type': 'application/octet-stream', Cookie: 'a=1; b=2' },
      body: Buffer.from([0, 1, 2]),
      pathParameters: { proxy: 'files' },
      sourceIp: '198.51.100.7',
    })
    expect(event).toMatchObject({ version: '2.0', rawPath: '/api/files', rawQueryString: 'a=1&a=2', queryStringParameters: { a: '1,2' }, cookies: ['a=1', 'b=2'], isBase64Encoded: true, body: 'AAEC' })
    expect(event.requestContext).toMatchObject({ http: { method: 'PUT', path: '/api/files', sourceIp: '198.51.100.7' }, stage: '$default', apiId: 'abc' })
    expect(event.headers['content-type']).toBe('application/octet-stream')
  })
})

describe('rehearsal: the sandbox catches what Lambda would refuse', () => {
  const dir = mkdtempSync(join(tmpdir(), 'docket-rehearsal-unit-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  const bundle = (name: string, code: string) => {
    mkdirSync(join(dir, name), { recursive: true })
    writeFileSync(join(dir, name, 'index.mjs'), code)
    return join(dir, name)
  }
  const sandbox = (assetDir: string, handler = 'index.handler', environment: Record<string, string> = {}) =>
    new Sandbox({
      id: assetDir.split('/').at(-1)!,
      functionName: 'f',
      functionArn: 'arn:aws:lambda:eu-west-1:1:function:f',
      assetDir,
      handler,
      environment,
      runtimeEnvironment: { AWS_REGION: 'eu-west-1' },
      memoryMb: 128,
      timeoutSeconds: 3,
      workDir: dir,
      node: projectNode(projectRoot),
    })

  it('a handler name the module does not export, and a package missing from the bundle', async () => {
    const wrongName = sandbox(bundle('wrong-name', 'export const main = async () => 1'))
    const missing = sandbox(bundle('missing-module', "import 'left-out-package'\nexport const handler = async () => 1"))
    await Promise.all([wrongName.start(), missing.start()])
    expect(wrongName.initError).toMatchObject({ kind: 'handler-name', message: 'index.handler is undefined or not exported' })
    expect(missing.initError).toMatchObject({ code: 'ERR_MODULE_NOT_FOUND' })
    await Promise.all([wrongName.stop(), missing.stop()])
  })

  it('runs with only the given environment (template paths under /var/task point into the task root) and notes unset reads', async () => {
    const box = sandbox(
      bundle('env', "import { readFileSync } from 'node:fs'\nexport const handler = async (event) => ({ config: readFileSync(process.env.DOCKET_CONFIG, 'utf8'), table: process.env.DOCKET_TABLE_NAME ?? null, home: process.env.HOME ?? null, event })"),
      'index.handler',
      { DOCKET_CONFIG: '/var/task/index.mjs' },
    )
    await box.start()
    const result = await box.invoke({ hello: 1 })
    await box.stop()
    expect(result).toMatchObject({ ok: true, value: { table: null, home: null, event: { hello: 1 } } })
    expect((result as { value: { config: string } }).value.config).toContain('export const handler')
    expect([...box.unsetReads]).toEqual(expect.arrayContaining(['DOCKET_TABLE_NAME', 'HOME']))
  })
})
