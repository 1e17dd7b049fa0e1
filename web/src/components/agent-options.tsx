import { useApp } from '../app-context.tsx'
import type { Meta } from '../api/types.ts'
import { useI18n, type I18n } from '../i18n/i18n.tsx'

type MetaAgent = Meta['agents'][number]

/** Agents who may own a ticket of each of these queues or be responsible for it (the server's list, /api/meta). */
export function agentsForQueues(meta: Meta, queues: readonly string[]): MetaAgent[] {
  return meta.agents.filter((agent) => queues.every((queue) => agent.queues.includes(queue)))
}

/** An agent's name as pickers show it: with "out of office (until …)" while they are away (OTRS shows the same). */
export function agentLabel(i18n: I18n, agent: MetaAgent): string {
  const name = agent.name || agent.login
  if (!agent.outOfOffice) return name
  return agent.outOfOffice.until
    ? i18n.t('agent.outOfOfficeUntil', { name, until: i18n.date(`${agent.outOfOffice.until}T12:00:00Z`) })
    : i18n.t('agent.outOfOffice', { name })
}

/**
 * The <option>s of an agent picker (owner, responsible, search by owner, admin actions): every enabled
 * agent by name, marked when out of office; for a ticket's owner or responsible (`queues` given) only
 * the agents who may work in those queues.
 */
export function AgentOptions({ queues }: { queues?: readonly string[] | undefined } = {}) {
  const { meta } = useApp()
  const i18n = useI18n()
  return (
    <>
      {(queues ? agentsForQueues(meta, queues) : meta.agents).map((agent) => (
        <option key={agent.login} value={agent.login}>
          {agentLabel(i18n, agent)}
        </option>
      ))}
    </>
  )
}
