import type { DocketConfig } from '../lib/platform/config.ts'

/**
 * What the mail setup in AWS derives from docket.config.yaml, computed in one place so the receipt
 * rule, the sending permissions and the MX outputs always agree with the admin's file.
 */

/** SES accepts at most this many recipients per receipt rule. */
export const maxRecipientsPerReceiptRule = 100

/**
 * The recipients of the receipt rule: every configured address, plus each catch-all domain (a bare
 * domain in a receipt rule matches all of its addresses, as the local SMTP server does).
 */
export function receiptRecipients(config: DocketConfig): string[] {
  return unique([...config.mail.addresses.map((entry) => entry.address), ...config.mail.catchAllDomains])
}

/** Every domain mail arrives for: each needs an MX record pointing at SES. */
export function inboundMailDomains(config: DocketConfig): string[] {
  return unique([...config.mail.addresses.map((entry) => domainOf(entry.address)), ...config.mail.catchAllDomains])
}

/**
 * The SES identities Docket may send from: the domain of every address replies can come from
 * (configured addresses and queue system addresses), and the addresses themselves, because SES
 * authorizes against an address identity when one is verified and against its domain otherwise.
 */
export function senderIdentities(config: DocketConfig): string[] {
  const addresses = [
    ...config.mail.addresses.map((entry) => entry.address),
    ...config.queues.flatMap((queue) => (queue.systemAddress ? [queue.systemAddress] : [])),
  ]
  return unique([...addresses.map(domainOf), ...addresses])
}

/** Every domain mail arrives for or leaves from: each gets an SES domain identity (DKIM). */
export function mailDomains(config: DocketConfig): string[] {
  return unique([...inboundMailDomains(config), ...senderIdentities(config).filter((identity) => !identity.includes('@'))])
}

/** Construct and output ids are alphanumeric: example.com → ExampleCom. */
export function domainIdPart(domain: string): string {
  return domain
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('')
}

function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1)
}

function unique(values: string[]): string[] {
  return [...new Set(values.map((value) => value.toLowerCase()))]
}
