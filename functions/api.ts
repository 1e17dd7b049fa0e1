import middy from '@middy/core'
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware'
import { handle } from 'hono/aws-lambda'
import { createApiApp } from '../lib/api/app.ts'
import type { Dependencies } from '../lib/runtime/dependencies.ts'
import { forFunction, lambdaEntry } from '../lib/runtime/lambda-entry.ts'
import { s3BlobStores, secretsManagerKeys } from '../lib/runtime/aws-adapters.ts'
import { openSearchIndex } from '../lib/runtime/aws-search-adapter.ts'

/** API Gateway HTTP API → the same Hono app the local server runs. */
export const createApiHandler = (shared: Dependencies) => {
  const deps = forFunction(shared)
  return middy(handle(createApiApp(deps))).use(injectLambdaContext(deps.logger))
}

export const handler = lambdaEntry(createApiHandler, {
  blobs: s3BlobStores,
  secrets: secretsManagerKeys,
  search: openSearchIndex,
})
