import { Match } from 'aws-cdk-lib/assertions'
import { beforeAll, describe, expect, it } from 'vitest'
import { alarmThresholds } from '../../infra/constructs/operations.ts'
import { everyOptionContext, logicalIdOf, synthesizeDocket, synthesizeDocketOnce, type SynthesizedDocket } from './docket-template.ts'

let docket: SynthesizedDocket
beforeAll(() => {
  docket = synthesizeDocket()
})

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>
interface AlarmProperties {
  Namespace?: string
  MetricName?: string
  Dimensions?: { Name: string; Value: unknown }[]
  Threshold: number
  ComparisonOperator: string
  AlarmActions: unknown[]
  OKActions?: unknown[]
  TreatMissingData: string
}

const resources = () => docket.serviceTemplate.toJSON().Resources as Resources
const alarms = () => Object.values(resources()).filter((resource) => resource.Type === 'AWS::CloudWatch::Alarm').map((resource) => resource.Properties as unknown as AlarmProperties)
const ofType = (type: string) => Object.entries(resources()).filter(([, resource]) => resource.Type === type)
/** Alarms on `metricName` whose dimension `name` is `value` (a Ref or GetAtt as in the template). */
const alarmsOn = (metricName: string, name: string, value: unknown) =>
  alarms().filter((alarm) => alarm.MetricName === metricName && alarm.Dimensions?.some((dimension) => dimension.Name === name && JSON.stringify(dimension.Value) === JSON.stringify(value)))

describe('alarms', () => {
  it('every SQS queue the template uses as a dead-letter queue alarms at one visible message', () => {
    // Found from the template itself, independently of how the construct finds them.
    const json = JSON.stringify(resources())
    const deadLetterIds = ofType('AWS::SQS::Queue')
      .map(([id]) => id)
      .filter((id) => {
        const arn = JSON.stringify({ 'Fn::GetAtt': [id, 'Arn'] })
        return [`"deadLetterTargetArn":${arn}`, `"Destination":${arn}`, `"DeadLetterConfig":{"Arn":${arn}}`].some((use) => json.includes(use))
      })
    // Intake and outbound (WorkQueues), outbox and indexing streams, schedules (and any added since).
    expect(deadLetterIds.length).toBeGreaterThanOrEqual(5)
    for (const id of deadLetterIds) {
      const [alarm] = alarmsOn('ApproximateNumberOfMessagesVisible', 'QueueName', { 'Fn::GetAtt': [id, 'QueueName'] })
      expect(alarm, id).toMatchObject({ Namespace: 'AWS/SQS', Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' })
    }
  })

  it('every other queue alarms when its oldest message is 30 minutes old', () => {
    const deadLetter = new Set(alarms().filter((alarm) => alarm.MetricName === 'ApproximateNumberOfMessagesVisible').map((alarm) => JSON.stringify(alarm.Dimensions)))
    const workQueues = ofType('AWS::SQS::Queue').filter(([id]) => !deadLetter.has(JSON.stringify([{ Name: 'QueueName', Value: { 'Fn::GetAtt': [id, 'QueueName'] } }])))
    expect(workQueues.map(([id]) => id)).toEqual(expect.arrayContaining([logicalIdOf(docket.service.mailIntake.queue.queue), logicalIdOf(docket.service.mailSending.queue.queue)]))
    for (const [id] of workQueues) {
      const [alarm] = alarmsOn('ApproximateAgeOfOldestMessage', 'QueueName', { 'Fn::GetAtt': [id, 'QueueName'] })
      expect(alarm, id).toMatchObject({ Threshold: 1800 })
    }
  })

  it('every Lambda function in the stack alarms on errors and throttles; stream readers on iterator age', () => {
    const functions = ofType('AWS::Lambda::Function').map(([id]) => id)
    expect(functions.length).toBeGreaterThan(docket.service.functions.all().length) // CDK's own handlers too
    for (const id of functions) {
      for (const metric of ['Errors', 'Throttles']) {
        const [alarm] = alarmsOn(metric, 'FunctionName', { Ref: id })
        expect(alarm, `${id} ${metric}`).toMatchObject({ Namespace: 'AWS/Lambda', Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', TreatMissingData: 'notBreaching' })
      }
    }
    for (const name of ['search-indexer', 'outbox-relay'] as const) {
      const [alarm] = alarmsOn('IteratorAge', 'FunctionName', { Ref: logicalIdOf(docket.service.functions.get(name)) })
      expect(alarm, name).toMatchObject({ Threshold: alarmThresholds.streamIteratorAgeMs })
    }
  })

  it('SES bounce rate and complaint rate alarm at half the rates at which SES reviews an account (5 %, 0.1 %)', () => {
    expect(alarms().find((alarm) => alarm.MetricName === 'Reputation.BounceRate')).toMatchObject({ Namespace: 'AWS/SES', Threshold: 0.025, ComparisonOperator: 'GreaterThanOrEqualToThreshold' })
    expect(alarms().find((alarm) => alarm.MetricName === 'Reputation.ComplaintRate')).toMatchObject({ Namespace: 'AWS/SES', Threshold: 0.0005 })
  })

  it('the API stage alarms on 5xx answers', () => {
    const [alarm] = alarmsOn('5xx', 'ApiId', { Ref: logicalIdOf(docket.service.agentApi.httpApi) })
    expect(alarm).toMatchObject({ Namespace: 'AWS/ApiGateway', Threshold: 5, Dimensions: expect.arrayContaining([{ Name: 'Stage', Value: '$default' }]) })
  })

  it('the search domain alarms when red, when writes are blocked and below 20 % free storage', () => {
    const metrics = alarms().filter((alarm) => alarm.Namespace === 'AWS/ES')
    expect(metrics.map((alarm) => alarm.MetricName).sort()).toEqual(['ClusterIndexWritesBlocked', 'ClusterStatus.red', 'FreeStorageSpace'])
    expect(metrics.find((alarm) => alarm.MetricName === 'FreeStorageSpace')).toMatchObject({ Threshold: 2048, ComparisonOperator: 'LessThanOrEqualToThreshold' })
  })

  it('every alarm notifies the alarm topic when it fires and when it clears', () => {
    const topic = { Ref: logicalIdOf(docket.service.operations.topic) }
    expect(alarms().length).toBeGreaterThan(20)
    for (const alarm of alarms()) {
      expect(alarm.AlarmActions).toEqual([topic])
      expect(alarm.OKActions).toEqual([topic])
    }
  })

  it('the topic takes TLS only; an email subscription only with -c alarmEmail', () => {
    docket.serviceTemplate.resourcePropertiesCountIs('AWS::SNS::Subscription', { Protocol: 'email' }, 0)
    docket.serviceTemplate.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: logicalIdOf(docket.service.operations.topic) }],
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    })
    const withEmail = synthesizeDocketOnce(everyOptionContext)
    withEmail.serviceTemplate.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com', TopicArn: { Ref: logicalIdOf(withEmail.service.operations.topic) } })
  })
})

