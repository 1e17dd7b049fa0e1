import { unmarshall } from '@aws-sdk/util-dynamodb'
import type { DynamoDBRecord } from 'aws-lambda'

type Image = Record<string, unknown>

/** The item before and after a change, as plain objects (stream records carry DynamoDB's typed JSON). */
export function streamImages(record: DynamoDBRecord): { newImage: Image | undefined; oldImage: Image | undefined } {
  const change = record.dynamodb ?? {}
  return {
    newImage: change.NewImage ? unmarshall(change.NewImage as Parameters<typeof unmarshall>[0]) : undefined,
    oldImage: change.OldImage ? unmarshall(change.OldImage as Parameters<typeof unmarshall>[0]) : undefined,
  }
}
