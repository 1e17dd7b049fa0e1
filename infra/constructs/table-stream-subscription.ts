import { Duration } from 'aws-cdk-lib'
import type { ITable } from 'aws-cdk-lib/aws-dynamodb'
import { StartingPosition, type Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda'
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources'
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs'
import { Construct } from 'constructs'
import { acknowledgeNag } from '../nag.ts'

export interface TableStreamSubscriptionProps {
  /** The table whose stream is read (it must have one). */
  readonly table: ITable
  /** The consumer: reports failed records (DynamoDBBatchResponse). */
  readonly handler: LambdaFunction
  /** Records per invocation. @default 100 */
  readonly batchSize?: number
  /** Retries of a failing batch (split in half each time) before its records go to the DLQ. @default 5 */
  readonly retryAttempts?: number
}

/**
 * A function reading the table's stream from the oldest record, with per-record failure reports,
 * halving of failing batches, and a DLQ receiving the stream positions of what still failed (the
 * records themselves stay in the stream for 24 hours, or come from the table on replay).
 *
 * A DynamoDB stream serves at most two readers per shard without throttling; the outbox relay
 * and the search indexer are those two. A third consumer needs a fan-out (EventBridge Pipes,
 * Kinesis Data Streams for DynamoDB) instead of another subscription.
 */
export class TableStreamSubscription extends Construct {
  readonly deadLetterQueue: Queue

  constructor(scope: Construct, id: string, props: TableStreamSubscriptionProps) {
    super(scope, id)
    if (!props.table.tableStreamArn) throw new Error(`${this.node.path}: the table has no stream; declare it with NEW_AND_OLD_IMAGES`)
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', { encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true, retentionPeriod: Duration.days(14) })
    acknowledgeNag(this.deadLetterQueue, 'AwsSolutions-SQS3', 'This queue is the dead-letter destination (on-failure) of the stream subscription; nothing consumes it but an operator replaying it.')
    props.handler.addEventSource(
      new DynamoEventSource(props.table, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: props.batchSize ?? 100,
        bisectBatchOnError: true,
        retryAttempts: props.retryAttempts ?? 5,
        reportBatchItemFailures: true,
        onFailure: new SqsDlq(this.deadLetterQueue),
      }),
    )
    if (props.handler.role) {
      acknowledgeNag(props.handler.role, 'AwsSolutions-IAM5[Resource::*]', 'dynamodb:ListStreams (granted with the stream read) has no resource-level permissions; the stream reads themselves name the stream ARN.')
    }
  }
}
