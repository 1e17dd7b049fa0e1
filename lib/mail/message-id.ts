import type { DocketConfig } from '../platform/config.ts'
import { ticketNumberPattern } from '../ticket/ticket-number.ts'

/**
 * Our own Message-IDs carry the ticket number (`<article id>.<ticket number>@<fqdn>`), so a reply
 * to any mail we sent threads without an index entry: one write less per outgoing mail.
 */
export function ownMessageId(config: DocketConfig, id: string, ticketNumber: string): string {
  return `${id}.${ticketNumber}@${config.system.fqdn}`
}

export function ticketOfOwnMessageId(config: DocketConfig, messageId: string): string | null {
  const bare = messageId.trim().replace(/^<|>$/g, '')
  const at = bare.lastIndexOf('@')
  if (at < 0 || bare.slice(at + 1).toLowerCase() !== config.system.fqdn.toLowerCase()) return null
  const match = new RegExp(`\\.(${ticketNumberPattern(config.system.id)})$`).exec(bare.slice(0, at))
  return match ? match[1]! : null
}
