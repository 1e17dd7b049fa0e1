import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parseConfig } from '../../lib/platform/config-file.ts'
import { composeArticle } from '../../lib/ticket/compose-article.ts'
import type { Article, TicketThread } from '../../lib/ticket/model.ts'
import { newTicketRecord } from '../../lib/ticket/ticket-rules.ts'

const yaml = readFileSync('docket.config.yaml', 'utf8')
const at = new Date('2026-12-24T12:00:00Z')
const article: Article = {
  id: 'a1',
  ticketNumber: '2026122410000042',
  sender: 'customer',
  channel: 'email',
  visibleToCustomer: true,
  from: 'Ann Customer <ann@customer.example>',
  to: 'support@example.com',
  cc: '',
  replyTo: null,
  subject: 'Printer on fire',
  bodyText: 'It smokes.',
  bodyTextBlobKey: null,
  htmlBlobKey: null,
  messageId: '<m1@customer.example>',
  inReplyTo: null,
  references: [],
  attachments: [],
  rawBlobKey: null,
  createdAt: '2026-12-24T09:30:00.000Z',
  createdBy: null,
  transmission: null,
  notes: [],
}
const thread: TicketThread = {
  ticket: newTicketRecord({ number: '2026122410000042', at, title: 'Printer on fire', queue: 'Support', state: 'open', stateType: 'open', owner: null, lock: 'unlock' }),
  articles: [article],
  history: [],
  links: [],
}

/** Issue 14.4.10: the quote line speaks the reader's language: the queue's for a reply to the customer, the agent's for a note. */
describe('the quote line ("On … wrote:")', () => {
  const config = parseConfig(yaml)
  const identity = { login: 'admin', agent: config.agents[0]!, sessionId: 's' }

  it('a reply quotes in English when the queue sets no language (the default)', () => {
    expect(composeArticle(config, identity, thread, 'reply', {}).body).toContain('On 2026-12-24 09:30 UTC, Ann Customer <ann@customer.example> wrote:\n> It smokes.')
  })

  it("a reply quotes in the queue's language: the customer reads it under the queue's salutation", () => {
    const german = parseConfig(yaml.replace(/(\n {2}- name: Support\n)/, '$1    language: de\n'))
    expect(german.queues.find((queue) => queue.name === 'Support')!.language).toBe('de')
    const body = composeArticle(german, identity, thread, 'reply', {}).body
    expect(body).toContain('Am 2026-12-24 09:30 UTC schrieb Ann Customer <ann@customer.example>:\n> It smokes.')
    expect(body).not.toContain('wrote:')
  })

  it("a note answering an article quotes in the agent's language", () => {
    expect(composeArticle(config, identity, thread, 'note', { articleId: 'a1', agentLanguage: 'nl' }).body).toContain('Op 2026-12-24 09:30 UTC schreef Ann Customer <ann@customer.example>:')
    expect(composeArticle(config, identity, thread, 'note', { articleId: 'a1' }).body).toContain('On 2026-12-24 09:30 UTC, Ann Customer')
  })
})
