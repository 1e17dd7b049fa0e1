import type { DocketConfig } from '../../platform/config.ts'
import type { DocketLogger } from '../../platform/logger.ts'
import type { TicketStore } from '../../ticket/ports.ts'
import type { InboundMail, MailAddress } from '../parse-mail.ts'

/**
 * The postmaster: an ordered list of small, named filters over one parsed mail (OTRS's
 * PostMaster filter modules, Zammad's channel filters). Filters never write: they decide. The
 * decision is applied in one transaction by ingest-mail.ts, or only shown (dry run).
 */
export interface PostmasterInput {
  mail: InboundMail
  /** Envelope recipients (SMTP RCPT TO) when the transport knows them. */
  envelopeRecipients: string[]
  /** Envelope sender (SMTP MAIL FROM / Return-Path) when known. */
  envelopeSender: string | null
  /** In AWS, SES adds spam and virus verdict headers on top of the mail; locally nobody does. */
  sesVerdictsTrusted: boolean
}

export type SenderSource = 'From' | 'Sender' | 'Reply-To' | 'Return-Path' | 'envelope' | 'none'

export interface FollowUpMatch {
  ticketNumber: string
  /** How the mail was matched; only Message-ID threading proves the sender saw the thread. */
  by: 'subject' | 'message-id' | 'body' | 'external-number'
}

export interface BounceReport {
  failedRecipients: { address: string; status: string; diagnostic: string }[]
  originalMessageId: string | null
  /** The ticket whose outbound mail bounced; null when the original is not ours. */
  ticketNumber: string | null
}

export interface PostmasterContext {
  readonly input: PostmasterInput
  /** Who wrote the mail: From, or the best address the mail offers instead. */
  sender: MailAddress & { source: SenderSource }
  /**
   * Control values (OTRS: X-OTRS-* headers) by canonical name, e.g. "X-Docket-Queue". Set by
   * postmaster filters, and read from the mail itself only when it came through a trusted address.
   */
  readonly controls: Map<string, string>
  /** The first configured address the mail was sent to. */
  recipientAddress: string | null
  spam: boolean
  /** Why this mail must never be answered automatically (auto-generated, list mail, loop…), or null. */
  noAutoResponse: string | null
  bounce: BounceReport | null
  followUp: FollowUpMatch | null
  /** Tickets the mail threads into by In-Reply-To/References (proof its sender saw the thread). */
  readonly threadsInto: Set<string>
  /** Instead of a follow-up: open a new ticket linked to this one, for this reason. */
  newTicketLinkedTo: { ticketNumber: string; reason: string } | null
  /** The follow-up is refused by the queue's policy (reject): answered, nothing written. */
  rejected: { ticketNumber: string; reason: string } | null
  /** Partner ticket numbers found in the mail: kept on a new ticket. */
  externalRefs: { field: string; value: string }[]
  /** Names of the configured postmaster filters that matched. */
  readonly matchedFilters: string[]
  /** One line per decision, for the ticket history and dry runs. */
  readonly trace: string[]
}

export interface PostmasterDeps {
  config: DocketConfig
  tickets: Pick<TicketStore, 'get' | 'findByMessageIds' | 'findByExternalRef' | 'getArticle' | 'getOutboundMail'>
  logger: DocketLogger
}

export interface PostmasterFilter {
  readonly name: string
  run(context: PostmasterContext, deps: PostmasterDeps): void | Promise<void>
}

export function newContext(input: PostmasterInput): PostmasterContext {
  return {
    input,
    sender: { address: '', name: '', source: 'none' },
    controls: new Map(),
    recipientAddress: null,
    spam: false,
    noAutoResponse: null,
    bounce: null,
    followUp: null,
    threadsInto: new Set(),
    newTicketLinkedTo: null,
    rejected: null,
    externalRefs: [],
    matchedFilters: [],
    trace: [],
  }
}

/**
 * The trace as one history line: a mail decides what some lines say (header values, filter
 * captures), so each line and the whole are bounded (items are capped at 400 KB).
 */
export function traceSummary(trace: readonly string[], maxLineChars = 300, maxChars = 4000): string {
  const text = trace.map((line) => (line.length > maxLineChars ? `${line.slice(0, maxLineChars)}…` : line)).join('; ')
  return text.length > maxChars ? `${text.slice(0, maxChars)}…` : text
}

export async function runPostmaster(filters: readonly PostmasterFilter[], input: PostmasterInput, deps: PostmasterDeps): Promise<PostmasterContext> {
  const context = newContext(input)
  for (const filter of filters) await filter.run(context, deps)
  return context
}

/** Control header names, canonical spelling. */
export const control = {
  queue: 'X-Docket-Queue',
  priority: 'X-Docket-Priority',
  state: 'X-Docket-State',
  pendingTime: 'X-Docket-State-PendingTime',
  owner: 'X-Docket-Owner',
  responsible: 'X-Docket-Responsible',
  title: 'X-Docket-Title',
  customerUser: 'X-Docket-CustomerUser',
  customerId: 'X-Docket-CustomerID',
  ignore: 'X-Docket-Ignore',
  loop: 'X-Docket-Loop',
  followUpQueue: 'X-Docket-FollowUp-Queue',
  followUpPriority: 'X-Docket-FollowUp-Priority',
  followUpState: 'X-Docket-FollowUp-State',
  followUpStateKeep: 'X-Docket-FollowUp-State-Keep',
  followUpPendingTime: 'X-Docket-FollowUp-State-PendingTime',
  followUpOwner: 'X-Docket-FollowUp-Owner',
  followUpResponsible: 'X-Docket-FollowUp-Responsible',
  followUpTitle: 'X-Docket-FollowUp-Title',
} as const

const knownControls = new Map(Object.values(control).map((name) => [name.toLowerCase(), name]))

/** Canonical spelling of a control header; dynamic fields keep their field name's case. */
export function canonicalControl(name: string): string | undefined {
  const known = knownControls.get(name.toLowerCase())
  if (known) return known
  const dynamic = /^X-Docket-(FollowUp-)?DynamicField-([A-Za-z0-9]+)$/i.exec(name)
  if (dynamic) return `X-Docket-${dynamic[1] ? 'FollowUp-' : ''}DynamicField-${dynamic[2]}`
  return undefined
}

export const isYes = (value: string | undefined) => value !== undefined && /^(yes|true|1)$/i.test(value.trim())
