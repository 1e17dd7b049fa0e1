import { Stack } from 'aws-cdk-lib'
import { Grant, PolicyStatement, ServicePrincipal, type IGrantable } from 'aws-cdk-lib/aws-iam'
import { Key } from 'aws-cdk-lib/aws-kms'
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda'
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources'
import type { ITable } from 'aws-cdk-lib/aws-dynamodb'
import { ConfigurationSet, EmailSendingEvent, EventDestination } from 'aws-cdk-lib/aws-ses'
import { Topic } from 'aws-cdk-lib/aws-sns'
import { SqsSubscription } from 'aws-cdk-lib/aws-sns-subscriptions'
import { Construct } from 'constructs'
import { acknowledgeWildcardResource } from '../nag.ts'
import { TableStreamSubscription } from './table-stream-subscription.ts'
import { lambdaDefaultTimeout, WorkQueue } from './work-queue.ts'

export interface MailSendingProps {
  /** The table whose stream carries committed outgoing mail (the transactional outbox). */
  readonly table: ITable
  /** The outbox-relay function: reads the stream, puts each committed mail on the outbound queue. */
  readonly relay: LambdaFunction
  /** The mail-send function: consumes the outbound queue and calls SES. */
  readonly sender: LambdaFunction
  /** The ses-feedback function: records SES's bounce, complaint and reject events on the tickets. */
  readonly feedbackHandler: LambdaFunction
  /** SES identities (domains and addresses) the sender may send from. */
  readonly senderIdentities: string[]
  /** Messages per invocation. @default 10 */
  readonly batchSize?: number
  /** Most concurrent mail-send executions (SQS maximum concurrency, 2–1000). @default 2 */
  readonly senderConcurrency?: number
  /** Most concurrent ses-feedback executions. @default 2 */
  readonly feedbackConcurrency?: number
  /** Deliveries before an outbound message is dead-lettered. @default 5 */
  readonly maxReceiveCount?: number
}

/**
 * DynamoDB actions ses-feedback needs, and no more: reads of items and of a ticket's partition
 * (GetItem, Query), the ticket change as one transaction (TransactWriteItems is authorized as the
 * PutItem of each item) and the address record (UpdateItem). No index, no scan, no delete.
 */
const feedbackTableActions = ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem']

/**
 * Outbound mail, sent if and only if the change that caused it committed: table stream →
 * outbox-relay → outbound queue (with DLQ) → mail-send → SES, with the configuration set every
 * message is sent with. The sender may send only from Docket's identities and only with this
 * configuration set; only the relay may put messages on the queue.
 *
 * What SES learns after sending comes back the same way: the configuration set publishes bounce,
 * complaint and reject events to an SNS topic → feedback queue (with DLQ) → ses-feedback, which
 * records them on the tickets and marks hard-bounced and complaining addresses undeliverable.
 */
export class MailSending extends Construct {
  readonly queue: WorkQueue
  readonly configurationSet: ConfigurationSet
  readonly outbox: TableStreamSubscription
  /** SES's bounce, complaint and reject events (KMS-encrypted, TLS only). */
  readonly feedbackTopic: Topic
  /** Encrypts the feedback topic; SES may use it for that topic only. */
  readonly feedbackKey: Key
  /** The topic's subscriber queue, consumed by ses-feedback; `feedbackQueue.deadLetterQueue` holds what failed 5 times. */
  readonly feedbackQueue: WorkQueue

