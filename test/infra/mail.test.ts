import { Match } from 'aws-cdk-lib/assertions'
import { beforeAll, describe, expect, it } from 'vitest'
import { inboundMailDomains, receiptRecipients, senderIdentities } from '../../infra/mail-identities.ts'
import { logicalIdOf, permissionsOf, roleLogicalId, statementsOf, synthesizeDocket, type SynthesizedDocket } from './docket-template.ts'

let docket: SynthesizedDocket
beforeAll(() => {
  docket = synthesizeDocket()
})

describe('mail intake', () => {
  it('a receipt rule for the configured addresses and catch-all domains stores raw mail under raw/, scanned', () => {
    const recipients = receiptRecipients(docket.config)
    expect(recipients).toEqual(expect.arrayContaining(docket.config.mail.addresses.map((entry) => entry.address.toLowerCase())))
    docket.serviceTemplate.hasResourceProperties('AWS::SES::ReceiptRuleSet', { RuleSetName: 'docket-dev' })
    docket.serviceTemplate.hasResourceProperties('AWS::SES::ReceiptRule', {
      RuleSetName: { Ref: logicalIdOf(docket.service.mailIntake.ruleSet) },
      Rule: {
        Enabled: true,
        Recipients: recipients,
        ScanEnabled: true,
        Actions: [{ S3Action: { BucketName: Match.anyValue(), ObjectKeyPrefix: 'raw/' } }],
      },
    })
  })

  it('activates the rule set with a custom resource, and deactivates it on delete', () => {
    const [activation] = Object.values(docket.serviceTemplate.findResources('Custom::AWS'))
    const create = JSON.parse(activation!.Properties.Create as string) as Record<string, unknown>
    const remove = JSON.parse(activation!.Properties.Delete as string) as Record<string, unknown>
    expect(create).toMatchObject({ service: 'SES', action: 'SetActiveReceiptRuleSet', parameters: { RuleSetName: 'docket-dev' } })
    expect(remove).toMatchObject({ service: 'SES', action: 'SetActiveReceiptRuleSet', parameters: {} })
    docket.serviceTemplate.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'ses:SetActiveReceiptRuleSet', Resource: '*' }] },
    })
  })

  it('notifies the intake queue of every object created under raw/, after the rule exists', () => {
    const queueId = logicalIdOf(docket.service.mailIntake.queue.queue)
    docket.serviceTemplate.hasResource('Custom::S3BucketNotifications', {
      Properties: {
        Managed: false, // the bucket belongs to the data stack: only this notification is ours
        NotificationConfiguration: {
          QueueConfigurations: [
            {
              Events: ['s3:ObjectCreated:*'],
              Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'raw/' }] } },
              QueueArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
            },
          ],
        },
      },
      DependsOn: Match.arrayWith([Match.stringLikeRegexp('^MailIntakeRuleSetStoreRawMail')]),
    })
  })

  it('the intake queue outlasts six mail-received timeouts and dead-letters after 5 deliveries', () => {
    const handler = docket.service.functions.get('mail-received')
    const timeout = handler.timeout!.toSeconds()
    expect(timeout).toBe(60)
    const queue = docket.serviceTemplate.findResources('AWS::SQS::Queue')[logicalIdOf(docket.service.mailIntake.queue.queue)]!
    expect(queue.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * timeout)
    expect(queue.Properties.MaximumMessageSize).toBeGreaterThanOrEqual(65536)
    expect(queue.Properties.RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': [logicalIdOf(docket.service.mailIntake.queue.deadLetterQueue), 'Arn'] },
      maxReceiveCount: 5,
    })
    expect(queue.Properties.SqsManagedSseEnabled).toBe(true)
  })

  it('mail-received takes batches of 10 and reports failed records one by one', () => {
    docket.serviceTemplate.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: logicalIdOf(docket.service.functions.get('mail-received')) },
      EventSourceArn: { 'Fn::GetAtt': [logicalIdOf(docket.service.mailIntake.queue.queue), 'Arn'] },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    })
  })

  it('mail-received reads raw mail (only under raw/) and may not write it', () => {
    const rawMail = permissionsOf(docket.serviceTemplate, docket.service.functions.get('mail-received')).filter((permission) => permission.resource.includes('RawMailBucket'))
    expect(rawMail.map((permission) => permission.action).sort()).toEqual(['s3:GetObject', 's3:ListBucket'])
    expect(rawMail.find((permission) => permission.action === 's3:GetObject')!.resource).toContain('/raw/*')
  })

  it('outputs the MX record of every mail domain', () => {
    for (const domain of inboundMailDomains(docket.config)) {
      const outputs = docket.serviceTemplate.findOutputs('*', { Value: '10 inbound-smtp.eu-west-1.amazonaws.com', Description: Match.stringLikeRegexp(` ${domain.replace(/\./g, '\\.')} `) })
      expect(Object.keys(outputs), domain).toHaveLength(1)
    }
  })
})

