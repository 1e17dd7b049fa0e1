import type { DocketConfig } from '../../platform/config.ts'
import type { DocketLogger } from '../../platform/logger.ts'
import type { TicketStore } from '../../ticket/ports.ts'
import type { InboundMail } from '../parse-mail.ts'

/**
 * The postmaster: an ordered list of small, named filters over one parsed mail (OTRS's
 * PostMaster::PreFilterModule / Zammad's channel filters). Filters never write tickets; they
 * decide. The decision is then applied in one transaction by ingest-mail.ts.
 */
export interface PostmasterInput {
  mail: InboundMail
  /** Envelope recipients (SMTP RCPT TO) when the transport knows them. */
  envelopeRecipients: string[]
}

export interface FollowUpMatch {
  ticketNumber: string
  by: 'subject' | 'message-id'
}

export interface PostmasterContext {
  readonly input: PostmasterInput
  /**
   * Control values (OTRS: X-OTRS-* headers), e.g. "X-Docket-Queue". Only filters and trusted
   * sources set them; the same headers in a customer's mail are never read from the mail itself.
   */
  readonly controls: Map<string, string>
  followUp: FollowUpMatch | null
  /** One line per filter that changed something, for the ticket history and dry runs. */
  readonly trace: string[]
}

export interface PostmasterDeps {
  config: DocketConfig
  tickets: Pick<TicketStore, 'get' | 'findByMessageIds'>
  logger: DocketLogger
}

export interface PostmasterFilter {
  readonly name: string
  run(context: PostmasterContext, deps: PostmasterDeps): void | Promise<void>
}

export async function runPostmaster(filters: readonly PostmasterFilter[], input: PostmasterInput, deps: PostmasterDeps): Promise<PostmasterContext> {
  const context: PostmasterContext = { input, controls: new Map(), followUp: null, trace: [] }
  for (const filter of filters) {
    await filter.run(context, deps)
  }
  return context
}

export const control = {
  queue: 'X-Docket-Queue',
  priority: 'X-Docket-Priority',
  state: 'X-Docket-State',
  spam: 'X-Docket-Spam',
} as const
