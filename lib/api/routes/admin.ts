import { createRoute } from '@hono/zod-openapi'
import { ErrorResponseSchema } from '../../../schemas/api.ts'
import { AgentLoginParamSchema, LoginLockoutListSchema, RevokedSessionsSchema, SessionIdParamSchema, SessionListSchema } from '../../../schemas/api-auth.ts'
import { adminRevokeAgentSessions, adminRevokeSession, listAllSessions, listLockouts } from '../../auth/sessions.ts'
import { adminResetTotp } from '../../auth/two-factor.ts'
import type { Dependencies } from '../../runtime/dependencies.ts'
import type { ApiApp } from '../app.ts'

const json = <T>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description })
const errors = {
  401: json(ErrorResponseSchema, 'Not logged in'),
  403: json(ErrorResponseSchema, 'Only admins may do this'),
}

const route = {
  listSessions: createRoute({
    method: 'get',
    path: '/api/admin/sessions',
    tags: ['admin'],
    summary: 'Every live session of every agent (OTRS: Session Management), most recently used first',
    responses: { 200: json(SessionListSchema, 'The sessions'), ...errors },
  }),
  listLockouts: createRoute({
    method: 'get',
    path: '/api/admin/lockouts',
    tags: ['admin'],
    summary: 'Agents with failed logins still remembered: how many, from which addresses, and locked until when (issue 13.8)',
    responses: { 200: json(LoginLockoutListSchema, 'The agents with failures'), ...errors },
  }),
  revokeSession: createRoute({
    method: 'delete',
    path: '/api/admin/sessions/{id}',
    tags: ['admin'],
    summary: 'End one session of any agent; its token fails at once',
    request: { params: SessionIdParamSchema },
    responses: { 204: { description: 'Ended' }, ...errors, 404: json(ErrorResponseSchema, 'No such session') },
  }),
  revokeAgentSessions: createRoute({
    method: 'delete',
    path: '/api/admin/agents/{login}/sessions',
    tags: ['admin'],
    summary: 'End every session of one agent',
    request: { params: AgentLoginParamSchema },
    responses: { 200: json(RevokedSessionsSchema, 'How many ended'), ...errors, 404: json(ErrorResponseSchema, 'No such agent in the config') },
  }),
  resetTotp: createRoute({
    method: 'delete',
    path: '/api/admin/agents/{login}/totp',
    tags: ['admin'],
    summary: "Reset an agent's TOTP (a lost phone): it is off until they enrol again, which their role may require at the next login",
    request: { params: AgentLoginParamSchema },
    responses: { 204: { description: 'Reset' }, ...errors, 404: json(ErrorResponseSchema, 'No such agent in the config') },
  }),
}

/** /api/admin/*: admins only (403 for everyone else). */
export function registerAdminRoutes(app: ApiApp, deps: Dependencies): void {
  app.openapi(route.listSessions, async (c) => c.json({ items: await listAllSessions(deps, c.get('identity')) }, 200))

  app.openapi(route.listLockouts, async (c) => c.json({ items: await listLockouts(deps, c.get('identity')) }, 200))

  app.openapi(route.revokeSession, async (c) => {
    await adminRevokeSession(deps, c.get('identity'), c.req.valid('param').id)
    return c.body(null, 204)
  })

  app.openapi(route.revokeAgentSessions, async (c) => c.json({ revoked: await adminRevokeAgentSessions(deps, c.get('identity'), c.req.valid('param').login) }, 200))

  app.openapi(route.resetTotp, async (c) => {
    await adminResetTotp(deps, c.get('identity'), c.req.valid('param').login)
    return c.body(null, 204)
  })
}
