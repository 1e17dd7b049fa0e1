import type { StateType } from '../../schemas/config.ts'

/** A ticket as the domain sees it; the store adds keys and index attributes around it. */
export interface Ticket {
  number: string
  title: string
  queue: string
  state: string
  stateType: StateType
  /** 1 very low … 5 very high (OTRS default 3 normal). */
  priority: number
  lock: 'lock' | 'unlock'
  owner: string | null
  responsible: string | null
  /** The customer user: an email address. */
  customer: string | null
  /** The customer's company (OTRS CustomerID), from the mail domain by default. */
  customerId: string | null
  createdAt: string
  changedAt: string
  pendingUntil: string | null
  mergedInto: string | null
  /** Optimistic concurrency: every write is conditional on the version it read. */
  version: number
  articleCount: number
  /**
   * Addresses that took part in the ticket's mail exchange (lower case, our own excluded): with
   * the customer they may write into the ticket by quoting its number.
   */
  participants: string[]
  /** OTRS dynamic fields, set by postmaster filters or agents. */
  dynamicFields: Record<string, string>
  /** Tickets merged into this one: their articles show in this ticket's thread. */
  mergedFrom: string[]
  /** Accounted time (OTRS time units), the sum over the articles. */
  timeUnits: number
  /** Auto responses sent in the current 10-minute window (the per-ticket loop cap). */
  autoResponses?: { window: string; count: number }
  /** Pending reminders sent for the current pending time; the next one is due at `nextAt` (every 24 h). */
  reminder?: { for: string; count: number; nextAt: string } | null
  /** When the ticket became "removed" (Junk cleanup); the Junk purge deletes it a month later. */
  removedAt?: string | null
  /** When the ticket was last closed (OTRS close time); null while it is not closed. */
  closedAt?: string | null
  /** SLA deadlines (OTRS escalation times), recomputed on every change; null/absent: no SLA applies. */
  escalation?: TicketEscalation | null
  /**
   * Agents watching the ticket (OTRS ticket watcher): they hear of it as its owner does and find it in
   * "My watched tickets". Absent on tickets written before watching existed.
   */
  watchers?: string[]
}

export type EscalationKind = 'firstResponse' | 'update' | 'solution'

/**
 * A ticket's escalation times under its queue's SLA (lib/ticket/escalation.ts), kept by
 * ticket-service on every write. Deadlines are null when met, not configured, or while the
 * ticket cannot escalate (closed, merged, removed, pending).
 */
export interface TicketEscalation {
  sla: string
  /** Creation + first response time, until the first agent mail to the customer. */
  firstResponseDue: string | null
  /** The first unanswered customer contact (or our last mail to the customer) + update time. */
  updateDue: string | null
  /** Creation + solution time, until the ticket is first closed. */
  solutionDue: string | null
  /** The earliest deadline (OTRS escalation time): the "escalated" and "escalating soon" views. */
  nextDue: string | null
  /** The earliest deadline not notified yet: when the escalation job must act next. */
  notifyAt: string | null
  /** Per kind, the deadline a notification went out for: never a second one for the same deadline. */
  notified: Partial<Record<EscalationKind, string>>
  /**
   * Per kind, the first deadline that passed before it was met (the SLA breach statistics): kept
   * for good once set, also after the ticket is answered or closed. Absent on tickets written before.
   */
  breached?: Partial<Record<EscalationKind, string>>
  /** What the deadlines count from, folded in from the articles as they come. */
  basis: EscalationBasis
}

export interface EscalationBasis {
  /** The first agent mail to the customer (first response met). */
  firstResponseAt: string | null
  /** Start of the update time: the first customer contact since our last mail, or our last mail. */
  updateFrom: string | null
  /** Who wrote last of customer and agent (mail to the customer): a run of customer mails counts from its first. */
  lastContact: 'customer' | 'agent' | null
  /** The first close (solution time met). */
  solvedAt: string | null
}

export type LinkType = 'normal' | 'parent' | 'child'

export interface TicketLink {
  /** The other ticket. */
  ticketNumber: string
  /** What the other ticket is to this one. */
  type: LinkType
  createdAt: string
  createdBy: string
}

export type ArticleSender = 'customer' | 'agent' | 'system'
/** OTRS communication channels: Email, Phone, Internal (notes). */
export type ArticleChannel = 'email' | 'phone' | 'note'

export interface Attachment {
  id: string
  name: string
  size: number
  contentType: string
  /** Opaque blob key: never derived from the sender's file name. */
  blobKey: string
  contentId: string | null
  inline: boolean
}

/**
 * queued → sending (an attempt holds the mail until `leaseUntil`) → sent (with the provider's
 * message id) or failed (the provider refused it: retried). `uncertain`: an attempt ended without
 * knowing whether the provider took the mail (a timeout, a crash after the call); it is not sent
 * again by itself, as that could mail the customer twice: an agent decides (resend).
 */
export type TransmissionStatus = 'queued' | 'sending' | 'sent' | 'failed' | 'uncertain'

