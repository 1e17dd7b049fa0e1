import { isIanaTimeZone, languages } from '../../schemas/api-me.ts'
import type { AgentConfig, DocketConfig } from '../../schemas/config.ts'
import type { Clock } from '../platform/clock.ts'
import { invalidRequest } from '../platform/errors.ts'
import type { AgentIdentity } from './auth-service.ts'
import { readableQueues } from './permissions.ts'
import type { AgentStore } from './ports.ts'

/**
 * Agent preferences (OTRS: Personal Preferences): My Queues, which notifications to get, out of
 * office, language and time zone. Stored on the agent's item only as far as the agent changed
 * them; everything else follows the config, so an admin's new default reaches every agent who did
 * not choose otherwise.
 */

export { languages }
export type Language = (typeof languages)[number]

export interface NotificationPreferences {
  /** A new ticket in one of my queues. */
  newTicket: boolean
  /** A customer follow-up on a ticket I own. */
  followUp: boolean
}

export interface OutOfOffice {
  enabled: boolean
  /** First day away (YYYY-MM-DD in the agent's time zone); null: from now on. */
  from: string | null
  /** Last day away, inclusive; null: until switched off. */
  until: string | null
  /** While away, a customer follow-up unlocks my tickets so colleagues can take them. */
  autoUnlock: boolean
}

export interface AgentPreferences {
  /** Queues the agent watches: new-ticket notifications come from these. Only readable queues. */
  myQueues: string[]
  notifications: NotificationPreferences
  outOfOffice: OutOfOffice
  language: Language
  /** IANA time zone the agent sees times in (and out-of-office dates are read in). */
  timeZone: string
}

export const preferenceKeys = ['myQueues', 'notifications', 'outOfOffice', 'language', 'timeZone'] as const
export type PreferenceKey = (typeof preferenceKeys)[number]

/** What the agent chose; a key that is absent follows the config. */
export type StoredPreferences = Partial<AgentPreferences>

/** A change as the API takes it: any subset; nested objects merge; null returns a key to its default. */
export interface PreferencesUpdate {
  myQueues?: string[] | null | undefined
  notifications?: Partial<NotificationPreferences> | undefined
  outOfOffice?: Partial<OutOfOffice> | undefined
  language?: Language | null | undefined
  timeZone?: string | null | undefined
}

/** What to write: keys to set (whole values) and keys to remove (back to the default). */
export interface PreferencesChange {
  set: StoredPreferences
  reset: PreferenceKey[]
}

const notAway: OutOfOffice = { enabled: false, from: null, until: null, autoUnlock: false }

/** OTRS "My Queues" by default: the configured list, or every readable queue except the spam queue. */
export function defaultMyQueues(config: DocketConfig, agent: AgentConfig): string[] {
  return agent.myQueues ?? readableQueues(config, agent).filter((queue) => queue !== config.mail.spam?.queue)
}

/**
 * The preferences in force: what the agent stored over the config's defaults. Stored values that no
 * longer fit (a queue the agent lost access to, a zone or language we dropped) are ignored, so a
 * config change can never leave an agent watching a queue they may not read.
 */
export function effectivePreferences(config: DocketConfig, agent: AgentConfig, stored: unknown = {}): AgentPreferences {
  const kept = keepValid(stored)
  const readable = readableQueues(config, agent)
  const watched = new Set(kept.myQueues ?? defaultMyQueues(config, agent))
  return {
    myQueues: readable.filter((queue) => watched.has(queue)),
    notifications: { ...agent.notifications, ...kept.notifications },
    outOfOffice: kept.outOfOffice ?? notAway,
    language: kept.language ?? 'en',
    timeZone: kept.timeZone ?? config.system.timeZone,
  }
}

/** Out of office at this moment: switched on, and today (in the agent's zone) within from…until, both inclusive. */
export function isOutOfOffice(preferences: Pick<AgentPreferences, 'outOfOffice' | 'timeZone'>, at: Date): boolean {
  const { enabled, from, until } = preferences.outOfOffice
  if (!enabled) return false
  const today = localDate(at, preferences.timeZone)
  return (from === null || from <= today) && (until === null || today <= until)
}

/** The calendar day (YYYY-MM-DD) at `at` in a time zone. */
export function localDate(at: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(at)
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((candidate) => candidate.type === type)?.value ?? ''
  return `${part('year')}-${part('month')}-${part('day')}`
}

/** The IANA name for a zone ("europe/amsterdam" → "Europe/Amsterdam"), or null when it is none. */
export function canonicalTimeZone(zone: string): string | null {
  return isIanaTimeZone(zone) ? new Intl.DateTimeFormat('en', { timeZone: zone }).resolvedOptions().timeZone : null
}

/**
 * Checks a change against the current preferences and says what to write. Throws a 400 naming the
 * field: a queue the agent cannot read in My Queues, an out-of-office period that ends before it starts.
 */
