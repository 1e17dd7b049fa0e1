import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApiApp } from '../../lib/api/app.ts'
import { httpCaller, type ApiAnswer } from '../support/api-calls.ts'
import { demoPassword, ingestRaw, startTestRuntime } from '../support/local-stack.ts'

/**
 * Issues 4.8 and 9.2: the authorization matrix. Every route of the real app's OpenAPI document is
 * walked as anonymous and as each agent, against a ticket in Support and one in Sales, and the
 * permission rules are proven:
 *   anonymous → 401 everywhere but the public routes;
 *   a ticket (article, attachment, draft, link target…) in a queue the agent cannot read → 404;
 *   an action without the right (ro but not rw/note/priority, admin routes) → 403;
 *   admins may do everything.
 * On top, no answer to an agent (any status) may carry the title of a ticket they cannot read, and
 * no 2xx answer a foreign ticket's number they did not send themselves.
 *
 * A route without an expectation below fails the test: a new route is walked from the day it exists.
 *
 * Agents (the demo config plus two): admin (all), sales (rw on Sales only), viewer (ro on Support's
 * group only: the ro-versus-rw rules), spare (no queues; only a target for admin session calls).
 */

type Role = 'anonymous' | 'sales' | 'viewer' | 'admin'
/** Admin last: its session revocations may not end anyone's walk early. */
const roles: Role[] = ['anonymous', 'sales', 'viewer', 'admin']
type Queue = 'Support' | 'Sales'
type Expected = Record<Role, number>

interface TicketFixture {
  number: string
  queue: Queue
  articleId: string
  attachmentId: string
}

interface Request {
  params?: Record<string, string>
  query?: Record<string, string>
  body?: unknown
  /** Use this token instead of the role's (e.g. a fresh session for logout); null: none. */
  token?: string | null
}

interface Case {
  name: string
  expect: Expected
  /** `expected`: this role's status; a request that must fail changes nothing, so it may use the shared tickets. */
  request: (role: Role, expected: number) => Promise<Request> | Request
  /** More than the status, e.g. bulk's per-ticket result. */
  verify?: (answer: ApiAnswer, role: Role) => void
}

interface RouteRule {
  /** The rule in words, for the failure message. */
  rule: string
  cases: Case[]
}

const all = (status: number): Expected => ({ anonymous: status, sales: status, viewer: status, admin: status })
/** Any agent, about themselves or shared data. */
const own = (status: number): Expected => ({ anonymous: 401, sales: status, viewer: status, admin: status })
const adminOnly = (status: number): Expected => ({ anonymous: 401, sales: 403, viewer: 403, admin: status })
/** Reading a ticket: ro on its queue, else it does not exist. */
const ticketRead = (queue: Queue, status: number): Expected => ({
  anonymous: 401,
  admin: status,
  sales: queue === 'Sales' ? status : 404,
  viewer: queue === 'Support' ? status : 404,
})
/** Changing a ticket: rw (or note, priority, …) on its queue; the viewer only has ro on Support. */
const ticketWrite = (queue: Queue, status: number): Expected => ({
  anonymous: 401,
  admin: status,
  sales: queue === 'Sales' ? status : 404,
  viewer: queue === 'Support' ? 403 : 404,
})

const markers: Record<Queue, string> = { Support: 'zqxsupportonly', Sales: 'zqxsalesonly' }

function ticketMail(queue: Queue, label: string): string {
  const boundary = `b-${randomUUID()}`
  const alternative = `a-${randomUUID()}`
  return [
    'From: Ann Customer <ann@matrix.example>',
    `To: ${queue === 'Support' ? 'support' : 'sales'}@example.com`,
    `Subject: ${markers[queue]} ${label}`,
    `Message-ID: <${randomUUID()}@matrix.example>`,
    'Date: Mon, 23 Nov 2026 09:00:00 +0000',
    'MIME-Version: 1.0',
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    `Content-Type: multipart/alternative; boundary="${alternative}"`,
    '',
    `--${alternative}`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    `Body ${markers[queue]}.`,
    `--${alternative}`,
    'Content-Type: text/html; charset=utf-8',
    '',
    `<p>Body <b>${markers[queue]}</b>.</p>`,
    `--${alternative}--`,
    `--${boundary}`,
    'Content-Type: text/plain; name="notes.txt"',
    'Content-Disposition: attachment; filename="notes.txt"',
    '',
    `attachment ${markers[queue]}`,
    `--${boundary}--`,
    '',
  ].join('\r\n')
}

