import middy from '@middy/core'
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware'
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda'
import type { Dependencies } from '../lib/runtime/dependencies.ts'
import { forFunction, lambdaEntry } from '../lib/runtime/lambda-entry.ts'

/**
 * DynamoDB Streams → here. STUB until issue 6: full-text indexing is not built yet. It
 * acknowledges change events (so the stream does not block) and says so in the log; nothing is
 * indexed and search is not available.
 */
export const createSearchIndexerHandler = (shared: Dependencies) => {
  const deps = forFunction(shared)
  return middy(async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
    deps.logger.debug('search indexer is a stub (issue 6): change events acknowledged, nothing indexed', { records: event.Records.length })
    return { batchItemFailures: [] }
  }).use(injectLambdaContext(deps.logger))
}

export const handler = lambdaEntry(createSearchIndexerHandler)
