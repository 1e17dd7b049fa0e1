import { normalizeMessageId } from '../../store/keys.ts'
import { findTicketNumbers } from '../../ticket/ticket-number.ts'
import { ownMessageIdParts, ticketOfOwnMessageId } from '../message-id.ts'
import type { PostmasterContext, PostmasterDeps, PostmasterFilter } from './pipeline.ts'

/** Follow-up detection does not apply to bounces: those are matched by detect-bounce. */
const skip = (context: PostmasterContext) => context.followUp !== null || context.bounce !== null

async function firstExisting(numbers: string[], deps: PostmasterDeps): Promise<string | undefined> {
  for (const number of numbers) if (await deps.tickets.get(number)) return number
  return undefined
}

/** Follow-up by a ticket number of ours in the subject, after the configured hook ("Re: [Ticket#…]"). */
export const followUpBySubject: PostmasterFilter = {
  name: 'follow-up-by-subject',
  async run(context, deps) {
    if (skip(context)) return
    const number = await firstExisting(findTicketNumbers(context.input.mail.subject, deps.config.ticket.hook, deps.config.system.id), deps)
    if (number) {
      context.followUp = { ticketNumber: number, by: 'subject' }
      context.trace.push(`follow-up to ${number} (ticket number in the subject)`)
    }
  },
}

/**
 * Follow-up by In-Reply-To / References against the Message-IDs of articles we know. Runs even
 * when the subject already matched: a mail that threads by Message-ID proves its sender was in
 * the conversation (see stranger-guard).
 */
export const followUpByReferences: PostmasterFilter = {
  name: 'follow-up-by-references',
  async run(context, { config, tickets }) {
    if (context.bounce) return
    const { mail } = context.input
    const candidates = [...(mail.inReplyTo ? [mail.inReplyTo] : []), ...[...mail.references].reverse()].slice(0, 50)
    if (candidates.length === 0) return
    // Our own Message-IDs name their ticket (checked against the mail we sent: the format is
    // public); only other Message-IDs are looked up in the index.
    const own = await Promise.all(candidates.map(async (candidate) => ({ candidate, ours: ownMessageIdParts(config, candidate) !== null, number: await ticketOfOwnMessageId(config, tickets, candidate) })))
    const hits = [
      ...own.filter((entry) => entry.number !== null).map((entry) => ({ messageId: entry.candidate, ticketNumber: entry.number!, articleId: '' })),
      ...(await tickets.findByMessageIds(own.filter((entry) => !entry.ours).map((entry) => entry.candidate))),
    ]
    const existing = new Set<string>()
    for (const number of new Set(hits.map((hit) => hit.ticketNumber))) if (await tickets.get(number)) existing.add(number)
    for (const number of existing) context.threadsInto.add(number)
    if (context.followUp) return
    for (const candidate of candidates) {
      const hit = hits.find((entry) => existing.has(entry.ticketNumber) && normalizeMessageId(entry.messageId) === normalizeMessageId(candidate))
      if (hit) {
        context.followUp = { ticketNumber: hit.ticketNumber, by: 'message-id' }
        context.trace.push(`follow-up to ${hit.ticketNumber} (threads by Message-ID <${candidate}>)`)
        return
      }
    }
  },
}

/** Optional (mail.followUp.searchBody): a ticket number quoted in the body. */
export const followUpByBody: PostmasterFilter = {
  name: 'follow-up-by-body',
  async run(context, deps) {
    if (skip(context) || !deps.config.mail.followUp.searchBody) return
    const number = await firstExisting(findTicketNumbers(context.input.mail.text.slice(0, 200_000), deps.config.ticket.hook, deps.config.system.id), deps)
    if (number) {
      context.followUp = { ticketNumber: number, by: 'body' }
      context.trace.push(`follow-up to ${number} (ticket number in the body)`)
    }
  },
}

/** Partner ticket numbers (OTRS ExternalTicketNumberRecognition): threads to the ticket that keeps that number. */
export const followUpByExternalNumber: PostmasterFilter = {
  name: 'follow-up-by-external-number',
  async run(context, { config, tickets }) {
    if (context.bounce) return
    const { mail } = context.input
    for (const partner of config.mail.followUp.externalNumbers) {
      if (partner.from && !new RegExp(partner.from, 'iu').test(context.sender.address)) continue
      const pattern = new RegExp(partner.pattern, 'iu')
      const match = pattern.exec(mail.subject) ?? (partner.searchBody ? pattern.exec(mail.text.slice(0, 200_000)) : null)
      const value = match?.[1]
      if (!value) continue
      const number = context.followUp ? undefined : await tickets.findByExternalRef(partner.dynamicField, value)
      if (number) {
        context.followUp = { ticketNumber: number, by: 'external-number' }
        context.trace.push(`follow-up to ${number} (${partner.name} number ${value})`)
      } else {
        context.externalRefs.push({ field: partner.dynamicField, value })
      }
    }
  },
}
