import type { DocketConfig } from '../../schemas/config.ts'
import type { Clock } from '../platform/clock.ts'
import { forbidden, notFound } from '../platform/errors.ts'
import { newId } from '../platform/ids.ts'
import type { AgentIdentity } from './auth-service.ts'
import { loginWidePolicy, rememberedAttempts, secondsLocked } from './login-throttle.ts'
import type { AgentStore, LoginAttempts, SessionRecord } from './ports.ts'

/**
 * Session management like OTRS's (Admin → Session Management): an agent sees and ends their own
 * sessions, an admin everyone's. Sessions live under their agent (AGENT#<login> / SESSION#<id>),
 * and the id names the agent, so ending one by id needs no lookup.
 */

export interface SessionDeps {
  config: DocketConfig
  agents: AgentStore
  clock: Clock
}

/** A session id: a ULID (creation order) and the login, base64url. Opaque to clients. */
export function newSessionId(login: string, at: Date): string {
  return `${newId(at)}.${Buffer.from(login, 'utf8').toString('base64url')}`
}

/** The login a session id names, or undefined for anything that is not one. */
export function loginOfSessionId(sessionId: string): string | undefined {
  const match = /^[0-9A-HJKMNP-TV-Z]{26}\.([A-Za-z0-9_-]{1,400})$/.exec(sessionId)
  if (!match) return undefined
  const login = Buffer.from(match[1]!, 'base64url').toString('utf8')
  return Buffer.from(login, 'utf8').toString('base64url') === match[1] ? login : undefined
}

/** Limits from `auth.sessions` (OTRS: SessionMaxTime, SessionMaxIdleTime). */
export function sessionLimits(config: DocketConfig) {
  return {
    maxMs: config.auth.sessions.maxHours * 3_600_000,
    maxIdleMs: config.auth.sessions.maxIdleMinutes * 60_000,
    /** A session that may only enrol in TOTP is short. */
    enrolmentMs: 15 * 60_000,
    /** lastSeenAt is written at most this often per session. */
    touchEveryMs: 60_000,
  }
}

export interface SessionView {
  id: string
  login: string
  createdAt: string
  lastSeenAt: string
  expiresAt: string
  userAgent: string | null
  ip: string | null
  twoFactor: boolean
  current: boolean
}

function isLive(config: DocketConfig, session: SessionRecord, now: Date): boolean {
  return new Date(session.expiresAt) > now && now.getTime() - new Date(session.lastSeenAt).getTime() <= sessionLimits(config).maxIdleMs
}

function view(session: SessionRecord, identity: AgentIdentity): SessionView {
  const { sessionId, login, createdAt, lastSeenAt, expiresAt, userAgent, ip, twoFactor } = session
  return { id: sessionId, login, createdAt, lastSeenAt, expiresAt, userAgent, ip, twoFactor, current: sessionId === identity.sessionId }
}

const newestFirst = (a: SessionView, b: SessionView) => b.lastSeenAt.localeCompare(a.lastSeenAt) || b.id.localeCompare(a.id)

async function liveSessions(deps: SessionDeps, login: string): Promise<SessionRecord[]> {
  const now = deps.clock.now()
  return (await deps.agents.listSessions(login)).filter((session) => isLive(deps.config, session, now))
}

export async function listOwnSessions(deps: SessionDeps, identity: AgentIdentity): Promise<SessionView[]> {
  return (await liveSessions(deps, identity.login)).map((session) => view(session, identity)).sort(newestFirst)
}

/** Ends one of your sessions (the current one too: that is a logout). Another agent's id is a 404. */
export async function revokeOwnSession(deps: SessionDeps, identity: AgentIdentity, sessionId: string): Promise<void> {
  if (loginOfSessionId(sessionId) !== identity.login || !(await deps.agents.deleteSession(identity.login, sessionId))) throw notFound(`session ${sessionId}`)
}

