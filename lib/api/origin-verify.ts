import { timingSafeEqual } from 'node:crypto'
import type { MiddlewareHandler } from 'hono'
import { errorBody } from './errors.ts'

/**
 * The header CloudFront adds to every request it forwards to the API (issue 15.9). Its value is a
 * secret of the service stack that both the distribution and the api function get, so a request
 * straight to the execute-api (or custom API) endpoint, past the per-client rate limits of the web
 * ACL on CloudFront, is refused.
 */
export const originVerifyHeader = 'x-docket-origin-verify'

/** Refuses requests without the header's expected value; without one (locally) lets everything through. */
export function requireCloudFrontOrigin(expected: string | undefined): MiddlewareHandler {
  if (!expected) return async (_c, next) => next()
  const wanted = Buffer.from(expected)
  return async (c, next) => {
    const given = Buffer.from(c.req.header(originVerifyHeader) ?? '')
    if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) {
      return c.json(errorBody('forbidden', 'the API answers only through the web client’s address (<WebUrl>/api/…)'), 403)
    }
    await next()
  }
}
