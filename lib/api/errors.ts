import type { Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { z } from 'zod'
import { formatIssues } from '../platform/config.ts'
import { DocketError } from '../platform/errors.ts'
import type { DocketLogger } from '../platform/logger.ts'

/**
 * The one place errors become HTTP: `{ "error": { code, message, field? } }`. Below 500 the message is shown, and for our own
 * typed 503s (search stopped at its time limit, a service not available here), whose messages say what to do; otherwise
 * nothing internal leaks.
 */
export function errorBody(code: string, message: string, field?: string) {
  return { error: { code, message, ...(field ? { field } : {}) } }
}

export function handleApiError(logger: DocketLogger) {
  return (error: Error, c: Context) => {
    if (error instanceof DocketError && (error.status < 500 || error.status === 503)) {
      if (error.status === 503) logger.warn('request answered 503', { method: c.req.method, path: c.req.path, code: error.code, message: error.message })
      const headers = error.retryAfterSeconds === undefined ? undefined : { 'Retry-After': String(Math.max(1, Math.ceil(error.retryAfterSeconds))) }
      return c.json(errorBody(error.code, error.message, error.field), error.status as ContentfulStatusCode, headers)
    }
    if (error instanceof HTTPException && error.status < 500) {
      const code = error.status === 401 ? 'unauthorized' : error.status === 404 ? 'not_found' : 'invalid_request'
      return c.json(errorBody(code, error.message || 'the request could not be read'), error.status)
    }
    logger.error('request failed', { method: c.req.method, path: c.req.path, error })
    return c.json(errorBody('internal', 'something went wrong on our side; the error was logged'), 500)
  }
}

const targetNames: Record<string, string> = { json: 'body', query: 'query', param: 'path', header: 'header', form: 'body' }

/** zod validation failures: 400 naming every bad field, e.g. "body.state: …". */
export function validationHook(result: { success: boolean; error?: z.ZodError; target: string }, c: Context) {
  if (result.success || !result.error) return undefined
  const prefix = targetNames[result.target] ?? result.target
  const problems = formatIssues(result.error.issues, prefix)
  const first = result.error.issues[0]
  const field = first ? [prefix, ...first.path.map(String)].join('.') : prefix
  return c.json(errorBody('invalid_request', problems.join('; '), field), 400)
}
