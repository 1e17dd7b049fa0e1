import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import type { ResourceRequirement } from './iam.ts'

/**
 * The local stand-ins of the AWS services the functions call. Every request is attributed to the
 * function that signed it (each sandbox gets an access key of its own, as each Lambda role gets
 * credentials of its own) and recorded as IAM sees it: `service:Action` on resource ARNs.
 *
 * - DynamoDB: a recording proxy in front of DynamoDB Local.
 * - S3: a recording front of s3rver (a real S3 implementation: it checks SigV4 signatures, presigned
 *   URLs included, and stores objects on disk); object-created events go to the template's bucket
 *   notifications.
 * - SQS (JSON protocol), SESv2 (REST), Secrets Manager (JSON): small recorders that answer what the
 *   SDK asks, with the fields it checks (SQS's MD5 of the body, SES's MessageId).
 * - OpenSearch (HTTPS, SigV4): a recorder that keeps the documents written through `_bulk` and
 *   answers `_search` with those whose text holds every word of the query. It is not a search
 *   engine (no analysis, scores or filters): it checks the requests and their signing, not relevance.
 */

export interface SdkCall {
  /** The function (logical id) whose credentials signed it; `(rehearsal)` for the rehearsal's own calls. */
  caller: string
  service: string
  action: string
  resources: ResourceRequirement[]
  status: number
}

/** The caller of a browser's POST Object upload (presigned POST): signed by the form policy. */
export const browserUpload = '(browser upload, signed by its POST policy)'

export class CallLog {
  readonly calls: SdkCall[] = []
  private readonly callers = new Map<string, string>()

  register(accessKeyId: string, caller: string): void {
    this.callers.set(accessKeyId, caller)
  }

  callerOf(request: IncomingMessage): string {
    const authorization = request.headers.authorization ?? ''
    const fromHeader = /Credential=([^/,\s]+)\//.exec(authorization)?.[1]
    const fromQuery = new URL(request.url ?? '/', 'http://local').searchParams.get('X-Amz-Credential')?.split('/')[0]
    const key = fromHeader ?? fromQuery
    // A browser upload to a presigned POST carries its credential in the form, not in a header: s3rver
    // checks the policy's signature itself, and the api role's grant for it is asserted on the template.
    if (!key && request.method === 'POST' && /^multipart\/form-data/.test(request.headers['content-type'] ?? '')) return browserUpload
    if (!key) return '(unsigned)'
    return this.callers.get(key) ?? `(unknown key ${key})`
  }

  record(call: SdkCall): void {
    this.calls.push(call)
  }
}

export async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  return (server.address() as AddressInfo).port
}

export async function close(server: Server): Promise<void> {
  server.closeAllConnections()
  await new Promise<void>((resolve) => server.close(() => resolve()))
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of request) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

function sendJson(response: ServerResponse, status: number, body: unknown, contentType = 'application/json'): void {
  const text = JSON.stringify(body)
  response.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text), 'x-amzn-requestid': randomUUID() })
  response.end(text)
}

// ---------------------------------------------------------------------------------------------
// DynamoDB: recording proxy in front of DynamoDB Local
// ---------------------------------------------------------------------------------------------

export interface TableArns {
  /** Table name → ARN (as the template's Fn::GetAtt gives it). */
  arnOf(tableName: string): string
}

/** The IAM actions and resources of one DynamoDB API call (transactions check each item's action). */
export function dynamoDbActions(operation: string, body: Record<string, unknown>, tables: TableArns): { action: string; resources: string[] }[] {
  const on = (table: unknown, index?: unknown) => `${tables.arnOf(String(table))}${index ? `/index/${String(index)}` : ''}`
  switch (operation) {
    case 'BatchGetItem':
    case 'BatchWriteItem':
      return [{ action: `dynamodb:${operation}`, resources: Object.keys((body.RequestItems ?? {}) as object).map((table) => on(table)) }]
    case 'TransactWriteItems':
    case 'TransactGetItems': {
      const names: Record<string, string> = { Put: 'PutItem', Update: 'UpdateItem', Delete: 'DeleteItem', ConditionCheck: 'ConditionCheckItem', Get: 'GetItem' }
      return ((body.TransactItems ?? []) as Record<string, { TableName: string }>[]).map((item) => {
        const [kind, detail] = Object.entries(item)[0]!
        return { action: `dynamodb:${names[kind] ?? kind}`, resources: [on(detail.TableName)] }
      })
    }
    default:
      return [{ action: `dynamodb:${operation}`, resources: body.TableName ? [on(body.TableName, body.IndexName)] : ['*'] }]
  }
}

