import { EventEmitter } from 'node:events'
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch'
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda'
import type { z } from 'zod'
import { formatIssues } from '../platform/config.ts'
import type { DocketLogger } from '../platform/logger.ts'
import type { RetryableQueue } from './ports.ts'

/**
 * Emits ('failure', messageId, error) for every failed record. The local queue keeps the reason in
 * its dead-letter record; in AWS the reason is in the log next to the message id.
 */
export const batchFailures = new EventEmitter()

/** When a failed record comes back, if the consumer knows better than the queue's visibility timeout. */
export interface RetryBackoff {
  queue: RetryableQueue
  /** Seconds until the retry, by the error and the delivery count (1 on the first); undefined: the queue's default. */
  delaySeconds(error: unknown, receiveCount: number): number | undefined
}

/**
 * Handles an SQS batch record by record: each body is JSON-parsed and validated, and only the
 * records that fail are reported back (partial batch response), so one poison message never
 * fails its neighbours; SQS retries it and after maxReceiveCount moves it to the DLQ. With
 * `backoff`, a failed record comes back after the delay it asks for.
 */
export async function processSqsBatch<S extends z.ZodType>(
  event: SQSEvent,
  schema: S,
  handle: (body: z.infer<S>, record: SQSRecord) => Promise<void>,
  logger: DocketLogger,
  backoff?: RetryBackoff,
): Promise<SQSBatchResponse> {
  const processor = new BatchProcessor(EventType.SQS)
  return processPartialResponse(
    event,
    async (record: SQSRecord) => {
      let json: unknown
      try {
        json = JSON.parse(record.body)
      } catch {
        const error = new Error(`message ${record.messageId}: body is not JSON`)
        batchFailures.emit('failure', record.messageId, error)
        throw error
      }
      const parsed = schema.safeParse(json)
      if (!parsed.success) {
        const error = new Error(`message ${record.messageId}: ${formatIssues(parsed.error.issues, 'body').join('; ')}`)
        batchFailures.emit('failure', record.messageId, error)
        throw error
      }
      try {
        await handle(parsed.data, record)
      } catch (error) {
        const receiveCount = Number(record.attributes.ApproximateReceiveCount) || 1
        const retryInSeconds = backoff?.delaySeconds(error, receiveCount)
        logger.error('message failed; it will be retried', { messageId: record.messageId, receiveCount, retryInSeconds, error: error as Error })
        if (backoff && retryInSeconds !== undefined) {
          // Best effort: if this fails, the queue's visibility timeout brings the message back.
          await backoff.queue.retryAfter(record.receiptHandle, retryInSeconds).catch((failure: unknown) => logger.warn('could not delay the retry', { messageId: record.messageId, error: failure as Error }))
        }
        batchFailures.emit('failure', record.messageId, error)
        throw error
      }
    },
    processor,
    { throwOnFullBatchFailure: false },
  )
}