describe('dashboard', () => {
  it('one dashboard per stage with queues, Lambda errors and duration, API 4xx/5xx/latency, SES sends and bounces', () => {
    const [, dashboard] = ofType('AWS::CloudWatch::Dashboard')[0]!
    expect(dashboard.Properties.DashboardName).toBe('Docket-dev')
    const body = JSON.stringify(dashboard.Properties.DashboardBody)
    for (const metric of ['ApproximateNumberOfMessagesVisible', 'ApproximateAgeOfOldestMessage', 'Errors', 'Duration', 'Throttles', '4xx', '5xx', 'Latency', 'Send', 'Bounce', 'Complaint', 'Reputation.BounceRate', 'ConsumedWriteCapacityUnits', 'FreeStorageSpace']) {
      expect(body, metric).toContain(`\\"${metric}\\"`)
    }
    expect(body).toContain('\\"type\\":\\"alarm\\"')
    docket.serviceTemplate.hasOutput('DashboardName', Match.anyValue())
  })
})

describe('logs and tracing', () => {
  it('every log group of the stack has a retention, the stage’s (dev: 30 days; -c logRetentionDays overrides)', () => {
    const groups = ofType('AWS::Logs::LogGroup')
    expect(groups.length).toBeGreaterThan(docket.service.functions.all().length)
    for (const [id, group] of groups) expect(group.Properties.RetentionInDays, id).toBe(30)
    const longer = synthesizeDocket({ context: { logRetentionDays: '90' } })
    for (const group of Object.values(longer.serviceTemplate.findResources('AWS::Logs::LogGroup'))) expect(group.Properties.RetentionInDays).toBe(90)
  })

  it('every Lambda function, CDK’s own handlers included, logs to a log group of the stack', () => {
    const groups = new Set(ofType('AWS::Logs::LogGroup').map(([id]) => id))
    for (const [id, fn] of ofType('AWS::Lambda::Function')) {
      const logGroup = (fn.Properties.LoggingConfig as { LogGroup?: { Ref?: string } } | undefined)?.LogGroup?.Ref
      expect(logGroup && groups.has(logGroup), id).toBe(true)
    }
  })

  it('Docket functions trace actively with X-Ray (the HTTP API cannot: X-Ray traces REST APIs only)', () => {
    for (const fn of docket.service.functions.all()) {
      expect(resources()[logicalIdOf(fn)]!.Properties.TracingConfig, fn.node.id).toEqual({ Mode: 'Active' })
    }
  })

  it('the API access logs follow the stage retention too (prod: a year)', () => {
    const prod = synthesizeDocketOnce(everyOptionContext)
    const accessLogs = prod.serviceTemplate.findResources('AWS::Logs::LogGroup')
    expect(Object.values(accessLogs).every((group) => group.Properties.RetentionInDays === 365)).toBe(true)
  })
})
