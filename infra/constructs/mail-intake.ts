import { Annotations } from 'aws-cdk-lib'
import { PolicyStatement } from 'aws-cdk-lib/aws-iam'
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda'
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources'
import { Bucket, EventType, type IBucket } from 'aws-cdk-lib/aws-s3'
import { SqsDestination } from 'aws-cdk-lib/aws-s3-notifications'
import { ReceiptRuleSet } from 'aws-cdk-lib/aws-ses'
import { S3 as StoreInS3 } from 'aws-cdk-lib/aws-ses-actions'
import { AwsCustomResource, AwsCustomResourcePolicy, PhysicalResourceId } from 'aws-cdk-lib/custom-resources'
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs'
import { Construct } from 'constructs'
import { grantObjectAccess } from '../data-access.ts'
import { acknowledgeNag } from '../nag.ts'
import { maxRecipientsPerReceiptRule } from '../mail-identities.ts'
import { lambdaDefaultTimeout, WorkQueue } from './work-queue.ts'

export interface MailIntakeProps {
  /** Where SES stores the raw MIME (the data stack's bucket; its policy already lets this rule set write). */
  readonly rawMailBucket: IBucket
  /** Key prefix of stored mail. @default 'raw/' */
  readonly objectKeyPrefix?: string
  /** The mail-received function: consumes the intake queue. */
  readonly handler: LambdaFunction
  /** Addresses and domains SES accepts mail for (at most 100). */
  readonly recipients: string[]
  /** Name of the receipt rule set (unique per account and region). */
  readonly receiptRuleSetName: string
  /**
   * Make this rule set the active one. An account has one active rule set per region: activating
   * this one deactivates any other, and deleting the stack deactivates it again.
   * @default true
   */
  readonly activateRuleSet?: boolean
  /** Messages per invocation. @default 10 */
  readonly batchSize?: number
  /** Most concurrent mail-received executions (SQS maximum concurrency, 2–1000). @default 2 */
  readonly maxConcurrency?: number
  /** Deliveries before a stored mail's notification is dead-lettered (replay: `docket mail replay`). @default 5 */
  readonly maxReceiveCount?: number
  /** Retention of the rule set activation's log group. @default one month */
  readonly logRetention?: RetentionDays
}

/**
 * Inbound mail, raw mail stored before anything parses it: SES receipt rule (spam and virus scan)
 * → raw-mail bucket under `raw/` → ObjectCreated notification → intake queue (with DLQ) →
 * mail-received, which reports failed records one by one.
 */
export class MailIntake extends Construct {
  readonly queue: WorkQueue
  readonly ruleSet: ReceiptRuleSet

  constructor(scope: Construct, id: string, props: MailIntakeProps) {
    super(scope, id)
    const prefix = props.objectKeyPrefix ?? 'raw/'
    if (props.recipients.length === 0) throw new Error('MailIntake needs at least one recipient (mail.addresses in docket.config.yaml)')
    if (props.recipients.length > maxRecipientsPerReceiptRule) {
      throw new Error(`SES accepts at most ${maxRecipientsPerReceiptRule} recipients per receipt rule, got ${props.recipients.length}: list whole domains under mail.catchAllDomains instead of single addresses`)
    }

    // The bucket belongs to the data stack. Referencing it by ARN here keeps the notification
    // configuration (which points at this stack's queue) in this stack: no cycle between stacks.
    const rawMail = Bucket.fromBucketAttributes(this, 'RawMailBucket', { bucketArn: props.rawMailBucket.bucketArn, bucketName: props.rawMailBucket.bucketName })

    this.ruleSet = new ReceiptRuleSet(this, 'RuleSet', { receiptRuleSetName: props.receiptRuleSetName })
    const rule = this.ruleSet.addRule('StoreRawMail', {
      recipients: props.recipients,
      scanEnabled: true, // SES adds spam and virus verdicts; the postmaster's spam check reads them
      actions: [new StoreInS3({ bucket: rawMail, objectKeyPrefix: prefix })],
    })
    Annotations.of(rule).acknowledgeWarning('@aws-cdk/s3:AddBucketPermissions', 'The data stack grants this rule set s3:PutObject on the raw-mail prefix.')

    if (props.activateRuleSet ?? true) {
      const activation = new AwsCustomResource(this, 'ActivateRuleSet', {
        onCreate: activate(props.receiptRuleSetName),
        onUpdate: activate(props.receiptRuleSetName),
        onDelete: { service: 'SES', action: 'SetActiveReceiptRuleSet', parameters: {} },
        // SES receipt rule sets have no resource-level permissions.
        policy: AwsCustomResourcePolicy.fromStatements([new PolicyStatement({ actions: ['ses:SetActiveReceiptRuleSet'], resources: ['*'] })]),
        installLatestAwsSdk: false,
        logGroup: new LogGroup(this, 'ActivateRuleSetLogs', { retention: props.logRetention ?? RetentionDays.ONE_MONTH }),
      })
      activation.node.addDependency(rule)
      acknowledgeNag(activation, 'AwsSolutions-IAM5[Resource::*]', 'ses:SetActiveReceiptRuleSet has no resource-level permissions (receipt rule sets have no ARN in IAM); this policy holds nothing else.')
    }

    this.queue = new WorkQueue(this, 'Intake', { consumerTimeout: props.handler.timeout ?? lambdaDefaultTimeout, maxReceiveCount: props.maxReceiveCount })
    rawMail.addEventNotification(EventType.OBJECT_CREATED, new SqsDestination(this.queue.queue), { prefix })
    // When the rule is saved SES writes a setup-check object under the prefix: set up the
    // notification after it, so that object is not taken for a customer's mail.
    rawMail.node.tryFindChild('Notifications')?.node.addDependency(rule)

    props.handler.addEventSource(new SqsEventSource(this.queue.queue, { batchSize: props.batchSize ?? 10, reportBatchItemFailures: true, maxConcurrency: props.maxConcurrency ?? 2 }))
    grantObjectAccess(props.rawMailBucket, props.handler, { read: true }, `${prefix}*`)
  }
}

function activate(ruleSetName: string) {
  return {
    service: 'SES',
    action: 'SetActiveReceiptRuleSet',
    parameters: { RuleSetName: ruleSetName },
    physicalResourceId: PhysicalResourceId.of(`active-receipt-rule-set-${ruleSetName}`),
  }
}
