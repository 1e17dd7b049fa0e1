import { OpenAPIHono } from '@hono/zod-openapi'
import type { MiddlewareHandler } from 'hono'
import type { AgentIdentity } from '../auth/auth-service.ts'
import type { Dependencies } from '../runtime/dependencies.ts'
import { handleApiError, validationHook, errorBody } from './errors.ts'
import { requireCloudFrontOrigin } from './origin-verify.ts'
import { registerAuthRoutes, registerLogoutRoute, requireAgent } from './routes/auth.ts'
import { registerTicketRoutes } from './routes/tickets.ts'
import { registerMeRoutes } from './routes/me.ts'
import { registerMeSecurityRoutes } from './routes/me-security.ts'
import { registerAdminRoutes } from './routes/admin.ts'
import { registerSearchRoutes } from './routes/search.ts'
import { registerStatisticsRoutes } from './routes/statistics.ts'
import { registerViewRoutes } from './routes/views.ts'
import { registerCustomerRoutes } from './routes/customers.ts'

export type ApiEnv = { Variables: { identity: AgentIdentity } }
export type ApiApp = OpenAPIHono<ApiEnv>

export interface ApiOptions {
  /** Local runtime: false until HTTP and SMTP both listen. Always ready in Lambda. */
  isReady?: () => boolean
}

/**
 * Every API answer, errors included: never sniffed as another type (a JSON body with customer text
 * must not render as HTML), never kept by a browser or proxy cache (tickets and tokens are private).
 */
export const apiResponseHeaders: MiddlewareHandler = async (c, next) => {
  await next()
  c.res.headers.set('X-Content-Type-Options', 'nosniff')
  if (!c.res.headers.has('Cache-Control')) c.res.headers.set('Cache-Control', 'no-store')
}

/**
 * The agent API: one Hono app, a pure function from request to response. Lambda runs it behind
 * API Gateway (functions/api.ts), the local runtime behind Node's HTTP server; tests call it directly.
 */
export function createApiApp(deps: Dependencies, options: ApiOptions = {}): ApiApp {
  const app = new OpenAPIHono<ApiEnv>({ defaultHook: validationHook })
  app.onError(handleApiError(deps.logger))
  app.use('*', apiResponseHeaders)
  app.use('*', requireCloudFrontOrigin(deps.settings.originVerify))
  app.notFound((c) => c.json(errorBody('not_found', `no API route ${c.req.method} ${c.req.path}`), 404))

  app.get('/api/health', (c) =>
    (options.isReady ?? (() => true))() ? c.json({ status: 'ok' as const }) : c.json(errorBody('unavailable', 'starting up'), 503),
  )
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
  app.doc31('/api/openapi.json', {
    openapi: '3.1.0',
    info: { title: 'Docket agent API', version: '1', description: 'Every call except login and health needs `Authorization: Bearer <token>` from POST /api/auth/login.' },
    security: [{ bearer: [] }],
  })

  registerAuthRoutes(app, deps)
  app.use('/api/*', requireAgent(deps))
  registerLogoutRoute(app, deps)
  registerTicketRoutes(app, deps)
  registerMeRoutes(app, deps)
  registerMeSecurityRoutes(app, deps)
  registerAdminRoutes(app, deps)
  registerSearchRoutes(app, deps)
  registerStatisticsRoutes(app, deps)
  registerViewRoutes(app, deps)
  registerCustomerRoutes(app, deps)
  return app
}
