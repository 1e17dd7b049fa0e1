import type { BlobStore } from '../blobs/ports.ts'
import type { AgentIdentity } from '../auth/auth-service.ts'
import { composeMail } from '../mail/compose-mail.ts'
import { parseAddressList } from '../mail/parse-mail.ts'
import { ownMessageId } from '../mail/message-id.ts'
import { firstStateOfType, systemAddressOf } from '../platform/config.ts'
import { forbidden, notFound } from '../platform/errors.ts'
import { newId } from '../platform/ids.ts'
import { assertRight } from './access.ts'
import type { Article, Ticket } from './model.ts'
import { buildTicketSubject } from './subject.ts'
import { describeChanges, historyEntry, nextVersion, resolveState } from './ticket-rules.ts'
import { changeTicket, type TicketServiceDeps } from './ticket-service.ts'

export interface AgentArticleDeps extends TicketServiceDeps {
  attachments: BlobStore
}

export interface AgentArticleInput {
  type: 'reply' | 'note'
  body: string
  state?: string | undefined
}

const agentName = (identity: AgentIdentity) => `${identity.agent.firstName} ${identity.agent.lastName}`.trim()

/** Blob key of the MIME we sent for an article. */
export const outboundRawKey = (number: string, articleId: string) => `outbound/${number}/${articleId}.eml`

/**
 * An agent writes on a ticket. A reply is mailed to the customer from the queue's address,
 * threaded to the customer's last mail, locks the ticket to the agent (OTRS), and is queued for
 * sending; a note is internal. Either may set the next state.
 */
export async function addAgentArticle(deps: AgentArticleDeps, identity: AgentIdentity, number: string, input: AgentArticleInput): Promise<Article> {
  const thread = await deps.tickets.getThread(number)
  if (!thread) throw notFound(`ticket ${number}`)
  assertRight(deps.config, identity.agent, thread.ticket, input.type === 'note' ? 'note' : 'rw')
  const requestedState = input.state === undefined ? undefined : resolveState(deps.config, input.state, 'body.state')

  const at = deps.clock.now()
  const articleId = newId(at)
  const article = input.type === 'reply' ? await prepareReply(deps, identity, thread.ticket, thread.articles, input.body, articleId, at) : prepareNote(identity, number, input.body, articleId, at)

  await changeTicket(deps, number, (ticket, now) => {
    if (input.type === 'reply' && ticket.lock === 'lock' && ticket.owner !== identity.login) {
      throw forbidden(`ticket ${number} is locked by ${ticket.owner}; only the owner may send mail to the customer (a note is possible)`)
    }
    const state = requestedState ?? (input.type === 'reply' && ticket.stateType === 'new' ? resolveState(deps.config, firstStateOfType(deps.config, 'open')) : undefined)
    const lockPatch: Partial<Ticket> = input.type === 'reply' ? { lock: 'lock', owner: identity.login } : {}
    const updated = nextVersion(ticket, now, {
      ...lockPatch,
      ...(state ? { state: state.state, stateType: state.stateType } : {}),
      articleCount: ticket.articleCount + 1,
    })
    const history = [
      input.type === 'reply'
        ? historyEntry('SendAnswer', identity.login, now, `Email sent to "${article.to}"`)
        : historyEntry('AddNote', identity.login, now, 'Added note'),
      ...describeChanges(ticket, updated, identity.login, now),
    ]
    return {
      change: {
        ticket: updated,
        expectedVersion: ticket.version,
        newArticles: [article],
        history,
        // Our own Message-IDs need no index entry: they carry the ticket number (lib/mail/message-id.ts).
        messageIds: [],
      },
      result: undefined,
    }
  })
  // The reply is sent by the outbox relay once this change is committed (lib/mail/outbox-relay.ts).
  return article
}

async function prepareReply(deps: AgentArticleDeps, identity: AgentIdentity, ticket: Ticket, articles: Article[], body: string, articleId: string, at: Date): Promise<Article> {
  const lastCustomerMail = articles.filter((article) => article.sender === 'customer' && article.channel === 'email').at(-1)
  const recipient = lastCustomerMail?.replyTo ?? lastCustomerMail?.from ?? ticket.customer
  if (!recipient) throw forbidden(`ticket ${ticket.number} has no customer address to reply to; set a customer first`)
  const from = systemAddressOf(deps.config, ticket.queue)
  const messageId = ownMessageId(deps.config, articleId, ticket.number)
  const subject = buildTicketSubject(lastCustomerMail?.subject || ticket.title, deps.config.ticket.hook, ticket.number, 'Re')
  const references = lastCustomerMail?.messageId ? [...lastCustomerMail.references.slice(-20), lastCustomerMail.messageId] : []
  const raw = await composeMail({
    from: { address: from.address, name: from.displayName },
    to: [recipient],
    cc: [],
    subject,
    text: body,
    messageId,
    inReplyTo: lastCustomerMail?.messageId ?? null,
    references,
    date: at,
  })
  const rawBlobKey = outboundRawKey(ticket.number, articleId)
  await deps.attachments.put(rawBlobKey, raw, { contentType: 'message/rfc822' })
  return {
    id: articleId,
    ticketNumber: ticket.number,
    sender: 'agent',
    channel: 'email',
    visibleToCustomer: true,
    from: from.displayName ? `${from.displayName} <${from.address}>` : from.address,
    to: recipient,
    cc: '',
    replyTo: null,
    subject,
    bodyText: body,
    bodyTextBlobKey: null,
    htmlBlobKey: null,
    messageId,
    inReplyTo: lastCustomerMail?.messageId ?? null,
    references,
    attachments: [],
    rawBlobKey,
    createdAt: at.toISOString(),
    createdBy: identity.login,
    transmission: { status: 'queued', attempts: 0, error: null, changedAt: at.toISOString(), providerMessageId: null, sender: from.address, recipients: parseAddressList(recipient).map((address) => address.address) },
    notes: [],
  }
}

function prepareNote(identity: AgentIdentity, number: string, body: string, articleId: string, at: Date): Article {
  return {
    id: articleId,
    ticketNumber: number,
    sender: 'agent',
    channel: 'note',
    visibleToCustomer: false,
    from: agentName(identity),
    to: '',
    cc: '',
    replyTo: null,
    subject: 'Note',
    bodyText: body,
    bodyTextBlobKey: null,
    htmlBlobKey: null,
    messageId: null,
    inReplyTo: null,
    references: [],
    attachments: [],
    rawBlobKey: null,
    createdAt: at.toISOString(),
    createdBy: identity.login,
    transmission: null,
    notes: [],
  }
}
