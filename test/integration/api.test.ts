import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApiApp } from '../../lib/api/app.ts'
import { provisionAgentPasswords } from '../../lib/auth/auth-service.ts'
import { ingestStoredMail } from '../../lib/mail/ingest-mail.ts'
import { storeRawMail } from '../../lib/local/smtp-inbound.ts'
import type { Dependencies } from '../../lib/runtime/dependencies.ts'
import { demoPassword, mail, testDependencies } from '../support/local-stack.ts'

/** The API as a pure function (Hono app.request), against the real local store. */
describe('agent API', () => {
  let deps: Dependencies
  let app: ReturnType<typeof createApiApp>
  let supportTicket: string
  let salesTicket: string
  const request = (path: string, init: RequestInit & { token?: string } = {}) =>
    app.request(path, { ...init, headers: { 'content-type': 'application/json', ...(init.token ? { authorization: `Bearer ${init.token}` } : {}), ...(init.headers ?? {}) } })
  const login = async (name: string, password = demoPassword) => ((await (await request('/api/auth/login', { method: 'POST', body: JSON.stringify({ login: name, password }) })).json()) as { token: string }).token
  const ingest = async (raw: string) => {
    const key = await storeRawMail(deps.rawMail, Buffer.from(raw), { recipients: [] })
    return ingestStoredMail(deps, { bucket: deps.rawMail.bucket, key })
  }

  beforeAll(async () => {
    deps = await testDependencies()
    await provisionAgentPasswords(deps, demoPassword)
    app = createApiApp(deps)
    supportTicket = (await ingest(mail({ subject: 'support question' }))).ticketNumber!
    salesTicket = (await ingest(mail({ subject: 'sales question', to: 'sales@example.com' }))).ticketNumber!
  })
  afterAll(() => undefined)

  it('every answer, errors and 404s included, has X-Content-Type-Options: nosniff and Cache-Control: no-store (issue 13.12)', async () => {
    const token = await login('admin')
    const answers = [
      await request('/api/health'),
      await request('/api/openapi.json'),
      await request(`/api/tickets/${supportTicket}`, { token }),
      await request('/api/tickets?queue=Support', { token }),
      await request('/api/tickets?queue=Support'),
      await request('/api/tickets?queue=Support&limit=-1', { token }),
      await request('/api/no-such-route', { token }),
      await request('/api/auth/login', { method: 'POST', body: '{' }),
    ]
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 401, 400, 404, 400])
    for (const answer of answers) {
      expect(answer.headers.get('x-content-type-options'), answer.url).toBe('nosniff')
      expect(answer.headers.get('cache-control'), answer.url).toBe('no-store')
    }
  })

  it('login: right password → token; wrong → 401 in the error format', async () => {
    expect(await login('admin')).toMatch(/^ey/)
    const wrong = await request('/api/auth/login', { method: 'POST', body: JSON.stringify({ login: 'admin', password: 'nope' }) })
    expect(wrong.status).toBe(401)
    expect(await wrong.json()).toEqual({ error: { code: 'unauthorized', message: 'login or password is wrong' } })
    const unknown = await request('/api/auth/login', { method: 'POST', body: JSON.stringify({ login: 'ghost', password: demoPassword }) })
    expect(unknown.status).toBe(401)
  })

  it('bad input is a 400 naming the field; malformed JSON is a 400 too', async () => {
    const missing = await request('/api/auth/login', { method: 'POST', body: JSON.stringify({ login: 'admin' }) })
    expect(missing.status).toBe(400)
    const body = (await missing.json()) as { error: { code: string; message: string; field: string } }
    expect(body.error.code).toBe('invalid_request')
    expect(body.error.field).toBe('body.password')
    expect(body.error.message).toMatch(/^body\.password:/)
    const malformed = await request('/api/auth/login', { method: 'POST', body: '{"login":' })
    expect(malformed.status).toBe(400)
    expect(((await malformed.json()) as { error: { code: string } }).error.code).toBe('invalid_request')
  })

  it('every ticket route needs a valid token', async () => {
    for (const path of ['/api/tickets', `/api/tickets/${supportTicket}`]) {
      expect((await request(path)).status).toBe(401)
      expect((await request(path, { token: 'garbage' })).status).toBe(401)
    }
  })

  it('logout revokes the token at once', async () => {
    const token = await login('admin')
    expect((await request('/api/tickets', { token })).status).toBe(200)
    expect((await request('/api/auth/logout', { method: 'POST', token })).status).toBe(204)
    expect((await request('/api/tickets', { token })).status).toBe(401)
  })

  it('the sales agent cannot see a Support ticket (404), nor list Support (404), but sees Sales', async () => {
    const token = await login('sales')
    expect((await request(`/api/tickets/${supportTicket}`, { token })).status).toBe(404)
    expect((await request('/api/tickets?queue=Support', { token })).status).toBe(404)
    expect((await request(`/api/tickets/${supportTicket}/articles`, { method: 'POST', token, body: JSON.stringify({ type: 'note', body: 'x' }) })).status).toBe(404)
    expect((await request(`/api/tickets/${salesTicket}`, { token })).status).toBe(200)
    const all = (await (await request('/api/tickets', { token })).json()) as { items: { number: string }[] }
    expect(all.items.map((ticket) => ticket.number)).toEqual([salesTicket])
  })

  it('unknown states and ticket numbers are refused clearly', async () => {
    const token = await login('admin')
    const badState = await request(`/api/tickets/${supportTicket}/articles`, { method: 'POST', token, body: JSON.stringify({ type: 'note', body: '.', state: 'closed' }) })
    expect(badState.status).toBe(400)
    expect(((await badState.json()) as { error: { field: string } }).error.field).toBe('body.state')
    expect((await request('/api/tickets/123', { token })).status).toBe(400)
    expect((await request('/api/tickets/2026010142999999', { token })).status).toBe(404)
  })

  it('a note is internal, does not lock, and can set the state', async () => {
    const token = await login('admin')
    const created = await request(`/api/tickets/${supportTicket}/articles`, { method: 'POST', token, body: JSON.stringify({ type: 'note', body: 'Checked the logs.', state: 'open' }) })
    expect(created.status).toBe(201)
    expect(await created.json()).toMatchObject({ sender: 'agent', channel: 'note', visibleToCustomer: false })
    const detail = (await (await request(`/api/tickets/${supportTicket}`, { token })).json()) as Record<string, unknown>
    expect(detail).toMatchObject({ state: 'open', lock: 'unlock' })
  })

  it('paging with a cursor walks the queue view without gaps or repeats', async () => {
    for (let index = 0; index < 5; index++) await ingest(mail({ subject: `paging ${index}` }))
    const token = await login('admin')
    const seen: string[] = []
    let cursor: string | null = null
    do {
      const page = (await (await request(`/api/tickets?queue=Support&limit=2${cursor ? `&cursor=${cursor}` : ''}`, { token })).json()) as { items: { number: string }[]; next: string | null }
      seen.push(...page.items.map((ticket) => ticket.number))
      cursor = page.next
    } while (cursor)
    expect(seen).toHaveLength(6)
    expect(new Set(seen).size).toBe(6)
    expect([...seen].sort()).toEqual(seen)
    expect((await request('/api/tickets?cursor=nonsense', { token })).status).toBe(400)
  })

  it('serves an OpenAPI document generated from the zod schemas', async () => {
    const response = await request('/api/openapi.json')
    expect(response.status).toBe(200)
    const document = (await response.json()) as { openapi: string; paths: Record<string, Record<string, unknown>>; components: { schemas: Record<string, unknown> } }
    expect(document.openapi).toBe('3.1.0')
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/api/auth/login', '/api/tickets', '/api/tickets/{number}', '/api/tickets/{number}/articles']))
    expect(document.components.schemas).toHaveProperty('TicketDetail')
    expect(document.components.schemas).toHaveProperty('CreateArticleRequest')
  })
})
