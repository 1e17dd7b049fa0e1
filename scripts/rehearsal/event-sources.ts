import { randomUUID } from 'node:crypto'
import type { DynamoDBRecord, SQSRecord } from 'aws-lambda'
import { encodeS3Key } from '../../lib/local/aws-events.ts'
import type { ObjectCreated, QueuedMessage } from './endpoints.ts'

/**
 * The events as the AWS services deliver them to Lambda, built from what the template wires:
 * SQS batches, S3 notifications (as the message body S3 puts on a queue), DynamoDB stream
 * records after the mapping's filter criteria, EventBridge scheduled events after the target's
 * input transformation, and API Gateway HTTP API (payload 2.0) requests.
 */

export function sqsRecord(message: QueuedMessage, queueArn: string, region: string): SQSRecord {
  return {
    messageId: message.messageId,
    receiptHandle: message.receiptHandle,
    body: message.body,
    attributes: {
      ApproximateReceiveCount: String(message.receiveCount),
      SentTimestamp: String(message.sentAt),
      SenderId: message.senderId,
      ApproximateFirstReceiveTimestamp: String(message.firstReceivedAt ?? message.sentAt),
    },
    messageAttributes: {},
    md5OfBody: message.md5OfBody,
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  }
}

/** The S3 event notification (version 2.1) S3 sends for one created object. */
export function s3Notification(event: ObjectCreated, options: { region: string; configurationId: string; at?: Date }) {
  const at = options.at ?? new Date()
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: options.region,
        eventTime: at.toISOString(),
        eventName: event.eventName,
        userIdentity: { principalId: 'AWS:AROAREHEARSAL:ses' },
        requestParameters: { sourceIPAddress: '10.0.0.1' },
        responseElements: { 'x-amz-request-id': randomUUID().replaceAll('-', '').slice(0, 16).toUpperCase(), 'x-amz-id-2': randomUUID() },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: options.configurationId,
          bucket: { name: event.bucket, ownerIdentity: { principalId: 'AREHEARSAL' }, arn: `arn:aws:s3:::${event.bucket}` },
          object: {
            key: encodeS3Key(event.key),
            size: event.size,
            eTag: event.eTag,
            ...(event.versionId ? { versionId: event.versionId } : {}),
            sequencer: at.getTime().toString(16).toUpperCase().padStart(16, '0'),
          },
        },
      },
    ],
  }
}

/** Does an S3 notification configuration (events + key filter) take this object? */
export function notificationMatches(configuration: { events: string[]; prefix: string; suffix: string }, event: ObjectCreated): boolean {
  const name = `s3:${event.eventName}`
  const eventMatches = configuration.events.some((pattern) => pattern === name || (pattern.endsWith(':*') && name.startsWith(pattern.slice(0, -1))))
  return eventMatches && event.key.startsWith(configuration.prefix) && event.key.endsWith(configuration.suffix)
}

/**
 * Lambda event filtering (the EventBridge pattern syntax): every key of the pattern must match;
 * a list matches when any element does (values, or {prefix}, {suffix}, {exists}, {anything-but},
 * {equals-ignore-case}, {numeric}). For DynamoDB streams the record is matched as delivered.
 */
export function matchesPattern(pattern: unknown, value: unknown): boolean {
  if (Array.isArray(pattern)) return pattern.some((element) => matchesElement(element, value))
  if (pattern && typeof pattern === 'object') {
    return Object.entries(pattern).every(([key, inner]) => {
      const field = value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined
      if (Array.isArray(inner) && inner.some((element) => element && typeof element === 'object' && 'exists' in element)) {
        const wanted = (inner.find((element) => element && typeof element === 'object' && 'exists' in element) as { exists: boolean }).exists
        return wanted === (field !== undefined)
      }
      if (field === undefined) return false
      return matchesPattern(inner, field)
    })
  }
  return pattern === value
}

