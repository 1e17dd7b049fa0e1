import type { BlobStore } from '../blobs/ports.ts'
import type { Article, Attachment } from '../ticket/model.ts'
import { formatAddressList, type InboundMail } from './parse-mail.ts'

/** Text longer than this stays in a blob; the article keeps the beginning (items are capped at 400 KB). */
export const maxInlineBodyChars = 64 * 1024

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
  if (bodyText.length > maxInlineBodyChars) {
    bodyTextBlobKey = `${prefix}/body.txt`
    await blobs.put(bodyTextBlobKey, bodyText, { contentType: 'text/plain; charset=utf-8' })
    bodyText = bodyText.slice(0, maxInlineBodyChars)
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
    to: formatAddressList(mail.to),
    cc: formatAddressList(mail.cc),
    replyTo: mail.replyTo.length > 0 ? formatAddressList(mail.replyTo) : null,
    subject: mail.subject,
    bodyText: parts.bodyText,
    bodyTextBlobKey: parts.bodyTextBlobKey,
    htmlBlobKey: parts.htmlBlobKey,
    messageId: mail.messageId,
    inReplyTo: mail.inReplyTo,
    references: mail.references,
    attachments: parts.attachments,
    rawBlobKey: ids.rawBlobKey,
    createdAt: ids.at.toISOString(),
    createdBy: null,
    transmission: null,
    notes: mail.notes,
  }
}

