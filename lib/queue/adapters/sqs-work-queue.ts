import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs'
import type { WorkQueue } from '../ports.ts'

export class SqsWorkQueue<T> implements WorkQueue<T> {
  private readonly client: SQSClient
  private readonly queueUrl: string

  constructor(client: SQSClient, queueUrl: string) {
    this.client = client
    this.queueUrl = queueUrl
  }

  async send(message: T): Promise<void> {
    await this.client.send(new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: JSON.stringify(message) }))
  }
}
