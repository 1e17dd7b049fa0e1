import type { AgentConfig } from '../../schemas/config.ts'
import { readableQueues } from '../auth/permissions.ts'
import type { BlobStore } from '../blobs/ports.ts'
import { systemAddressOf, type DocketConfig } from '../platform/config.ts'
import { newId } from '../platform/ids.ts'
import type { OutboundMailRecord, Ticket } from '../ticket/model.ts'
import { composeMail } from './compose-mail.ts'
import { generatedMailHeaders } from './auto-response.ts'

export type NotificationEvent = 'new-ticket' | 'follow-up'

/** OTRS "My Queues": configured, or every readable queue except the spam queue. */
export function myQueues(config: DocketConfig, agent: AgentConfig): string[] {
  return agent.myQueues ?? readableQueues(config, agent).filter((queue) => queue !== config.mail.spam?.queue)
}

/** Who hears about it: new tickets → agents watching the queue; follow-ups → the ticket's owner. Never the writer. */
export function notificationRecipients(config: DocketConfig, event: NotificationEvent, ticket: Ticket, writer: string): AgentConfig[] {
  const candidates =
    event === 'new-ticket'
      ? config.agents.filter((agent) => agent.notifications.newTicket && myQueues(config, agent).includes(ticket.queue))
      : config.agents.filter((agent) => agent.notifications.followUp && agent.login === ticket.owner)
  return candidates.filter((agent) => agent.enabled && agent.email.toLowerCase() !== writer.toLowerCase())
}

/** One notification mail for the event (agents as recipients), stored and recorded for the outbox relay. */
export async function prepareNotification(
  deps: { config: DocketConfig; attachments: BlobStore },
  event: NotificationEvent,
  ticket: Ticket,
  summary: { from: string; text: string },
  writer: string,
  at: Date,
): Promise<OutboundMailRecord | null> {
  const recipients = notificationRecipients(deps.config, event, ticket, writer)
  if (recipients.length === 0) return null
  const { config } = deps
  const from = systemAddressOf(config, ticket.queue)
  const id = newId(at)
  const what = event === 'new-ticket' ? `New ticket in ${ticket.queue}` : 'Customer follow-up'
  const subject = `[${config.ticket.hook}${ticket.number}] ${what}: ${ticket.title}`.replace(/[\r\n]+/g, ' ')
  const excerpt = summary.text.length > 2000 ? `${summary.text.slice(0, 2000)}…` : summary.text
  const body = [
    `${what}: ${ticket.title}`,
    '',
    `From:     ${summary.from}`,
    `Queue:    ${ticket.queue}`,
    `State:    ${ticket.state}`,
    `Priority: ${config.priorities[ticket.priority - 1] ?? ticket.priority}`,
    '',
    excerpt,
    '',
    `Open the ticket: ${config.system.webUrl.replace(/\/$/, '')}/tickets/${ticket.number}`,
  ].join('\n')
  const raw = await composeMail({
    from: { address: from.address, name: config.system.name },
    to: recipients.map((agent) => `${agent.firstName} ${agent.lastName}`.trim() + ` <${agent.email}>`),
    cc: [],
    subject,
    text: body,
    messageId: `${id}.notification@${config.system.fqdn}`,
    inReplyTo: null,
    references: [],
    date: at,
    headers: generatedMailHeaders('auto-generated'),
  })
  const rawBlobKey = `outbound/${ticket.number}/${id}.notification.eml`
  await deps.attachments.put(rawBlobKey, raw, { contentType: 'message/rfc822' })
  return {
    id,
    kind: 'notification',
    ticketNumber: ticket.number,
    rawBlobKey,
    sender: from.address,
    recipients: recipients.map((agent) => agent.email),
    subject,
    status: 'queued',
    attempts: 0,
    error: null,
    createdAt: at.toISOString(),
    changedAt: at.toISOString(),
  }
}
