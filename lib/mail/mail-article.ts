import type { BlobStore } from '../blobs/ports.ts'
import type { Article, Attachment } from '../ticket/model.ts'
import type { InboundMail } from './parse-mail.ts'
import { formatAddress, type MailAddress } from './mail-address.ts'

/** Text longer than this (UTF-8 bytes) stays in a blob; the article keeps the beginning (items are capped at 400 KB). */
export const maxInlineBodyBytes = 64 * 1024
/** An address field of the article (To, Cc, Reply-To) keeps this many characters; the raw mail keeps all. */
const maxAddressFieldChars = 8 * 1024
/** References kept on the article (enough to thread a reply; RFC 5322 allows trimming them). */
const maxArticleReferences = 20

/** The article's To/Cc: as many addresses as fit, then how many more there were. */
export function boundedAddressList(addresses: MailAddress[], maxChars = maxAddressFieldChars): string {
  let text = ''
  for (const [index, address] of addresses.entries()) {
    const next = `${text ? ', ' : ''}${formatAddress(address)}`
    if (text.length + next.length > maxChars) return `${text} (+${addresses.length - index} more)`
    text += next
  }
  return text
}

/** The longest prefix of `text` within `maxBytes` UTF-8 bytes. */
function prefixWithinBytes(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text
  let prefix = text.slice(0, maxBytes)
  while (Buffer.byteLength(prefix) > maxBytes) prefix = prefix.slice(0, Math.floor(prefix.length * 0.9))
  return prefix
}

export interface StoredMailParts {
  attachments: Attachment[]
  htmlBlobKey: string | null
  bodyText: string
  bodyTextBlobKey: string | null
}

/**
 * Stores the parts of a mail as blobs under keys derived from the mail's content hash: a
 * redelivery writes the same keys again instead of leaving orphans. The keys are opaque: the
 * sender's file name is metadata, never a path.
 */
export async function storeMailParts(blobs: BlobStore, contentHash: string, mail: InboundMail): Promise<StoredMailParts> {
  const prefix = `mail/${contentHash}`
  const attachments = await Promise.all(
    mail.attachments.map(async (attachment, index): Promise<Attachment> => {
      const blobKey = `${prefix}/part-${index + 1}`
      await blobs.put(blobKey, attachment.content, { contentType: attachment.contentType })
      return {
        id: String(index + 1),
        name: attachment.name,
        size: attachment.size,
        contentType: attachment.contentType,
        blobKey,
        contentId: attachment.contentId,
        inline: attachment.inline,
      }
    }),
  )
  let htmlBlobKey: string | null = null
  if (mail.html) {
    htmlBlobKey = `${prefix}/body.html`
    await blobs.put(htmlBlobKey, mail.html, { contentType: 'text/html; charset=utf-8' })
  }
  let bodyText = mail.text
  let bodyTextBlobKey: string | null = null
  if (bodyText.length > maxInlineBodyBytes / 4 && Buffer.byteLength(bodyText) > maxInlineBodyBytes) {
    bodyTextBlobKey = `${prefix}/body.txt`
    await blobs.put(bodyTextBlobKey, bodyText, { contentType: 'text/plain; charset=utf-8' })
    bodyText = prefixWithinBytes(bodyText, maxInlineBodyBytes)
  }
  return { attachments, htmlBlobKey, bodyText, bodyTextBlobKey }
}

export function customerArticleFromMail(
  mail: InboundMail,
  parts: StoredMailParts,
  ids: { articleId: string; ticketNumber: string; rawBlobKey: string; at: Date; from: string },
): Article {
  return {
    id: ids.articleId,
    ticketNumber: ids.ticketNumber,
    sender: 'customer',
    channel: 'email',
    visibleToCustomer: true,
    from: ids.from,
    to: boundedAddressList(mail.to),
    cc: boundedAddressList(mail.cc),
    replyTo: mail.replyTo.length > 0 ? boundedAddressList(mail.replyTo) : null,
    subject: mail.subject,
    bodyText: parts.bodyText,
    bodyTextBlobKey: parts.bodyTextBlobKey,
    htmlBlobKey: parts.htmlBlobKey,
    messageId: mail.messageId,
    inReplyTo: mail.inReplyTo,
    references: mail.references.slice(-maxArticleReferences),
    attachments: parts.attachments,
    rawBlobKey: ids.rawBlobKey,
    createdAt: ids.at.toISOString(),
    createdBy: null,
    transmission: null,
    notes: mail.notes,
  }
}

