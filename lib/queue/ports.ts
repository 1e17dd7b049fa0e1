/** A producer's view of a work queue (SQS in AWS, the local durable queue otherwise). */
export interface WorkQueue<T> {
  send(message: T): Promise<void>
}

/**
 * A consumer's view of a work queue: a delivery it failed may come back at a time it chooses
 * rather than after the queue's fixed visibility timeout (a backoff).
 */
export interface RetryableQueue {
  /** The failed delivery `receiptHandle` is delivered again `seconds` from now (SQS: up to 12 hours). */
  retryAfter(receiptHandle: string, seconds: number): Promise<void>
}
