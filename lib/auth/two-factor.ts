import type { AgentConfig, DocketConfig } from '../../schemas/config.ts'
import type { Clock } from '../platform/clock.ts'
import type { ConcurrencyGate } from '../platform/concurrency-gate.ts'
import { conflict, forbidden, invalidRequest, notFound } from '../platform/errors.ts'
import type { AgentIdentity } from './auth-service.ts'
import { addressBlock } from './login-rate.ts'
import { clearLoginAttempts, countLoginAttempt } from './login-throttle.ts'
import { checkPassword } from './passwords.ts'
import type { AgentRecord, AgentStore } from './ports.ts'
import { decryptSecret, deriveSecretKey, encryptSecret } from './secret-box.ts'
import { assertAdmin } from './sessions.ts'
import { generateRecoveryCodes, hashRecoveryCode, isTotpCode, matchTotpStep, newTotpSecret, qrCodeDataUrl, totpUri } from './totp.ts'

/**
 * TOTP second factor (OTRS: two-factor authentication with a shared secret in the agent's
 * preferences): enrol, confirm with a first code, log in with codes or single-use recovery codes,
 * turn off. Secrets are encrypted at rest; a time step is accepted once (RFC 6238 §5.2).
 */

export interface TwoFactorDeps {
  config: DocketConfig
  agents: AgentStore
  clock: Clock
  totpKey: () => Promise<Uint8Array>
  passwordChecks: ConcurrencyGate
}

/** An enrolment must be confirmed within this time, or begun again. */
const enrolmentMs = 30 * 60_000

/** TOTP is enforced for this agent: by one of their roles (roles[].requireTotp) or, for admins, by auth.totp.requireForAdmins. */
export function totpRequired(config: DocketConfig, agent: AgentConfig): boolean {
  if (agent.admin && config.auth.totp.requireForAdmins) return true
  return agent.roles.some((name) => config.roles.find((role) => role.name === name)?.requireTotp === true)
}

const context = (login: string) => `totp:${login}`
const secretKey = async (deps: Pick<TwoFactorDeps, 'totpKey'>) => deriveSecretKey(await deps.totpKey(), 'totp-secrets')

/**
 * A login's second factor: a 6-digit code of a step later than the last one used (recorded with a
 * conditional write, so the same code at the same moment from two places works once), or one of
 * the recovery codes (removed as it is used).
 */
export async function verifySecondFactor(deps: TwoFactorDeps, record: AgentRecord, input: string): Promise<boolean> {
  const totp = record.totp
  if (!totp) return false
  if (isTotpCode(input)) {
    const secret = decryptSecret(await secretKey(deps), totp.encryptedSecret, context(record.login))
    const step = matchTotpStep(secret, input, deps.clock.now())
    if (step === null || step <= totp.lastStep) return false
    return deps.agents.useTotpStep(record.login, totp.encryptedSecret, step)
  }
  const hash = hashRecoveryCode(input)
  if (!totp.recoveryCodeHashes.includes(hash)) return false
  return deps.agents.useRecoveryCode(record.login, hash)
}

export interface TotpStatus {
  enabled: boolean
  required: boolean
  enabledAt: string | null
  recoveryCodesLeft: number
}

export function totpStatus(config: DocketConfig, agent: AgentConfig, record: AgentRecord | undefined): TotpStatus {
  return {
    enabled: record?.totp != null,
    required: totpRequired(config, agent),
    enabledAt: record?.totp?.enabledAt ?? null,
    recoveryCodesLeft: record?.totp?.recoveryCodeHashes.length ?? 0,
  }
}

