/** A producer's view of a work queue (SQS in AWS, the local durable queue otherwise). */
export interface WorkQueue<T> {
  send(message: T): Promise<void>
}
