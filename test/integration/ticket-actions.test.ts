import { beforeAll, describe, expect, it } from 'vitest'
import { createApiApp } from '../../lib/api/app.ts'
import { createLocalHttpApp } from '../../lib/local/http-server.ts'
import { localBlobStores } from '../../lib/runtime/dependencies.ts'
import { downloadAttachment, uploadFile } from '../support/api-calls.ts'
import { provisionAgentPasswords } from '../../lib/auth/auth-service.ts'
import type { Dependencies } from '../../lib/runtime/dependencies.ts'
import { demoPassword, ingestRaw, mail, testDependencies } from '../support/local-stack.ts'

/** Issue 4: everything an OTRS agent does on a ticket, through the API, against the real local store. */
describe('ticket actions through the API', () => {
  let deps: Dependencies
  let app: ReturnType<typeof createLocalHttpApp>
  let admin: string
  let sales: string
  const call = async (method: string, path: string, token: string, body?: unknown) => {
    const response = await app.request(path, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) })
    const text = await response.text()
    return { status: response.status, body: (text && response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text) as Record<string, unknown> & { error?: { code: string; field?: string; message: string } } }
  }
  const login = async (name: string) => ((await (await app.request('/api/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: name, password: demoPassword }) })).json()) as { token: string }).token
  const newTicket = async (fields: Parameters<typeof mail>[0]) => (await ingestRaw(deps, mail(fields))).ticketNumber!
  const ticket = async (number: string) => (await call('GET', `/api/tickets/${number}`, admin)).body as Record<string, unknown> & { articles: Record<string, unknown>[]; history: { type: string; message: string }[]; links: { ticketNumber: string; type: string }[] }

  beforeAll(async () => {
    deps = await testDependencies()
    await provisionAgentPasswords(deps, demoPassword)
    // The API as the local server serves it, with the blob store's signed upload and download URLs.
    app = createLocalHttpApp(createApiApp(deps), 'no-web-client', localBlobStores(deps))
    admin = await login('admin')
    sales = await login('sales')
  })

  describe('states', () => {
    it('pending states need a pending time; other states take none', async () => {
      const number = await newTicket({ subject: 'pending' })
      const missing = await call('PATCH', `/api/tickets/${number}`, admin, { state: 'pending reminder' })
      expect(missing.status).toBe(400)
      expect(missing.body.error).toMatchObject({ field: 'body.pendingUntil' })
      const until = new Date(Date.now() + 86_400_000).toISOString()
      const ok = await call('PATCH', `/api/tickets/${number}`, admin, { state: 'pending reminder', pendingUntil: until })
      expect(ok.status).toBe(200)
      expect(ok.body).toMatchObject({ state: 'pending reminder', stateType: 'pending reminder', pendingUntil: until })
      const stray = await call('PATCH', `/api/tickets/${number}`, admin, { state: 'open', pendingUntil: until })
      expect(stray.body.error).toMatchObject({ field: 'body.pendingUntil' })
      const past = await call('PATCH', `/api/tickets/${number}`, admin, { state: 'pending auto close+', pendingUntil: '2001-01-01T00:00:00Z' })
      expect(past.body.error).toMatchObject({ field: 'body.pendingUntil' })
    })

    it('closing from the zoom needs a note ("." is fine); the LizardNet "closed - no response needed" exists', async () => {
      const number = await newTicket({ subject: 'close me' })
      const bare = await call('PATCH', `/api/tickets/${number}`, admin, { state: 'closed successful' })
      expect(bare.status).toBe(400)
      expect(bare.body.error).toMatchObject({ field: 'body.note' })
      const closed = await call('PATCH', `/api/tickets/${number}`, admin, { state: 'closed - no response needed', note: '.' })
      expect(closed.body).toMatchObject({ state: 'closed - no response needed', stateType: 'closed' })
      const detail = await ticket(number)
      expect(detail.articles.at(-1)).toMatchObject({ channel: 'note', visibleToCustomer: false, bodyText: '.' })
    })

    it('unknown states and "merged" are refused with the field named', async () => {
      const number = await newTicket({ subject: 'states' })
      expect((await call('PATCH', `/api/tickets/${number}`, admin, { state: 'done' })).body.error).toMatchObject({ field: 'body.state' })
      expect((await call('PATCH', `/api/tickets/${number}`, admin, { state: 'merged' })).body.error).toMatchObject({ field: 'body.state', message: expect.stringContaining('merge') })
    })
  })

  describe('locks, owner, responsible', () => {
    it('lock takes the ticket; closing unlocks it (OTRS), so a closed ticket is never left locked', async () => {
      const number = await newTicket({ subject: 'locking' })
      expect((await call('PATCH', `/api/tickets/${number}`, admin, { lock: 'lock' })).body).toMatchObject({ lock: 'lock', owner: 'admin' })
      expect((await call('PATCH', `/api/tickets/${number}`, admin, { state: 'closed successful', note: 'done' })).body).toMatchObject({ stateType: 'closed', lock: 'unlock', owner: 'admin' })
      const unlock = await call('PATCH', `/api/tickets/${number}`, admin, { lock: 'unlock' })
      expect(unlock.status).toBe(200)
      expect((await ticket(number)).history.filter((entry) => entry.type === 'Unlock')).toHaveLength(1)
    })

    it('while locked only the owner mails the customer; anyone may add a note', async () => {
      const number = await newTicket({ subject: 'sales lock', to: 'sales@example.com' })
      expect((await call('PATCH', `/api/tickets/${number}`, sales, { lock: 'lock' })).body).toMatchObject({ owner: 'sales' })
      // admin is an admin: give the lock rule a non-admin by checking sales' own rights instead.
      const reply = await call('POST', `/api/tickets/${number}/articles`, sales, { type: 'reply', body: 'We are on it.' })
      expect(reply.status).toBe(201)
      await call('PATCH', `/api/tickets/${number}`, admin, { owner: 'admin', note: 'taking over' })
      const blocked = await call('POST', `/api/tickets/${number}/articles`, sales, { type: 'reply', body: 'me again' })
      expect(blocked.status).toBe(403)
      expect(blocked.body.error!.message).toContain('locked by admin')
      expect((await call('POST', `/api/tickets/${number}/articles`, sales, { type: 'note', body: 'FYI' })).status).toBe(201)
    })

    it('a new owner gets the note by mail; the history records owner and responsible', async () => {
      const number = await newTicket({ subject: 'assign', to: 'sales@example.com' })
      const changed = await call('PATCH', `/api/tickets/${number}`, admin, { owner: 'sales', responsible: 'admin', note: 'Please call the customer back.' })
      expect(changed.body).toMatchObject({ owner: 'sales', responsible: 'admin' })
      const detail = await ticket(number)
      expect(detail.history.map((entry) => entry.type)).toEqual(expect.arrayContaining(['OwnerUpdate', 'ResponsibleUpdate', 'AddNote']))
      const bad = await call('PATCH', `/api/tickets/${number}`, admin, { owner: 'ghost' })
      expect(bad.body.error).toMatchObject({ field: 'body.owner' })
    })
  })

  describe('articles', () => {
    it('reply with a template: salutation, template, signature and quote; "empty response" is no template', async () => {
      const number = await newTicket({ from: 'Ann Customer <ann@customer.example>', subject: 'template please', body: 'my question' })
      const composed = await call('GET', `/api/tickets/${number}/compose?type=reply&templateId=${encodeURIComponent('We are on it')}`, admin)
      expect(composed.status).toBe(200)
      expect(composed.body).toMatchObject({ to: 'Ann Customer <ann@customer.example>', subject: `Re: [Ticket#${number}] template please` })
      const text = composed.body.body as string
      expect(text.startsWith('Dear Ann Customer,')).toBe(true)
      expect(text).toContain('We are looking into it')
      expect(text).toContain('Your Support team')
      expect(text).toContain('> my question')
      const empty = await call('GET', `/api/tickets/${number}/compose?type=reply`, admin)
      expect(empty.body.body).not.toContain('looking into it')
      const sent = await call('POST', `/api/tickets/${number}/articles`, admin, { type: 'reply', templateId: 'Solved', state: 'closed successful' })
      expect(sent.status).toBe(201)
      expect(sent.body.bodyText).toContain('we believe your request is solved')
      expect((await call('GET', `/api/tickets/${number}/compose?type=reply&templateId=nope`, admin)).body.error).toMatchObject({ field: 'templateId' })
    })

    it('reply all keeps the other recipients; forward and bounce go elsewhere', async () => {
      const number = await newTicket({ subject: 'many recipients', to: 'support@example.com, Bob <bob@customer.example>', headers: { Cc: 'carol@customer.example' } })
      const composed = await call('GET', `/api/tickets/${number}/compose?type=reply-all`, admin)
      expect(composed.body.cc).toBe('Bob <bob@customer.example>, carol@customer.example')
      const replyAll = await call('POST', `/api/tickets/${number}/articles`, admin, { type: 'reply-all', body: 'to all of you' })
      expect(replyAll.body).toMatchObject({ cc: 'Bob <bob@customer.example>, carol@customer.example' })
      const forward = await call('POST', `/api/tickets/${number}/articles`, admin, { type: 'forward', to: 'expert@partner.example', body: 'please have a look' })
      expect(forward.body).toMatchObject({ to: 'expert@partner.example', subject: `Fwd: [Ticket#${number}] many recipients` })
      const noRecipient = await call('POST', `/api/tickets/${number}/articles`, admin, { type: 'forward', body: 'x' })
      expect(noRecipient.body.error).toMatchObject({ field: 'body.to' })
      const bounce = await call('POST', `/api/tickets/${number}/articles`, admin, { type: 'bounce', to: 'right-team@example.org' })
      expect(bounce.status).toBe(202)
      expect(bounce.body).toMatchObject({ kind: 'bounce', recipients: ['right-team@example.org'] })
      expect((await ticket(number)).history.map((entry) => entry.type)).toEqual(expect.arrayContaining(['SendAnswer', 'Forward', 'Bounce']))
    })

    it('phone notes and customer-visible notes; attachments on replies; time accounting', async () => {
      const number = await newTicket({ subject: 'notes and files' })
      expect((await call('POST', `/api/tickets/${number}/articles`, admin, { type: 'phone', body: 'Customer called, will send logs.', timeUnits: 15 })).body).toMatchObject({ channel: 'phone', visibleToCustomer: true, timeUnits: 15 })
      expect((await call('POST', `/api/tickets/${number}/articles`, admin, { type: 'note-external', body: 'Visible to the customer' })).body).toMatchObject({ channel: 'note', visibleToCustomer: true })
      const reply = await call('POST', `/api/tickets/${number}/articles`, admin, {
        type: 'reply',
        body: 'Here is the manual.',
        timeUnits: 10,
        attachments: [{ uploadId: (await uploadFile((path, init) => app.request(path, init), admin, { name: 'manual.txt', contentType: 'text/plain', content: Buffer.from('read me') })).uploadId }],
      })
      expect(reply.body.attachments).toEqual([expect.objectContaining({ name: 'manual.txt', size: 7 })])
      const download = await downloadAttachment((path, init) => app.request(path, init), admin, `/api/tickets/${number}/articles/${reply.body.id as string}/attachments/1`)
      expect(await download.file.text()).toBe('read me')
      expect(download.file.headers.get('content-disposition')).toContain('attachment; filename="manual.txt"')
      const raw = await call('GET', `/api/tickets/${number}/articles/${reply.body.id as string}/raw`, admin)
      expect(raw.body).toContain('filename=manual.txt')
      const detail = await ticket(number)
      expect(detail.timeUnits).toBe(25)
      expect(detail.history.filter((entry) => entry.type === 'TimeAccounting')).toHaveLength(2)
    })

    it('drafts are kept per agent and discarded when the article is sent', async () => {
      const number = await newTicket({ subject: 'drafting' })
      expect((await call('GET', `/api/tickets/${number}/draft`, admin)).status).toBe(404)
      const saved = await call('PUT', `/api/tickets/${number}/draft`, admin, { type: 'reply', body: 'half written' })
      expect(saved.body).toMatchObject({ body: 'half written', login: 'admin' })
      expect((await call('GET', `/api/tickets/${number}/draft`, admin)).body).toMatchObject({ body: 'half written' })
      await call('POST', `/api/tickets/${number}/articles`, admin, { type: 'reply', body: 'fully written' })
      expect((await call('GET', `/api/tickets/${number}/draft`, admin)).status).toBe(404)
    })

    it('a failed mail can be sent again', async () => {
      const number = await newTicket({ subject: 'resend' })
      const reply = await call('POST', `/api/tickets/${number}/articles`, admin, { type: 'reply', body: 'try' })
      const articleId = reply.body.id as string
      expect((await call('POST', `/api/tickets/${number}/articles/${articleId}/resend`, admin)).status).toBe(409)
      const article = (await deps.tickets.getArticle(number, articleId))!
      await deps.tickets.updateTransmission(number, articleId, { ...article.transmission!, status: 'failed', attempts: 5, error: 'SMTP 451' }, null)
      const resent = await call('POST', `/api/tickets/${number}/articles/${articleId}/resend`, admin)
      expect(resent.status).toBe(200)
      expect(resent.body.transmission).toMatchObject({ status: 'queued' })
    })
  })

  describe('merge, split, link, move, priority, title, customer', () => {
    it('merge: the source becomes merged, its articles show in the target, later mail lands in the target', async () => {
      const target = await newTicket({ subject: 'printer broken' })
      const source = await newTicket({ subject: 'printer still broken' })
      const merged = await call('POST', `/api/tickets/${source}/merge`, admin, { into: target })
      expect(merged.status).toBe(200)
      expect((await ticket(source))).toMatchObject({ state: 'merged', mergedInto: target })
      const thread = await ticket(target)
      expect(thread.articles.some((article) => article.ticketNumber === source)).toBe(true)
      expect(thread.mergedFrom).toEqual([source])
      const later = await ingestRaw(deps, mail({ subject: `Re: [Ticket#${source}] printer still broken` }))
      expect(later).toMatchObject({ action: 'followup', ticketNumber: target })
      expect((await call('POST', `/api/tickets/${target}/merge`, admin, { into: target })).body.error).toMatchObject({ field: 'body.into' })
      expect((await call('POST', `/api/tickets/${source}/merge`, admin, { into: target })).status).toBe(409)
    })

    it('split: an article becomes a new ticket, linked as a child', async () => {
      const number = await newTicket({ subject: 'two problems', body: 'first problem' })
      const second = await ingestRaw(deps, mail({ subject: `Re: [Ticket#${number}] two problems`, body: 'second, unrelated problem' }))
      const split = await call('POST', `/api/tickets/${number}/split`, admin, { articleId: second.articleId, title: 'the second problem' })
      expect(split.status).toBe(201)
      const child = await ticket(split.body.number as string)
      expect(child).toMatchObject({ title: 'the second problem', state: 'open' })
      expect(child.articles[0]!.bodyText).toContain('second, unrelated problem')
      expect(child.links).toEqual([expect.objectContaining({ ticketNumber: number, type: 'parent' })])
      expect((await ticket(number)).links).toEqual([expect.objectContaining({ ticketNumber: split.body.number, type: 'child' })])
    })

    it('links are shown on both tickets and can be removed', async () => {
      const a = await newTicket({ subject: 'link a' })
      const b = await newTicket({ subject: 'link b' })
      expect((await call('POST', `/api/tickets/${a}/links`, admin, { target: b })).status).toBe(204)
      expect((await ticket(b)).links).toEqual([expect.objectContaining({ ticketNumber: a, type: 'normal' })])
      expect((await call('DELETE', `/api/tickets/${a}/links/${b}`, admin)).status).toBe(204)
      expect((await ticket(a)).links).toEqual([])
      expect((await ticket(b)).links).toEqual([])
    })

    it('move (Junk included), priority, title, customer; moving needs move_into on the target', async () => {
      const number = await newTicket({ subject: 'misc' })
      const changed = await call('PATCH', `/api/tickets/${number}`, admin, { queue: 'Junk', priority: 5, title: 'renamed', customer: 'Bob@Other.example' })
      expect(changed.body).toMatchObject({ queue: 'Junk', priority: 5, title: 'renamed', customer: 'bob@other.example', customerId: 'other.example' })
      const history = (await ticket(number)).history.map((entry) => entry.type)
      expect(history).toEqual(expect.arrayContaining(['Move', 'PriorityUpdate', 'TitleUpdate', 'CustomerUpdate']))
      const salesTicket = await newTicket({ subject: 'sales', to: 'sales@example.com' })
      expect((await call('PATCH', `/api/tickets/${salesTicket}`, sales, { queue: 'Support' })).status).toBe(403)
      expect((await call('PATCH', `/api/tickets/${number}`, admin, { queue: 'Nowhere' })).body.error).toMatchObject({ field: 'body.queue' })
      expect((await call('PATCH', `/api/tickets/${number}`, admin, { priority: 9 })).body.error).toMatchObject({ field: 'body.priority' })
      expect((await call('PATCH', `/api/tickets/${number}`, admin, {})).status).toBe(400)
    })
  })

  describe('bulk', () => {
    it('changes many tickets at once; each succeeds or fails on its own', async () => {
      const numbers = [await newTicket({ subject: 'bulk 1' }), await newTicket({ subject: 'bulk 2' }), await newTicket({ subject: 'bulk 3' })]
      const salesTicket = await newTicket({ subject: 'bulk sales', to: 'sales@example.com' })
      const moved = await call('POST', '/api/tickets/bulk', sales, { numbers: [...numbers, salesTicket], changes: { priority: 4 } })
      expect(moved.status).toBe(200)
      const results = moved.body.results as { number: string; ok: boolean; error: { code: string } | null }[]
      expect(results.filter((result) => result.ok).map((result) => result.number)).toEqual([salesTicket])
      expect(results.filter((result) => !result.ok).every((result) => result.error?.code === 'not_found')).toBe(true)
      const all = await call('POST', '/api/tickets/bulk', admin, { numbers, changes: { queue: 'Raw', state: 'closed successful', lock: 'lock', note: 'bulk close' } })
      expect((all.body.results as { ok: boolean }[]).every((result) => result.ok)).toBe(true)
      // Closing unlocks (OTRS), also in a bulk action that asks for a lock: the lock still makes the agent the owner.
      for (const number of numbers) expect(await ticket(number)).toMatchObject({ queue: 'Raw', state: 'closed successful', lock: 'unlock', owner: 'admin' })
      const merged = await call('POST', '/api/tickets/bulk', admin, { numbers: numbers.slice(1), changes: { mergeInto: numbers[0] } })
      expect((merged.body.results as { ok: boolean }[]).every((result) => result.ok)).toBe(true)
      expect([...((await ticket(numbers[0]!)).mergedFrom as string[])].sort()).toEqual(numbers.slice(1).sort())
    })
  })

  describe('history and concurrency', () => {
    it('every change is an append-only history entry with who, when, before and after', async () => {
      const number = await newTicket({ subject: 'history' })
      await call('PATCH', `/api/tickets/${number}`, admin, { priority: 2 })
      const history = await call('GET', `/api/tickets/${number}/history`, admin)
      const entry = (history.body.items as { type: string; by: string; at: string; changes: Record<string, unknown> }[]).find((item) => item.type === 'PriorityUpdate')
      expect(entry).toMatchObject({ by: 'admin', changes: { priority: { before: 3, after: 2 } } })
      expect(Date.parse(entry!.at)).not.toBeNaN()
    })

    it('50 parallel replies to one ticket: 50 articles, no lost update', async () => {
      const number = await newTicket({ subject: 'busy' })
      const responses = await Promise.all(Array.from({ length: 50 }, (_, index) => call('POST', `/api/tickets/${number}/articles`, admin, { type: 'note', body: `note ${index}`, timeUnits: 1 })))
      expect(responses.every((response) => response.status === 201)).toBe(true)
      const detail = await ticket(number)
      expect(detail.articles.filter((article) => article.channel === 'note')).toHaveLength(50)
      expect(detail.timeUnits).toBe(50)
    }, 120_000)
  })
})
