import { createRoute } from '@hono/zod-openapi'
import type { MiddlewareHandler } from 'hono'
import { ErrorResponseSchema, LoginRequestSchema, LoginResponseSchema } from '../../../schemas/api.ts'
import { PasswordPolicySchema, PasswordResetConfirmSchema, PasswordResetRequestSchema } from '../../../schemas/api-auth.ts'
import { authenticate, login, logout } from '../../auth/auth-service.ts'
import { confirmPasswordReset, requestPasswordReset } from '../../auth/password-reset.ts'
import { DocketError } from '../../platform/errors.ts'
import type { Dependencies } from '../../runtime/dependencies.ts'
import type { ApiApp, ApiEnv } from '../app.ts'
import { clientAddress } from '../client-address.ts'

const json = <T>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description })
const body = <T>(schema: T) => ({ body: { content: { 'application/json': { schema } }, required: true } })
const badInput = json(ErrorResponseSchema, 'Bad input; the message names the field')

const loginRoute = createRoute({
  method: 'post',
  path: '/api/auth/login',
  tags: ['auth'],
  summary: 'Log in with login and password (and a TOTP code when the account has one); returns a bearer token',
  description:
    'Wrong login or password: 401 `unauthorized` (the same for an unknown login). Password right but the account has TOTP: 401 `totp_required` ' +
    'without `totp`, 401 `totp_invalid` with a wrong, expired or used code. After `auth.lockout.freeAttempts` failures in a row from one ' +
    'address (or `auth.lockout.loginFreeAttempts` from all addresses together, except addresses the agent logged in from) the login is ' +
    'locked for a doubling delay: 429 `locked` with Retry-After (unknown logins alike). More attempts than `auth.loginRate` allows per ' +
    'address or from everyone, or every password check slot busy: 429 `rate_limited` with Retry-After. A role that requires TOTP without ' +
    'enrolment gives a session with `totpEnrolmentRequired: true` that may only enrol.',
  security: [],
  request: body(LoginRequestSchema),
  responses: {
    200: json(LoginResponseSchema, 'Logged in'),
    400: badInput,
    401: json(ErrorResponseSchema, 'Wrong login or password (unauthorized), or a second factor needed (totp_required) or wrong (totp_invalid)'),
    429: json(ErrorResponseSchema, 'Too many failed attempts for this login (locked), or too many attempts (rate_limited); see Retry-After'),
  },
})

const logoutRoute = createRoute({
  method: 'post',
  path: '/api/auth/logout',
  tags: ['auth'],
  summary: 'End this session (the token stops working at once)',
  responses: { 204: { description: 'Logged out' }, 401: json(ErrorResponseSchema, 'Not logged in') },
})

const passwordPolicyRoute = createRoute({
  method: 'get',
  path: '/api/auth/password-policy',
  tags: ['auth'],
  summary: 'The password policy new passwords must pass (for the reset and change forms)',
  security: [],
  responses: { 200: json(PasswordPolicySchema, 'The policy') },
})

const passwordResetRoute = createRoute({
  method: 'post',
  path: '/api/auth/password-reset',
  tags: ['auth'],
  summary: 'Forgot password: mail a one-time link to the agent\'s address',
  description:
    'Always 202, whether the login exists or not, and never faster than a fixed floor. A known, enabled agent gets a mail with ' +
    '`<system.webUrl>/reset-password?token=…`, valid for `auth.passwordReset.tokenMinutes` (30) and once; at most ' +
    '`auth.passwordReset.maxMailsPerHour` (3) mails per login and hour.',
  security: [],
  request: body(PasswordResetRequestSchema),
  responses: { 202: { description: 'If the login exists, a mail is on its way' }, 400: badInput },
})

const passwordResetConfirmRoute = createRoute({
  method: 'post',
  path: '/api/auth/password-reset/confirm',
  tags: ['auth'],
  summary: 'Set a new password with the token from the mailed link; every session of the agent ends',
  description: 'A password the policy refuses: 400 naming body.password and each rule (the link stays usable). An invalid, used or expired token: 400 naming body.token.',
  security: [],
  request: body(PasswordResetConfirmSchema),
  responses: { 204: { description: 'Changed; log in with the new password' }, 400: badInput },
})

export function registerAuthRoutes(app: ApiApp, deps: Dependencies): void {
  app.openapi(loginRoute, async (c) => {
    const request = c.req.valid('json')
    return c.json(await login(deps, { ...request, userAgent: c.req.header('user-agent') ?? null, ip: clientAddress(c, deps.settings.runtime === 'aws') }), 200)
  })

  app.openapi(passwordPolicyRoute, (c) => c.json(deps.config.auth.passwordPolicy, 200))

  app.openapi(passwordResetRoute, async (c) => {
    await requestPasswordReset(deps, c.req.valid('json').login)
    return c.body(null, 202)
  })

  app.openapi(passwordResetConfirmRoute, async (c) => {
    const request = c.req.valid('json')
    await confirmPasswordReset(deps, request.token, request.password)
    return c.body(null, 204)
  })
}

const publicPaths = new Set(['/api/health', '/api/openapi.json', '/api/auth/login', '/api/auth/password-policy', '/api/auth/password-reset', '/api/auth/password-reset/confirm'])

/** What a session that may only enrol in TOTP (its role requires it) can still do. */
const enrolmentRoutes = new Set(['GET /api/me', 'POST /api/me/totp', 'POST /api/me/totp/confirm', 'POST /api/auth/logout'])

/** Every other /api route needs a valid session; the caller's identity is put on the context. */
export function requireAgent(deps: Dependencies): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    if (publicPaths.has(c.req.path)) return next()
    const header = c.req.header('authorization') ?? ''
    const token = /^Bearer\s+(.+)$/i.exec(header)?.[1]
    const identity = await authenticate(deps, token)
    if (identity.enrolmentOnly && !enrolmentRoutes.has(`${c.req.method} ${c.req.path}`)) {
      throw new DocketError(
        'totp_enrolment_required',
        'your role requires two-factor authentication: enrol first (POST /api/me/totp, then POST /api/me/totp/confirm with a code)',
      )
    }
    c.set('identity', { ...identity, address: clientAddress(c, deps.settings.runtime === 'aws') })
    await next()
  }
}

export function registerLogoutRoute(app: ApiApp, deps: Dependencies): void {
  app.openapi(logoutRoute, async (c) => {
    await logout(deps, c.get('identity'))
    return c.body(null, 204)
  })
}
