import type { AgentConfig } from '../../schemas/config.ts'
import { mayReadQueue } from '../auth/permissions.ts'
import type { BlobStore } from '../blobs/ports.ts'
import { systemAddressOf, webUrlOf, type DocketConfig } from '../platform/config.ts'
import { newId } from '../platform/ids.ts'
import type { OutboundMailRecord, Ticket } from '../ticket/model.ts'
import { generatedMailHeaders } from './auto-response.ts'
import { composeMail } from './compose-mail.ts'

/**
 * A system mail to agents about a ticket (notifications, assignment with a note, reminders,
 * escalations, GenericAgent): composed, stored, and returned as an outbound-mail record to be
 * written with the change that causes it. Only agents who may read the ticket's queue as it is
 * now receive it (whoever chose them): a mail holds the customer's text, and a ticket moved to a
 * queue its owner cannot read must not keep mailing them. Null when nobody is left.
 */
export async function prepareAgentMail(
  deps: { config: DocketConfig; attachments: BlobStore },
  ticket: Ticket,
  recipients: AgentConfig[],
  message: { subject: string; lines: string[] },
  at: Date,
): Promise<OutboundMailRecord | null> {
  const { config } = deps
  const readers = recipients.filter((agent) => mayReadQueue(config, agent, ticket.queue))
  if (readers.length === 0) return null
  const from = systemAddressOf(config, ticket.queue)
  const id = newId(at)
  const subject = `[${config.ticket.hook}${ticket.number}] ${message.subject}`.replace(/[\r\n]+/g, ' ')
  const raw = await composeMail({
    from: { address: from.address, name: config.system.name },
    to: readers.map((agent) => `${`${agent.firstName} ${agent.lastName}`.trim()} <${agent.email}>`),
    cc: [],
    subject,
    text: [...message.lines, '', `Open the ticket: ${webUrlOf(config)}/tickets/${ticket.number}`].join('\n'),
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
    recipients: readers.map((agent) => agent.email),
    subject,
    status: 'queued',
    attempts: 0,
    error: null,
    createdAt: at.toISOString(),
    changedAt: at.toISOString(),
  }
}