export async function startDynamoDbProxy(target: string, log: CallLog, tables: TableArns): Promise<{ endpoint: string; stop(): Promise<void> }> {
  const upstream = new URL(target)
  const server = createServer((request, response) => {
    void (async () => {
      const body = await readBody(request)
      const operation = String(request.headers['x-amz-target'] ?? '').split('.')[1] ?? 'Unknown'
      let parsed: Record<string, unknown> = {}
      try {
        parsed = JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>
      } catch {
        // DynamoDB Local answers the malformed request itself
      }
      const caller = log.callerOf(request)
      const forward = httpRequest(
        { host: upstream.hostname, port: upstream.port, method: request.method, path: request.url, headers: request.headers },
        (answer) => {
          for (const call of dynamoDbActions(operation, parsed, tables)) log.record({ caller, service: 'dynamodb', ...call, status: answer.statusCode ?? 0 })
          response.writeHead(answer.statusCode ?? 500, answer.headers)
          answer.pipe(response)
        },
      )
      forward.on('error', (error) => sendJson(response, 500, { __type: 'InternalServerError', message: error.message }))
      forward.end(body)
    })()
  })
  const port = await listen(server)
  return { endpoint: `http://127.0.0.1:${port}`, stop: () => close(server) }
}

// ---------------------------------------------------------------------------------------------
// S3: s3rver behind a recording front
// ---------------------------------------------------------------------------------------------

export interface ObjectCreated {
  bucket: string
  key: string
  size: number
  eTag: string
  versionId: string | undefined
  eventName: 'ObjectCreated:Put' | 'ObjectCreated:Copy' | 'ObjectCreated:CompleteMultipartUpload' | 'ObjectCreated:Post'
  caller: string
}

