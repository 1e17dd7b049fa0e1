import middy from '@middy/core'
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware'
import { ScheduledJobEventSchema } from '../schemas/jobs.ts'
import { formatIssues } from '../lib/platform/config.ts'
import type { Dependencies } from '../lib/runtime/dependencies.ts'
import { forFunction, lambdaEntry } from '../lib/runtime/lambda-entry.ts'

/**
 * EventBridge schedule → here. STUB until issue 5: the jobs (pending, junk-cleanup, junk-purge,
 * escalations, GenericAgent) are scheduled but do nothing yet, and report exactly that.
 */
export const createJobsHandler = (shared: Dependencies) => {
  const deps = forFunction(shared)
  return middy(async (event: unknown) => {
    const parsed = ScheduledJobEventSchema.safeParse(event)
    if (!parsed.success) throw new Error(`job event is not valid: ${formatIssues(parsed.error.issues).join('; ')}`)
    const result = { job: parsed.data.job, selected: 0, changed: 0, dryRun: parsed.data.dryRun, implemented: false }
    deps.logger.warn('scheduled job is a stub until issue 5; nothing was changed', result)
    return result
  }).use(injectLambdaContext(deps.logger))
}

export const handler = lambdaEntry(createJobsHandler)