function matchesElement(element: unknown, value: unknown): boolean {
  const values = Array.isArray(value) ? value : [value]
  return values.some((candidate) => {
    if (element === null || typeof element !== 'object') return element === candidate
    const rule = element as Record<string, unknown>
    if ('prefix' in rule) return typeof candidate === 'string' && candidate.startsWith(String(rule.prefix))
    if ('suffix' in rule) return typeof candidate === 'string' && candidate.endsWith(String(rule.suffix))
    if ('equals-ignore-case' in rule) return typeof candidate === 'string' && candidate.toLowerCase() === String(rule['equals-ignore-case']).toLowerCase()
    if ('anything-but' in rule) {
      const excluded = rule['anything-but']
      return Array.isArray(excluded) ? !excluded.includes(candidate) : !matchesElement(excluded, candidate)
    }
    if ('numeric' in rule) {
      const conditions = rule.numeric as (string | number)[]
      const number = Number(candidate)
      for (let position = 0; position < conditions.length; position += 2) {
        const bound = Number(conditions[position + 1])
        const ok = { '<': number < bound, '<=': number <= bound, '=': number === bound, '>': number > bound, '>=': number >= bound }[String(conditions[position])]
        if (!ok) return false
      }
      return true
    }
    return matchesPattern(element, candidate)
  })
}

/** The mapping's FilterCriteria (filters are OR'ed; each pattern is a JSON string). */
export function passesFilters(filters: { Pattern: string }[] | undefined, record: DynamoDBRecord | SQSRecord): boolean {
  if (!filters || filters.length === 0) return true
  return filters.some((filter) => matchesPattern(JSON.parse(filter.Pattern), record))
}

/** The event an EventBridge schedule sends, as the target's Input / InputPath / InputTransformer makes it. */
export function scheduledEvent(options: { ruleArn: string; account: string; region: string; time: Date; target: Record<string, unknown> }): unknown {
  const event = {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: options.account,
    time: options.time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: options.region,
    resources: [options.ruleArn],
    detail: {},
  }
  const { Input, InputPath, InputTransformer } = options.target as { Input?: string; InputPath?: string; InputTransformer?: { InputPathsMap?: Record<string, string>; InputTemplate: string } }
  if (Input !== undefined) return JSON.parse(Input) as unknown
  if (InputPath !== undefined) return jsonPath(event, InputPath)
  if (InputTransformer) {
    const values = Object.fromEntries(Object.entries(InputTransformer.InputPathsMap ?? {}).map(([name, path]) => [name, jsonPath(event, path)]))
    // Inside quotes a placeholder takes the raw text; outside, the JSON value (a string gets its quotes).
    const text = InputTransformer.InputTemplate.replace(/"([^"]*)"/g, (quoted, inner: string) =>
      JSON.stringify(inner.replace(/<([A-Za-z0-9_.-]+)>/g, (placeholder, name: string) => (name in values ? String(values[name]) : placeholder))),
    ).replace(/<([A-Za-z0-9_.-]+)>/g, (placeholder, name: string) => (name in values ? JSON.stringify(values[name]) : placeholder))
    try {
      return JSON.parse(text) as unknown
    } catch {
      return text
    }
  }
  return event
}

function jsonPath(value: unknown, path: string): unknown {
  if (path === '$') return value
  return path
    .replace(/^\$\.?/, '')
    .split('.')
    .filter(Boolean)
    .reduce<unknown>((current, key) => (current && typeof current === 'object' ? (current as Record<string, unknown>)[key] : undefined), value)
}

// ---------------------------------------------------------------------------------------------
// API Gateway HTTP API
// ---------------------------------------------------------------------------------------------

export interface HttpRoute {
  routeKey: string
  method: string
  path: string
  authorizationType: string
}

/** API Gateway's route selection: the most specific route wins; greedy {proxy+} last; $default when nothing matches. */
export function selectRoute<T extends HttpRoute>(routes: T[], method: string, path: string): { route: T; pathParameters: Record<string, string> } | undefined {
  const candidates = routes
    .filter((route) => route.routeKey !== '$default' && (route.method === 'ANY' || route.method === method))
    .flatMap((route) => {
      const parameters = matchPath(route.path, path)
      return parameters ? [{ route, pathParameters: parameters }] : []
    })
    .sort((a, b) => specificity(b.route) - specificity(a.route))
  const best = candidates[0]
  if (best) return best
  const fallback = routes.find((route) => route.routeKey === '$default')
  return fallback ? { route: fallback, pathParameters: {} } : undefined
}

function specificity(route: HttpRoute): number {
  const segments = route.path.split('/').filter(Boolean)
  const literal = segments.filter((segment) => !segment.startsWith('{')).length
  const greedy = segments.some((segment) => segment.endsWith('+}'))
  return literal * 10 + (greedy ? 0 : 5) + (route.method === 'ANY' ? 0 : 1)
}