describe('mail sending', () => {
  it('mail-send consumes the outbound queue (with DLQ) and reports failed records', () => {
    const queue = docket.serviceTemplate.findResources('AWS::SQS::Queue')[logicalIdOf(docket.service.mailSending.queue.queue)]!
    expect(queue.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * docket.service.functions.get('mail-send').timeout!.toSeconds())
    expect(queue.Properties.RedrivePolicy.maxReceiveCount).toBe(5)
    docket.serviceTemplate.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: logicalIdOf(docket.service.functions.get('mail-send')) },
      EventSourceArn: { 'Fn::GetAtt': [logicalIdOf(docket.service.mailSending.queue.queue), 'Arn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    })
  })

  it('sends only from Docket identities and with its configuration set', () => {
    docket.serviceTemplate.resourceCountIs('AWS::SES::ConfigurationSet', 1)
    const configurationSetId = logicalIdOf(docket.service.mailSending.configurationSet)
    const send = statementsOf(docket.serviceTemplate, docket.service.functions.get('mail-send')).filter((statement) => [statement.Action].flat().includes('ses:SendEmail') && !statement.Condition)
    expect(send).toHaveLength(1)
    expect(send[0]!.Action).toEqual(['ses:SendEmail', 'ses:SendRawEmail'])
    const resources = send[0]!.Resource as unknown[]
    const identities = senderIdentities(docket.config)
    expect(identities).toContain('example.com')
    for (const identity of identities) expect(resources).toContainEqual(`arn:aws:ses:eu-west-1:123456789012:identity/${identity}`)
    expect(resources).toContainEqual({ 'Fn::Join': ['', ['arn:aws:ses:eu-west-1:123456789012:configuration-set/', { Ref: configurationSetId }]] })
    expect(resources).toHaveLength(identities.length + 1)
    docket.serviceTemplate.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: Match.absent(),
      Environment: { Variables: Match.objectLike({ DOCKET_SES_CONFIGURATION_SET: { Ref: configurationSetId } }) },
    })
  })

  it('in the SES sandbox may send to verified recipients: every identity of the account and region, only From Docket’s addresses (issue 15.11)', () => {
    const conditioned = statementsOf(docket.serviceTemplate, docket.service.functions.get('mail-send')).filter((statement) => statement.Condition)
    const addresses = senderIdentities(docket.config).filter((identity) => identity.includes('@'))
    expect(addresses.length).toBeGreaterThan(0)
    expect(conditioned).toEqual([
      {
        Effect: 'Allow',
        Action: ['ses:SendEmail', 'ses:SendRawEmail'],
        Resource: 'arn:aws:ses:eu-west-1:123456789012:identity/*',
        Condition: { StringEqualsIgnoreCase: { 'ses:FromAddress': addresses } },
      },
    ])
  })

  it('committed outgoing mail reaches the queue through the outbox relay, which reads the table stream', () => {
    docket.serviceTemplate.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: logicalIdOf(docket.service.functions.get('outbox-relay')) },
      EventSourceArn: Match.objectLike({ 'Fn::GetStackOutput': Match.objectLike({ StackName: 'Docket-dev-Data', OutputName: Match.stringLikeRegexp('StreamArn') }) }),
      StartingPosition: 'TRIM_HORIZON',
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 5,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [logicalIdOf(docket.service.mailSending.outbox.deadLetterQueue), 'Arn'] } } },
    })
  })

  it('only the outbox relay may enqueue outbound mail; every function knows the queue URL', () => {
    const queueId = logicalIdOf(docket.service.mailSending.queue.queue)
    const senders = docket.service.functions.all().filter((fn) =>
      statementsOf(docket.serviceTemplate, fn).some((statement) => [statement.Action].flat().includes('sqs:SendMessage') && JSON.stringify(statement.Resource).includes(queueId)),
    )
    expect(senders.map((fn) => fn.node.id)).toEqual(['OutboxRelay'])
    for (const fn of docket.service.functions.all()) {
      docket.serviceTemplate.hasResourceProperties('AWS::Lambda::Function', {
        Role: { 'Fn::GetAtt': [roleLogicalId(fn), 'Arn'] },
        Environment: { Variables: Match.objectLike({ DOCKET_OUTBOUND_QUEUE_URL: { Ref: queueId } }) },
      })
    }
  })

  it('mail-send may delay the retry of a throttled send (ChangeMessageVisibility on the outbound queue)', () => {
    const queueId = logicalIdOf(docket.service.mailSending.queue.queue)
    const consume = statementsOf(docket.serviceTemplate, docket.service.functions.get('mail-send')).filter((statement) => JSON.stringify(statement.Resource).includes(queueId))
    expect(consume.flatMap((statement) => [statement.Action].flat())).toContain('sqs:ChangeMessageVisibility')
  })
})

