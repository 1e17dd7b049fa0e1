import type { AgentConfig } from '../../schemas/config.ts'
import { mayReadQueue } from '../auth/permissions.ts'
import type { AgentStore } from '../auth/ports.ts'
import { loadEffectivePreferences, type AgentPreferences } from '../auth/preferences.ts'
import type { BlobStore } from '../blobs/ports.ts'
import { systemAddressOf, webUrlOf, type DocketConfig } from '../platform/config.ts'
import { newId } from '../platform/ids.ts'
import { queuedMailRecord, type OutboundMailRecord, type Ticket } from '../ticket/model.ts'
import { generatedMailHeaders } from './auto-response.ts'
import { composeMail } from './compose-mail.ts'
import { textsFor, type NotificationTexts } from './notification-texts.ts'

/** The subject (after the ticket marker) and the lines of a mail to one agent. */
export interface AgentMessage {
  subject: string
  lines: string[]
}

/** The message for one agent, from the catalog of the agent's language. */
export type AgentMessageBuilder = (texts: NotificationTexts, agent: AgentConfig) => AgentMessage

/** The message in the agent's language, or one fixed text for all (a GenericAgent job's own words). */
export type AgentMessageFor = AgentMessage | AgentMessageBuilder

export interface AgentMailDeps {
  config: DocketConfig
  attachments: BlobStore
  agents: Pick<AgentStore, 'getPreferences'>
}

/**
 * System mails to agents about a ticket (notifications, assignment with a note, reminders,
 * escalations, GenericAgent): composed, stored, and returned as outbound-mail records to be
 * written with the change that causes them. One mail per agent, so nobody learns who else was told
 * and each reads it in their own language (their preference; the caller may pass the preferences it
 * already read). Only agents who may read the ticket's queue as it is now receive one (whoever chose
 * them): a mail holds the customer's text, and a ticket moved to a queue its owner cannot read must
 * not keep mailing them. Empty when nobody is left.
 */
export async function prepareAgentMail(
  deps: AgentMailDeps,
  ticket: Ticket,
  recipients: AgentConfig[],
  message: AgentMessageFor,
  at: Date,
  preferences?: ReadonlyMap<string, Pick<AgentPreferences, 'language'>>,
): Promise<OutboundMailRecord[]> {
  const { config } = deps
  const readers = recipients.filter((agent, index) => mayReadQueue(config, agent, ticket.queue) && recipients.indexOf(agent) === index)
  if (readers.length === 0) return []
  const missing = readers.filter((agent) => !preferences?.has(agent.login))
  const loaded = missing.length > 0 ? await loadEffectivePreferences({ config, agents: deps.agents }, missing) : new Map<string, AgentPreferences>()
  const languageOf = (agent: AgentConfig) => preferences?.get(agent.login)?.language ?? loaded.get(agent.login)?.language
  const from = systemAddressOf(config, ticket.queue)
  const link = `${webUrlOf(config)}/tickets/${ticket.number}`
  return Promise.all(
    readers.map(async (agent) => {
      const texts = textsFor(languageOf(agent))
      const { subject: what, lines } = typeof message === 'function' ? message(texts, agent) : message
      const id = newId(at)
      const subject = `[${config.ticket.hook}${ticket.number}] ${what}`.replace(/[\r\n]+/g, ' ')
      const raw = await composeMail({
        from: { address: from.address, name: config.system.name },
        to: [`${`${agent.firstName} ${agent.lastName}`.trim()} <${agent.email}>`],
        cc: [],
        subject,
        text: [...lines, '', texts.link(link)].join('\n'),
        messageId: `${id}.notification@${config.system.fqdn}`,
        inReplyTo: null,
        references: [],
        date: at,
        headers: generatedMailHeaders('auto-generated'),
      })
      const rawBlobKey = `outbound/${ticket.number}/${id}.notification.eml`
      await deps.attachments.put(rawBlobKey, raw, { contentType: 'message/rfc822' })
      return queuedMailRecord(
        {
          id,
          kind: 'notification',
          ticketNumber: ticket.number,
          rawBlobKey,
          sender: from.address,
          recipients: [agent.email],
          subject,
        },
        at,
      )
    }),
  )
}

/** Who the mails went to, for the history entry that says so. */
export const mailedAgents = (mails: readonly OutboundMailRecord[]): string => mails.flatMap((mail) => mail.recipients).join(', ')
