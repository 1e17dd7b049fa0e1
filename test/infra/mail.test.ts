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
    const send = statementsOf(docket.serviceTemplate, docket.service.functions.get('mail-send')).filter((statement) => [statement.Action].flat().includes('ses:SendEmail'))
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

})