describe('bounce and complaint feedback', () => {
  it('the configuration set publishes bounces, complaints and rejects (and nothing else) to the feedback topic', () => {
    docket.serviceTemplate.hasResourceProperties('AWS::SES::ConfigurationSetEventDestination', {
      ConfigurationSetName: { Ref: logicalIdOf(docket.service.mailSending.configurationSet) },
      EventDestination: {
        Enabled: true,
        MatchingEventTypes: ['bounce', 'complaint', 'reject'],
        SnsDestination: { TopicARN: { Ref: logicalIdOf(docket.service.mailSending.feedbackTopic) } },
      },
    })
  })

  it('the topic is encrypted with a rotating key of its own that SES may use for this topic only, and takes TLS only', () => {
    const topicId = logicalIdOf(docket.service.mailSending.feedbackTopic)
    const keyId = logicalIdOf(docket.service.mailSending.feedbackKey)
    docket.serviceTemplate.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } })
    docket.serviceTemplate.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'ses.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            Condition: { StringEquals: { 'kms:EncryptionContext:aws:sns:topicArn': 'arn:aws:sns:eu-west-1:123456789012:Docket-dev-Service-ses-feedback' } },
          }),
        ]),
      },
    })
    // The key policy names the topic's ARN: the topic is named after the stack, so no reference (and no cycle) is needed.
    expect(docket.serviceTemplate.findResources('AWS::SNS::Topic')[topicId]!.Properties.TopicName).toBe('Docket-dev-Service-ses-feedback')
    const topicPolicy = Object.values(docket.serviceTemplate.findResources('AWS::SNS::TopicPolicy')).find((policy) => JSON.stringify(policy.Properties.Topics).includes(topicId))!
    const statements = topicPolicy.Properties.PolicyDocument.Statement as { Effect: string; Principal: unknown; Action: unknown; Condition?: Record<string, Record<string, unknown>> }[]
    expect(statements).toContainEqual(expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }))
    const sesPublish = statements.find((statement) => JSON.stringify(statement.Principal).includes('ses.amazonaws.com'))!
    expect(sesPublish).toMatchObject({ Effect: 'Allow', Action: 'sns:Publish' })
    expect(JSON.stringify(sesPublish.Condition)).toContain('configuration-set/')
  })

  it('the topic feeds a queue with a DLQ (visibility ≥ 6× the ses-feedback timeout), consumed with partial batch responses', () => {
    const { feedbackQueue, feedbackTopic } = docket.service.mailSending
    const queueId = logicalIdOf(feedbackQueue.queue)
    docket.serviceTemplate.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'sqs',
      TopicArn: { Ref: logicalIdOf(feedbackTopic) },
      Endpoint: { 'Fn::GetAtt': [queueId, 'Arn'] },
    })
    const queue = docket.serviceTemplate.findResources('AWS::SQS::Queue')[queueId]!
    expect(queue.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * docket.service.functions.get('ses-feedback').timeout!.toSeconds())
    expect(queue.Properties.RedrivePolicy).toEqual({ deadLetterTargetArn: { 'Fn::GetAtt': [logicalIdOf(feedbackQueue.deadLetterQueue), 'Arn'] }, maxReceiveCount: 5 })
    expect(queue.Properties.SqsManagedSseEnabled).toBe(true)
    docket.serviceTemplate.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: logicalIdOf(docket.service.functions.get('ses-feedback')) },
      EventSourceArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    })
    // Only SNS, for this topic, may put messages on it.
    const queuePolicy = Object.values(docket.serviceTemplate.findResources('AWS::SQS::QueuePolicy')).find((policy) => JSON.stringify(policy.Properties.Queues).includes(queueId))!
    const allow = (queuePolicy.Properties.PolicyDocument.Statement as { Effect: string; Principal?: unknown; Condition?: unknown }[]).filter((statement) => statement.Effect === 'Allow')
    expect(allow).toEqual([expect.objectContaining({ Principal: { Service: 'sns.amazonaws.com' }, Condition: { ArnEquals: { 'aws:SourceArn': { Ref: logicalIdOf(feedbackTopic) } } } })])
  })

  it('ses-feedback reads and writes items of the table, nothing more (no scan, no delete, no index, no mail, no blobs)', () => {
    const statements = statementsOf(docket.serviceTemplate, docket.service.functions.get('ses-feedback'))
    const table = statements.filter((statement) => JSON.stringify(statement.Resource).includes('Table'))
    expect(table.flatMap((statement) => [statement.Action].flat()).sort()).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'])
    expect(JSON.stringify(table.map((statement) => statement.Resource))).not.toContain('index')
    const actions = statements.flatMap((statement) => [statement.Action].flat())
    expect(actions.filter((action) => /^(s3|ses|es):/.test(action))).toEqual([])
    expect(actions.filter((action) => action.startsWith('sqs:') && !['sqs:ReceiveMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueUrl', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'].includes(action))).toEqual([])
  })
})
