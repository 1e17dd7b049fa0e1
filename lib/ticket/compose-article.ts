import type { AgentIdentity } from '../auth/auth-service.ts'
import { formatAddress, parseAddressList } from '../mail/mail-address.ts'
import { textsFor } from '../mail/notification-texts.ts'
import { renderTemplate, type TemplateVariables } from '../mail/render-template.ts'
import { findQueue, isSystemAddress, type DocketConfig } from '../platform/config.ts'
import { invalidRequest } from '../platform/errors.ts'
import type { AgentArticleType, Article, Attachment, Ticket, TicketThread } from './model.ts'

export type { AgentArticleType }
import { buildTicketSubject } from './subject.ts'
import { takesPartIn } from './ticket-rules.ts'


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
  /**
   * Replies: the Reply-To of the answered mail when it names someone who is not the ticket's
   * customer or a participant. The default answers the mail's From instead; the agent may choose
   * this address explicitly (the compose dialog says so).
   */
  untrustedReplyTo: string | null
}

/**
 * Whom a reply goes to by default. OTRS answers the Reply-To; but a mail's headers are whatever its
 * sender typed (its From is not authenticated either), so a Reply-To is answered only when every
 * address in it already takes part in the ticket. Otherwise the reply goes to the From, and the
 * Reply-To is offered, not chosen.
 */
export function replyRecipient(ticket: Pick<Ticket, 'customer' | 'participants'>, base: Article | undefined): { to: string; untrustedReplyTo: string | null } {
  const fromCustomer = base && base.sender === 'customer' ? base : undefined
  const replyTo = fromCustomer?.replyTo ? parseAddressList(fromCustomer.replyTo) : []
  const from = fromCustomer ? fromCustomer.from : (base?.replyTo ?? null)
  const fallback = from ?? ticket.customer ?? ''
  if (replyTo.length === 0) return { to: fallback, untrustedReplyTo: null }
  if (replyTo.every((address) => takesPartIn(ticket, address.address))) return { to: fromCustomer!.replyTo!, untrustedReplyTo: null }
  return { to: fallback, untrustedReplyTo: replyTo.map(formatAddress).join(', ') }
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

export function templateVariables(
  config: DocketConfig,
  identity: AgentIdentity,
  ticket: Pick<Ticket, 'number' | 'title' | 'queue' | 'customer' | 'participants'>,
  base: Article | undefined,
  customer?: { address: string; name: string },
): TemplateVariables {
  const customerAddress = customer ?? (base && base.sender === 'customer' ? parseAddressList(replyRecipient(ticket, base).to, 1)[0] : undefined)
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

/** The quoted article under its quote line, in the language of whoever reads it (the customer: the queue's; an agent: theirs). */
function quote(article: Article, language: string | undefined): string {
  const lines = article.bodyText.replace(/\r\n/g, '\n').trimEnd().split('\n').slice(0, 500)
  return [textsFor(language).quoteLine(article.createdAt.slice(0, 16).replace('T', ' '), article.from), ...lines.map((line) => `> ${line}`)].join('\n')
}

function forwardedBlock(article: Article): string {
  return ['---------- Forwarded message ----------', `From: ${article.from}`, `Date: ${article.createdAt}`, `Subject: ${article.subject}`, `To: ${article.to}`, ...(article.cc ? [`Cc: ${article.cc}`] : []), '', article.bodyText].join('\n')
}

export function findTemplate(config: DocketConfig, name: string | undefined, type: 'answer' | 'forward' | 'note' | 'create', queue: string): { body: string } {
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
 * "Empty answer" is simply no template. A reply's quote line is in the queue's language (the customer
 * reads it), a note's in the agent's (`agentLanguage`, their preference).
 */
export function composeArticle(config: DocketConfig, identity: AgentIdentity, thread: TicketThread, type: AgentArticleType, options: { articleId?: string | undefined; templateId?: string | undefined; agentLanguage?: string | undefined }): ComposedArticle {
  const { ticket } = thread
  const base = baseArticle(thread, options.articleId)
  const variables = templateVariables(config, identity, ticket, base)
  const render = (text: string) => renderTemplate(text, variables).trim()
  const queue = findQueue(config, ticket.queue)
  const hook = config.ticket.hook
  if (type === 'reply' || type === 'reply-all') {
    const template = findTemplate(config, options.templateId, 'answer', ticket.queue)
    const { to, untrustedReplyTo } = replyRecipient(ticket, base)
    let cc = ''
    if (type === 'reply-all' && base) {
      const excluded = new Set(parseAddressList(to).map((address) => address.address.toLowerCase()))
      const others = parseAddressList([base.to, base.cc].filter(Boolean).join(', ')).filter((address) => !isSystemAddress(config, address.address) && !excluded.has(address.address.toLowerCase()))
      cc = others.map(formatAddress).join(', ')
    }
    const parts = [render(queue?.salutation ?? ''), render(template.body), render(queue?.signature ?? ''), base ? quote(base, queue?.language) : ''].filter(Boolean)
    return { to, cc, subject: buildTicketSubject(base?.subject || ticket.title, hook, ticket.number, 'Re'), body: parts.join('\n\n'), attachments: [], articleId: base?.id ?? null, untrustedReplyTo }
  }
  if (type === 'forward') {
    const template = findTemplate(config, options.templateId, 'forward', ticket.queue)
    const parts = [render(template.body), render(queue?.signature ?? ''), base ? forwardedBlock(base) : ''].filter(Boolean)
    return { to: '', cc: '', subject: buildTicketSubject(base?.subject || ticket.title, hook, ticket.number, 'Fwd'), body: parts.join('\n\n'), attachments: base?.attachments ?? [], articleId: base?.id ?? null, untrustedReplyTo: null }
  }
  if (type === 'bounce') {
    return { to: '', cc: '', subject: base?.subject ?? ticket.title, body: '', attachments: [], articleId: base?.id ?? null, untrustedReplyTo: null }
  }
  const template = findTemplate(config, options.templateId, 'note', ticket.queue)
  // A note answering an article (OTRS: reply to a note) quotes it; without one a note starts empty.
  const answered = options.articleId !== undefined ? base : undefined
  const subject = answered ? `Re: ${answered.subject.replace(/^(re:\s*)+/i, '')}` : type === 'phone' ? 'Phone call' : 'Note'
  const body = [render(template.body), answered ? quote(answered, options.agentLanguage) : ''].filter(Boolean).join('\n\n')
  return { to: '', cc: '', subject, body, attachments: [], articleId: base?.id ?? null, untrustedReplyTo: null }
}