describe('authorization matrix', () => {
  let runtime: Awaited<ReturnType<typeof startTestRuntime>>
  let call: ReturnType<typeof httpCaller>
  const tokens = new Map<Role, string | undefined>()
  const tickets = {} as Record<Queue, TicketFixture>
  /** A second ticket per queue: merge and link targets. */
  const others = {} as Record<Queue, TicketFixture>
  /** A session of an agent no one walks as, for the calls that must refuse to end it. */
  let spareSessionId = ''
  /** Numbers of every ticket made here, by queue: what an agent who cannot read the queue must never be shown. */
  const numbersIn: Record<Queue, Set<string>> = { Support: new Set(), Sales: new Set() }

  const login = async (login: string) => {
    const answer = await call('POST', '/api/auth/login', { body: { login, password: demoPassword } })
    if (answer.status !== 200) throw new Error(`login ${login}: ${answer.status} ${answer.text}`)
    return String(answer.body.token)
  }
  const sessionIdOf = async (token: string) =>
    ((await call('GET', '/api/me/sessions', { token })).body.items as { id: string; current: boolean }[]).find((item) => item.current)!.id
  const newTicket = async (queue: Queue, label = 'fresh'): Promise<TicketFixture> => {
    const result = await ingestRaw(runtime.deps, ticketMail(queue, label))
    const number = result.ticketNumber!
    const thread = await runtime.deps.tickets.getThread(number)
    const article = thread!.articles[0]!
    numbersIn[queue].add(number)
    return { number, queue, articleId: article.id, attachmentId: article.attachments.find((attachment) => !attachment.inline)?.id ?? article.attachments[0]!.id }
  }
  const asAdmin = (method: string, path: string, body?: unknown) => call(method, path, { token: tokens.get('admin')!, body })
  const agentLogin: Record<Exclude<Role, 'anonymous'>, string> = { admin: 'admin', sales: 'sales', viewer: 'viewer' }

  /** What each route must answer; keyed "METHOD /path" as in the OpenAPI document. */
  const expectations = (): Record<string, RouteRule> => {
    const perQueue = (make: (queue: Queue) => Case): Case[] => (['Support', 'Sales'] as const).map(make)
    const ticketCase = (status: number, kind: 'read' | 'write', request: (ticket: TicketFixture, role: Role) => Request | Promise<Request>) =>
      perQueue((queue) => ({
        name: `${queue} ticket`,
        expect: kind === 'read' ? ticketRead(queue, status) : ticketWrite(queue, status),
        request: (role) => request(tickets[queue], role),
      }))
    const withTicket = (ticket: TicketFixture, extra: Record<string, string> = {}) => ({ number: ticket.number, articleId: ticket.articleId, attachmentId: ticket.attachmentId, ...extra })
    /** A new ticket for a change that is to succeed; the shared one when it must be refused (nothing changes then). */
    const ticketFor = async (queue: Queue, expected: number) => (expected < 300 ? newTicket(queue) : tickets[queue])
    const freshCase = (status: number, request: (source: TicketFixture, expected: number) => Promise<Request>) =>
      perQueue((queue) => ({ name: `fresh ${queue} ticket`, expect: ticketWrite(queue, status), request: async (_role, expected) => request(await ticketFor(queue, expected), expected) }))
    const spareSession = async () => sessionIdOf(await login('spare'))
    return {
      // ─── public ───────────────────────────────────────────────────────────────────────────────
      'POST /api/auth/login': { rule: 'public', cases: [{ name: 'valid login', expect: all(200), request: () => ({ body: { login: 'spare', password: demoPassword } }) }] },
      'GET /api/auth/password-policy': { rule: 'public', cases: [{ name: 'policy', expect: all(200), request: () => ({}) }] },
      'POST /api/auth/password-reset': { rule: 'public, always 202', cases: [{ name: 'request', expect: all(202), request: () => ({ body: { login: 'spare' } }) }] },
      'POST /api/auth/password-reset/confirm': {
        rule: 'public; a bad token is 400',
        cases: [{ name: 'bad token', expect: all(400), request: () => ({ body: { token: 'x'.repeat(43), password: 'Brand-New-Pass-9' } }) }],
      },
      // ─── the caller's own things ──────────────────────────────────────────────────────────────
      'POST /api/auth/logout': { rule: 'own session', cases: [{ name: 'a fresh session', expect: own(204), request: async (role) => ({ token: role === 'anonymous' ? null : await login(agentLogin[role]) }) }] },
      'GET /api/me': { rule: 'own', cases: [{ name: 'me', expect: own(200), request: () => ({}) }] },
      'GET /api/me/preferences': { rule: 'own', cases: [{ name: 'preferences', expect: own(200), request: () => ({}) }] },
      'PUT /api/me/preferences': { rule: 'own', cases: [{ name: 'language', expect: own(200), request: () => ({ body: { language: 'en' } }) }] },
      'POST /api/me/password': {
        rule: 'own; checked up to "must differ" (the current password is right)',
        cases: [{ name: 'same password', expect: own(400), request: () => ({ body: { current: demoPassword, new: demoPassword } }) }],
      },
      'GET /api/meta': { rule: 'own', cases: [{ name: 'meta', expect: own(200), request: () => ({}) }] },
      'GET /api/me/sessions': { rule: 'own', cases: [{ name: 'sessions', expect: own(200), request: () => ({}) }] },
      'DELETE /api/me/sessions': { rule: 'own: all others', cases: [{ name: 'others', expect: own(200), request: () => ({}) }] },
      'DELETE /api/me/sessions/{id}': {
        rule: 'own sessions only; another agent\'s is 404',
        cases: [
          { name: 'one of mine', expect: own(204), request: async (role) => ({ params: { id: role === 'anonymous' ? spareSessionId : await sessionIdOf(await login(agentLogin[role])) } }) },
          { name: "another agent's", expect: own(404), request: () => ({ params: { id: spareSessionId } }) },
        ],
      },
      'POST /api/me/totp': { rule: 'own: begin enrolment', cases: [{ name: 'begin', expect: own(200), request: () => ({}) }] },
      'POST /api/me/totp/confirm': { rule: 'own; a wrong code is 400', cases: [{ name: 'wrong code', expect: own(400), request: () => ({ body: { code: '000000' } }) }] },
      'DELETE /api/me/totp': { rule: 'own; 409 when TOTP is off', cases: [{ name: 'not on', expect: own(409), request: () => ({ body: { password: demoPassword, code: '123456' } }) }] },
      'GET /api/me/searches': { rule: 'own', cases: [{ name: 'list', expect: own(200), request: () => ({}) }] },
      'POST /api/me/searches': { rule: 'own', cases: [{ name: 'save', expect: own(201), request: () => ({ body: { name: 'mine', query: { text: 'printer' } } }) }] },
      'DELETE /api/me/searches/{id}': {
        rule: "own saved searches only; another agent's is 404",
        cases: [
          {
            name: 'one of mine',
            expect: own(204),
            request: async (role) => {
              const owner = role === 'anonymous' ? tokens.get('admin')! : tokens.get(role)!
              const saved = await call('POST', '/api/me/searches', { token: owner, body: { name: 'to delete', query: { text: 'x' } } })
              return { params: { id: String(saved.body.id) } }
            },
          },
          {
            name: "the admin's",
            expect: { anonymous: 401, sales: 404, viewer: 404, admin: 204 },
            request: async () => ({ params: { id: String((await asAdmin('POST', '/api/me/searches', { name: 'admin only', query: { text: 'x' } })).body.id) } }),
          },
        ],
      },
      // ─── lists: any agent, filtered to readable queues (the leak check proves the filtering) ───
      'GET /api/tickets': {
        rule: 'ro on the queue asked for; without one, only readable queues',
        cases: [
          ...perQueue((queue) => ({ name: `queue=${queue}`, expect: ticketRead(queue, 200), request: () => ({ query: { queue } }) })),
          { name: 'every readable queue', expect: own(200), request: () => ({}) },
        ],
      },
      'GET /api/views/counts': { rule: 'own, readable queues only', cases: [{ name: 'counts', expect: own(200), request: () => ({}) }] },
      'GET /api/views/{view}': {
        rule: 'ro on the queue asked for; without one, only readable queues',
        cases: [
          ...perQueue((queue) => ({ name: `new, queue=${queue}`, expect: ticketRead(queue, 200), request: () => ({ params: { view: 'new' }, query: { queue } }) })),
          { name: 'new, every readable queue', expect: own(200), request: () => ({ params: { view: 'new' } }) },
          { name: 'status view', expect: own(200), request: () => ({ params: { view: 'status' }, query: { stateType: 'new' } }) },
          { name: 'my watched tickets', expect: own(200), request: () => ({ params: { view: 'watched' } }) },
          { name: 'my responsibilities', expect: own(200), request: () => ({ params: { view: 'responsible' } }) },
          ...perQueue((queue) => ({ name: `escalation view, queue=${queue}`, expect: ticketRead(queue, 200), request: () => ({ params: { view: 'escalation' }, query: { queue, when: 'next-week' } }) })),
          { name: 'open, watched filter', expect: own(200), request: () => ({ params: { view: 'open' }, query: { filter: 'watched' } }) },
        ],
      },
      'GET /api/search': { rule: 'own, hits only in readable queues', cases: perQueue((queue) => ({ name: `words of a ${queue} ticket`, expect: own(200), request: () => ({ query: { q: markers[queue] } }) })) },
      'POST /api/search': {
        rule: 'own, hits only in readable queues',
        cases: [
          ...perQueue((queue) => ({ name: `words of a ${queue} ticket`, expect: own(200), request: () => ({ body: { text: markers[queue] } }) })),
          ...perQueue((queue) => ({ name: `the number of a ${queue} ticket`, expect: own(200), request: () => ({ body: { text: tickets[queue].number } }) })),
        ],
      },
      'GET /api/statistics': {
        rule: 'ro on the queue asked for; without one, counted over readable queues only',
        cases: [
          ...perQueue((queue) => ({ name: `queue=${queue}`, expect: ticketRead(queue, 200), request: () => ({ query: { from: '2026-01-01', to: '2026-12-31', queue } }) })),
          { name: 'every readable queue', expect: own(200), request: () => ({ query: { from: '2026-01-01', to: '2026-12-31' } }) },
        ],
      },
      // Customer users are one directory for every agent (as OTRS's customer backend); their tickets are filtered.
      'GET /api/customers/{email}': { rule: 'own (the customer directory is shared)', cases: [{ name: 'customer', expect: own(200), request: () => ({ params: { email: 'ann@matrix.example' } }) }] },
      'GET /api/customers': { rule: 'own (the customer directory is shared)', cases: [{ name: 'search', expect: own(200), request: () => ({ query: { search: 'ann' } }) }] },
      'PUT /api/customers/{email}': {
        rule: 'admins and roles with manageCustomers (none of the others here)',
        cases: [{ name: 'add', expect: adminOnly(201), request: () => ({ params: { email: `new-${randomUUID()}@matrix.example` }, body: { firstName: 'Nina' } }) }],
      },
      // An upload slot is the agent's own; an article that names the upload needs its own rights.
      'POST /api/uploads': { rule: 'own', cases: [{ name: 'slot', expect: own(201), request: () => ({ body: { name: 'notes.txt', contentType: 'text/plain', size: 3 } }) }] },
      'GET /api/companies': { rule: 'own (the customer directory is shared)', cases: [{ name: 'search', expect: own(200), request: () => ({ query: { search: 'matrix' } }) }] },
      'GET /api/companies/{customerId}': { rule: 'own; 404 for a CustomerID without a record', cases: [{ name: 'unknown', expect: own(404), request: () => ({ params: { customerId: 'matrix.example' } }) }] },
      'PUT /api/companies/{customerId}': {
        rule: 'admins and roles with manageCustomers (none of the others here)',
        cases: [{ name: 'add', expect: adminOnly(201), request: () => ({ params: { customerId: `co-${randomUUID()}` }, body: { name: 'Matrix Inc' } }) }],
      },
      'GET /api/companies/{customerId}/customers': { rule: 'own', cases: [{ name: 'members', expect: own(200), request: () => ({ params: { customerId: 'matrix.example' } }) }] },
      'GET /api/customers/{email}/tickets': { rule: 'own, readable queues only', cases: [{ name: 'customer tickets', expect: own(200), request: () => ({ params: { email: 'ann@matrix.example' } }) }] },
      'GET /api/companies/{customerId}/tickets': { rule: 'own, readable queues only', cases: [{ name: 'company tickets', expect: own(200), request: () => ({ params: { customerId: 'matrix.example' } }) }] },
      // ─── opening tickets: the "create" right on the queue (the viewer has ro only) ─────────────
      'POST /api/tickets': {
        rule: 'create on the queue; without it 403',
        cases: [
          ...perQueue((queue) => ({
            name: `phone ticket in ${queue}`,
            expect: { anonymous: 401, admin: 201, sales: queue === 'Sales' ? 201 : 403, viewer: 403 },
            request: () => ({ body: { type: 'phone', customer: 'carl@matrix.example', subject: 'A caller', body: 'Called about the invoice.', queue } }),
          })),
          {
            name: 'split of a Support article into a Sales ticket',
            expect: { anonymous: 401, admin: 201, sales: 404, viewer: 403 },
            request: () => ({ body: { type: 'phone', customer: 'carl@matrix.example', subject: 'Split off', body: 'Split.', queue: 'Sales', splitFrom: { ticket: tickets.Support.number, articleId: tickets.Support.articleId } } }),
          },
        ],
      },
      'GET /api/new-ticket/compose': { rule: 'own (templates and signatures are shared)', cases: [{ name: 'email ticket', expect: own(200), request: () => ({ query: { type: 'email', queue: 'Sales' } }) }] },
      // ─── one ticket ───────────────────────────────────────────────────────────────────────────
      'GET /api/tickets/{number}': { rule: 'ro', cases: ticketCase(200, 'read', (ticket) => ({ params: withTicket(ticket) })) },
      'GET /api/tickets/{number}/history': { rule: 'ro', cases: ticketCase(200, 'read', (ticket) => ({ params: withTicket(ticket) })) },
      'GET /api/tickets/{number}/compose': { rule: 'ro', cases: ticketCase(200, 'read', (ticket) => ({ params: withTicket(ticket), query: { type: 'note' } })) },
      'GET /api/tickets/{number}/articles/{articleId}/raw': { rule: 'ro', cases: ticketCase(200, 'read', (ticket) => ({ params: withTicket(ticket) })) },
      'GET /api/tickets/{number}/articles/{articleId}/html': { rule: 'ro', cases: ticketCase(200, 'read', (ticket) => ({ params: withTicket(ticket) })) },
      'GET /api/tickets/{number}/articles/{articleId}/attachments/{attachmentId}': { rule: 'ro', cases: ticketCase(200, 'read', (ticket) => ({ params: withTicket(ticket) })) },
      'PATCH /api/tickets/{number}': { rule: 'priority right (rw)', cases: ticketCase(200, 'write', (ticket) => ({ params: withTicket(ticket), body: { priority: 3 } })) },
      'POST /api/tickets/{number}/articles': { rule: 'note right (rw)', cases: ticketCase(201, 'write', (ticket) => ({ params: withTicket(ticket), body: { type: 'note', body: 'matrix note' } })) },
      'POST /api/tickets/{number}/articles/{articleId}/resend': {
        rule: 'rw; a customer mail is not ours to send (409 once allowed)',
        cases: ticketCase(409, 'write', (ticket) => ({ params: withTicket(ticket) })),
      },
      'PUT /api/tickets/{number}/draft': { rule: 'ro (a draft is the agent\'s own)', cases: ticketCase(200, 'read', (ticket) => ({ params: withTicket(ticket), body: { type: 'note', body: 'draft' } })) },
      'GET /api/tickets/{number}/draft': {
        rule: 'ro',
        cases: ticketCase(200, 'read', async (ticket, role) => {
          if (role !== 'anonymous') await call('PUT', `/api/tickets/${ticket.number}/draft`, { token: tokens.get(role)!, body: { type: 'note', body: 'draft' } })
          return { params: withTicket(ticket) }
        }),
      },
      'DELETE /api/tickets/{number}/draft': { rule: 'ro', cases: ticketCase(204, 'read', (ticket) => ({ params: withTicket(ticket) })) },
      'PUT /api/tickets/{number}/watch': { rule: 'ro (a watch is the agent\'s own)', cases: ticketCase(204, 'read', (ticket) => ({ params: withTicket(ticket) })) },
      'DELETE /api/tickets/{number}/watch': { rule: 'ro', cases: ticketCase(204, 'read', (ticket) => ({ params: withTicket(ticket) })) },
      'POST /api/tickets/{number}/merge': {
        rule: 'rw on both; a target that cannot be read answers like one that does not exist',
        cases: [
          ...freshCase(200, async (source) => ({ params: withTicket(source), body: { into: others[source.queue].number } })),
          ...perQueue((queue) => ({
            name: `${queue} ticket into one that does not exist`,
            expect: { ...ticketWrite(queue, 400), viewer: queue === 'Support' ? 403 : 404 },
            request: () => ({ params: withTicket(tickets[queue]), body: { into: '2026112342999999' } }),
          })),
          {
            name: 'fresh Sales ticket into a Support ticket',
            expect: { anonymous: 401, admin: 200, sales: 400, viewer: 404 },
            request: async (_role, expected) => ({ params: withTicket(await ticketFor('Sales', expected)), body: { into: (await ticketFor('Support', expected)).number } }),
            verify: (answer, role) => {
              if (role === 'sales') expect(answer.body.error).toMatchObject({ field: 'body.into', message: expect.stringMatching(/does not exist/) })
            },
          },
        ],
      },
      'POST /api/tickets/{number}/split': { rule: 'rw', cases: freshCase(201, async (source) => ({ params: withTicket(source), body: { articleId: source.articleId } })) },
      'POST /api/tickets/{number}/links': {
        rule: 'rw on the ticket; a target that cannot be read answers like one that does not exist',
        cases: [
          ...freshCase(204, async (source) => ({ params: withTicket(source), body: { target: others[source.queue].number } })),
          {
            name: 'fresh Sales ticket to a Support ticket',
            expect: { anonymous: 401, admin: 204, sales: 400, viewer: 404 },
            request: async (_role, expected) => ({ params: withTicket(await ticketFor('Sales', expected)), body: { target: (await ticketFor('Support', expected)).number } }),
          },
        ],
      },
      'DELETE /api/tickets/{number}/links/{target}': {
        rule: 'rw on the ticket; a link to a ticket that cannot be read does not exist',
        cases: [
          ...freshCase(204, async (source, expected) => {
            const target = others[source.queue]
            if (expected < 300) await asAdmin('POST', `/api/tickets/${source.number}/links`, { target: target.number })
            return { params: withTicket(source, { target: target.number }) }
          }),
          {
            name: 'fresh Sales ticket linked to a Support ticket',
            expect: { anonymous: 401, admin: 204, sales: 404, viewer: 404 },
            request: async (_role, expected) => {
              const [source, target] = [await ticketFor('Sales', expected), tickets.Support]
              if (expected < 300) await asAdmin('POST', `/api/tickets/${source.number}/links`, { target: target.number })
              return { params: withTicket(source, { target: target.number }) }
            },
          },
        ],
      },
      'POST /api/tickets/bulk': {
        rule: 'any agent; each ticket answers for itself as its single call would',
        cases: perQueue((queue) => ({
          name: `${queue} ticket`,
          expect: own(200),
          request: () => ({ body: { numbers: [tickets[queue].number], changes: { priority: 2 } } }),
          verify: (answer, role) => {
            if (role === 'anonymous') return
            const expected = ticketWrite(queue, 200)[role]
            const [result] = answer.body.results as { ok: boolean; error: { code: string } | null }[]
            expect(result!.ok ? 200 : result!.error!.code === 'not_found' ? 404 : result!.error!.code === 'forbidden' ? 403 : 0, `bulk on a ${queue} ticket as ${role}`).toBe(expected)
          },
        })),
      },
      // ─── admins only ──────────────────────────────────────────────────────────────────────────
      'GET /api/admin/sessions': { rule: 'admin', cases: [{ name: 'list', expect: adminOnly(200), request: () => ({}) }] },
      'GET /api/admin/lockouts': { rule: 'admin', cases: [{ name: 'list', expect: adminOnly(200), request: () => ({}) }] },
      'DELETE /api/admin/sessions/{id}': { rule: 'admin', cases: [{ name: "spare's session", expect: adminOnly(204), request: async (_role, expected) => ({ params: { id: expected < 300 ? await spareSession() : spareSessionId } }) }] },
      'DELETE /api/admin/agents/{login}/sessions': { rule: 'admin', cases: [{ name: 'spare', expect: adminOnly(200), request: () => ({ params: { login: 'spare' } }) }] },
      'DELETE /api/admin/agents/{login}/totp': { rule: 'admin', cases: [{ name: 'spare', expect: adminOnly(204), request: () => ({ params: { login: 'spare' } }) }] },
    }
  }

  beforeAll(async () => {
    const config = readFileSync('docket.config.yaml', 'utf8')
      .replace('roles:\n', 'roles:\n  - name: Support viewer\n    groups:\n      users: [ro]\n')
      .replace(
        'agents:\n',
        'agents:\n  - login: viewer\n    firstName: Vera\n    lastName: Viewer\n    email: vera.viewer@example.com\n    roles: [Support viewer]\n  - login: spare\n    firstName: Spare\n    email: spare@example.com\n',
      )
    const configPath = join(process.env.TMPDIR ?? '/tmp', `docket-matrix-${randomUUID()}.yaml`)
    writeFileSync(configPath, config)
    runtime = await startTestRuntime({ configPath })
    call = httpCaller(runtime.httpUrl)
    tokens.set('anonymous', undefined)
    for (const role of ['admin', 'sales', 'viewer'] as const) tokens.set(role, await login(role))
    tickets.Support = await newTicket('Support', 'main')
    tickets.Sales = await newTicket('Sales', 'main')
    others.Support = await newTicket('Support', 'other')
    others.Sales = await newTicket('Sales', 'other')
    spareSessionId = await sessionIdOf(await login('spare'))
    // Each main ticket is linked to one in the other queue: the link must not show to who cannot read it.
    await asAdmin('POST', `/api/tickets/${tickets.Sales.number}/links`, { target: tickets.Support.number })
    await asAdmin('POST', `/api/tickets/${tickets.Support.number}/links`, { target: tickets.Sales.number })
    await runtime.drainIndex()
  })
  afterAll(async () => runtime?.cleanup())

  it('walks every route of the OpenAPI document as anonymous, sales, viewer and admin', { timeout: 300_000 }, async () => {
    const document = (await call('GET', '/api/openapi.json')).body as { paths: Record<string, Record<string, { security?: unknown[] }>> }
    const documented = Object.entries(document.paths).flatMap(([path, operations]) => Object.entries(operations).map(([method, operation]) => ({ key: `${method.toUpperCase()} ${path}`, method: method.toUpperCase(), path, isPublic: Array.isArray(operation.security) && operation.security.length === 0 })))

    // Every route the app answers is in the document (so none escapes the walk).
    const served = new Set(
      createApiApp(runtime.deps)
        .routes.filter((route) => route.method !== 'ALL' && !['/api/health', '/api/openapi.json'].includes(route.path))
        .map((route) => `${route.method} ${route.path.replace(/:(\w+)/g, '{$1}')}`),
    )
    expect([...served].filter((key) => !documented.some((route) => route.key === key)), 'routes the app serves but the OpenAPI document does not list').toEqual([])

    const rules = expectations()
    expect(documented.filter((route) => !rules[route.key]).map((route) => route.key), 'routes without an expectation in this test: add one').toEqual([])
    expect(Object.keys(rules).filter((key) => !documented.some((route) => route.key === key)), 'expectations for routes that no longer exist').toEqual([])

    const failures: string[] = []
    let checks = 0
    for (const role of roles) {
      const unreadable: Queue[] = role === 'sales' ? ['Support'] : role === 'viewer' ? ['Sales'] : []
      for (const route of documented) {
        const rule = rules[route.key]!
        const publicRule = Object.values(rule.cases[0]!.expect).every((status) => status !== 401)
        if (publicRule !== route.isPublic) failures.push(`${route.key}: the document says ${route.isPublic ? 'public' : 'needs a token'}, the expectation says otherwise`)
        for (const check of rule.cases) {
          const request = await check.request(role, check.expect[role])
          const path = route.path.replace(/\{(\w+)\}/g, (_, name: string) => {
            const value = request.params?.[name]
            if (value === undefined) throw new Error(`${route.key} (${check.name}): no value for {${name}}`)
            return encodeURIComponent(value)
          })
          const url = `${path}${request.query ? `?${new URLSearchParams(request.query)}` : ''}`
          const token = request.token === null ? undefined : (request.token ?? tokens.get(role))
          const answer = await call(route.method, url, { token, body: request.body })
          checks++
          const label = `${role.padEnd(9)} ${route.key} [${check.name}]`
          if (answer.status !== check.expect[role]) failures.push(`${label}: expected ${check.expect[role]}, got ${answer.status} ${answer.text.slice(0, 200)}`)
          try {
            check.verify?.(answer, role)
          } catch (error) {
            failures.push(`${label}: ${(error as Error).message}`)
          }
          for (const queue of unreadable) {
            if (answer.text.includes(markers[queue])) failures.push(`${label}: the answer shows a ${queue} ticket's text`)
            if (answer.status < 300) {
              const sent = `${url} ${JSON.stringify(request.body ?? '')}`
              const leaked = [...numbersIn[queue]].filter((number) => answer.text.includes(number) && !sent.includes(number))
              if (leaked.length > 0) failures.push(`${label}: the answer names ${queue} tickets ${leaked.join(', ')}`)
            }
          }
        }
      }
    }
    console.log(`authorization matrix: ${documented.length} routes × ${roles.length} roles = ${checks} checks (${documented.length * roles.length} route-role pairs; cases per pair: Support and Sales tickets, cross-queue targets)`)
    expect(failures).toEqual([])
  })
})
