import type { SQSBatchResponse, SQSEvent } from 'aws-lambda'
import type { FsWorkQueue } from '../queue/adapters/fs-work-queue.ts'
import { batchFailures } from '../queue/sqs-batch.ts'
import type { DocketLogger } from '../platform/logger.ts'
import { sqsEventFrom } from './aws-events.ts'

export interface Worker {
  stop(): Promise<void>
}

/**
 * Local Lambda event source mapping for a queue: receives batches, invokes the handler with an
 * SQSEvent, deletes what succeeded and hands failures back to the queue (retry, then dead letter).
 * `concurrency` batches are in flight at once, as Lambda runs several instances.
 */
export function startQueueWorker<T>(queue: FsWorkQueue<T>, handler: (event: SQSEvent) => Promise<SQSBatchResponse>, logger: DocketLogger, options: { batchSize?: number; concurrency?: number; pollMs?: number } = {}): Worker {
  const batchSize = options.batchSize ?? 10
  let running = true
  const reasons = new Map<string, string>()
  const remember = (messageId: string, error: Error) => reasons.set(messageId, error.message)
  batchFailures.on('failure', remember)
  const runLoop = async () => {
    while (running) {
      const messages = await queue.receive(batchSize).catch((error: unknown) => {
        logger.error('queue receive failed', { queue: queue.name, error: error as Error })
        return []
      })
      if (messages.length === 0) {
        // Messages sent in this process wake the loop at once; others are seen at the next poll.
        await queue.waitForMessage(options.pollMs ?? 250)
        continue
      }
      let failed: Set<string>
      try {
        const response = await handler(sqsEventFrom(queue.name, messages))
        failed = new Set(response.batchItemFailures.map((failure) => failure.itemIdentifier))
      } catch (error) {
        logger.error('handler failed for the whole batch', { queue: queue.name, error: error as Error })
        failed = new Set(messages.map((message) => message.id))
        messages.forEach((message) => reasons.set(message.id, (error as Error).message))
      }
      for (const message of messages) {
        if (!failed.has(message.id)) {
          await queue.complete(message)
          continue
        }
        const outcome = await queue.fail(message, reasons.get(message.id) ?? 'failed')
        reasons.delete(message.id)
        if (outcome === 'dead') logger.error('message moved to the dead-letter folder', { queue: queue.name, messageId: message.id })
      }
    }
  }
  const loops = Promise.all(Array.from({ length: options.concurrency ?? 1 }, runLoop))
  return {
    async stop() {
      running = false
      await loops
      batchFailures.off('failure', remember)
    },
  }
}
