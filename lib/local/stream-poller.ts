import { DescribeTableCommand } from '@aws-sdk/client-dynamodb'
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  TrimmedDataAccessException,
  type _Record,
} from '@aws-sdk/client-dynamodb-streams'
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda'
import { appendFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { createDynamoClient } from '../store/dynamodb-client.ts'
import type { DocketLogger } from '../platform/logger.ts'
import type { Worker } from './queue-worker.ts'

/**
 * Local Lambda event source mapping for the table's stream: reads DynamoDB Local's stream and
 * invokes the same indexer handler DynamoDB Streams invokes in AWS, with a real
 * DynamoDBStreamEvent. Progress is checkpointed per shard, so a restart resumes where it stopped.
 */
export interface StreamPollerOptions {
  endpoint: string
  tableName: string
  checkpointFile: string
  handler: (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse | void>
  logger: DocketLogger
  intervalMs?: number
  batchSize?: number
  /** After this many failed deliveries a record is set aside (AWS: retry limit + on-failure destination). */
  maxRetries?: number
  /** Where set-aside records go, one JSON line each. */
  failureFile?: string
  /** The longest wait between polls while the stream cannot be read (the wait doubles from intervalMs). */
  maxBackoffMs?: number
}

type Checkpoints = Record<string, string>

type AttributeValue = Record<string, unknown>

/**
 * The SDK reads an empty map attribute ({"M":{}}) from GetRecords as {}, which Lambda never
 * delivers and unmarshall rejects: put the M back, recursively.
 */
function restoreEmptyMaps(image: Record<string, AttributeValue> | undefined): Record<string, AttributeValue> | undefined {
  if (!image) return image
  const fix = (value: AttributeValue): AttributeValue => {
    if (Object.keys(value).length === 0) return { M: {} }
    if (value.M && typeof value.M === 'object') return { M: Object.fromEntries(Object.entries(value.M as Record<string, AttributeValue>).map(([key, inner]) => [key, fix(inner)])) }
    if (Array.isArray(value.L)) return { L: (value.L as AttributeValue[]).map(fix) }
    return value
  }
  return Object.fromEntries(Object.entries(image).map(([key, value]) => [key, fix(value)]))
}

export function toLambdaRecord(record: _Record, streamArn: string): DynamoDBRecord {
  const change = record.dynamodb ?? {}
  return {
    eventID: record.eventID ?? '',
    eventName: record.eventName as DynamoDBRecord['eventName'],
    eventVersion: record.eventVersion ?? '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: record.awsRegion ?? 'local',
    eventSourceARN: streamArn,
    dynamodb: {
      ...(change.ApproximateCreationDateTime ? { ApproximateCreationDateTime: Math.floor(change.ApproximateCreationDateTime.getTime() / 1000) } : {}),
      Keys: change.Keys as NonNullable<DynamoDBRecord['dynamodb']>['Keys'],
      ...(change.NewImage ? { NewImage: restoreEmptyMaps(change.NewImage as unknown as Record<string, AttributeValue>) as NonNullable<DynamoDBRecord['dynamodb']>['NewImage'] } : {}),
      ...(change.OldImage ? { OldImage: restoreEmptyMaps(change.OldImage as unknown as Record<string, AttributeValue>) as NonNullable<DynamoDBRecord['dynamodb']>['OldImage'] } : {}),
      SequenceNumber: change.SequenceNumber ?? '',
      SizeBytes: change.SizeBytes ?? 0,
      StreamViewType: (change.StreamViewType ?? 'NEW_AND_OLD_IMAGES') as 'NEW_AND_OLD_IMAGES',
    },
  }
}

export function startStreamPoller(options: StreamPollerOptions): Worker & { drain(): Promise<void> } {
  const { endpoint, tableName, logger } = options
  const intervalMs = options.intervalMs ?? 200
  const streams = new DynamoDBStreamsClient({ region: 'local', endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } })
  const dynamo = createDynamoClient({ region: 'local', endpoint })
  const iterators = new Map<string, string | null>()
  let checkpoints: Checkpoints = {}
  let running = true
  let streamArn: string | undefined
  const failures = new Map<string, number>()
  const maxRetries = options.maxRetries ?? 5
  const maxBackoffMs = options.maxBackoffMs ?? 5000
  // Stopping aborts a read in flight and ends the wait between polls at once.
  const stopping = new AbortController()
  const read = { abortSignal: stopping.signal }

  const saveCheckpoints = async () => {
    await mkdir(dirname(options.checkpointFile), { recursive: true })
    await writeFile(`${options.checkpointFile}.tmp`, JSON.stringify(checkpoints))
    await rename(`${options.checkpointFile}.tmp`, options.checkpointFile)
  }

  const iteratorFor = async (shardId: string): Promise<string | undefined> => {
    const after = checkpoints[shardId]
    try {
      const result = await streams.send(
        new GetShardIteratorCommand({
          StreamArn: streamArn,
          ShardId: shardId,
          ...(after ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: after } : { ShardIteratorType: 'TRIM_HORIZON' }),
        }),
        read,
      )
      return result.ShardIterator
    } catch (error) {
      if (!(error instanceof TrimmedDataAccessException) && !(error as Error).name.includes('Validation')) throw error
      // The checkpoint is older than the stream keeps (24 h): start at the oldest record. The indexer is idempotent.
      const result = await streams.send(new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }), read)
      return result.ShardIterator
    }
  }

  /** One pass over every shard; returns how many records were handed to the handler. */
  const pollOnce = async (): Promise<number> => {
    if (!streamArn) {
      const table = await dynamo.send(new DescribeTableCommand({ TableName: tableName }), read)
      streamArn = table.Table?.LatestStreamArn
      if (!streamArn) return 0
    }
    const shards = []
    let lastShard: string | undefined
    do {
      const page = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn, ...(lastShard ? { ExclusiveStartShardId: lastShard } : {}) }), read)
      shards.push(...(page.StreamDescription?.Shards ?? []))
      lastShard = page.StreamDescription?.LastEvaluatedShardId
    } while (lastShard)
    let delivered = 0
    for (const shard of shards) {
      const shardId = shard.ShardId!
      if (iterators.get(shardId) === null) continue // closed shard, fully read
      let iterator = iterators.get(shardId) ?? (await iteratorFor(shardId))
      if (!iterator) continue
      let page
      try {
        page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: options.batchSize ?? 100 }), read)
      } catch (error) {
        if (error instanceof ExpiredIteratorException) {
          iterators.delete(shardId)
          continue
        }
        throw error
      }
      const records = page.Records ?? []
      if (records.length > 0) {
        const event: DynamoDBStreamEvent = { Records: records.map((record) => toLambdaRecord(record, streamArn!)) }
        const response = await options.handler(event)
        const failure = response?.batchItemFailures?.[0]?.itemIdentifier
        if (failure) {
          const index = records.findIndex((record) => record.dynamodb?.SequenceNumber === failure)
          const attempts = (failures.get(failure) ?? 0) + 1
          failures.set(failure, attempts)
          if (attempts >= maxRetries && index >= 0) {
            // Set the record aside and go on, as Lambda does after its retry limit (on-failure destination).
            failures.delete(failure)
            logger.error('stream record failed repeatedly; set aside', { sequenceNumber: failure, attempts })
            if (options.failureFile) {
              await mkdir(dirname(options.failureFile), { recursive: true })
              await appendFile(options.failureFile, `${JSON.stringify({ at: new Date().toISOString(), record: event.Records[index] })}\n`)
            }
            checkpoints[shardId] = failure
          } else if (index > 0) {
            // Retry from the failed record on the next pass, as Lambda does with ReportBatchItemFailures.
            checkpoints[shardId] = records[index - 1]!.dynamodb!.SequenceNumber!
          }
          iterators.delete(shardId)
          await saveCheckpoints()
          delivered += Math.max(index, 0)
          continue
        }
        checkpoints[shardId] = records.at(-1)!.dynamodb!.SequenceNumber!
        await saveCheckpoints()
        delivered += records.length
      }
      iterator = page.NextShardIterator
      iterators.set(shardId, iterator ?? null)
    }
    return delivered
  }

  let idle: (() => void) | undefined
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms)
      stopping.signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true })
    })
  const loop = (async () => {
    checkpoints = await readFile(options.checkpointFile, 'utf8').then((text) => JSON.parse(text) as Checkpoints, () => ({}))
    let failedPolls = 0
    while (running) {
      let delivered = 0
      try {
        delivered = await pollOnce()
        if (failedPolls > 0) logger.info('stream poll works again', { failedPolls })
        failedPolls = 0
      } catch (error) {
        if (!running) break
        failedPolls++
        // Backing off while the store is away, and saying so once (then every 20th try), not 5 times a second.
        if (failedPolls === 1 || failedPolls % 20 === 0) logger.error('stream poll failed; retrying with backoff', { error: error as Error, failedPolls })
        iterators.clear()
      }
      if (delivered === 0 && running) {
        if (failedPolls === 0) idle?.()
        await pause(failedPolls === 0 ? intervalMs : Math.min(maxBackoffMs, intervalMs * 2 ** Math.min(failedPolls, 16)))
      }
    }
  })()

  return {
    async stop() {
      running = false
      stopping.abort()
      await loop
      streams.destroy()
      dynamo.destroy()
    },
    /** Resolves once a poll pass finds nothing new: everything written so far has been handled. */
    drain() {
      return new Promise<void>((resolve) => {
        idle = () => {
          idle = undefined
          resolve()
        }
      })
    },
  }
}
