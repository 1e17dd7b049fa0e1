import { createHash, randomBytes } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import type { DocketConfig } from '../../schemas/config.ts'
import type { BlobStore } from '../blobs/ports.ts'
import { generatedMailHeaders } from '../mail/auto-response.ts'
import { composeMail } from '../mail/compose-mail.ts'
import type { Clock } from '../platform/clock.ts'
import { systemAddressOf, webUrlOf } from '../platform/config.ts'
import { invalidRequest } from '../platform/errors.ts'
import { newId } from '../platform/ids.ts'
import { queuedMailRecord } from '../ticket/model.ts'
import { findAgent } from './auth-service.ts'
import { forgetLoginAttempts } from './login-throttle.ts'
import { assertPasswordPolicy } from './password-policy.ts'
import { hashPassword, type PasswordHashParameters } from './passwords.ts'
import type { AgentStore } from './ports.ts'
import { revokeAgentSessions } from './sessions.ts'

/**
 * "Forgot password" by a mailed one-time link. The answer to a request is the same whether the
 * login exists or not (202, and no sooner than a fixed floor, so the work done for a real agent
 * does not show in the timing). The token is kept only as its SHA-256, expires, and is used once
 * (a conditional delete); a reset ends every session of the agent.
 */

export interface PasswordResetDeps {
  config: DocketConfig
  agents: AgentStore
  clock: Clock
  attachments: BlobStore
  passwordHashing: PasswordHashParameters
}

/** Every request answers no sooner than this, known login or not. */
export const resetAnswerFloorMs = 400

const tokenHash = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex')

/** POST /api/auth/password-reset: mails a link to the agent's address when the login is a known, enabled agent. */
export async function requestPasswordReset(deps: PasswordResetDeps, login: string): Promise<void> {
  const started = performance.now()
  try {
    await mailResetLink(deps, login)
  } finally {
    const left = resetAnswerFloorMs - (performance.now() - started)
    if (left > 0) await new Promise((resolve) => setTimeout(resolve, left))
  }
}

async function mailResetLink(deps: PasswordResetDeps, login: string): Promise<void> {
  const { config } = deps
  const agent = findAgent(config, login)
  if (!config.auth.passwordReset.enabled || !agent?.enabled) return
  const now = deps.clock.now()
  const hour = now.toISOString().slice(0, 13)
  const counted = await deps.agents.countPasswordResetMail(agent.login, hour, config.auth.passwordReset.maxMailsPerHour, new Date(now.getTime() + 2 * 3_600_000).toISOString())
  if (!counted) return

  const token = randomBytes(32).toString('base64url')
  const expiresAt = new Date(now.getTime() + config.auth.passwordReset.tokenMinutes * 60_000)
  const link = `${webUrlOf(config)}/reset-password?token=${token}`
  const from = systemAddressOf(config, config.mail.defaultQueue)
  const id = newId(now)
  const subject = `${config.system.name}: reset your password`
  const raw = await composeMail({
    from: { address: from.address, name: config.system.name },
    to: [`${`${agent.firstName} ${agent.lastName}`.trim()} <${agent.email}>`],
    cc: [],
    subject,
    text: [
      `Hello ${agent.firstName},`,
      '',
      `someone (we hope it was you) asked to reset the password of your ${config.system.name} login "${agent.login}".`,
      `Open this link within ${config.auth.passwordReset.tokenMinutes} minutes to choose a new password:`,
      '',
      link,
      '',
      'The link works once. If you did not ask for this, ignore this mail: your password stays as it is.',
    ].join('\n'),
    messageId: `${id}.password-reset@${config.system.fqdn}`,
    inReplyTo: null,
    references: [],
    date: now,
    headers: generatedMailHeaders('auto-generated'),
  })
  // Kept like every outbound mail; the link in it is useless once used or expired.
  const rawBlobKey = `outbound/password-reset/${id}.eml`
  await deps.attachments.put(rawBlobKey, raw, { contentType: 'message/rfc822' })
  const mail = queuedMailRecord(
    {
      id,
      kind: 'password-reset',
      ticketNumber: null,
      rawBlobKey,
      sender: from.address,
      recipients: [agent.email],
      subject,
    },
    now,
  )
  await deps.agents.createPasswordReset({ tokenHash: tokenHash(token), login: agent.login, issuedAt: now.toISOString(), expiresAt: expiresAt.toISOString() }, mail)
}

/** POST /api/auth/password-reset/confirm: the policy first (a refused password leaves the link usable), then the token, once. */
export async function confirmPasswordReset(deps: PasswordResetDeps, token: string, password: string): Promise<void> {
  assertPasswordPolicy(deps.config.auth.passwordPolicy, password, 'body.password')
  const unusable = () => invalidRequest('this reset link is invalid, used or expired: ask for a new one', 'body.token')
  const now = deps.clock.now()
  const reset = await deps.agents.consumePasswordReset(tokenHash(token), now.toISOString())
  if (!reset) throw unusable()
  const agent = findAgent(deps.config, reset.login)
  if (!agent?.enabled) throw unusable()
  const record = await deps.agents.getAgent(agent.login)
  // A link older than the current password (changed or reset since it was mailed) is void.
  if (record?.passwordChangedAt && record.passwordChangedAt > reset.issuedAt) throw unusable()
  await deps.agents.setPassword(agent.login, await hashPassword(password, deps.passwordHashing), now.toISOString())
  await revokeAgentSessions(deps, agent.login)
  await forgetLoginAttempts(deps, agent.login)
}
