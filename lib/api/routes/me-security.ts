import { createRoute } from '@hono/zod-openapi'
import { ErrorResponseSchema } from '../../../schemas/api.ts'
import {
  RevokedSessionsSchema,
  SessionIdParamSchema,
  SessionListSchema,
  TotpConfirmRequestSchema,
  TotpConfirmResponseSchema,
  TotpDisableRequestSchema,
  TotpEnrolmentSchema,
} from '../../../schemas/api-auth.ts'
import { listOwnSessions, revokeOtherSessions, revokeOwnSession } from '../../auth/sessions.ts'
import { confirmTotpEnrolment, disableTotp, startTotpEnrolment } from '../../auth/two-factor.ts'
import type { Dependencies } from '../../runtime/dependencies.ts'
import type { ApiApp } from '../app.ts'

const json = <T>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description })
const body = <T>(schema: T) => ({ body: { content: { 'application/json': { schema } }, required: true } })
const badInput = json(ErrorResponseSchema, 'Bad input; the message names the field')
const notLoggedIn = json(ErrorResponseSchema, 'Not logged in')

const route = {
  startTotp: createRoute({
    method: 'post',
    path: '/api/me/totp',
    tags: ['me'],
    summary: 'Begin TOTP enrolment: a new secret, its otpauth:// URI and a QR code to scan',
    description: 'Nothing changes until POST /api/me/totp/confirm; calling this again starts over with a new secret. Allowed in a session that may only enrol.',
    responses: { 200: json(TotpEnrolmentSchema, 'Scan the QR code (or type the secret) into an authenticator app'), 401: notLoggedIn, 409: json(ErrorResponseSchema, 'TOTP is already on') },
  }),
  confirmTotp: createRoute({
    method: 'post',
    path: '/api/me/totp/confirm',
    tags: ['me'],
    summary: 'Finish TOTP enrolment with the current code: TOTP is on, and the ten recovery codes are answered this once',
    description: 'This session then counts as two-factor (a session that could only enrol becomes a full one). A code that does not match is 400 naming body.code.',
    request: body(TotpConfirmRequestSchema),
    responses: {
      200: json(TotpConfirmResponseSchema, 'TOTP is on; keep the recovery codes somewhere safe'),
      400: badInput,
      401: notLoggedIn,
      409: json(ErrorResponseSchema, 'No enrolment in progress (or TOTP already on)'),
    },
  }),
  disableTotp: createRoute({
    method: 'delete',
    path: '/api/me/totp',
    tags: ['me'],
    summary: 'Turn TOTP off: needs your password and a current code (or a recovery code)',
    description: 'Counted like a login attempt (auth.lockout). Refused (403) when your role requires TOTP; an admin can reset it instead.',
    request: body(TotpDisableRequestSchema),
    responses: {
      204: { description: 'TOTP is off' },
      400: badInput,
      401: notLoggedIn,
      403: json(ErrorResponseSchema, 'Your role requires TOTP'),
      409: json(ErrorResponseSchema, 'TOTP is not on'),
      429: json(ErrorResponseSchema, 'Too many wrong attempts (locked); see Retry-After'),
    },
  }),
  listSessions: createRoute({
    method: 'get',
    path: '/api/me/sessions',
    tags: ['me'],
    summary: 'Your sessions (the one of this request marked current), most recently used first',
    responses: { 200: json(SessionListSchema, 'Your sessions'), 401: notLoggedIn },
  }),
  revokeOthers: createRoute({
    method: 'delete',
    path: '/api/me/sessions',
    tags: ['me'],
    summary: 'End all your sessions except this one',
    responses: { 200: json(RevokedSessionsSchema, 'How many ended'), 401: notLoggedIn },
  }),
  revokeOne: createRoute({
    method: 'delete',
    path: '/api/me/sessions/{id}',
    tags: ['me'],
    summary: 'End one of your sessions (its token fails at once); ending the current one logs you out',
    request: { params: SessionIdParamSchema },
    responses: { 204: { description: 'Ended' }, 401: notLoggedIn, 404: json(ErrorResponseSchema, 'No such session of yours') },
  }),
}

/** POST|DELETE /api/me/totp, POST /api/me/totp/confirm, GET|DELETE /api/me/sessions, DELETE /api/me/sessions/{id}. */
export function registerMeSecurityRoutes(app: ApiApp, deps: Dependencies): void {
  app.openapi(route.startTotp, async (c) => c.json(await startTotpEnrolment(deps, c.get('identity')), 200))

  app.openapi(route.confirmTotp, async (c) => c.json(await confirmTotpEnrolment(deps, c.get('identity'), c.req.valid('json').code), 200))

  app.openapi(route.disableTotp, async (c) => {
    const request = c.req.valid('json')
    await disableTotp(deps, c.get('identity'), request.password, request.code)
    return c.body(null, 204)
  })

  app.openapi(route.listSessions, async (c) => c.json({ items: await listOwnSessions(deps, c.get('identity')) }, 200))

  app.openapi(route.revokeOthers, async (c) => c.json({ revoked: await revokeOtherSessions(deps, c.get('identity')) }, 200))

  app.openapi(route.revokeOne, async (c) => {
    await revokeOwnSession(deps, c.get('identity'), c.req.valid('param').id)
    return c.body(null, 204)
  })
}
