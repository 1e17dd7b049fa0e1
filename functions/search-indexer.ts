import middy from '@middy/core'
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware'
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda'
import { indexChanges } from '../lib/search/indexer.ts'
import type { Dependencies } from '../lib/runtime/dependencies.ts'
import { forFunction, lambdaEntry } from '../lib/runtime/lambda-entry.ts'
import { s3BlobStores } from '../lib/runtime/aws-adapters.ts'
import { openSearchIndex } from '../lib/runtime/aws-search-adapter.ts'

/** DynamoDB Streams → here: each changed ticket's search document is rebuilt from the store (OpenSearch in AWS, SQLite FTS5 locally). */
export const createSearchIndexerHandler = (shared: Dependencies) => {
  const deps = forFunction(shared)
  return middy(async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => indexChanges(deps, event.Records)).use(injectLambdaContext(deps.logger))
}

export const handler = lambdaEntry(createSearchIndexerHandler, {
  blobs: s3BlobStores,
  search: openSearchIndex,
})
