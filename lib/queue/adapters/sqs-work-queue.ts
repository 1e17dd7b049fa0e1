import { ChangeMessageVisibilityCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs'
import type { RetryableQueue, WorkQueue } from '../ports.ts'

/** SQS's longest visibility timeout. */
const maxVisibilitySeconds = 12 * 60 * 60

export class SqsWorkQueue<T> implements WorkQueue<T>, RetryableQueue {
  private readonly client: SQSClient
  private readonly queueUrl: string

  constructor(client: SQSClient, queueUrl: string) {
    this.client = client
    this.queueUrl = queueUrl
  }

  async send(message: T): Promise<void> {
    await this.client.send(new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: JSON.stringify(message) }))
  }

  /** The consumer's ChangeMessageVisibility (granted with the event source's consume permissions). */
  async retryAfter(receiptHandle: string, seconds: number): Promise<void> {
    const timeout = Math.min(maxVisibilitySeconds, Math.max(0, Math.round(seconds)))
    await this.client.send(new ChangeMessageVisibilityCommand({ QueueUrl: this.queueUrl, ReceiptHandle: receiptHandle, VisibilityTimeout: timeout }))
  }
}