export interface Transmission {
  status: TransmissionStatus
  attempts: number
  error: string | null
  changedAt: string
  providerMessageId: string | null
  /**
   * The Message-ID the recipients got, where the provider replaced ours: SES sets its own
   * (`<providerMessageId@region.amazonses.com>`). Replies thread by it (the message-id index) and
   * later mails quote it in In-Reply-To/References. Absent when our own Message-ID went out.
   */
  deliveredMessageId?: string | null
  /** While sending: the attempt holds the mail until then. Absent on mails written before leases. */
  leaseUntil?: string | null
  /** Envelope: the queue's address and every recipient. */
  sender: string
  recipients: string[]
}

export interface Article {
  id: string
  ticketNumber: string
  sender: ArticleSender
  channel: ArticleChannel
  visibleToCustomer: boolean
  from: string
  to: string
  cc: string
  replyTo: string | null
  subject: string
  bodyText: string
  /** Set when the text was too large to keep inline: the full text lives in this blob. */
  bodyTextBlobKey: string | null
  htmlBlobKey: string | null
  messageId: string | null
  inReplyTo: string | null
  references: string[]
  attachments: Attachment[]
  /** The raw mail as received or sent. */
  rawBlobKey: string | null
  createdAt: string
  /** Agent login for agent articles, null for mail. */
  createdBy: string | null
  /** Outbound mail only. */
  transmission: Transmission | null
  /** What the parser had to work around (e.g. a missing From), shown to agents. */
  notes: string[]
  /** Time accounted with this article (OTRS time units). */
  timeUnits?: number
}

/** OTRS history types, so agents recognise the audit trail. */
export type HistoryType =
  | 'NewTicket'
  | 'EmailCustomer'
  /** An agent opened a ticket: by phone (the customer called, or was called) or by mail to the customer (OTRS). */
  | 'PhoneCallCustomer'
  | 'PhoneCallAgent'
  | 'EmailAgent'
  | 'FollowUp'
  | 'SendAnswer'
  | 'AddNote'
  | 'StateUpdate'
  | 'Lock'
  | 'Unlock'
  | 'OwnerUpdate'
  | 'ResponsibleUpdate'
  | 'PriorityUpdate'
  | 'Move'
  | 'TitleUpdate'
  | 'CustomerUpdate'
  | 'SetPendingTime'
  | 'Merged'
  | 'Split'
  | 'Link'
  | 'Unlink'
  | 'Bounce'
  | 'Forward'
  | 'SendAutoReply'
  | 'SendAgentNotification'
  | 'TimeAccounting'
  | 'TicketDynamicFieldUpdate'
  /** A deadline of the SLA was reached (OTRS: EscalationResponseTimeStart, …UpdateTimeStart, …SolutionTimeStart). */
  | 'Escalation'
  /** An agent started or stopped watching the ticket (OTRS: Subscribe, Unsubscribe). */
  | 'Subscribe'
  | 'Unsubscribe'
  | 'Misc'

export interface HistoryEntry {
  id: string
  type: HistoryType
  at: string
  /** Agent login, customer address or "system". */
  by: string
  message: string
  changes: Record<string, { before: unknown; after: unknown }> | null
}

/** The kinds of article an agent writes (OTRS: Reply, Reply All, Forward, Bounce, Note, Phone). */
export const agentArticleTypes = ['reply', 'reply-all', 'forward', 'bounce', 'note', 'note-external', 'phone'] as const
export type AgentArticleType = (typeof agentArticleTypes)[number]

/** An agent's unsent article, kept per ticket and agent so it can be resumed. */
export interface Draft {
  ticketNumber: string
  login: string
  type: AgentArticleType
  to: string
  cc: string
  bcc: string
  subject: string
  body: string
  articleId: string | null
  state: string | null
  pendingUntil: string | null
  changedAt: string
}

export interface TicketThread {
  ticket: Ticket
  articles: Article[]
  history: HistoryEntry[]
  links: TicketLink[]
}

/**
 * A mail we send that is not an article: agent notifications, the answer to a rejected
 * follow-up. Written with the change that causes it; the outbox relay queues it for sending.
 */
export interface OutboundMailRecord {
  id: string
  kind: 'notification' | 'reject-response' | 'bounce' | 'password-reset'
  ticketNumber: string | null
  rawBlobKey: string
  sender: string
  recipients: string[]
  subject: string
  status: TransmissionStatus
  attempts: number
  error: string | null
  createdAt: string
  changedAt: string
  /** While sending: the attempt holds the mail until then. */
  leaseUntil?: string | null
  providerMessageId?: string | null
  /** As an article's transmission: the Message-ID the recipients got, where the provider replaced ours. */
  deliveredMessageId?: string | null
}

/** A mail record as it is first written: queued, not yet tried. */
export function queuedMailRecord(mail: Pick<OutboundMailRecord, 'id' | 'kind' | 'ticketNumber' | 'rawBlobKey' | 'sender' | 'recipients' | 'subject'>, at: Date): OutboundMailRecord {
  return { ...mail, status: 'queued', attempts: 0, error: null, createdAt: at.toISOString(), changedAt: at.toISOString() }
}