/** POST /api/me/totp: a new secret to scan. Starting again replaces an unconfirmed one. */
export async function startTotpEnrolment(deps: TwoFactorDeps, identity: AgentIdentity): Promise<{ secret: string; uri: string; qrCode: string }> {
  const alreadyOn = () => conflict('two-factor authentication is already on; turn it off first (DELETE /api/me/totp)')
  if ((await deps.agents.getAgent(identity.login))?.totp) throw alreadyOn()
  const secret = newTotpSecret()
  const encryptedSecret = encryptSecret(await secretKey(deps), secret, context(identity.login))
  if (!(await deps.agents.setPendingTotp(identity.login, { encryptedSecret, startedAt: deps.clock.now().toISOString() }))) throw alreadyOn()
  const uri = totpUri(secret, deps.config.auth.totp.issuer ?? deps.config.system.name, identity.login)
  return { secret, uri, qrCode: qrCodeDataUrl(uri) }
}

/**
 * POST /api/me/totp/confirm: the first code proves the app has the secret; TOTP is on from now,
 * this session counts as two-factor (an enrolment-only session becomes a full one), and the ten
 * recovery codes are answered, this once.
 */
export async function confirmTotpEnrolment(deps: TwoFactorDeps, identity: AgentIdentity, code: string): Promise<{ recoveryCodes: string[] }> {
  const record = await deps.agents.getAgent(identity.login)
  if (record?.totp) throw conflict('two-factor authentication is already on')
  const pending = record?.pendingTotp
  const now = deps.clock.now()
  if (!pending || now.getTime() - new Date(pending.startedAt).getTime() > enrolmentMs) {
    throw conflict('no enrolment in progress (or it is older than 30 minutes): start with POST /api/me/totp')
  }
  const secret = decryptSecret(await secretKey(deps), pending.encryptedSecret, context(identity.login))
  const step = matchTotpStep(secret, code, now)
  if (step === null) throw invalidRequest('the code does not match: check the time on your phone and enter the current code', 'body.code')
  const recoveryCodes = generateRecoveryCodes()
  const activated = await deps.agents.activateTotp(identity.login, pending.encryptedSecret, {
    encryptedSecret: pending.encryptedSecret,
    enabledAt: now.toISOString(),
    // The confirming code is used up: it cannot log anyone in afterwards.
    lastStep: step,
    recoveryCodeHashes: recoveryCodes.map(hashRecoveryCode),
  })
  if (!activated) throw conflict('the enrolment changed meanwhile (started again elsewhere?): start with POST /api/me/totp')
  await deps.agents.markSessionTwoFactor(identity.login, identity.sessionId)
  return { recoveryCodes }
}

/** DELETE /api/me/totp: needs the password and a current code (or a recovery code); counted like a login attempt. */
export async function disableTotp(deps: TwoFactorDeps, identity: AgentIdentity, password: string, code: string): Promise<void> {
  if (totpRequired(deps.config, identity.agent)) throw forbidden('your role requires two-factor authentication, so it stays on; if you lost your device, an admin can reset it')
  const record = await deps.agents.getAgent(identity.login)
  if (!record?.totp) throw conflict('two-factor authentication is not on')
  const address = addressBlock(identity.address)
  await countLoginAttempt(deps, deps.config.auth.lockout, identity.login, address, false)
  if (!record.passwordHash || !(await checkPassword(deps.passwordChecks, password, record.passwordHash, { priority: true }))) throw invalidRequest('the password is wrong', 'body.password')
  if (!(await verifySecondFactor(deps, record, code))) throw invalidRequest('the code is wrong, expired or already used', 'body.code')
  await clearLoginAttempts(deps, deps.config.auth.lockout, identity.login, address)
  await deps.agents.removeTotp(identity.login)
}

/** DELETE /api/admin/agents/{login}/totp: an agent lost their device; they enrol again at their next login if their role requires it. */
export async function adminResetTotp(deps: TwoFactorDeps, identity: AgentIdentity, login: string): Promise<void> {
  assertAdmin(identity)
  if (!deps.config.agents.some((agent) => agent.login === login)) throw notFound(`agent ${login}`)
  await deps.agents.removeTotp(login)
}