/** The IAM action of one S3 REST request (path style: /bucket/key). */
export function s3Action(method: string, url: URL, headers: IncomingMessage['headers']): { action: string; resources: string[] } {
  const [, bucket = '', ...rest] = url.pathname.split('/')
  const key = rest.map((part) => decodeURIComponent(part)).join('/')
  const object = `arn:aws:s3:::${bucket}/${key}`
  const bucketArn = `arn:aws:s3:::${bucket}`
  const query = url.searchParams
  if (!key) {
    if (method === 'PUT') return { action: query.has('notification') ? 's3:PutBucketNotification' : 's3:CreateBucket', resources: [bucketArn] }
    if (method === 'POST' && query.has('delete')) return { action: 's3:DeleteObject', resources: [`${bucketArn}/*`] }
    if (method === 'POST' && /^multipart\/form-data/.test(headers['content-type'] ?? '')) return { action: 's3:PutObject', resources: [`${bucketArn}/*`] }
    if (method === 'GET' && query.has('versions')) return { action: 's3:ListBucketVersions', resources: [bucketArn] }
    if (method === 'GET' && query.has('uploads')) return { action: 's3:ListBucketMultipartUploads', resources: [bucketArn] }
    if (method === 'DELETE') return { action: 's3:DeleteBucket', resources: [bucketArn] }
    return { action: 's3:ListBucket', resources: [bucketArn] }
  }
  const versioned = query.has('versionId') ? 'Version' : ''
  switch (method) {
    case 'GET':
    case 'HEAD':
      if (query.has('uploadId')) return { action: 's3:ListMultipartUploadParts', resources: [object] }
      if (query.has('tagging')) return { action: `s3:GetObject${versioned}Tagging`, resources: [object] }
      return { action: `s3:GetObject${versioned}`, resources: [object] }
    case 'PUT': {
      const source = headers['x-amz-copy-source']
      if (typeof source === 'string') {
        const [sourcePath] = decodeURIComponent(source).replace(/^\//, '').split('?')
        return { action: 's3:PutObject', resources: [object, `arn:aws:s3:::${sourcePath}`] }
      }
      if (query.has('tagging')) return { action: 's3:PutObjectTagging', resources: [object] }
      return { action: 's3:PutObject', resources: [object] }
    }
    case 'POST':
      return { action: 's3:PutObject', resources: [object] }
    case 'DELETE':
      return { action: query.has('uploadId') ? 's3:AbortMultipartUpload' : `s3:DeleteObject${versioned}`, resources: [object] }
    default:
      return { action: `s3:${method}`, resources: [object] }
  }
}

export async function startS3(options: { directory: string; buckets: string[]; log: CallLog; keys: { accessKeyId: string; secretAccessKey: string }[]; onObjectCreated(event: ObjectCreated): void }) {
  // s3rver is CommonJS without types; its account registry holds the key pairs whose signatures it checks.
  const require = createRequire(import.meta.url)
  const S3rver = require('@20minutes/s3rver') as S3rverClass
  const { DUMMY_ACCOUNT } = require('@20minutes/s3rver/lib/models/account.js') as { DUMMY_ACCOUNT: { createKeyPair(id: string, secret: string): void; revokeAccessKey(id: string): void } }
  for (const key of options.keys) DUMMY_ACCOUNT.createKeyPair(key.accessKeyId, key.secretAccessKey)
  const s3 = new S3rver({ directory: options.directory, silent: true, vhostBuckets: false, configureBuckets: options.buckets.map((name) => ({ name })) })
  await s3.configureBuckets()
  const handle = s3.callback()
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://local')
    const caller = options.log.callerOf(request)
    const { action, resources } = s3Action(request.method ?? 'GET', url, request.headers)
    const copy = typeof request.headers['x-amz-copy-source'] === 'string'
    const multipartDone = request.method === 'POST' && url.searchParams.has('uploadId')
    const size = Number(request.headers['x-amz-decoded-content-length'] ?? request.headers['content-length'] ?? 0)
    response.on('finish', () => {
      options.log.record({ caller, service: 's3', action, resources, status: response.statusCode })
      const [, bucket = '', ...rest] = url.pathname.split('/')
      const putObject = request.method === 'PUT' && rest.length > 0 && !url.searchParams.has('uploadId') && !url.searchParams.has('tagging')
      if (response.statusCode < 300 && (putObject || multipartDone)) {
        options.onObjectCreated({
          bucket,
          key: rest.map((part) => decodeURIComponent(part)).join('/'),
          size,
          eTag: String(response.getHeader('etag') ?? '').replace(/"/g, ''),
          versionId: response.getHeader('x-amz-version-id') as string | undefined,
          eventName: copy ? 'ObjectCreated:Copy' : multipartDone ? 'ObjectCreated:CompleteMultipartUpload' : 'ObjectCreated:Put',
          caller,
        })
      }
    })
    handle(request, response)
  })
  const port = await listen(server)
  return {
    endpoint: `http://127.0.0.1:${port}`,
    async stop() {
      await close(server)
      for (const key of options.keys) DUMMY_ACCOUNT.revokeAccessKey(key.accessKeyId)
    },
  }
}

interface S3rverClass {
  new (options: Record<string, unknown>): { configureBuckets(): Promise<void>; callback(): (request: IncomingMessage, response: ServerResponse) => void }
}

// ---------------------------------------------------------------------------------------------
// SQS (JSON protocol)
// ---------------------------------------------------------------------------------------------

