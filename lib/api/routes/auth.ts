import { createRoute } from '@hono/zod-openapi'
import type { MiddlewareHandler } from 'hono'
import { ErrorResponseSchema, LoginRequestSchema, LoginResponseSchema } from '../../../schemas/api.ts'
import { authenticate, login, logout } from '../../auth/auth-service.ts'
import type { Dependencies } from '../../runtime/dependencies.ts'
import type { ApiApp, ApiEnv } from '../app.ts'

const json = <T>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description })

const loginRoute = createRoute({
  method: 'post',
  path: '/api/auth/login',
  tags: ['auth'],
  summary: 'Log in with login and password; returns a bearer token',
  security: [],
  request: { body: { content: { 'application/json': { schema: LoginRequestSchema } }, required: true } },
  responses: { 200: json(LoginResponseSchema, 'Logged in'), 400: json(ErrorResponseSchema, 'Bad input'), 401: json(ErrorResponseSchema, 'Wrong login or password') },
})

const logoutRoute = createRoute({
  method: 'post',
  path: '/api/auth/logout',
  tags: ['auth'],
  summary: 'End this session (the token stops working at once)',
  responses: { 204: { description: 'Logged out' }, 401: json(ErrorResponseSchema, 'Not logged in') },
})

export function registerAuthRoutes(app: ApiApp, deps: Dependencies): void {
  app.openapi(loginRoute, async (c) => {
    const body = c.req.valid('json')
    return c.json(await login(deps, body.login, body.password), 200)
  })
}

const publicPaths = new Set(['/api/health', '/api/openapi.json', '/api/auth/login'])

/** Every other /api route needs a valid session; the caller's identity is put on the context. */
export function requireAgent(deps: Dependencies): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    if (publicPaths.has(c.req.path)) return next()
    const header = c.req.header('authorization') ?? ''
    const token = /^Bearer\s+(.+)$/i.exec(header)?.[1]
    c.set('identity', await authenticate(deps, token))
    await next()
  }
}

export function registerLogoutRoute(app: ApiApp, deps: Dependencies): void {
  app.openapi(logoutRoute, async (c) => {
    await logout(deps, c.get('identity'))
    return c.body(null, 204)
  })
}
