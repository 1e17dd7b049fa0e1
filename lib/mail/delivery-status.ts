import { findTicketNumbers } from '../ticket/ticket-number.ts'
import { ticketOfOwnMessageId } from './message-id.ts'
import type { MailStateStore } from './ports.ts'
import type { PostmasterDeps } from './postmaster/pipeline.ts'

/** One recipient a mail could not be delivered to, as a DSN or SES reports it. */
export interface FailedRecipient {
  address: string
  /** Enhanced status code (RFC 3463), e.g. 5.1.1; empty when the report gives none. */
  status: string
  diagnostic: string
}

/** A reported failure in one form, whoever reported it: address in lower case, the diagnostic without its type ("smtp; "), on one line. */
export function failedRecipient(address: string, status: string | undefined, diagnosticCode: string | undefined): FailedRecipient {
  return {
    address: address.trim().toLowerCase(),
    status: (status ?? '').trim().slice(0, 32),
    diagnostic: (diagnosticCode ?? '').replace(/^[^;]*;\s*/, '').replace(/\s+/g, ' ').trim().slice(0, 200),
  }
}

/** The ticket history line of a failed delivery: one wording for a DSN and an SES bounce. */
export function deliveryFailedMessage(failed: FailedRecipient[], qualifier?: string): string {
  const recipients = failed
    .map((entry) => {
      const detail = [entry.status, entry.diagnostic].filter(Boolean).join(': ')
      return detail ? `${entry.address} (${detail})` : entry.address
    })
    .join(', ')
  return `Delivery failed${qualifier ? ` (${qualifier})` : ''}${recipients ? ` to ${recipients}` : ''}`
}

/**
 * Marks each recipient undeliverable (no more auto responses to it), with its status and
 * diagnostic as the reason. Only for failures that are final: a hard bounce, a complaint. With
 * `reportId`, applying the same report again counts nothing; returns the addresses it counted.
 */
export async function markRecipientsUndeliverable(mailState: MailStateStore, failed: FailedRecipient[], at: Date, reportId?: string): Promise<string[]> {
  const counted: string[] = []
  for (const entry of failed) if (await mailState.markUndeliverable(entry.address, `${entry.status} ${entry.diagnostic}`.trim(), at, reportId)) counted.push(entry.address)
  return counted
}

/**
 * The ticket a mail that bounced belongs to: by its Message-ID (one of ours, proven by the record
 * of the mail we sent, or one in the index), else by a ticket number in its subject. Used for
 * DSNs and for SES's bounce and complaint notifications alike.
 */
export async function ticketOfBouncedMail(
  { config, tickets }: Pick<PostmasterDeps, 'config' | 'tickets'>,
  original: { messageId: string | null; subject: string | null },
): Promise<string | null> {
  if (original.messageId) {
    const own = await ticketOfOwnMessageId(config, tickets, original.messageId)
    if (own && (await tickets.get(own))) return own
    const indexed = (await tickets.findByMessageIds([original.messageId]))[0]?.ticketNumber
    if (indexed) return indexed
  }
  for (const number of original.subject ? findTicketNumbers(original.subject, config.ticket.hook, config.system.id) : []) {
    if (await tickets.get(number)) return number
  }
  return null
}
