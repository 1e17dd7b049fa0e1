import type { DocketConfig } from '../platform/config.ts'

/**
 * A customer user's CustomerID (company): the mail domain, except for free-mail domains, whose
 * users are strangers to each other and each get their own (their address).
 */
export function customerIdFor(config: DocketConfig, address: string): string {
  const lower = address.toLowerCase()
  const domain = lower.split('@')[1] ?? lower
  return config.mail.freemailDomains.some((candidate) => candidate.toLowerCase() === domain) ? lower : domain
}

export const unknownSender = { address: 'unknown-sender@invalid', name: 'unknown sender' }
