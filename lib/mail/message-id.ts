import type { DocketConfig } from '../platform/config.ts'
import { normalizeMessageId } from '../store/keys.ts'
import type { Article } from '../ticket/model.ts'
import type { TicketStore } from '../ticket/ports.ts'
import { ticketNumberPattern } from '../ticket/ticket-number.ts'

/**
 * Our own Message-IDs carry the ticket number (`<article id>.<ticket number>@<fqdn>`), so a reply
 * to any mail we sent threads without an index entry: one write less per outgoing mail.
 */
export function ownMessageId(config: DocketConfig, id: string, ticketNumber: string): string {
  return `${id}.${ticketNumber}@${config.system.fqdn}`
}

/** The parts of one of our own Message-IDs (`<id>.<ticket number>@<fqdn>`), or null for anyone else's. */
export function ownMessageIdParts(config: DocketConfig, messageId: string): { id: string; ticketNumber: string } | null {
  const bare = messageId.trim().replace(/^<|>$/g, '')
  const at = bare.lastIndexOf('@')
  if (at < 0 || bare.slice(at + 1).toLowerCase() !== config.system.fqdn.toLowerCase()) return null
  const match = new RegExp(`^(.+)\\.(${ticketNumberPattern(config.system.id)})$`).exec(bare.slice(0, at))
  return match ? { id: match[1]!, ticketNumber: match[2]! } : null
}

/**
 * The ticket one of our own Message-IDs names, when we really sent it: the format is public and
 * ticket numbers are sequential, so anyone can write `<x.2026112342000001@fqdn>` into In-Reply-To
 * or a forged bounce. Only an id of a mail of that ticket (an article, or a mail of its own such
 * as a reject response) proves the sender saw our mail. One read per candidate.
 */
export async function ticketOfOwnMessageId(
  config: DocketConfig,
  tickets: Pick<TicketStore, 'getArticle' | 'getOutboundMail'>,
  messageId: string,
): Promise<string | null> {
  const parts = ownMessageIdParts(config, messageId)
  if (!parts || !/^[0-9A-Za-z]{1,64}$/.test(parts.id)) return null
  if (await tickets.getArticle(parts.ticketNumber, parts.id)) return parts.ticketNumber
  const mail = await tickets.getOutboundMail(parts.id)
  return mail?.ticketNumber === parts.ticketNumber ? parts.ticketNumber : null
}

/** The Message-ID the recipients of a mail we sent got: the provider's where it replaced ours (SES), else ours. */
export function deliveredMessageIdOf(article: Pick<Article, 'messageId' | 'transmission'>): string | null {
  return article.transmission?.deliveredMessageId ?? article.messageId
}

/**
 * In-Reply-To and References of a mail answering `base`, from what was really delivered: an id
 * of ours that went out under the provider's Message-ID (SES) is quoted as that one, since no
 * recipient ever saw ours. An article not sent yet keeps its own id (nothing better is known).
 */
export function threadingHeadersFor(
  articles: Pick<Article, 'messageId' | 'transmission'>[],
  base: Pick<Article, 'messageId' | 'references'> | undefined,
  maxReferences = 20,
): { inReplyTo: string | null; references: string[] } {
  if (!base?.messageId) return { inReplyTo: null, references: [] }
  const delivered = new Map<string, string>()
  for (const article of articles) {
    const id = deliveredMessageIdOf(article)
    if (article.messageId && id && id !== article.messageId) delivered.set(normalizeMessageId(article.messageId), id)
  }
  const asDelivered = (id: string) => delivered.get(normalizeMessageId(id)) ?? id
  const seen = new Set<string>()
  const references = [...base.references.slice(-maxReferences), base.messageId].map(asDelivered).filter((id) => {
    const key = normalizeMessageId(id)
    return !seen.has(key) && seen.add(key)
  })
  return { inReplyTo: asDelivered(base.messageId), references }
}