export interface QueuedMessage {
  messageId: string
  receiptHandle: string
  body: string
  md5OfBody: string
  sentAt: number
  firstReceivedAt: number | undefined
  receiveCount: number
  visibleAt: number
  senderId: string
  messageAttributes: Record<string, unknown>
}

export interface LocalQueue {
  url: string
  arn: string
  visibilityTimeoutSeconds: number
  /** RedrivePolicy: where a message goes after maxReceiveCount receives. */
  deadLetterArn: string | undefined
  maxReceiveCount: number | undefined
  messages: QueuedMessage[]
}

export class LocalSqs {
  readonly queues = new Map<string, LocalQueue>()

  add(queue: Omit<LocalQueue, 'messages'>): void {
    this.queues.set(queue.url, { ...queue, messages: [] })
  }

  byArn(arn: string): LocalQueue | undefined {
    return [...this.queues.values()].find((queue) => queue.arn === arn)
  }

  enqueue(queue: LocalQueue, body: string, senderId: string, delaySeconds = 0): QueuedMessage {
    const message: QueuedMessage = {
      messageId: randomUUID(),
      receiptHandle: randomBytes(24).toString('base64url'),
      body,
      md5OfBody: createHash('md5').update(body).digest('hex'),
      sentAt: Date.now(),
      firstReceivedAt: undefined,
      receiveCount: 0,
      visibleAt: Date.now() + delaySeconds * 1000,
      senderId,
      messageAttributes: {},
    }
    queue.messages.push(message)
    return message
  }

  /** Lambda's poller: up to `max` visible messages, now invisible for the queue's visibility timeout. */
  receive(queue: LocalQueue, max: number, now = Date.now()): QueuedMessage[] {
    const batch = queue.messages.filter((message) => message.visibleAt <= now).slice(0, max)
    for (const message of batch) {
      message.receiveCount++
      message.firstReceivedAt ??= now
      message.receiptHandle = randomBytes(24).toString('base64url')
      message.visibleAt = now + queue.visibilityTimeoutSeconds * 1000
    }
    return batch
  }

  delete(queue: LocalQueue, receiptHandle: string): boolean {
    const index = queue.messages.findIndex((message) => message.receiptHandle === receiptHandle)
    if (index >= 0) queue.messages.splice(index, 1)
    return index >= 0
  }

  async start(log: CallLog): Promise<{ endpoint: string; stop(): Promise<void> }> {
    const server = createServer((request, response) => {
      void (async () => {
        const body = JSON.parse((await readBody(request)).toString('utf8') || '{}') as Record<string, unknown>
        const target = String(request.headers['x-amz-target'] ?? '')
        const caller = log.callerOf(request)
        if (!target.startsWith('AmazonSQS.')) {
          sendJson(response, 400, { __type: 'com.amazonaws.sqs#InvalidAction', message: 'the local SQS speaks the JSON protocol only (x-amz-target: AmazonSQS.*)' }, 'application/x-amz-json-1.0')
          return
        }
        const operation = target.slice('AmazonSQS.'.length)
        const queue = this.queues.get(String(body.QueueUrl ?? '')) ?? [...this.queues.values()].find((entry) => entry.url.endsWith(`/${String(body.QueueName ?? '')}`))
        const answer = (status: number, payload: unknown) => {
          log.record({ caller, service: 'sqs', action: `sqs:${operation}`, resources: [queue?.arn ?? String(body.QueueUrl ?? '*')], status })
          sendJson(response, status, payload, 'application/x-amz-json-1.0')
        }
        if (!queue) return answer(400, { __type: 'com.amazonaws.sqs#QueueDoesNotExist', message: `no queue ${String(body.QueueUrl ?? body.QueueName)}` })
        switch (operation) {
          case 'SendMessage': {
            const message = this.enqueue(queue, String(body.MessageBody), caller, Number(body.DelaySeconds ?? 0))
            return answer(200, { MessageId: message.messageId, MD5OfMessageBody: message.md5OfBody })
          }
          case 'SendMessageBatch': {
            const entries = (body.Entries ?? []) as { Id: string; MessageBody: string; DelaySeconds?: number }[]
            const successful = entries.map((entry) => {
              const message = this.enqueue(queue, entry.MessageBody, caller, entry.DelaySeconds ?? 0)
              return { Id: entry.Id, MessageId: message.messageId, MD5OfMessageBody: message.md5OfBody }
            })
            return answer(200, { Successful: successful, Failed: [] })
          }
          case 'ChangeMessageVisibility': {
            const message = queue.messages.find((entry) => entry.receiptHandle === body.ReceiptHandle)
            if (!message) return answer(400, { __type: 'com.amazonaws.sqs#ReceiptHandleIsInvalid', message: 'no such receipt handle' })
            message.visibleAt = Date.now() + Number(body.VisibilityTimeout ?? 0) * 1000
            return answer(200, {})
          }
          case 'DeleteMessage':
            this.delete(queue, String(body.ReceiptHandle))
            return answer(200, {})
          case 'GetQueueUrl':
            return answer(200, { QueueUrl: queue.url })
          case 'GetQueueAttributes':
            return answer(200, { Attributes: { QueueArn: queue.arn, ApproximateNumberOfMessages: String(queue.messages.length), VisibilityTimeout: String(queue.visibilityTimeoutSeconds) } })
          default:
            return answer(400, { __type: 'com.amazonaws.sqs#UnsupportedOperation', message: `the local SQS does not do ${operation}` })
        }
      })()
    })
    const port = await listen(server)
    return { endpoint: `http://127.0.0.1:${port}`, stop: () => close(server) }
  }
}

