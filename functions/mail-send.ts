import middy from '@middy/core'
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware'
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda'
import { OutboundMessageSchema } from '../schemas/messages.ts'
import { sendOutbound, sendRetryDelaySeconds } from '../lib/mail/send-article-mail.ts'
import { processSqsBatch } from '../lib/queue/sqs-batch.ts'
import type { Dependencies } from '../lib/runtime/dependencies.ts'
import { forFunction, lambdaEntry } from '../lib/runtime/lambda-entry.ts'
import { s3BlobStores, sesMailSender, sqsOutboundQueue } from '../lib/runtime/aws-adapters.ts'

/** Outbound queue → here: send each stored outgoing mail (SES in AWS, outbox/relay locally); a throttled send backs off. */
export const createMailSendHandler = (shared: Dependencies) => {
  const deps = forFunction(shared)
  const backoff = { queue: deps.outbound, delaySeconds: (error: unknown, receiveCount: number) => sendRetryDelaySeconds(error, receiveCount) }
  return middy(async (event: SQSEvent): Promise<SQSBatchResponse> =>
    processSqsBatch(event, OutboundMessageSchema, async (message) => {
      await sendOutbound(deps, message)
    }, deps.logger, backoff),
  ).use(injectLambdaContext(deps.logger))
}

export const handler = lambdaEntry(createMailSendHandler, { blobs: s3BlobStores, outbound: sqsOutboundQueue, mailSender: sesMailSender })
