import middy from '@middy/core'
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware'
import { ScheduledJobEventSchema } from '../schemas/jobs.ts'
import { runJob } from '../lib/jobs/run-job.ts'
import { formatIssues } from '../lib/platform/config.ts'
import type { Dependencies } from '../lib/runtime/dependencies.ts'
import { forFunction, lambdaEntry } from '../lib/runtime/lambda-entry.ts'
import { s3BlobStores } from '../lib/runtime/aws-adapters.ts'

/** EventBridge schedule → here: `{ job, time }` → one run of that job (pending, Junk, escalations, GenericAgent). */
export const createJobsHandler = (shared: Dependencies) => {
  const deps = forFunction(shared)
  return middy(async (event: unknown) => {
    const parsed = ScheduledJobEventSchema.safeParse(event)
    if (!parsed.success) throw new Error(`job event is not valid: ${formatIssues(parsed.error.issues).join('; ')}`)
    return runJob(deps, parsed.data)
  }).use(injectLambdaContext(deps.logger))
}

export const handler = lambdaEntry(createJobsHandler, { blobs: s3BlobStores })
