import type { Meta } from './api/types.ts'
import type { I18n } from './i18n/i18n.tsx'

/** Configured names (states, priorities) in the agent's language when they are OTRS's defaults, else as configured. */
export function stateLabel(i18n: I18n, state: string): string {
  const key = `state.${state}`
  return i18n.has(key) ? i18n.t(key) : state
}

export function stateTypeLabel(i18n: I18n, stateType: string): string {
  const key = `stateType.${stateType}`
  return i18n.has(key) ? i18n.t(key) : stateType
}

export function priorityLabel(i18n: I18n, meta: Meta, priority: number): string {
  const name = meta.priorities.find((candidate) => candidate.id === priority)?.name ?? String(priority)
  const key = `priority.${name}`
  return i18n.has(key) ? i18n.t(key) : name
}

export function stateClass(stateType: string): string {
  if (stateType === 'new') return 'pill state-new'
  if (stateType === 'open') return 'pill state-open'
  if (stateType.startsWith('pending')) return 'pill state-pending'
  return 'pill state-closed'
}

/** OTRS "Age": how long since the ticket was created, e.g. "3 d 4 h", "25 m". */
export function age(i18n: I18n, since: string, now = Date.now()): string {
  const minutes = Math.max(0, Math.floor((now - Date.parse(since)) / 60_000))
  const days = Math.floor(minutes / 1440)
  const hours = Math.floor((minutes % 1440) / 60)
  if (days > 0) return i18n.t('age.daysHours', { d: days, h: hours })
  if (hours > 0) return i18n.t('age.hoursMinutes', { h: hours, m: minutes % 60 })
  return i18n.t('age.minutes', { m: minutes })
}

/** A login as the agent's name, when known. */
export function agentName(meta: Meta, login: string | null): string {
  if (!login) return ''
  return meta.agents.find((agent) => agent.login === login)?.name || login
}
