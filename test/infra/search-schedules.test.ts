import { Match } from 'aws-cdk-lib/assertions'
import { beforeAll, describe, expect, it } from 'vitest'
import { builtInJobs } from '../../schemas/jobs.ts'
import { actionsOf, logicalIdOf, roleLogicalId, statementsOf, synthesizeDocket, type SynthesizedDocket } from './docket-template.ts'

let docket: SynthesizedDocket
beforeAll(() => {
  docket = synthesizeDocket()
})

describe('search', () => {
  it('one small OpenSearch node, encrypted at rest and between nodes, HTTPS only, fine-grained access with the indexer as master', () => {
    docket.serviceTemplate.hasResourceProperties('AWS::OpenSearchService::Domain', {
      ClusterConfig: Match.objectLike({ InstanceType: 't3.small.search', InstanceCount: 1, MultiAZWithStandbyEnabled: false }),
      EBSOptions: { EBSEnabled: true, VolumeSize: 10, VolumeType: 'gp3' },
      EncryptionAtRestOptions: { Enabled: true },
      NodeToNodeEncryptionOptions: { Enabled: true },
      DomainEndpointOptions: { EnforceHTTPS: true, TLSSecurityPolicy: 'Policy-Min-TLS-1-2-2019-07' },
      AdvancedSecurityOptions: {
        Enabled: true,
        InternalUserDatabaseEnabled: false,
        MasterUserOptions: { MasterUserARN: { 'Fn::GetAtt': [roleLogicalId(docket.service.functions.get('search-indexer')), 'Arn'] } },
      },
    })
  })

  it('takes its instance type from context', () => {
    const larger = synthesizeDocket({ context: { searchInstanceType: 'm7g.large.search' } })
    larger.serviceTemplate.hasResourceProperties('AWS::OpenSearchService::Domain', { ClusterConfig: Match.objectLike({ InstanceType: 'm7g.large.search' }) })
  })

  it('the indexer reads the table stream from the start, bisects and retries failing batches, then dead-letters them', () => {
    docket.serviceTemplate.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: logicalIdOf(docket.service.functions.get('search-indexer')) },
      EventSourceArn: Match.objectLike({ 'Fn::GetStackOutput': Match.objectLike({ StackName: 'Docket-dev-Data', OutputName: Match.stringLikeRegexp('StreamArn') }) }),
      StartingPosition: 'TRIM_HORIZON',
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 5,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [logicalIdOf(docket.service.search.deadLetterQueue), 'Arn'] } } },
    })
    docket.serviceTemplate.hasResourceProperties('AWS::Lambda::Function', {
      Role: { 'Fn::GetAtt': [roleLogicalId(docket.service.functions.get('search-indexer')), 'Arn'] },
      Environment: { Variables: Match.objectLike({ DOCKET_OPENSEARCH_ENDPOINT: { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [logicalIdOf(docket.service.search.domain), 'DomainEndpoint'] }]] } }) },
    })
  })
})

describe('search access', () => {
  const endpoint = () => ({ 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [logicalIdOf(docket.service.search.domain), 'DomainEndpoint'] }]] })

  it('the indexer re-reads tickets (table read, no writes) and text attachments, and maps the API role to read access', () => {
    const indexer = docket.service.functions.get('search-indexer')
    const actions = actionsOf(docket.serviceTemplate, indexer)
    expect(actions).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:Query', 's3:GetObject']))
    expect(actions.filter((action) => ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 's3:PutObject'].includes(action))).toEqual([])
    docket.serviceTemplate.hasResourceProperties('AWS::Lambda::Function', {
      Role: { 'Fn::GetAtt': [roleLogicalId(indexer), 'Arn'] },
      Environment: { Variables: Match.objectLike({ DOCKET_OPENSEARCH_READER_ROLE_ARNS: { 'Fn::GetAtt': [roleLogicalId(docket.service.functions.get('api')), 'Arn'] } }) },
    })
  })

  it('the API may only search and count under the alias, and knows the endpoint', () => {
    const api = docket.service.functions.get('api')
    const search = statementsOf(docket.serviceTemplate, api).filter((statement) => [statement.Action].flat().some((action) => action.startsWith('es:')))
    const domainArn = { 'Fn::GetAtt': [logicalIdOf(docket.service.search.domain), 'Arn'] }
    expect(search).toEqual([
      {
        Effect: 'Allow',
        Action: ['es:ESHttpGet', 'es:ESHttpPost'],
        Resource: [{ 'Fn::Join': ['', [domainArn, '/docket-tickets/_count']] }, { 'Fn::Join': ['', [domainArn, '/docket-tickets/_search']] }],
      },
    ])
    docket.serviceTemplate.hasResourceProperties('AWS::Lambda::Function', {
      Role: { 'Fn::GetAtt': [roleLogicalId(api), 'Arn'] },
      Environment: { Variables: Match.objectLike({ DOCKET_OPENSEARCH_ENDPOINT: endpoint() }) },
    })
  })

  it('no other function can reach the domain, and the domain has no access policy of its own (identity policies only: no anonymous access)', () => {
    for (const name of ['mail-received', 'mail-send', 'jobs', 'outbox-relay'] as const) {
      expect(actionsOf(docket.serviceTemplate, docket.service.functions.get(name)).filter((action) => action.startsWith('es:')), name).toEqual([])
    }
    docket.serviceTemplate.hasResourceProperties('AWS::OpenSearchService::Domain', { AccessPolicies: Match.absent() })
  })
})

describe('schedules', () => {
  const expectedCron: Record<(typeof builtInJobs)[number], string> = {
    pending: 'cron(* * * * ? *)',
    'junk-cleanup': 'cron(0 0 * * ? *)',
    'junk-purge': 'cron(0 0 ? * 1 *)',
    escalations: 'cron(* * * * ? *)',
    'audit-export': 'cron(30 0 * * ? *)',
  }

  it('one rule per scheduled job, in UTC, from the config, giving the jobs function {"job": name, "time": <firing time>}', () => {
    const rules = Object.values(docket.serviceTemplate.findResources('AWS::Events::Rule'))
    expect(rules).toHaveLength(builtInJobs.length)
    const jobsArn = { 'Fn::GetAtt': [logicalIdOf(docket.service.functions.get('jobs')), 'Arn'] }
    for (const job of builtInJobs) {
      docket.serviceTemplate.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: expectedCron[job],
        State: 'ENABLED',
        Targets: [
          Match.objectLike({
            Arn: jobsArn,
            InputTransformer: { InputPathsMap: { time: '$.time' }, InputTemplate: `{"job":"${job}","time":<time>}` },
            RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 },
            DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalIdOf(docket.service.schedules.deadLetterQueue), 'Arn'] } },
          }),
        ],
      })
    }
  })

  it('EventBridge may invoke the jobs function and write to the schedules DLQ', () => {
    docket.serviceTemplate.resourcePropertiesCountIs('AWS::Lambda::Permission', { Principal: 'events.amazonaws.com', Action: 'lambda:InvokeFunction' }, builtInJobs.length)
    docket.serviceTemplate.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: logicalIdOf(docket.service.schedules.deadLetterQueue) }],
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sqs:SendMessage' })]) },
    })
  })
})