// ---------------------------------------------------------------------------------------------
// SESv2 (REST) and Secrets Manager (JSON)
// ---------------------------------------------------------------------------------------------

export interface SentMail {
  caller: string
  messageId: string
  from: string
  destinations: string[]
  raw: string | undefined
  configurationSet: string | undefined
}

export async function startSes(options: { log: CallLog; region: string; account: string }): Promise<{ endpoint: string; sent: SentMail[]; stop(): Promise<void> }> {
  const sent: SentMail[] = []
  const server = createServer((request, response) => {
    void (async () => {
      const text = (await readBody(request)).toString('utf8')
      const caller = options.log.callerOf(request)
      const path = new URL(request.url ?? '/', 'http://local').pathname
      if (request.method !== 'POST' || path !== '/v2/email/outbound-emails') {
        options.log.record({ caller, service: 'ses', action: `ses:(${request.method} ${path})`, resources: ['*'], status: 404 })
        return sendJson(response, 404, { message: `the local SES answers SendEmail only, not ${request.method} ${path}` })
      }
      const body = JSON.parse(text || '{}') as {
        FromEmailAddress?: string
        Destination?: { ToAddresses?: string[]; CcAddresses?: string[]; BccAddresses?: string[] }
        Content?: { Raw?: { Data?: string }; Simple?: unknown }
        ConfigurationSetName?: string
      }
      const raw = body.Content?.Raw?.Data ? Buffer.from(body.Content.Raw.Data, 'base64').toString('utf8') : undefined
      const fromHeader = raw ? /^From:\s*(.+)$/im.exec(raw.split(/\r?\n\r?\n/)[0] ?? '')?.[1] : undefined
      const from = (body.FromEmailAddress ?? fromHeader ?? '').replace(/^.*<([^>]+)>.*$/, '$1').trim()
      const destinations = [...(body.Destination?.ToAddresses ?? []), ...(body.Destination?.CcAddresses ?? []), ...(body.Destination?.BccAddresses ?? [])]
      const identity = (name: string) => `arn:aws:ses:${options.region}:${options.account}:identity/${name}`
      // SES authorizes the send on the sender's identity (the address, or its domain) and on the configuration set.
      const resources = [
        { anyOf: [identity(from), identity(from.split('@')[1] ?? from)] },
        ...(body.ConfigurationSetName ? [`arn:aws:ses:${options.region}:${options.account}:configuration-set/${body.ConfigurationSetName}`] : []),
      ]
      const messageId = `0100019${randomBytes(6).toString('hex')}-${randomUUID()}-000000`
      sent.push({ caller, messageId, from, destinations, raw, configurationSet: body.ConfigurationSetName })
      options.log.record({ caller, service: 'ses', action: 'ses:SendEmail', resources, status: 200 })
      sendJson(response, 200, { MessageId: messageId })
    })()
  })
  const port = await listen(server)
  return { endpoint: `http://127.0.0.1:${port}`, sent, stop: () => close(server) }
}

