import middy from '@middy/core'
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware'
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda'
import { MailNotificationSchema } from '../schemas/events.ts'
import { createMailBudget, receiveMailNotification } from '../lib/mail/receive-mail-notification.ts'
import { processSqsBatch } from '../lib/queue/sqs-batch.ts'
import type { Dependencies } from '../lib/runtime/dependencies.ts'
import { forFunction, lambdaEntry } from '../lib/runtime/lambda-entry.ts'
import { s3BlobStores } from '../lib/runtime/aws-adapters.ts'

/** SES → S3 → SQS → here: ingest each stored mail; failed records are retried, then dead-lettered. */
export const createMailReceivedHandler = (shared: Dependencies) => {
  const deps = forFunction(shared)
  // Records run side by side, within a budget of bytes: big mails take turns (memory), small ones do not wait for each other.
  const budget = createMailBudget()
  return middy(async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
    processSqsBatch(event, MailNotificationSchema, (notification) => receiveMailNotification(deps, notification, budget, () => context.getRemainingTimeInMillis()), deps.logger),
  ).use(injectLambdaContext(deps.logger))
}

export const handler = lambdaEntry(createMailReceivedHandler, { blobs: s3BlobStores })
