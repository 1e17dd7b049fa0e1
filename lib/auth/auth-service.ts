import { SignJWT, jwtVerify, errors as joseErrors } from 'jose'
import type { AgentConfig, DocketConfig } from '../../schemas/config.ts'
import type { Clock } from '../platform/clock.ts'
import type { ConcurrencyGate } from '../platform/concurrency-gate.ts'
import { DocketError, invalidRequest } from '../platform/errors.ts'
import { addressBlock, admitLoginAttempt } from './login-rate.ts'
import { clearLoginAttempts, countLoginAttempt, forgetLoginAttempts } from './login-throttle.ts'
import { assertPasswordPolicy, checkPasswordPolicy, describeViolations } from './password-policy.ts'
import { checkPassword, generatePassword, hashPassword, needsRehash, type PasswordHashParameters } from './passwords.ts'
import type { AgentRecord, AgentStore } from './ports.ts'
import { loginOfSessionId, newSessionId, revokeAgentSessions, sessionLimits } from './sessions.ts'
import { totpRequired, verifySecondFactor } from './two-factor.ts'

export interface AuthDeps {
  config: DocketConfig
  agents: AgentStore
  clock: Clock
  /** HMAC key for session tokens (Secrets Manager in AWS, the data dir locally), read when first needed. */
  jwtSecret: () => Promise<Uint8Array>
  /** Key material for TOTP secrets at rest (Secrets Manager in AWS, the data dir locally), read when first needed. */
  totpKey: () => Promise<Uint8Array>
  /** scrypt parameters for new hashes; older hashes are replaced at the next login. */
  passwordHashing: PasswordHashParameters
  /** Password checks at once per process, and how many may wait (auth.loginRate): the rest get 429. */
  passwordChecks: ConcurrencyGate
}

/** Who is calling: resolved on every request from the token, the session record and the config. */
export interface AgentIdentity {
  login: string
  agent: AgentConfig
  sessionId: string
  /** This session was opened with a second factor (or the agent enrolled in it). Absent for system identities (jobs). */
  twoFactor?: boolean
  /** The agent's role requires TOTP and they have none yet: the session may only enrol (403 totp_enrolment_required elsewhere). */
  enrolmentOnly?: boolean
  /** The client address of this request (for the lockout of password checks in a session); absent for system identities. */
  address?: string | null
}

export interface LoginRequest {
  login: string
  password: string
  /** A TOTP code or a recovery code. */
  totp?: string | undefined
  userAgent?: string | null | undefined
  ip?: string | null | undefined
}

export interface LoginResult {
  token: string
  expiresAt: string
  /** The session may only enrol in TOTP (POST /api/me/totp, then /confirm): the agent's role requires it. */
  totpEnrolmentRequired: boolean
}

const unauthorized = (message = 'log in again: the session token is missing, expired or revoked') => new DocketError('unauthorized', message)

// Verified against when the login is unknown, so an unknown login takes as long as a wrong password.
const decoyHashes = new Map<string, Promise<string>>()
const decoyHash = (parameters: PasswordHashParameters) => {
  const key = `${parameters.N}$${parameters.r}$${parameters.p}$${parameters.keyLength}`
  let hash = decoyHashes.get(key)
  if (!hash) decoyHashes.set(key, (hash = hashPassword(generatePassword(), parameters)))
  return hash
}

export function findAgent(config: DocketConfig, login: string): AgentConfig | undefined {
  return config.agents.find((agent) => agent.login === login)
}

/**
 * POST /api/auth/login. The order matters: the flood limits (per address, and from everyone),
 * then the lock is checked and the attempt counted, all before the password; the password before
 * anything that would tell an unknown login from a known one; the second factor only once the
 * password is right (401 totp_required / totp_invalid). An unknown login takes every step a known
 * one does, the password check against a decoy hash included, so neither answers nor timing tell.
 */
