import middy from '@middy/core'
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware'
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch'
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda'
import { outboundMessageFor } from '../lib/mail/outbox-relay.ts'
import type { Dependencies } from '../lib/runtime/dependencies.ts'
import { forFunction, lambdaEntry } from '../lib/runtime/lambda-entry.ts'
import { sqsOutboundQueue } from '../lib/runtime/aws-adapters.ts'

/** DynamoDB Streams → here: committed mails to send go onto the outbound queue (transactional outbox). */
export const createOutboxRelayHandler = (shared: Dependencies) => {
  const deps = forFunction(shared)
  return middy(async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> =>
    processPartialResponse(
      event,
      async (record: DynamoDBRecord) => {
        const message = outboundMessageFor(record)
        if (message) await deps.outbound.send(message)
      },
      new BatchProcessor(EventType.DynamoDBStreams),
      { throwOnFullBatchFailure: false },
    ),
  ).use(injectLambdaContext(deps.logger))
}

export const handler = lambdaEntry(createOutboxRelayHandler, { outbound: sqsOutboundQueue })
