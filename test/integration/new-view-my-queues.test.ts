import { beforeAll, describe, expect, it } from 'vitest'
import { createApiApp } from '../../lib/api/app.ts'
import { provisionAgentPasswords } from '../../lib/auth/auth-service.ts'
import type { Dependencies } from '../../lib/runtime/dependencies.ts'
import { demoPassword, ingestRaw, mail, testDependenciesWithConfig } from '../support/local-stack.ts'

/**
 * Issue 14.4.4: the dashboard's "New tickets" with the "Tickets in My Queues" filter shows the
 * My Queues the agent chose in the preferences, also when the config gives them other My Queues;
 * "All" is every readable queue, as OTRS's filter says.
 */
describe('new tickets in My Queues (issue 14.4.4)', () => {
  let deps: Dependencies
  let app: ReturnType<typeof createApiApp>
  let token: string
  const call = async (path: string, method = 'GET', body?: unknown) => {
    const response = await app.request(path, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    expect(response.status, path).toBe(200)
    return (await response.json()) as { items: { number: string }[] }
  }
  const numbers = async (path: string) => (await call(path)).items.map((ticket) => ticket.number)
  const t: Record<string, string> = {}

  beforeAll(async () => {
    // The config's My Queues for the admin: Support only.
    deps = await testDependenciesWithConfig((yaml) => yaml.replace('    roles: [Support agent]\n    admin: true\n', '    roles: [Support agent]\n    admin: true\n    myQueues: [Support]\n'))
    await provisionAgentPasswords(deps, demoPassword)
    app = createApiApp(deps)
    const login = await app.request('/api/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: 'admin', password: demoPassword }) })
    token = ((await login.json()) as { token: string }).token
    t.support = (await ingestRaw(deps, mail({ subject: 'printer broken', from: 'ann@customer.example' }))).ticketNumber!
    t.sales = (await ingestRaw(deps, mail({ subject: 'quote please', from: 'ann@customer.example', to: 'sales@example.com' }))).ticketNumber!
  })

  it('follows the My Queues chosen in the preferences, over the config', async () => {
    expect(deps.config.agents.find((agent) => agent.login === 'admin')!.myQueues).toEqual(['Support'])
    expect(await numbers('/api/views/new?filter=my-queues')).toEqual([t.support])
    await call('/api/me/preferences', 'PUT', { myQueues: ['Sales'] })
    expect(await numbers('/api/views/new?filter=my-queues')).toEqual([t.sales])
    expect(await numbers('/api/views/new')).toEqual([t.support, t.sales])
  })
})