function matchPath(template: string, path: string): Record<string, string> | undefined {
  const wanted = template.split('/').filter(Boolean)
  const actual = path.split('/').filter(Boolean)
  const parameters: Record<string, string> = {}
  for (let index = 0; index < wanted.length; index++) {
    const segment = wanted[index]!
    const greedy = /^\{(.+)\+\}$/.exec(segment)
    if (greedy) {
      if (actual.length <= index) return undefined
      parameters[greedy[1]!] = actual.slice(index).join('/')
      return parameters
    }
    const value = actual[index]
    if (value === undefined) return undefined
    const parameter = /^\{(.+)\}$/.exec(segment)
    if (parameter) parameters[parameter[1]!] = decodeURIComponent(value)
    else if (segment !== value) return undefined
  }
  return wanted.length === actual.length ? parameters : undefined
}

const textContentType = /^(text\/|application\/(json|xml|javascript|x-www-form-urlencoded)|[^;]*\+json|[^;]*\+xml)/i

/** The payload-2.0 event API Gateway sends for one HTTP request on a route. */
export function httpApiEvent(options: {
  apiId: string
  region: string
  account: string
  stage: string
  routeKey: string
  method: string
  url: URL
  headers: Record<string, string>
  body: Buffer | undefined
  pathParameters: Record<string, string>
  sourceIp: string
}) {
  const headers = Object.fromEntries(Object.entries(options.headers).map(([name, value]) => [name.toLowerCase(), value]))
  const cookies = headers.cookie ? headers.cookie.split(/;\s*/) : undefined
  delete headers.cookie
  const query: Record<string, string> = {}
  for (const [name, value] of options.url.searchParams) query[name] = name in query ? `${query[name]},${value}` : value
  const now = new Date()
  const binary = options.body !== undefined && !textContentType.test(headers['content-type'] ?? '')
  const domainName = `${options.apiId}.execute-api.${options.region}.amazonaws.com`
  const eventHeaders: Record<string, string> = {
    ...headers,
    host: domainName,
    'x-forwarded-for': options.sourceIp,
    'x-forwarded-port': '443',
    'x-forwarded-proto': 'https',
    'x-amzn-trace-id': `Root=1-${Math.floor(now.getTime() / 1000).toString(16)}-${randomUUID().replaceAll('-', '').slice(0, 24)}`,
  }
  return {
    version: '2.0',
    routeKey: options.routeKey,
    rawPath: options.url.pathname,
    rawQueryString: options.url.search.replace(/^\?/, ''),
    ...(cookies ? { cookies } : {}),
    headers: eventHeaders,
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: options.account,
      apiId: options.apiId,
      domainName,
      domainPrefix: options.apiId,
      http: { method: options.method, path: options.url.pathname, protocol: 'HTTP/1.1', sourceIp: options.sourceIp, userAgent: headers['user-agent'] ?? '' },
      requestId: randomUUID(),
      routeKey: options.routeKey,
      stage: options.stage,
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(Object.keys(options.pathParameters).length > 0 ? { pathParameters: options.pathParameters } : {}),
    ...(options.body !== undefined ? { body: binary ? options.body.toString('base64') : options.body.toString('utf8') } : {}),
    isBase64Encoded: binary,
  }
}

/** What API Gateway makes of a payload-2.0 answer (a plain value is a 200 JSON body). */
export function httpApiResponse(value: unknown): Response {
  const shaped = value && typeof value === 'object' && 'statusCode' in value ? (value as { statusCode: number; headers?: Record<string, string>; body?: string; isBase64Encoded?: boolean; cookies?: string[] }) : undefined
  if (!shaped) return new Response(JSON.stringify(value), { status: 200, headers: { 'content-type': 'application/json' } })
  const headers = new Headers(shaped.headers ?? {})
  for (const cookie of shaped.cookies ?? []) headers.append('set-cookie', cookie)
  const body = shaped.body === undefined ? null : shaped.isBase64Encoded ? Buffer.from(shaped.body, 'base64') : shaped.body
  return new Response([204, 304].includes(shaped.statusCode) ? null : body, { status: shaped.statusCode, headers })
}
