import type { DynamoDBRecord, SQSEvent, SQSRecord } from 'aws-lambda'
import type { QueuedMessage } from '../queue/adapters/fs-work-queue.ts'

/**
 * The events AWS would deliver, built for the local runtime so the handlers in functions/ get
 * exactly the shapes they get in Lambda.
 */

/** S3 URL-encodes keys in notifications (space as "+"), segment by segment. */
export function encodeS3Key(key: string): string {
  return key
    .split('/')
    .map((segment) => encodeURIComponent(segment).replace(/%20/g, '+'))
    .join('/')
}

export function s3ObjectCreatedNotification(bucket: string, key: string, size: number, at: Date = new Date()) {
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: 'local',
        eventTime: at.toISOString(),
        eventName: 'ObjectCreated:Put',
        userIdentity: { principalId: 'docket-local' },
        requestParameters: { sourceIPAddress: '127.0.0.1' },
        responseElements: { 'x-amz-request-id': 'local', 'x-amz-id-2': 'local' },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 'docket-raw-mail',
          bucket: { name: bucket, ownerIdentity: { principalId: 'docket-local' }, arn: `arn:aws:s3:::${bucket}` },
          object: { key: encodeS3Key(key), size },
        },
      },
    ],
  }
}

export function sqsEventFrom(queueName: string, messages: QueuedMessage[]): SQSEvent {
  return {
    Records: messages.map(
      (message): SQSRecord => ({
        messageId: message.id,
        receiptHandle: message.id,
        body: message.body,
        attributes: {
          ApproximateReceiveCount: String(message.receiveCount),
          SentTimestamp: String(message.sentAt),
          SenderId: 'docket-local',
          ApproximateFirstReceiveTimestamp: String(message.sentAt),
        },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: `arn:aws:sqs:local:000000000000:${queueName}`,
        awsRegion: 'local',
      }),
    ),
  }
}

export type StreamRecord = DynamoDBRecord
