import middy from '@middy/core'
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware'
import type { Context } from 'aws-lambda'
import { SearchMaintenanceEventSchema } from '../schemas/search-maintenance.ts'
import { runSearchMaintenance, type MaintenanceResult } from '../lib/search/maintenance.ts'
import { formatIssues } from '../lib/platform/config.ts'
import type { Dependencies } from '../lib/runtime/dependencies.ts'
import { forFunction, lambdaEntry } from '../lib/runtime/lambda-entry.ts'
import { s3BlobStores } from '../lib/runtime/aws-adapters.ts'
import { openSearchIndex } from '../lib/runtime/aws-search-adapter.ts'

/** Kept back from the function's time: a reindex that cannot finish drops its new index before the timeout. */
const marginMs = 30_000

/** Weekly schedule (`{"action":"check","repair":true}`) or `docket search check|reindex --stage` → the drift check or a reindex. */
export const createSearchMaintenanceHandler = (shared: Dependencies) => {
  const deps = forFunction(shared)
  return middy(async (event: unknown, context: Context): Promise<MaintenanceResult> => {
    const parsed = SearchMaintenanceEventSchema.safeParse(event)
    if (!parsed.success) throw new Error(`search maintenance event is not valid: ${formatIssues(parsed.error.issues).join('; ')}`)
    return runSearchMaintenance(deps, parsed.data, { timeLeftMs: () => context.getRemainingTimeInMillis() - marginMs })
  }).use(injectLambdaContext(deps.logger))
}

export const handler = lambdaEntry(createSearchMaintenanceHandler, { blobs: s3BlobStores, search: openSearchIndex })
