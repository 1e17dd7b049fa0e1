import { Duration } from 'aws-cdk-lib'
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs'
import { Construct } from 'constructs'

/** Lambda's timeout when a function sets none. */
export const lambdaDefaultTimeout = Duration.seconds(3)

export interface WorkQueueProps {
  /**
   * The timeout of the function that consumes the queue. The visibility timeout is six times it
   * (AWS's advice for Lambda consumers), so a message is not handed out again while a retrying
   * batch is still running.
   */
  readonly consumerTimeout: Duration
  /** Deliveries before a message moves to the dead-letter queue. @default 5 */
  readonly maxReceiveCount?: number
  /** Largest message. @default 256 KiB (the SQS maximum of the classic limit) */
  readonly maxMessageSizeBytes?: number
}

/**
 * An SQS queue with its dead-letter queue, encrypted and TLS-only: a failed message is retried
 * `maxReceiveCount` times, then kept for 14 days in the DLQ for inspection and replay.
 */
export class WorkQueue extends Construct {
  readonly queue: Queue
  readonly deadLetterQueue: Queue

  constructor(scope: Construct, id: string, props: WorkQueueProps) {
    super(scope, id)
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    })
    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(props.consumerTimeout.toSeconds() * 6),
      maxMessageSizeBytes: props.maxMessageSizeBytes ?? 256 * 1024,
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount ?? 5 },
    })
  }
}