/** Ends every session of yours but this one. */
export async function revokeOtherSessions(deps: SessionDeps, identity: AgentIdentity): Promise<number> {
  return revokeAgentSessions(deps, identity.login, identity.sessionId)
}

/** Ends every session of an agent (optionally but one): after a password change or reset, or by an admin. */
export async function revokeAgentSessions(deps: Pick<SessionDeps, 'agents'>, login: string, except?: string): Promise<number> {
  const sessions = (await deps.agents.listSessions(login)).filter((session) => session.sessionId !== except)
  const ended = await Promise.all(sessions.map((session) => deps.agents.deleteSession(login, session.sessionId)))
  return ended.filter(Boolean).length
}

export function assertAdmin(identity: AgentIdentity): void {
  if (!identity.agent.admin) throw forbidden('only admins may do this')
}

/** Every live session of every configured agent: one query per agent, never a scan. */
export async function listAllSessions(deps: SessionDeps, identity: AgentIdentity): Promise<SessionView[]> {
  assertAdmin(identity)
  const perAgent: SessionRecord[][] = []
  const logins = deps.config.agents.map((agent) => agent.login)
  for (let start = 0; start < logins.length; start += 16) {
    perAgent.push(...(await Promise.all(logins.slice(start, start + 16).map((login) => liveSessions(deps, login)))))
  }
  return perAgent.flat().map((session) => view(session, identity)).sort(newestFirst)
}

export async function adminRevokeSession(deps: SessionDeps, identity: AgentIdentity, sessionId: string): Promise<void> {
  assertAdmin(identity)
  const login = loginOfSessionId(sessionId)
  if (!login || !(await deps.agents.deleteSession(login, sessionId))) throw notFound(`session ${sessionId}`)
}

export async function adminRevokeAgentSessions(deps: SessionDeps, identity: AgentIdentity, login: string): Promise<number> {
  assertAdmin(identity)
  if (!deps.config.agents.some((agent) => agent.login === login)) throw notFound(`agent ${login}`)
  return revokeAgentSessions(deps, login)
}

export interface LockoutView {
  login: string
  failures: number
  lockedUntil: string | null
  lastAttemptAt: string | null
  addresses: { address: string; failures: number; lockedUntil: string | null; lastAttemptAt: string }[]
  moreAddresses: number
}

const listedAddresses = 20

/**
 * Who is being locked out (issue 13.8): every configured agent with failed logins still
 * remembered, from all addresses and per address, with the locks in force now. One query per
 * agent, never a scan; unknown login names are not agents and are not listed.
 */
export async function listLockouts(deps: SessionDeps, identity: AgentIdentity): Promise<LockoutView[]> {
  assertAdmin(identity)
  const now = deps.clock.now()
  const policy = deps.config.auth.lockout
  const lockedUntil = (attempts: LoginAttempts | null) => (secondsLocked(attempts, now) > 0 ? attempts!.lockedUntil : null)
  const views: LockoutView[] = []
  for (const agent of deps.config.agents) {
    const stored = await deps.agents.listLoginAttempts(agent.login)
    const all = rememberedAttempts(loginWidePolicy(policy), stored.all, now)
    const addresses = stored.addresses
      .map(({ address, attempts }) => ({ address, attempts: rememberedAttempts(policy, attempts, now) }))
      .filter((entry): entry is { address: string; attempts: LoginAttempts } => entry.attempts !== null)
      .sort((a, b) => b.attempts.lastAttemptAt.localeCompare(a.attempts.lastAttemptAt))
    if (!all && addresses.length === 0) continue
    views.push({
      login: agent.login,
      failures: all?.failures ?? 0,
      lockedUntil: lockedUntil(all),
      lastAttemptAt: all?.lastAttemptAt ?? null,
      addresses: addresses.slice(0, listedAddresses).map(({ address, attempts }) => ({ address, failures: attempts.failures, lockedUntil: lockedUntil(attempts), lastAttemptAt: attempts.lastAttemptAt })),
      moreAddresses: Math.max(0, addresses.length - listedAddresses),
    })
  }
  return views
}
