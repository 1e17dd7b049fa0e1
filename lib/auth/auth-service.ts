import { SignJWT, jwtVerify, errors as joseErrors } from 'jose'
import type { AgentConfig, DocketConfig } from '../../schemas/config.ts'
import type { Clock } from '../platform/clock.ts'
import { DocketError } from '../platform/errors.ts'
import { newId } from '../platform/ids.ts'
import { generatePassword, hashPassword, verifyPassword } from './passwords.ts'
import type { AgentStore } from './ports.ts'

export interface AuthDeps {
  config: DocketConfig
  agents: AgentStore
  clock: Clock
  /** HMAC key for session tokens (Secrets Manager in AWS, the data dir locally), read when first needed. */
  jwtSecret: () => Promise<Uint8Array>
}

/** Who is calling: resolved on every request from the token, the session record and the config. */
export interface AgentIdentity {
  login: string
  agent: AgentConfig
  sessionId: string
}

const sessionHours = 12
const unauthorized = (message = 'log in again: the session token is missing, expired or revoked') => new DocketError('unauthorized', message)

// Verified against when the login is unknown, so an unknown login takes as long as a wrong password.
let decoyHash: Promise<string> | undefined

export function findAgent(config: DocketConfig, login: string): AgentConfig | undefined {
  return config.agents.find((agent) => agent.login === login)
}

export async function login(deps: AuthDeps, loginName: string, password: string): Promise<{ token: string; expiresAt: string }> {
  const agent = findAgent(deps.config, loginName)
  const record = agent ? await deps.agents.getAgent(agent.login) : undefined
  const hash = record?.passwordHash ?? (await (decoyHash ??= hashPassword(generatePassword())))
  const valid = await verifyPassword(password, hash)
  if (!agent || !agent.enabled || !record?.passwordHash || !valid) throw unauthorized('login or password is wrong')
  const now = deps.clock.now()
  const expiresAt = new Date(now.getTime() + sessionHours * 3600_000)
  const sessionId = newId(now)
  await deps.agents.createSession({ sessionId, login: agent.login, createdAt: now.toISOString(), expiresAt: expiresAt.toISOString() })
  const token = await new SignJWT({ sid: sessionId })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(agent.login)
    .setIssuedAt(Math.floor(now.getTime() / 1000))
    .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
    .sign(await deps.jwtSecret())
  return { token, expiresAt: expiresAt.toISOString() }
}

/** Resolves a bearer token; a revoked session or a disabled agent fails at once. */
export async function authenticate(deps: AuthDeps, token: string | undefined): Promise<AgentIdentity> {
  if (!token) throw unauthorized()
  let subject: string | undefined
  let sessionId: unknown
  try {
    const { payload } = await jwtVerify(token, await deps.jwtSecret(), { algorithms: ['HS256'], currentDate: deps.clock.now() })
    subject = payload.sub
    sessionId = payload.sid
  } catch (error) {
    if (error instanceof joseErrors.JOSEError) throw unauthorized()
    throw error
  }
  if (!subject || typeof sessionId !== 'string') throw unauthorized()
  const [session, agent] = [await deps.agents.getSession(sessionId), findAgent(deps.config, subject)]
  if (!session || session.login !== subject || new Date(session.expiresAt) <= deps.clock.now()) throw unauthorized()
  if (!agent || !agent.enabled) throw unauthorized('this agent is disabled')
  return { login: agent.login, agent, sessionId }
}

export async function logout(deps: AuthDeps, identity: AgentIdentity): Promise<void> {
  await deps.agents.deleteSession(identity.sessionId)
}

/**
 * First start: every configured agent without a password gets one, from DOCKET_DEMO_PASSWORD or
 * generated. Returns what was set so the start-up banner can show it once.
 */
export async function provisionAgentPasswords(deps: AuthDeps, demoPassword: string | undefined): Promise<{ login: string; password: string }[]> {
  const provisioned: { login: string; password: string }[] = []
  for (const agent of deps.config.agents) {
    const existing = await deps.agents.getAgent(agent.login)
    if (existing?.passwordHash) continue
    const password = demoPassword ?? generatePassword()
    if (await deps.agents.initializePassword(agent.login, await hashPassword(password), deps.clock.now().toISOString())) {
      provisioned.push({ login: agent.login, password })
    }
  }
  return provisioned
}

export async function setAgentPassword(deps: AuthDeps, loginName: string, password: string): Promise<void> {
  if (!findAgent(deps.config, loginName)) throw new DocketError('not_found', `agent "${loginName}" is not declared in the config`)
  await deps.agents.setPassword(loginName, await hashPassword(password), deps.clock.now().toISOString())
}
