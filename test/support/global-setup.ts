import type { TestProject } from 'vitest/node'
import { startDynamoDbLocal } from '../../lib/local/dynamodb-local.ts'

/** One in-memory DynamoDB Local for the whole run; every test file uses tables of its own. */
export default async function setup(project: TestProject) {
  const database = await startDynamoDbLocal()
  project.provide('dynamodbEndpoint', database.endpoint)
  return async () => {
    await database.stop()
  }
}

declare module 'vitest' {
  export interface ProvidedContext {
    dynamodbEndpoint: string
  }
}
