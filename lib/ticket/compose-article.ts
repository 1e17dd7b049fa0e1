import type { AgentIdentity } from '../auth/auth-service.ts'
import { formatAddress, parseAddressList } from '../mail/parse-mail.ts'
import { renderTemplate, type TemplateVariables } from '../mail/render-template.ts'
import { findQueue, isSystemAddress, type DocketConfig } from '../platform/config.ts'
import { invalidRequest } from '../platform/errors.ts'
import type { AgentArticleType, Article, Attachment, Ticket, TicketThread } from './model.ts'

export type { AgentArticleType }
import { buildTicketSubject } from './subject.ts'


export const isMailType = (type: AgentArticleType) => type === 'reply' || type === 'reply-all' || type === 'forward'

export interface ComposedArticle {
  to: string
  cc: string
  subject: string
  body: string
  /** For forwards: the attachments of the forwarded mail, sent along unless left out. */
  attachments: Attachment[]
  /** The article answered, forwarded or bounced. */
  articleId: string | null
}

/** The article an answer refers to: the one asked for, else the customer's last mail. */
export function baseArticle(thread: TicketThread, articleId: string | undefined): Article | undefined {
  if (articleId) {
    const article = thread.articles.find((candidate) => candidate.id === articleId)
    if (!article) throw invalidRequest(`ticket ${thread.ticket.number} has no article ${articleId}`, 'articleId')
    return article
  }
  return thread.articles.filter((article) => article.sender === 'customer' && article.channel === 'email').at(-1) ?? thread.articles.filter((article) => article.channel === 'email').at(-1)
}

export function templateVariables(config: DocketConfig, identity: AgentIdentity, ticket: Ticket, base: Article | undefined): TemplateVariables {
  const customerAddress = base && base.sender === 'customer' ? parseAddressList(base.replyTo ?? base.from, 1)[0] : undefined
  return {
    'customer.name': customerAddress?.name || customerAddress?.address || ticket.customer || '',
    'customer.email': customerAddress?.address ?? ticket.customer ?? '',
    'ticket.number': ticket.number,
    'ticket.title': ticket.title,
    'queue.name': ticket.queue,
    'agent.firstName': identity.agent.firstName,
    'agent.lastName': identity.agent.lastName,
    'agent.name': `${identity.agent.firstName} ${identity.agent.lastName}`.trim(),
    'agent.email': identity.agent.email,
    'system.name': config.system.name,
  }
}

function quote(article: Article): string {
  const lines = article.bodyText.replace(/\r\n/g, '\n').trimEnd().split('\n').slice(0, 500)
  return [`On ${article.createdAt.slice(0, 16).replace('T', ' ')} UTC, ${article.from} wrote:`, ...lines.map((line) => `> ${line}`)].join('\n')
}

function forwardedBlock(article: Article): string {
  return ['---------- Forwarded message ----------', `From: ${article.from}`, `Date: ${article.createdAt}`, `Subject: ${article.subject}`, `To: ${article.to}`, ...(article.cc ? [`Cc: ${article.cc}`] : []), '', article.bodyText].join('\n')
}

export function findTemplate(config: DocketConfig, name: string | undefined, type: 'answer' | 'forward' | 'note', queue: string): { body: string } {
  if (name === undefined) return { body: '' }
  const template = config.templates.find((candidate) => candidate.name === name)
  if (!template || template.type !== type || (template.queues && !template.queues.includes(queue))) {
    throw invalidRequest(`no ${type} template "${name}" for queue ${queue}`, 'templateId')
  }
  return template
}

/**
 * What the agent starts from (OTRS's reply screen): recipients, subject with the ticket marker,
 * and the body: the queue's salutation, the template, the queue's signature, the quoted mail.
 * "Empty answer" is simply no template.
 */
export function composeArticle(config: DocketConfig, identity: AgentIdentity, thread: TicketThread, type: AgentArticleType, options: { articleId?: string | undefined; templateId?: string | undefined }): ComposedArticle {
  const { ticket } = thread
  const base = baseArticle(thread, options.articleId)
  const variables = templateVariables(config, identity, ticket, base)
  const render = (text: string) => renderTemplate(text, variables).trim()
  const queue = findQueue(config, ticket.queue)
  const hook = config.ticket.hook
  if (type === 'reply' || type === 'reply-all') {
    const template = findTemplate(config, options.templateId, 'answer', ticket.queue)
    const to = base?.replyTo ?? (base && base.sender === 'customer' ? base.from : null) ?? ticket.customer ?? ''
    let cc = ''
    if (type === 'reply-all' && base) {
      const excluded = new Set(parseAddressList(to).map((address) => address.address.toLowerCase()))
      const others = parseAddressList([base.to, base.cc].filter(Boolean).join(', ')).filter((address) => !isSystemAddress(config, address.address) && !excluded.has(address.address.toLowerCase()))
      cc = others.map(formatAddress).join(', ')
    }
    const parts = [render(queue?.salutation ?? ''), render(template.body), render(queue?.signature ?? ''), base ? quote(base) : ''].filter(Boolean)
    return { to, cc, subject: buildTicketSubject(base?.subject || ticket.title, hook, ticket.number, 'Re'), body: parts.join('\n\n'), attachments: [], articleId: base?.id ?? null }
  }
  if (type === 'forward') {
    const template = findTemplate(config, options.templateId, 'forward', ticket.queue)
    const parts = [render(template.body), render(queue?.signature ?? ''), base ? forwardedBlock(base) : ''].filter(Boolean)
    return { to: '', cc: '', subject: buildTicketSubject(base?.subject || ticket.title, hook, ticket.number, 'Fwd'), body: parts.join('\n\n'), attachments: base?.attachments ?? [], articleId: base?.id ?? null }
  }
  if (type === 'bounce') {
    return { to: '', cc: '', subject: base?.subject ?? ticket.title, body: '', attachments: [], articleId: base?.id ?? null }
  }
  const template = findTemplate(config, options.templateId, 'note', ticket.queue)
  // A note answering an article (OTRS: reply to a note) quotes it; without one a note starts empty.
  const answered = options.articleId !== undefined ? base : undefined
  const subject = answered ? `Re: ${answered.subject.replace(/^(re:\s*)+/i, '')}` : type === 'phone' ? 'Phone call' : 'Note'
  const body = [render(template.body), answered ? quote(answered) : ''].filter(Boolean).join('\n\n')
  return { to: '', cc: '', subject, body, attachments: [], articleId: base?.id ?? null }
}