export async function login(deps: AuthDeps, request: LoginRequest): Promise<LoginResult> {
  const address = addressBlock(request.ip)
  const knownAddress = await deps.agents.isKnownLoginAddress(request.login, address, deps.clock.now().toISOString())
  const admission = await admitLoginAttempt(deps, deps.config.auth.loginRate, address, knownAddress)
  await countLoginAttempt(deps, deps.config.auth.lockout, request.login, address, knownAddress)
  const agent = findAgent(deps.config, request.login)
  const record = agent ? await deps.agents.getAgent(agent.login) : undefined
  const hash = record?.passwordHash ?? (await decoyHash(deps.passwordHashing))
  // One waiting check per address; an agent at an address they logged in from goes ahead of the rest.
  const valid = await checkPassword(deps.passwordChecks, request.password, hash, { priority: knownAddress, owner: address })
  if (!agent || !agent.enabled || !record?.passwordHash || !valid) throw unauthorized('login or password is wrong')

  let twoFactor = false
  if (record.totp) {
    if (!request.totp) throw new DocketError('totp_required', 'enter the code from your authenticator app (or a recovery code) as "totp"', 'body.totp')
    if (!(await verifySecondFactor(deps, record, request.totp))) {
      throw new DocketError('totp_invalid', 'the code is wrong, expired or already used; wait for the next code', 'body.totp')
    }
    twoFactor = true
  }
  await Promise.all([clearLoginAttempts(deps, deps.config.auth.lockout, agent.login, address), admission.succeeded()])
  await upgradeHash(deps, record, request.password)

  const now = deps.clock.now()
  const enrolmentOnly = totpRequired(deps.config, agent) && !twoFactor
  const limits = sessionLimits(deps.config)
  const expiresAt = new Date(now.getTime() + (enrolmentOnly ? limits.enrolmentMs : limits.maxMs))
  const sessionId = newSessionId(agent.login, now)
  await deps.agents.createSession({
    sessionId,
    login: agent.login,
    createdAt: now.toISOString(),
    expiresAt: expiresAt.toISOString(),
    lastSeenAt: now.toISOString(),
    userAgent: request.userAgent?.slice(0, 300) || null,
    ip: request.ip?.slice(0, 100) || null,
    twoFactor,
  })
  const token = await new SignJWT({ sid: sessionId })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(agent.login)
    .setIssuedAt(Math.floor(now.getTime() / 1000))
    .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
    .sign(await deps.jwtSecret())
  return { token, expiresAt: expiresAt.toISOString(), totpEnrolmentRequired: enrolmentOnly }
}

/** A hash made with older scrypt parameters is replaced now that we know the password (unless it changed meanwhile). */
async function upgradeHash(deps: AuthDeps, record: AgentRecord, password: string): Promise<void> {
  if (!record.passwordHash || !needsRehash(record.passwordHash, deps.passwordHashing)) return
  await deps.agents.replacePasswordHash(record.login, record.passwordHash, await hashPassword(password, deps.passwordHashing))
}

/** Resolves a bearer token; a revoked, expired or idle session, or a disabled agent, fails at once. */
export async function authenticate(deps: AuthDeps, token: string | undefined): Promise<AgentIdentity> {
  if (!token) throw unauthorized()
  const now = deps.clock.now()
  let subject: string | undefined
  let sessionId: unknown
  try {
    const { payload } = await jwtVerify(token, await deps.jwtSecret(), { algorithms: ['HS256'], currentDate: now })
    subject = payload.sub
    sessionId = payload.sid
  } catch (error) {
    if (error instanceof joseErrors.JOSEError) throw unauthorized()
    throw error
  }
  if (!subject || typeof sessionId !== 'string' || loginOfSessionId(sessionId) !== subject) throw unauthorized()
  const agent = findAgent(deps.config, subject)
  if (!agent || !agent.enabled) throw unauthorized('this agent is disabled')
  const session = await deps.agents.getSession(subject, sessionId)
  if (!session || new Date(session.expiresAt) <= now) throw unauthorized()
  const limits = sessionLimits(deps.config)
  const lastSeen = new Date(session.lastSeenAt).getTime()
  if (now.getTime() - lastSeen > limits.maxIdleMs) throw unauthorized('log in again: the session was idle too long')
  if (now.getTime() - lastSeen > limits.touchEveryMs) {
    // Conditional, so of many parallel requests at most one writes.
    await deps.agents.touchSession(subject, sessionId, now.toISOString(), new Date(now.getTime() - limits.touchEveryMs).toISOString())
  }
  return { login: agent.login, agent, sessionId, twoFactor: session.twoFactor, enrolmentOnly: totpRequired(deps.config, agent) && !session.twoFactor }
}