export async function startSecretsManager(options: { log: CallLog }): Promise<{ endpoint: string; stop(): Promise<void> }> {
  const values = new Map<string, string>()
  const server = createServer((request, response) => {
    void (async () => {
      const body = JSON.parse((await readBody(request)).toString('utf8') || '{}') as { SecretId?: string }
      const operation = String(request.headers['x-amz-target'] ?? '').split('.')[1] ?? 'Unknown'
      const caller = options.log.callerOf(request)
      const id = String(body.SecretId ?? '')
      options.log.record({ caller, service: 'secretsmanager', action: `secretsmanager:${operation}`, resources: [id], status: 200 })
      if (!values.has(id)) values.set(id, randomBytes(48).toString('base64url'))
      if (operation === 'GetSecretValue') return sendJson(response, 200, { ARN: id, Name: id.split(':').at(-1), SecretString: values.get(id), VersionId: randomUUID(), VersionStages: ['AWSCURRENT'], CreatedDate: Date.now() / 1000 }, 'application/x-amz-json-1.1')
      if (operation === 'DescribeSecret') return sendJson(response, 200, { ARN: id, Name: id.split(':').at(-1) }, 'application/x-amz-json-1.1')
      sendJson(response, 400, { __type: 'InvalidRequestException', message: `the local Secrets Manager does not do ${operation}` }, 'application/x-amz-json-1.1')
    })()
  })
  const port = await listen(server)
  return { endpoint: `http://127.0.0.1:${port}`, stop: () => close(server) }
}

// ---------------------------------------------------------------------------------------------
// OpenSearch (HTTPS with a self-signed certificate the sandboxes trust through NODE_EXTRA_CA_CERTS)
// ---------------------------------------------------------------------------------------------

export const openSearchCertificate = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'rehearsal', 'opensearch-cert.pem')
const openSearchKey = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'rehearsal', 'opensearch-key.pem')

interface StoredDocument {
  version: number
  source: Record<string, unknown>
}

