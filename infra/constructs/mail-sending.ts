import { Stack } from 'aws-cdk-lib'
import { PolicyStatement, type IGrantable } from 'aws-cdk-lib/aws-iam'
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda'
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources'
import type { ITable } from 'aws-cdk-lib/aws-dynamodb'
import { ConfigurationSet } from 'aws-cdk-lib/aws-ses'
import { Construct } from 'constructs'
import { TableStreamSubscription } from './table-stream-subscription.ts'
import { lambdaDefaultTimeout, WorkQueue } from './work-queue.ts'

export interface MailSendingProps {
  /** The table whose stream carries committed outgoing mail (the transactional outbox). */
  readonly table: ITable
  /** The outbox-relay function: reads the stream, puts each committed mail on the outbound queue. */
  readonly relay: LambdaFunction
  /** The mail-send function: consumes the outbound queue and calls SES. */
  readonly sender: LambdaFunction
  /** SES identities (domains and addresses) the sender may send from. */
  readonly senderIdentities: string[]
  /** Messages per invocation. @default 10 */
  readonly batchSize?: number
  /** Deliveries before an outbound message is dead-lettered. @default 5 */
  readonly maxReceiveCount?: number
}

/**
 * Outbound mail, sent if and only if the change that caused it committed: table stream →
 * outbox-relay → outbound queue (with DLQ) → mail-send → SES, with the configuration set every
 * message is sent with. The sender may send only from Docket's identities and only with this
 * configuration set; only the relay may put messages on the queue.
 */
export class MailSending extends Construct {
  readonly queue: WorkQueue
  readonly configurationSet: ConfigurationSet
  readonly outbox: TableStreamSubscription

  constructor(scope: Construct, id: string, props: MailSendingProps) {
    super(scope, id)
    if (props.senderIdentities.length === 0) throw new Error('MailSending needs at least one sender identity (mail.addresses in docket.config.yaml)')
    this.queue = new WorkQueue(this, 'Outbound', { consumerTimeout: props.sender.timeout ?? lambdaDefaultTimeout, maxReceiveCount: props.maxReceiveCount })
    this.configurationSet = new ConfigurationSet(this, 'ConfigurationSet', { reputationMetrics: true, sendingEnabled: true })

    this.outbox = new TableStreamSubscription(this, 'Outbox', { table: props.table, handler: props.relay })
    this.grantEnqueue(props.relay)

    props.sender.addEventSource(new SqsEventSource(this.queue.queue, { batchSize: props.batchSize ?? 10, reportBatchItemFailures: true }))
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
