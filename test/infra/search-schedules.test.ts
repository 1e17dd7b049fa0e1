import { Match } from 'aws-cdk-lib/assertions'
import { beforeAll, describe, expect, it } from 'vitest'
import { builtInJobs } from '../../schemas/jobs.ts'
import { actionsOf, logicalIdOf, permissionsOf, roleLogicalId, statementsOf, synthesizeDocket, type SynthesizedDocket } from './docket-template.ts'

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

describe('search maintenance (issue 15.6)', () => {
  it('a maintenance function with the indexer\'s role (the master user) and the domain endpoint; its name is a stack output for the CLI', () => {
    const maintenance = docket.service.functions.get('search-maintenance')
    expect(roleLogicalId(maintenance)).toBe(roleLogicalId(docket.service.functions.get('search-indexer')))
    docket.serviceTemplate.hasResourceProperties('AWS::Lambda::Function', {
      Role: { 'Fn::GetAtt': [roleLogicalId(maintenance), 'Arn'] },
      Timeout: 900,
      Environment: {
        Variables: Match.objectLike({
          DOCKET_OPENSEARCH_ENDPOINT: { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [logicalIdOf(docket.service.search.domain), 'DomainEndpoint'] }]] },
          DOCKET_OPENSEARCH_READER_ROLE_ARNS: { 'Fn::GetAtt': [roleLogicalId(docket.service.functions.get('api')), 'Arn'] },
        }),
      },
    })
    const actions = actionsOf(docket.serviceTemplate, maintenance)
    expect(actions).toEqual(expect.arrayContaining(['dynamodb:Scan', 'dynamodb:Query', 'dynamodb:GetItem', 's3:GetObject', 'es:ESHttpPost', 'es:ESHttpPut', 'es:ESHttpDelete']))
    expect(actions.filter((action) => ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 's3:PutObject'].includes(action))).toEqual([])
    docket.serviceTemplate.hasOutput('SearchMaintenanceFunction', { Value: { Ref: logicalIdOf(maintenance) } })
  })

  it('a weekly drift check with repair; failed runs go to a dead-letter queue, which is alarmed, as is any drift found', () => {
    const maintenance = docket.service.functions.get('search-maintenance')
    const dlq = docket.service.search.maintenanceDeadLetterQueue!
    docket.serviceTemplate.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'cron(0 3 ? * SUN *)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [logicalIdOf(maintenance), 'Arn'] }, Input: '{"action":"check","repair":true}' })],
    })
    docket.serviceTemplate.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: logicalIdOf(maintenance) },
      MaximumRetryAttempts: 1,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [logicalIdOf(dlq), 'Arn'] } } },
    })
    expect(permissionsOf(docket.serviceTemplate, maintenance)).toContainEqual({ action: 'sqs:SendMessage', resource: JSON.stringify({ 'Fn::GetAtt': [logicalIdOf(dlq), 'Arn'] }) })
    docket.serviceTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalIdOf(dlq), 'QueueName'] } }],
      Threshold: 1,
    })
    docket.serviceTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'Docket', MetricName: 'SearchDrift', Statistic: 'Maximum', Period: 86400, Threshold: 1 })
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

  const queueArn = () => ({ 'Fn::GetAtt': [logicalIdOf(docket.service.schedules.queue.queue), 'Arn'] })

  it('one rule per scheduled job, in UTC, from the config, putting {"job": name, "time": <firing time>} on the jobs queue', () => {
    const rules = Object.values(docket.serviceTemplate.findResources('AWS::Events::Rule')) as { Properties: { Targets: { Arn: unknown }[] } }[]
    expect(rules.filter((rule) => JSON.stringify(rule.Properties.Targets[0]!.Arn) === JSON.stringify(queueArn()))).toHaveLength(builtInJobs.length)
    for (const job of builtInJobs) {
      docket.serviceTemplate.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: expectedCron[job],
        State: 'ENABLED',
        Targets: [
          Match.objectLike({
            Arn: queueArn(),
            InputTransformer: { InputPathsMap: { time: '$.time' }, InputTemplate: `{"job":"${job}","time":<time>}` },
            RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 },
            DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalIdOf(docket.service.schedules.deadLetterQueue), 'Arn'] } },
          }),
        ],
      })
    }
  })

  it('EventBridge may send to the jobs queue and to the schedules DLQ; nothing invokes the jobs function directly', () => {
    docket.serviceTemplate.resourcePropertiesCountIs('AWS::Lambda::Permission', { Principal: 'events.amazonaws.com', FunctionName: { 'Fn::GetAtt': [logicalIdOf(docket.service.functions.get('jobs')), 'Arn'] } }, 0)
    for (const [queue, action] of [
      [docket.service.schedules.queue.queue, Match.arrayWith(['sqs:SendMessage'])],
      [docket.service.schedules.deadLetterQueue, 'sqs:SendMessage'],
    ] as const) {
      docket.serviceTemplate.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: logicalIdOf(queue) }],
        PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: action })]) },
      })
    }
  })

  it('issue 15.7: the jobs function works the jobs queue a slice at a time, queues its own next slices, and failed slices are dead-lettered and alarmed', () => {
    const jobs = docket.service.functions.get('jobs')
    const { queue, deadLetterQueue } = docket.service.schedules.queue
    docket.serviceTemplate.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: logicalIdOf(jobs) },
      EventSourceArn: queueArn(),
      BatchSize: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 2 },
    })
    // Visibility six times the function's 30 s; after 3 failed deliveries a slice moves to the DLQ.
    docket.serviceTemplate.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: 180,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [logicalIdOf(deadLetterQueue), 'Arn'] }, maxReceiveCount: 3 },
    })
    docket.serviceTemplate.hasResourceProperties('AWS::Lambda::Function', {
      Role: { 'Fn::GetAtt': [roleLogicalId(jobs), 'Arn'] },
      Timeout: 30,
      Environment: { Variables: Match.objectLike({ DOCKET_JOBS_QUEUE_URL: { Ref: logicalIdOf(queue) } }) },
    })
    expect(permissionsOf(docket.serviceTemplate, jobs)).toContainEqual({ action: 'sqs:SendMessage', resource: JSON.stringify(queueArn()) })
    docket.serviceTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Namespace: 'AWS/SQS',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalIdOf(deadLetterQueue), 'QueueName'] } }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    })
  })
})
