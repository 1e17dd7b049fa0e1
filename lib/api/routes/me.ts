import { createRoute } from '@hono/zod-openapi'
import { ErrorResponseSchema } from '../../../schemas/api.ts'
import {
  ChangePasswordRequestSchema,
  MeResponseSchema,
  MetaResponseSchema,
  PreferencesSchema,
  UpdatePreferencesRequestSchema,
} from '../../../schemas/api-me.ts'
import type { AgentConfig, DocketConfig } from '../../../schemas/config.ts'
import { canManageCustomers, readableQueues, rightsOn, type Right } from '../../auth/permissions.ts'
import { changeOwnPassword } from '../../auth/auth-service.ts'
import { effectivePreferences, getOwnPreferences, isOutOfOffice, languages, loadEffectivePreferences, updateOwnPreferences } from '../../auth/preferences.ts'
import { totpStatus } from '../../auth/two-factor.ts'
import type { Dependencies } from '../../runtime/dependencies.ts'
import { mayOwn } from '../../ticket/ticket-patch.ts'
import type { ApiApp } from '../app.ts'

const json = <T>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description })
const notLoggedIn = json(ErrorResponseSchema, 'Not logged in')
const badInput = json(ErrorResponseSchema, 'Bad input; the message names the field')

const meRoute = createRoute({
  method: 'get',
  path: '/api/me',
  tags: ['me'],
  summary: 'Who you are: name, the queues you can read with your rights, your preferences',
  responses: { 200: json(MeResponseSchema, 'You'), 401: notLoggedIn },
})

const getPreferencesRoute = createRoute({
  method: 'get',
  path: '/api/me/preferences',
  tags: ['me'],
  summary: 'Your preferences in force: what you chose over the configured defaults',
  responses: { 200: json(PreferencesSchema, 'Your preferences'), 401: notLoggedIn },
})

const putPreferencesRoute = createRoute({
  method: 'put',
  path: '/api/me/preferences',
  tags: ['me'],
  summary: 'Change some preferences (My Queues, notifications, out of office, language, time zone)',
  description: 'A partial update: keys left out stay as they are, nested objects merge, null returns a key to its default. Answers the preferences now in force.',
  request: { body: { content: { 'application/json': { schema: UpdatePreferencesRequestSchema } }, required: true } },
  responses: { 200: json(PreferencesSchema, 'Your preferences now'), 400: badInput, 401: notLoggedIn },
})

const passwordRoute = createRoute({
  method: 'post',
  path: '/api/me/password',
  tags: ['me'],
  summary: 'Change your password: the current one is required, the new one must pass the password policy; your other sessions end',
  description:
    'A wrong current password is 400 naming body.current and counts like a failed login (auth.lockout: 429 locked after too many). ' +
    'A new password the policy refuses is 400 naming body.new and every rule it breaks (GET /api/auth/password-policy).',
  request: { body: { content: { 'application/json': { schema: ChangePasswordRequestSchema } }, required: true } },
  responses: {
    204: { description: 'Changed; log in with the new password from now on' },
    400: badInput,
    401: notLoggedIn,
    429: json(ErrorResponseSchema, 'Too many wrong passwords (locked); see Retry-After'),
  },
})

const metaRoute = createRoute({
  method: 'get',
  path: '/api/meta',
  tags: ['me'],
  summary: 'What a client needs for its forms: states, priorities, your queues with rights, agents, the ticket hook',
  responses: { 200: json(MetaResponseSchema, 'The form data'), 401: notLoggedIn },
})

const rightOrder: Right[] = ['ro', 'rw', 'create', 'move_into', 'note', 'owner', 'priority']

/** The queues the agent can read, with the rights they hold on each (config order). */
function queueAccess(config: DocketConfig, agent: AgentConfig): { name: string; rights: Right[] }[] {
  return readableQueues(config, agent).map((name) => {
    const held = rightsOn(config, agent, name)
    return { name, rights: rightOrder.filter((right) => held.has(right)) }
  })
}

/** GET /api/me, GET|PUT /api/me/preferences, POST /api/me/password, GET /api/meta. */
export function registerMeRoutes(app: ApiApp, deps: Dependencies): void {
  app.openapi(meRoute, async (c) => {
    const identity = c.get('identity')
    const { agent } = identity
    const record = await deps.agents.getAgent(identity.login)
    return c.json(
      {
        login: agent.login,
        firstName: agent.firstName,
        lastName: agent.lastName,
        email: agent.email,
        admin: agent.admin,
        manageCustomers: canManageCustomers(deps.config, agent),
        queues: queueAccess(deps.config, agent),
        preferences: effectivePreferences(deps.config, agent, record?.preferences),
        totp: totpStatus(deps.config, agent, record),
      },
      200,
    )
  })

  app.openapi(getPreferencesRoute, async (c) => c.json(await getOwnPreferences(deps, c.get('identity')), 200))

  app.openapi(putPreferencesRoute, async (c) => c.json(await updateOwnPreferences(deps, c.get('identity'), c.req.valid('json')), 200))

  app.openapi(passwordRoute, async (c) => {
    const body = c.req.valid('json')
    await changeOwnPassword(deps, c.get('identity'), body.current, body.new)
    return c.body(null, 204)
  })

  app.openapi(metaRoute, async (c) => {
    const { config } = deps
    const readable = readableQueues(config, c.get('identity').agent)
    const enabled = config.agents.filter((agent) => agent.enabled)
    const preferences = await loadEffectivePreferences(deps, enabled)
    const now = deps.clock.now()
    return c.json(
      {
        ticketHook: config.ticket.hook,
        systemTimeZone: config.system.timeZone,
        languages: [...languages],
        states: config.states.map((state) => ({ name: state.name, type: state.type })),
        priorities: config.priorities.map((name, index) => ({ id: index + 1, name })),
        queues: queueAccess(config, c.get('identity').agent),
        agents: enabled.map((agent) => {
          const away = preferences.get(agent.login)!
          return {
            login: agent.login,
            firstName: agent.firstName,
            lastName: agent.lastName,
            name: `${agent.firstName} ${agent.lastName}`.trim(),
            queues: readable.filter((queue) => mayOwn(config, agent, queue)),
            outOfOffice: isOutOfOffice(away, now) ? { until: away.outOfOffice.until } : null,
          }
        }),
        templates: config.templates.map((template) => ({ name: template.name, type: template.type, queues: template.queues ?? null })),
      },
      200,
    )
  })
}
