import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'

export interface DynamoConnection {
  region: string
  /** DynamoDB Local's endpoint; absent in AWS. */
  endpoint?: string | undefined
}

/** One document client per process; the same code talks to DynamoDB and DynamoDB Local. */
export function createDocumentClient(connection: DynamoConnection): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(createDynamoClient(connection), {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  })
}

export function createDynamoClient(connection: DynamoConnection): DynamoDBClient {
  const client = new DynamoDBClient({
    region: connection.region,
    ...(connection.endpoint
      ? {
          endpoint: connection.endpoint,
          // DynamoDB Local (run with -sharedDb) accepts any credentials; these keep the SDK from searching for real ones.
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
          maxAttempts: 5,
        }
      : {}),
  })
  return client
}
