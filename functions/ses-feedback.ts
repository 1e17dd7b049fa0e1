import middy from '@middy/core'
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware'
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda'
import { SesFeedbackMessageSchema } from '../schemas/events.ts'
import { recordSesEvent } from '../lib/mail/record-sending-feedback.ts'
import { processSqsBatch } from '../lib/queue/sqs-batch.ts'
import type { Dependencies } from '../lib/runtime/dependencies.ts'
import { forFunction, lambdaEntry } from '../lib/runtime/lambda-entry.ts'

/** SES configuration set → SNS → feedback queue → here: record bounces and complaints on their tickets. */
export const createSesFeedbackHandler = (shared: Dependencies) => {
  const deps = forFunction(shared)
  return middy(async (event: SQSEvent): Promise<SQSBatchResponse> =>
    processSqsBatch(event, SesFeedbackMessageSchema, async (sesEvent) => {
      await recordSesEvent(deps, sesEvent)
    }, deps.logger),
  ).use(injectLambdaContext(deps.logger))
}

// Only the table: no bucket, queue or mail adapter is bundled.
export const handler = lambdaEntry(createSesFeedbackHandler)
