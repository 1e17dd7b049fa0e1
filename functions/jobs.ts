import middy from '@middy/core'
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware'
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda'
import { ScheduledJobEventSchema } from '../schemas/jobs.ts'
import { runJob, runJobSlice, type RunOptions } from '../lib/jobs/run-job.ts'
import type { JobResult } from '../lib/jobs/job.ts'
import { formatIssues } from '../lib/platform/config.ts'
import { processSqsBatch } from '../lib/queue/sqs-batch.ts'
import type { Dependencies } from '../lib/runtime/dependencies.ts'
import { forFunction, lambdaEntry } from '../lib/runtime/lambda-entry.ts'
import { s3BlobStores, sqsJobQueue } from '../lib/runtime/aws-adapters.ts'

/** Time kept back from a slice's budget: the page in hand finishes and the next slice is queued before the function's timeout. */
export const jobSliceMarginMs = 10_000

const isSqsEvent = (event: unknown): event is SQSEvent => Array.isArray((event as { Records?: unknown }).Records)

/**
 * Jobs queue (EventBridge puts `{ job, time }` there; long runs put their next slice) → here: one
 * slice of the run within the function's time; failures are retried by the queue, then
 * dead-lettered. A direct invocation with `{ job, time }` (`docket invoke jobs`) runs the whole job.
 */
export const createJobsHandler = (shared: Dependencies, options: { marginMs?: number; pageSize?: number } = {}) => {
  const deps = forFunction(shared)
  const budget = (context: Context): RunOptions => ({ timeLeftMs: () => context.getRemainingTimeInMillis() - (options.marginMs ?? jobSliceMarginMs), ...(options.pageSize ? { pageSize: options.pageSize } : {}) })
  return middy(async (event: unknown, context: Context): Promise<SQSBatchResponse | JobResult> => {
    if (isSqsEvent(event)) return processSqsBatch(event, ScheduledJobEventSchema, async (slice) => void (await runJobSlice(deps, slice, budget(context))), deps.logger)
    const parsed = ScheduledJobEventSchema.safeParse(event)
    if (!parsed.success) throw new Error(`job event is not valid: ${formatIssues(parsed.error.issues).join('; ')}`)
    return runJob(deps, parsed.data)
  }).use(injectLambdaContext(deps.logger))
}

export const handler = lambdaEntry(createJobsHandler, { blobs: s3BlobStores, jobQueue: sqsJobQueue })
