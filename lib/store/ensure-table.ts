import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceNotFoundException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  type DynamoDBClient,
  type TableDescription,
} from '@aws-sdk/client-dynamodb'
import { projectionType, table } from './table.ts'

/**
 * Local runtime only (CDK owns the table in AWS): creates the table from its declaration, with
 * its stream, TTL and indexes, or adds indexes a newer Docket declares to an older data dir.
 */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<'created' | 'existing'> {
  const description = await describe(client, tableName)
  if (!description) {
    const attributes = new Set<string>([table.partitionKey, table.sortKey])
    Object.values(table.indexes).forEach((index) => (attributes.add(index.partitionKey), attributes.add(index.sortKey)))
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [...attributes].map((name) => ({ AttributeName: name, AttributeType: 'S' })),
        KeySchema: [
          { AttributeName: table.partitionKey, KeyType: 'HASH' },
          { AttributeName: table.sortKey, KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: Object.values(table.indexes).map((index) => ({
          IndexName: index.name,
          KeySchema: [
            { AttributeName: index.partitionKey, KeyType: 'HASH' },
            { AttributeName: index.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: projectionType(index) },
        })),
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
      }),
    )
    await waitActive(client, tableName)
    await client.send(new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { Enabled: true, AttributeName: table.timeToLiveAttribute } }))
    return 'created'
  }
  const existing = new Set((description.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName))
  for (const index of Object.values(table.indexes)) {
    if (existing.has(index.name)) continue
    await client.send(
      new UpdateTableCommand({
        TableName: tableName,
        AttributeDefinitions: [
          { AttributeName: index.partitionKey, AttributeType: 'S' },
          { AttributeName: index.sortKey, AttributeType: 'S' },
        ],
        GlobalSecondaryIndexUpdates: [
          {
            Create: {
              IndexName: index.name,
              KeySchema: [
                { AttributeName: index.partitionKey, KeyType: 'HASH' },
                { AttributeName: index.sortKey, KeyType: 'RANGE' },
              ],
              Projection: { ProjectionType: projectionType(index) },
            },
          },
        ],
      }),
    )
    await waitActive(client, tableName)
  }
  return 'existing'
}

async function describe(client: DynamoDBClient, tableName: string): Promise<TableDescription | undefined> {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined
    throw error
  }
}

// The SDK's waiter polls no faster than every 20 s; DynamoDB Local is ready in milliseconds.
async function waitActive(client: DynamoDBClient, tableName: string): Promise<TableDescription> {
  for (let attempt = 0; attempt < 600; attempt++) {
    const description = await describe(client, tableName)
    const ready = description?.TableStatus === 'ACTIVE' && (description.GlobalSecondaryIndexes ?? []).every((index) => index.IndexStatus === 'ACTIVE')
    if (description && ready) return description
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`table ${tableName} did not become active`)
}