export async function startOpenSearch(options: { log: CallLog; domainArn: () => string }) {
  const indexes = new Map<string, Map<string, StoredDocument>>()
  const aliases = new Map<string, string>()
  const resolveIndex = (name: string) => aliases.get(name) ?? name
  const server = createHttpsServer({ cert: readFileSync(openSearchCertificate), key: readFileSync(openSearchKey) }, (request, response) => {
    void (async () => {
      const text = (await readBody(request)).toString('utf8')
      const url = new URL(request.url ?? '/', 'https://local')
      const method = request.method ?? 'GET'
      const caller = options.log.callerOf(request)
      const action = `es:ESHttp${method.charAt(0)}${method.slice(1).toLowerCase()}`
      const answer = (status: number, body: unknown) => {
        options.log.record({ caller, service: 'es', action, resources: [`${options.domainArn()}${url.pathname}`], status })
        sendJson(response, status, body)
      }
      const parts = url.pathname.split('/').filter(Boolean)
      const json = () => JSON.parse(text || '{}') as Record<string, unknown>
      if (parts[0] === '_plugins') return answer(200, { status: 'OK', message: 'recorded' })
      if (parts[0] === '_alias' && method === 'GET') {
        const index = aliases.get(parts[1] ?? '')
        return index ? answer(200, { [index]: { aliases: { [parts[1]!]: {} } } }) : answer(404, { error: { type: 'aliases_not_found_exception', reason: 'alias missing' }, status: 404 })
      }
      if (parts[0] === '_aliases' && method === 'POST') {
        for (const change of (json().actions ?? []) as Record<string, { index: string; alias: string }>[]) {
          if (change.add) aliases.set(change.add.alias, change.add.index)
          if (change.remove && aliases.get(change.remove.alias) === change.remove.index) aliases.delete(change.remove.alias)
        }
        return answer(200, { acknowledged: true })
      }
      const [name = '', operation] = parts
      if (!operation && method === 'PUT') {
        if (indexes.has(name)) return answer(400, { error: { type: 'resource_already_exists_exception', reason: `index [${name}] already exists` }, status: 400 })
        indexes.set(name, new Map())
        for (const alias of Object.keys((json().aliases ?? {}) as object)) aliases.set(alias, name)
        return answer(200, { acknowledged: true, shards_acknowledged: true, index: name })
      }
      if (!operation && method === 'DELETE') {
        indexes.delete(name)
        return answer(200, { acknowledged: true })
      }
      const documents = indexes.get(resolveIndex(name))
      if (operation === '_bulk') {
        if (!documents) return answer(404, { error: { type: 'index_not_found_exception', reason: `no such index [${name}]` }, status: 404 })
        const lines = text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, Record<string, unknown>>)
        const items: unknown[] = []
        for (let position = 0; position < lines.length; position++) {
          const [kind, meta] = Object.entries(lines[position]!)[0]! as [string, { _id: string; version?: number }]
          const current = documents.get(String(meta._id))
          const version = Number(meta.version ?? (current?.version ?? 0) + 1)
          const conflict = current !== undefined && meta.version !== undefined && current.version >= version
          if (kind === 'index' || kind === 'create') {
            const source = lines[++position] as Record<string, unknown>
            if (!conflict) documents.set(String(meta._id), { version, source })
          } else if (kind === 'delete' && !conflict) {
            documents.delete(String(meta._id))
          }
          items.push({ [kind]: { _index: resolveIndex(name), _id: meta._id, _version: version, status: conflict ? 409 : kind === 'delete' ? 200 : 201, ...(conflict ? { error: { type: 'version_conflict_engine_exception', reason: 'version conflict' } } : { result: kind === 'delete' ? 'deleted' : 'created' }) } })
        }
        return answer(200, { took: 1, errors: false, items })
      }
      if (operation === '_search') {
        if (!documents) return answer(404, { error: { type: 'index_not_found_exception', reason: `no such index [${name}]` }, status: 404 })
        const words = queryTexts(json()).flatMap((query) => query.toLowerCase().split(/[^\p{L}\p{N}]+/u)).filter(Boolean)
        const hits = [...documents.entries()]
          .filter(([, document]) => words.every((word) => JSON.stringify(document.source).toLowerCase().includes(word)))
          // `version: true` (the drift check's listing) asks for each hit's version.
          .map(([id, document]) => ({ _index: resolveIndex(name), _id: id, _score: 1, _source: document.source, ...((json() as { version?: boolean }).version ? { _version: document.version } : {}) }))
        return answer(200, { took: 1, timed_out: false, hits: { total: { value: hits.length, relation: 'eq' }, max_score: 1, hits }, aggregations: {} })
      }
      if (operation === '_count') return answer(documents ? 200 : 404, { count: documents?.size ?? 0 })
      return answer(200, { acknowledged: true })
    })()
  })
  const port = await listen(server as unknown as Server)
  return { host: `127.0.0.1:${port}`, indexes, stop: () => close(server as unknown as Server) }
}

/** The free-text parts of a search body (`query` strings of simple_query_string, multi_match, match …). */
function queryTexts(body: unknown): string[] {
  if (!body || typeof body !== 'object') return []
  if (Array.isArray(body)) return body.flatMap(queryTexts)
  return Object.entries(body).flatMap(([key, value]) => (key === 'query' && typeof value === 'string' ? [value] : queryTexts(value)))
}