export async function logout(deps: AuthDeps, identity: AgentIdentity): Promise<void> {
  await deps.agents.deleteSession(identity.login, identity.sessionId)
}

/**
 * First start: every configured agent without a password gets one, from DOCKET_DEMO_PASSWORD or
 * generated. Returns what was set so the start-up banner can show it once. A demo password the
 * policy refuses stops the start, naming the rules.
 */
export async function provisionAgentPasswords(deps: AuthDeps, demoPassword: string | undefined): Promise<{ login: string; password: string }[]> {
  const policy = deps.config.auth.passwordPolicy
  if (demoPassword !== undefined) {
    const violations = checkPasswordPolicy(policy, demoPassword)
    if (violations.length > 0) throw new DocketError('invalid_config', `DOCKET_DEMO_PASSWORD is refused: ${describeViolations(violations)}`)
  }
  const provisioned: { login: string; password: string }[] = []
  for (const agent of deps.config.agents) {
    const existing = await deps.agents.getAgent(agent.login)
    if (existing?.passwordHash) continue
    const password = demoPassword ?? generatePassword(policy)
    if (await deps.agents.initializePassword(agent.login, await hashPassword(password, deps.passwordHashing), deps.clock.now().toISOString())) {
      provisioned.push({ login: agent.login, password })
    }
  }
  return provisioned
}

/** An admin sets a password (`docket agent password`): the policy applies, and the agent's sessions end. */
export async function setAgentPassword(deps: AuthDeps, loginName: string, password: string): Promise<void> {
  if (!findAgent(deps.config, loginName)) throw new DocketError('not_found', `agent "${loginName}" is not declared in the config`)
  assertPasswordPolicy(deps.config.auth.passwordPolicy, password, 'password')
  await deps.agents.setPassword(loginName, await hashPassword(password, deps.passwordHashing), deps.clock.now().toISOString())
  await revokeAgentSessions(deps, loginName)
  await forgetLoginAttempts(deps, loginName)
}

/**
 * POST /api/me/password: the current password must be right (counted like a login attempt, so a
 * stolen session cannot guess it), the new one must pass the policy; every other session ends.
 */
export async function changeOwnPassword(deps: AuthDeps, identity: AgentIdentity, current: string, next: string): Promise<void> {
  assertPasswordPolicy(deps.config.auth.passwordPolicy, next, 'body.new')
  const address = addressBlock(identity.address)
  await countLoginAttempt(deps, deps.config.auth.lockout, identity.login, address, false)
  const record = await deps.agents.getAgent(identity.login)
  if (!record?.passwordHash || !(await checkPassword(deps.passwordChecks, current, record.passwordHash, { priority: true }))) throw invalidRequest('the current password is wrong', 'body.current')
  await clearLoginAttempts(deps, deps.config.auth.lockout, identity.login, address)
  if (current === next) throw invalidRequest('must differ from the current password', 'body.new')
  await deps.agents.setPassword(identity.login, await hashPassword(next, deps.passwordHashing), deps.clock.now().toISOString())
  await revokeAgentSessions(deps, identity.login, identity.sessionId)
}