  constructor(scope: Construct, id: string, props: MailSendingProps) {
    super(scope, id)
    if (!props.senderIdentities.some((identity) => identity.includes('@'))) throw new Error('MailSending needs at least one sender address (mail.addresses in docket.config.yaml)')
    this.queue = new WorkQueue(this, 'Outbound', { consumerTimeout: props.sender.timeout ?? lambdaDefaultTimeout, maxReceiveCount: props.maxReceiveCount })
    this.configurationSet = new ConfigurationSet(this, 'ConfigurationSet', { reputationMetrics: true, sendingEnabled: true })

    this.outbox = new TableStreamSubscription(this, 'Outbox', { table: props.table, handler: props.relay })
    this.grantEnqueue(props.relay)

    props.sender.addEventSource(new SqsEventSource(this.queue.queue, { batchSize: props.batchSize ?? 10, reportBatchItemFailures: true, maxConcurrency: props.senderConcurrency ?? 2 }))
    props.sender.addEnvironment('DOCKET_SES_CONFIGURATION_SET', this.configurationSet.configurationSetName)
    const stack = Stack.of(this)
    props.sender.addToRolePolicy(
      new PolicyStatement({
        // SES v2 SendEmail with raw content is authorized as both actions.
        actions: ['ses:SendEmail', 'ses:SendRawEmail'],
        resources: [
          ...props.senderIdentities.map((identity) => stack.formatArn({ service: 'ses', resource: 'identity', resourceName: identity })),
          stack.formatArn({ service: 'ses', resource: 'configuration-set', resourceName: this.configurationSet.configurationSetName }),
        ],
      }),
    )
    // In the SES sandbox SES also authorizes the send against each recipient's identity (a
    // verified address or domain of this account): "not authorized to perform ses:SendRawEmail
    // on resource identity/customer@example.org". Those identities are the admin's to verify and
    // unknown at synth, so any identity of this account and region, but only for mail From one
    // of Docket's own addresses (the condition holds for each resource SES checks).
    const fromAddresses = props.senderIdentities.filter((identity) => identity.includes('@'))
    const recipientIdentities = stack.formatArn({ service: 'ses', resource: 'identity', resourceName: '*' })
    props.sender.addToRolePolicy(
      new PolicyStatement({
        actions: ['ses:SendEmail', 'ses:SendRawEmail'],
        resources: [recipientIdentities],
        conditions: { StringEqualsIgnoreCase: { 'ses:FromAddress': fromAddresses } },
      }),
    )
    acknowledgeWildcardResource(
      props.sender,
      recipientIdentities,
      `In the SES sandbox a send is also authorized against each recipient's verified identity, which the admin verifies after deploy; allowed only with ses:FromAddress one of Docket's addresses (${fromAddresses.join(', ')}).`,
    )

    this.feedbackQueue = new WorkQueue(this, 'Feedback', { consumerTimeout: props.feedbackHandler.timeout ?? lambdaDefaultTimeout, maxReceiveCount: props.maxReceiveCount })
    // A key of our own: SES can publish to an encrypted topic only if the key's policy lets it,
    // and the policy of the AWS managed key (aws/sns) cannot be changed. The topic is named after
    // the stack so the key policy can name it without a circular reference.
    const topicName = `${stack.stackName}-ses-feedback`
    const topicArn = stack.formatArn({ service: 'sns', resource: topicName })
    this.feedbackKey = new Key(this, 'FeedbackKey', { description: `Encrypts SES sending events on ${topicName}`, enableKeyRotation: true })
    this.feedbackKey.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('ses.amazonaws.com')],
        actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        resources: ['*'],
        conditions: { StringEquals: { 'kms:EncryptionContext:aws:sns:topicArn': topicArn } },
      }),
    )
    this.feedbackTopic = new Topic(this, 'FeedbackTopic', { topicName, masterKey: this.feedbackKey, enforceSSL: true })
    // Only the events that say something about an address or a mail; sends, deliveries, opens and clicks stay out.
    this.configurationSet.addEventDestination('Feedback', {
      destination: EventDestination.snsTopic(this.feedbackTopic),
      events: [EmailSendingEvent.BOUNCE, EmailSendingEvent.COMPLAINT, EmailSendingEvent.REJECT],
    })
    this.feedbackTopic.addSubscription(new SqsSubscription(this.feedbackQueue.queue))
    props.feedbackHandler.addEventSource(new SqsEventSource(this.feedbackQueue.queue, { batchSize: props.batchSize ?? 10, reportBatchItemFailures: true, maxConcurrency: props.feedbackConcurrency ?? 2 }))
    Grant.addToPrincipal({ grantee: props.feedbackHandler, actions: feedbackTableActions, resourceArns: [props.table.tableArn] })
  }

  /** Lets `grantee` put messages on the outbound queue. Writers of mail use the outbox instead. */
  grantEnqueue(grantee: IGrantable): void {
    this.queue.queue.grantSendMessages(grantee)
  }

  /** The URL every function needs in DOCKET_OUTBOUND_QUEUE_URL. */
  get queueUrl(): string {
    return this.queue.queue.queueUrl
  }
}
