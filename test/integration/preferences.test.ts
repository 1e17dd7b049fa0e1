import { randomUUID } from 'node:crypto'
import { beforeAll, describe, expect, it } from 'vitest'
import { createApiApp } from '../../lib/api/app.ts'
import { provisionAgentPasswords } from '../../lib/auth/auth-service.ts'
import type { Dependencies } from '../../lib/runtime/dependencies.ts'
import { demoPassword, ingestRaw, mail, testDependencies } from '../support/local-stack.ts'

type Body = Record<string, unknown> & { error?: { code: string; message: string; field?: string } }

/** Agent preferences through the API app (Hono app.request) and the real local store; notifications through the real ingest. */
describe('agent preferences', () => {
  let deps: Dependencies
  let app: ReturnType<typeof createApiApp>
  const tokens = new Map<string, string>()

  const call = async (path: string, init: { method?: string; body?: unknown; token?: string; as?: string } = {}) => {
    const token = init.token ?? (init.as ? await tokenOf(init.as) : undefined)
    const response = await app.request(path, {
      method: init.method ?? 'GET',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    })
    return { status: response.status, body: (response.status === 204 ? {} : await response.json()) as Body }
  }
  const login = async (name: string, password = demoPassword) => call('/api/auth/login', { method: 'POST', body: { login: name, password } })
  const tokenOf = async (name: string) => {
    if (!tokens.has(name)) tokens.set(name, (await login(name)).body.token as string)
    return tokens.get(name)!
  }
  const put = (as: string, body: unknown) => call('/api/me/preferences', { method: 'PUT', as, body })
  const historyOf = async (number: string) => (await deps.tickets.getThread(number))!.history
  const notifications = async (number: string) => (await historyOf(number)).filter((entry) => entry.type === 'SendAgentNotification').map((entry) => entry.message)
  const newTicket = async (to: string, subject: string, from = `${randomUUID().slice(0, 8)}@customer.example`) =>
    (await ingestRaw(deps, mail({ from, to, subject }))).ticketNumber!

  beforeAll(async () => {
    deps = await testDependencies()
    await provisionAgentPasswords(deps, demoPassword)
    app = createApiApp(deps)
  })

  it('GET /api/me/preferences: the defaults from the config', async () => {
    const { status, body } = await call('/api/me/preferences', { as: 'admin' })
    expect(status).toBe(200)
    expect(body).toEqual({
      myQueues: ['Raw', 'Support', 'Sales', 'Bounces'],
      notifications: { newTicket: true, followUp: true },
      outOfOffice: { enabled: false, from: null, until: null, autoUnlock: false },
      language: 'en',
      timeZone: 'UTC',
    })
  })

  it('GET /api/me: who I am, the queues I can read with my rights, my preferences', async () => {
    const { status, body } = await call('/api/me', { as: 'sales' })
    expect(status).toBe(200)
    expect(body).toMatchObject({
      login: 'sales',
      firstName: 'Sam',
      lastName: 'Sales',
      email: 'sam.sales@example.com',
      admin: false,
      queues: [{ name: 'Sales', rights: ['ro', 'rw', 'create', 'move_into', 'note', 'owner', 'priority'] }],
      preferences: { myQueues: ['Sales'], language: 'en' },
    })
    const admin = await call('/api/me', { as: 'admin' })
    expect(admin.body.admin).toBe(true)
    expect((admin.body.queues as { name: string }[]).map((queue) => queue.name)).toEqual(['Raw', 'Support', 'Sales', 'Junk', 'Bounces'])
    expect((await call('/api/me')).status).toBe(401)
  })

  it('PUT /api/me/preferences: a partial change, merged and stored; null goes back to the default', async () => {
    const changed = await put('sales', { language: 'de', timeZone: 'Europe/Berlin', outOfOffice: { enabled: true, until: '2026-12-31' } })
    expect(changed.status).toBe(200)
    expect(changed.body).toEqual({
      myQueues: ['Sales'],
      notifications: { newTicket: true, followUp: true },
      outOfOffice: { enabled: true, from: null, until: '2026-12-31', autoUnlock: false },
      language: 'de',
      timeZone: 'Europe/Berlin',
    })
    const merged = await put('sales', { outOfOffice: { enabled: false }, notifications: { followUp: false } })
    expect(merged.body).toMatchObject({ outOfOffice: { enabled: false, until: '2026-12-31' }, notifications: { newTicket: true, followUp: false }, language: 'de' })
    // Stored: a new read (and a new session) sees the same.
    expect((await call('/api/me/preferences', { as: 'sales' })).body).toEqual(merged.body)
    const reset = await put('sales', { timeZone: null, language: null, notifications: { followUp: true }, outOfOffice: { until: null } })
    expect(reset.body).toMatchObject({ timeZone: 'UTC', language: 'en', notifications: { followUp: true }, outOfOffice: { enabled: false, until: null } })
    // Admin's preferences are untouched by sales's.
    expect((await call('/api/me/preferences', { as: 'admin' })).body.language).toBe('en')
  })

  it('bad input is a 400 naming the field', async () => {
    const cases: [unknown, string][] = [
      [{ language: 'fr' }, 'body.language'],
      [{ timeZone: 'Mars/Phobos' }, 'body.timeZone'],
      [{ timeZone: '+01:00' }, 'body.timeZone'],
      [{ outOfOffice: { from: '24.12.2026' } }, 'body.outOfOffice.from'],
      [{ outOfOffice: { enabled: 'yes' } }, 'body.outOfOffice.enabled'],
      [{ notifications: { newTicket: 1 } }, 'body.notifications.newTicket'],
      [{ myQueues: 'Sales' }, 'body.myQueues'],
      [{ outOfOffice: { from: '2026-12-24', until: '2026-12-23' } }, 'body.outOfOffice.until'],
    ]
    for (const [body, field] of cases) {
      const response = await put('sales', body)
      expect(response.status, JSON.stringify(body)).toBe(400)
      expect(response.body.error).toMatchObject({ code: 'invalid_request', field })
    }
    expect((await put('sales', { colour: 'blue' })).status).toBe(400)
  })

  it('My Queues may only hold queues the agent can read', async () => {
    const refused = await put('sales', { myQueues: ['Sales', 'Support'] })
    expect(refused.status).toBe(400)
    expect(refused.body.error).toMatchObject({ code: 'invalid_request', field: 'body.myQueues' })
    expect(refused.body.error!.message).toContain('"Support"')
    expect((await put('admin', { myQueues: ['Nope'] })).status).toBe(400)
    expect((await call('/api/me/preferences', { as: 'sales' })).body.myQueues).toEqual(['Sales'])
    expect((await put('sales', { myQueues: [] })).body.myQueues).toEqual([])
    expect((await put('sales', { myQueues: null })).body.myQueues).toEqual(['Sales'])
  })

  it('GET /api/meta: states, priorities, my queues with rights, enabled agents, the ticket hook', async () => {
    const { status, body } = await call('/api/meta', { as: 'sales' })
    expect(status).toBe(200)
    expect(body.ticketHook).toBe('Ticket#')
    expect(body.states).toEqual(expect.arrayContaining([{ name: 'new', type: 'new' }, { name: 'pending auto close+', type: 'pending auto' }]))
    expect(body.priorities).toEqual([
      { id: 1, name: '1 very low' },
      { id: 2, name: '2 low' },
      { id: 3, name: '3 normal' },
      { id: 4, name: '4 high' },
      { id: 5, name: '5 very high' },
    ])
    expect(body.queues).toEqual([{ name: 'Sales', rights: ['ro', 'rw', 'create', 'move_into', 'note', 'owner', 'priority'] }])
    // Each agent also says where they may work and whether they are away (the owner/responsible pickers).
    expect(body.agents).toEqual([
      expect.objectContaining({ login: 'admin', firstName: 'Admin', lastName: 'Agent', name: 'Admin Agent' }),
      expect.objectContaining({ login: 'sales', firstName: 'Sam', lastName: 'Sales', name: 'Sam Sales' }),
    ])
  })

  it('the OpenAPI document describes the new calls', async () => {
    const document = (await call('/api/openapi.json')).body as { paths: Record<string, unknown>; components: { schemas: Record<string, unknown> } }
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/api/me', '/api/me/preferences', '/api/me/password', '/api/meta']))
    expect(Object.keys(document.components.schemas)).toEqual(expect.arrayContaining(['Me', 'Preferences', 'UpdatePreferencesRequest', 'ChangePasswordRequest', 'Meta']))
  })

  it('notifications: admin with an empty My Queues hears of no new ticket; back to the default, they do', async () => {
    await put('admin', { myQueues: [] })
    const quiet = await newTicket('support@example.com', 'nobody watches Support')
    expect(await notifications(quiet)).toEqual([])
    await put('admin', { myQueues: null })
    const heard = await newTicket('support@example.com', 'admin watches Support again')
    expect(await notifications(heard)).toEqual(['Notified admin@example.com of the new ticket'])
  })

  it('notifications: an agent out of office gets no new-ticket mail; before the period starts they do', async () => {
    await put('admin', { outOfOffice: { enabled: true } })
    expect(await notifications(await newTicket('sales@example.com', 'admin is away'))).toEqual(['Notified sam.sales@example.com of the new ticket'])
    await put('admin', { outOfOffice: { from: '2999-01-01' } })
    expect(await notifications(await newTicket('sales@example.com', 'admin leaves later'))).toEqual(['Notified admin@example.com, sam.sales@example.com of the new ticket'])
    await put('admin', { outOfOffice: { enabled: false, from: null } })
  })

  it('out of office with auto-unlock: a follow-up unlocks the owner\'s ticket and the queue\'s agents are told, not the owner', async () => {
    const customer = 'olga@customer.example'
    const number = await newTicket('sales@example.com', 'quote please', customer)
    const reply = await call(`/api/tickets/${number}/articles`, { method: 'POST', as: 'admin', body: { type: 'reply', body: 'Here is the quote.' } })
    expect(reply.status).toBe(201)
    expect((await deps.tickets.get(number))).toMatchObject({ lock: 'lock', owner: 'admin' })

    // Away without auto-unlock: the ticket stays locked and the owner hears of the follow-up.
    await put('admin', { outOfOffice: { enabled: true, autoUnlock: false } })
    await ingestRaw(deps, mail({ from: customer, to: 'sales@example.com', subject: `Re: [Ticket#${number}] quote please`, body: 'first question' }))
    expect(await deps.tickets.get(number)).toMatchObject({ lock: 'lock', owner: 'admin' })
    expect((await notifications(number)).at(-1)).toBe('Notified admin@example.com of the follow-up')

    await put('admin', { outOfOffice: { autoUnlock: true } })
    await ingestRaw(deps, mail({ from: customer, to: 'sales@example.com', subject: `Re: [Ticket#${number}] quote please`, body: 'any news?' }))
    expect(await deps.tickets.get(number)).toMatchObject({ lock: 'unlock', owner: 'admin' })
    const history = await historyOf(number)
    const unlock = history.filter((entry) => entry.type === 'Unlock')
    expect(unlock).toHaveLength(1)
    expect(unlock[0]).toMatchObject({ by: 'system', changes: { lock: { before: 'lock', after: 'unlock' } } })
    expect(unlock[0]!.message).toMatch(/owner admin is out of office/)
    expect((await notifications(number)).at(-1)).toBe('Notified sam.sales@example.com of the follow-up')

    // Unlocked already: the next follow-up unlocks nothing more and, the owner still away, goes to the queue's agents too.
    await ingestRaw(deps, mail({ from: customer, to: 'sales@example.com', subject: `Re: [Ticket#${number}] quote please`, body: 'hello?' }))
    expect((await historyOf(number)).filter((entry) => entry.type === 'Unlock')).toHaveLength(1)
    expect((await notifications(number)).at(-1)).toBe('Notified sam.sales@example.com of the follow-up')
    await put('admin', { outOfOffice: { enabled: false, autoUnlock: false } })
  })

  it('POST /api/me/password: the current password is checked, the new one must pass the policy, the old one stops working', async () => {
    const wrong = await call('/api/me/password', { method: 'POST', as: 'sales', body: { current: 'not-my-password', new: 'A-new-password-1' } })
    expect(wrong.status).toBe(400)
    expect(wrong.body.error).toMatchObject({ code: 'invalid_request', field: 'body.current' })
    const short = await call('/api/me/password', { method: 'POST', as: 'sales', body: { current: demoPassword, new: 'short' } })
    expect(short.status).toBe(400)
    expect(short.body.error!.field).toBe('body.new')
    const changed = await call('/api/me/password', { method: 'POST', as: 'sales', body: { current: demoPassword, new: 'A-new-password-1' } })
    expect(changed.status).toBe(204)
    expect((await login('sales')).status).toBe(401)
    expect((await login('sales', 'A-new-password-1')).status).toBe(200)
    // Preferences and the password live on one item: neither overwrites the other.
    expect((await put('sales', { language: 'nl' })).status).toBe(200)
    expect((await login('sales', 'A-new-password-1')).status).toBe(200)
  })

  it('the store: preferences saved before the first password survive provisioning; one batch read for many agents', async () => {
    const fresh = await testDependencies()
    await fresh.agents.setPreferences('admin', { set: { language: 'de', myQueues: [] }, reset: [] }, new Date().toISOString())
    await provisionAgentPasswords(fresh, demoPassword)
    const record = await fresh.agents.getAgent('admin')
    expect(record?.passwordHash).toMatch(/^scrypt\$/)
    expect(record?.preferences).toEqual({ language: 'de', myQueues: [] })
    const batch = await fresh.agents.getPreferences(['admin', 'sales', 'ghost', 'admin'])
    expect(batch.get('admin')).toEqual({ language: 'de', myQueues: [] })
    expect(batch.get('sales')).toEqual({})
    expect(batch.has('ghost')).toBe(false)
    await fresh.agents.setPreferences('admin', { set: {}, reset: ['language'] }, new Date().toISOString())
    expect((await fresh.agents.getAgent('admin'))?.preferences).toEqual({ myQueues: [] })
  })
})