export function planPreferencesChange(config: DocketConfig, agent: AgentConfig, current: AgentPreferences, update: PreferencesUpdate): PreferencesChange {
  const change: PreferencesChange = { set: {}, reset: [] }
  if (update.myQueues === null) change.reset.push('myQueues')
  else if (update.myQueues !== undefined) {
    const readable = readableQueues(config, agent)
    const refused = update.myQueues.filter((queue) => !readable.includes(queue))
    if (refused.length > 0) {
      throw invalidRequest(
        `My Queues may only hold queues you can read; not ${refused.map((queue) => `"${queue}"`).join(', ')} (you can read: ${readable.join(', ') || 'none'})`,
        'body.myQueues',
      )
    }
    change.set.myQueues = readable.filter((queue) => update.myQueues!.includes(queue))
  }
  if (update.notifications) change.set.notifications = { ...current.notifications, ...definedOnly(update.notifications) }
  if (update.outOfOffice) {
    const outOfOffice = { ...current.outOfOffice, ...definedOnly(update.outOfOffice) }
    if (outOfOffice.from !== null && outOfOffice.until !== null && outOfOffice.until < outOfOffice.from) {
      throw invalidRequest(`the last day out of office (${outOfOffice.until}) is before the first (${outOfOffice.from})`, 'body.outOfOffice.until')
    }
    change.set.outOfOffice = outOfOffice
  }
  if (update.language === null) change.reset.push('language')
  else if (update.language !== undefined) change.set.language = update.language
  if (update.timeZone === null) change.reset.push('timeZone')
  else if (update.timeZone !== undefined) {
    const zone = canonicalTimeZone(update.timeZone)
    if (!zone) throw invalidRequest('must be an IANA time zone such as "Europe/Amsterdam"', 'body.timeZone')
    change.set.timeZone = zone
  }
  return change
}

export interface PreferencesDeps {
  config: DocketConfig
  agents: AgentStore
  clock: Clock
}

export async function getOwnPreferences(deps: PreferencesDeps, identity: AgentIdentity): Promise<AgentPreferences> {
  const record = await deps.agents.getAgent(identity.login)
  return effectivePreferences(deps.config, identity.agent, record?.preferences)
}

/** PUT /api/me/preferences: a partial change; answers the preferences now in force. */
export async function updateOwnPreferences(deps: PreferencesDeps, identity: AgentIdentity, update: PreferencesUpdate): Promise<AgentPreferences> {
  const record = await deps.agents.getAgent(identity.login)
  const stored = keepValid(record?.preferences)
  const change = planPreferencesChange(deps.config, identity.agent, effectivePreferences(deps.config, identity.agent, stored), update)
  if (Object.keys(change.set).length > 0 || change.reset.length > 0) {
    await deps.agents.setPreferences(identity.login, change, deps.clock.now().toISOString())
  }
  const next: StoredPreferences = { ...stored, ...change.set }
  for (const key of change.reset) delete next[key]
  return effectivePreferences(deps.config, identity.agent, next)
}

/**
 * The preferences of several agents with one read of the store (a BatchGetItem): the ingest path
 * uses it to choose notification recipients without a read per agent.
 */
export async function loadEffectivePreferences(
  deps: { config: DocketConfig; agents: Pick<AgentStore, 'getPreferences'> },
  agents: readonly AgentConfig[],
): Promise<Map<string, AgentPreferences>> {
  const stored = agents.length > 0 ? await deps.agents.getPreferences(agents.map((agent) => agent.login)) : new Map<string, StoredPreferences>()
  return new Map(agents.map((agent) => [agent.login, effectivePreferences(deps.config, agent, stored.get(agent.login))]))
}

/** What the store holds, trusted only as far as it still has the right shape. */
function keepValid(stored: unknown): StoredPreferences {
  if (typeof stored !== 'object' || stored === null) return {}
  const raw = stored as Record<string, unknown>
  const kept: StoredPreferences = {}
  if (Array.isArray(raw.myQueues) && raw.myQueues.every((queue) => typeof queue === 'string')) kept.myQueues = raw.myQueues as string[]
  if (isRecord(raw.notifications)) {
    const { newTicket, followUp } = raw.notifications
    kept.notifications = {
      ...(typeof newTicket === 'boolean' ? { newTicket } : {}),
      ...(typeof followUp === 'boolean' ? { followUp } : {}),
    } as NotificationPreferences
  }
  if (isRecord(raw.outOfOffice)) {
    const { enabled, from, until, autoUnlock } = raw.outOfOffice
    const day = (value: unknown) => (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) ? value : null)
    kept.outOfOffice = { enabled: enabled === true, from: day(from), until: day(until), autoUnlock: autoUnlock === true }
  }
  if (typeof raw.language === 'string' && (languages as readonly string[]).includes(raw.language)) kept.language = raw.language as Language
  if (typeof raw.timeZone === 'string') {
    const zone = canonicalTimeZone(raw.timeZone)
    if (zone) kept.timeZone = zone
  }
  return kept
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>
}
