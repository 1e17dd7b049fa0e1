import { beforeAll, describe, expect, it } from 'vitest'
import { createApiApp } from '../../lib/api/app.ts'
import { provisionAgentPasswords } from '../../lib/auth/auth-service.ts'
import type { Dependencies } from '../../lib/runtime/dependencies.ts'
import { apiCaller } from '../support/api-calls.ts'
import { demoPassword, ingestRaw, mail, testDependencies } from '../support/local-stack.ts'

interface Article {
  id: string
  subject: string
  bodyText?: string
}
interface Detail {
  number: string
  title: string
  owner: string | null
  lock: string
  stateType: string
  articles: Article[]
  history: { type: string; message: string }[]
}

/** Issue 14, section 4 ("first-hour defects"): points 4.2, 4.3, 4.7 and 4.9 through the API against the real local store. */
describe('first-hour defects (issue 14.4)', () => {
  let deps: Dependencies
  let call: ReturnType<typeof apiCaller>
  let admin: string
  let sales: string
  const login = async (name: string) => (await call('POST', '/api/auth/login', { body: { login: name, password: demoPassword } })).body.token as string
  const newTicket = async (fields: Parameters<typeof mail>[0]) => (await ingestRaw(deps, mail(fields))).ticketNumber!
  const detail = async (number: string) => (await call('GET', `/api/tickets/${number}`, { token: admin })).body as unknown as Detail
  const patch = (number: string, token: string, body: unknown) => call('PATCH', `/api/tickets/${number}`, { token, body })

  beforeAll(async () => {
    deps = await testDependencies()
    await provisionAgentPasswords(deps, demoPassword)
    const app = createApiApp(deps)
    call = apiCaller((path, init) => app.request(path, init))
    admin = await login('admin')
    sales = await login('sales')
  })

  describe('4.7: a new ticket\'s title never carries our ticket hook and number', () => {
    it('a stranger\'s "Re: [Ticket#<existing>] foo" becomes a new ticket titled "foo"', async () => {
      const existing = await newTicket({ from: 'Ann Customer <ann@customer.example>', subject: 'Printer on fire' })
      const outcome = await ingestRaw(deps, mail({ from: 'Mallory Stranger <mallory@elsewhere.example>', subject: `Re: [Ticket#${existing}] foo` }))
      expect(outcome.ticketNumber).not.toBeNull()
      expect(outcome.ticketNumber).not.toBe(existing)
      const created = await detail(outcome.ticketNumber!)
      expect(created.title).toBe('foo')
      expect(created.title).not.toContain(existing)
      // The stranger's mail did not land on the existing ticket (it holds the customer's mail and our auto reply only).
      expect((await detail(existing)).articles.map((article) => article.subject)).not.toContain(`Re: [Ticket#${existing}] foo`)
    })

    it('splitting an article whose subject carries the hook gives a title without the number', async () => {
      const source = await newTicket({ subject: 'Invoice question' })
      const reply = await call('POST', `/api/tickets/${source}/articles`, { token: admin, body: { type: 'reply', body: 'We are on it.' } })
      expect(reply.status).toBe(201)
      expect(reply.body.subject).toBe(`Re: [Ticket#${source}] Invoice question`)
      const split = await call('POST', `/api/tickets/${source}/split`, { token: admin, body: { articleId: reply.body.id } })
      expect(split.status).toBe(201)
      const title = split.body.title as string
      expect(title).not.toContain(source)
      expect(title).not.toContain('Ticket#')
      expect(title).toBe('Invoice question')
    })

    it('an ordinary subject such as "FW: Daniel Smith" stays as it is (OTRS)', async () => {
      const number = await newTicket({ from: 'Daniel Smith <daniel@customer.example>', subject: 'FW: Daniel Smith' })
      expect((await detail(number)).title).toBe('FW: Daniel Smith')
    })
  })

  describe('4.9: articles that came through a merge can be split', () => {
    it('split an article of the merged-in ticket from the target ticket', async () => {
      const merged = await newTicket({ from: 'Ann Customer <ann@customer.example>', subject: 'First mail about the VPN' })
      const target = await newTicket({ from: 'Ann Customer <ann@customer.example>', subject: 'VPN is down' })
      const mergedArticle = (await detail(merged)).articles[0]!
      const merge = await call('POST', `/api/tickets/${merged}/merge`, { token: admin, body: { into: target } })
      expect(merge.status).toBe(200)
      const shown = (await detail(target)).articles.map((article) => article.id)
      expect(shown).toContain(mergedArticle.id)
      const split = await call('POST', `/api/tickets/${target}/split`, { token: admin, body: { articleId: mergedArticle.id } })
      expect(split.status).toBe(201)
      expect(split.body.number).not.toBe(target)
      expect(split.body.title).toBe('First mail about the VPN')
    })
  })

  describe('4.3: owner/responsible pickers list only agents who may work in the queue', () => {
    it('GET /api/meta lists per agent the queues they may work in and whether they are out of office', async () => {
      const until = '2099-12-31'
      const away = await call('PUT', '/api/me/preferences', { token: sales, body: { outOfOffice: { enabled: true, until } } })
      expect(away.status).toBe(200)
      try {
        const meta = await call('GET', '/api/meta', { token: admin })
        expect(meta.status).toBe(200)
        const agents = meta.body.agents as { login: string; queues: string[]; outOfOffice: { until: string | null } | null }[]
        const byLogin = new Map(agents.map((agent) => [agent.login, agent]))
        expect(byLogin.get('sales')!.queues).toEqual(['Sales'])
        expect(byLogin.get('sales')!.outOfOffice).toEqual({ until })
        expect(byLogin.get('admin')!.queues).toEqual(expect.arrayContaining(['Support', 'Sales']))
        expect(byLogin.get('admin')!.outOfOffice).toBeNull()
      } finally {
        await call('PUT', '/api/me/preferences', { token: sales, body: { outOfOffice: { enabled: false } } })
      }
    })

    it('an owner without rw in the queue is refused with a 400 that names the agent', async () => {
      const number = await newTicket({ subject: 'support only' })
      const refused = await patch(number, admin, { owner: 'sales' })
      expect(refused.status).toBe(400)
      expect(refused.body.error).toMatchObject({ field: 'body.owner' })
      expect(refused.body.error!.message).toContain('Sam Sales')
      expect(refused.body.error!.message).toContain('sales')
      expect((await detail(number)).owner).not.toBe('sales')
    })
  })

  describe('4.2: locks', () => {
    it('only the owner unlocks; another agent with the owner right takes over; closing unlocks', async () => {
      const number = await newTicket({ subject: 'lock dance', to: 'sales@example.com' })
      expect((await patch(number, sales, { lock: 'lock' })).body).toMatchObject({ lock: 'lock', owner: 'sales' })

      const notTheOwner = await patch(number, admin, { lock: 'unlock' })
      expect(notTheOwner.status).toBe(403)
      expect(notTheOwner.body.error!.message).toContain('sales')
      expect(await detail(number)).toMatchObject({ lock: 'lock', owner: 'sales' })

      const takenOver = await patch(number, admin, { lock: 'lock' })
      expect(takenOver.status).toBe(200)
      expect(takenOver.body).toMatchObject({ lock: 'lock', owner: 'admin' })
      const history = (await detail(number)).history
      expect(history.find((entry) => entry.type === 'OwnerUpdate' && entry.message.includes('took over the lock from "sales"'))).toBeDefined()

      expect((await patch(number, sales, { lock: 'unlock' })).status).toBe(403)

      const closed = await patch(number, admin, { state: 'closed successful', note: 'done' })
      expect(closed.status).toBe(200)
      expect(closed.body).toMatchObject({ stateType: 'closed', lock: 'unlock', owner: 'admin' })
    })
  })
})
