import type { LockoutPolicy } from '../../schemas/config.ts'
import type { Clock } from '../platform/clock.ts'
import { DocketError } from '../platform/errors.ts'
import type { AgentStore, LoginAttempts } from './ports.ts'

/**
 * Brute-force protection per login name (OTRS: PasswordMaxLoginFailed, but temporary): the first
 * `freeAttempts` failures cost nothing; then each failure locks the name for a delay that doubles
 * up to `maxDelaySeconds`. Unknown names are counted exactly like known ones, so the answers never
 * tell whether a login exists. Failures are forgotten after `forgetAfterMinutes` without one, and
 * at once after a successful login.
 *
 * An attempt is counted *before* the password is checked, as if it failed, with a conditional
 * write on the record's revision: parallel guesses cannot slip past the lock while the first of
 * them is still being checked. A success then clears the record.
 */

/** The lock that `failures` failures earn: none before the free attempts are used up. Pure. */
export function lockDelaySeconds(policy: LockoutPolicy, failures: number): number {
  if (failures < policy.freeAttempts) return 0
  return Math.min(policy.maxDelaySeconds, policy.baseDelaySeconds * 2 ** (failures - policy.freeAttempts))
}

/** The attempts still remembered at `now`: null once the quiet period has passed. Pure. */
export function rememberedAttempts(policy: LockoutPolicy, stored: LoginAttempts | undefined, now: Date): LoginAttempts | null {
  if (!stored) return null
  return now.getTime() < forgetAt(policy, stored).getTime() ? stored : null
}

/** Seconds until the lock ends (0: not locked). Pure. */
export function secondsLocked(attempts: LoginAttempts | null, now: Date): number {
  if (!attempts?.lockedUntil) return 0
  return Math.max(0, Math.ceil((new Date(attempts.lockedUntil).getTime() - now.getTime()) / 1000))
}

/** The record after one more attempt, counted as a failure until it succeeds. Pure. */
export function countAttempt(policy: LockoutPolicy, current: LoginAttempts | null, now: Date): LoginAttempts {
  const failures = (current?.failures ?? 0) + 1
  const delay = lockDelaySeconds(policy, failures)
  return { failures, lockedUntil: delay > 0 ? new Date(now.getTime() + delay * 1000).toISOString() : null, lastAttemptAt: now.toISOString() }
}

/** When the record may be forgotten: the quiet period after the last attempt, or the lock's end if later. */
export function forgetAt(policy: LockoutPolicy, attempts: LoginAttempts): Date {
  const quiet = new Date(attempts.lastAttemptAt).getTime() + policy.forgetAfterMinutes * 60_000
  return new Date(Math.max(quiet, attempts.lockedUntil ? new Date(attempts.lockedUntil).getTime() : 0))
}

export interface ThrottleDeps {
  agents: Pick<AgentStore, 'getLoginAttempts' | 'saveLoginAttempts' | 'clearLoginAttempts'>
  clock: Clock
}

export const lockedError = (seconds: number) =>
  new DocketError('locked', `too many failed attempts for this login: try again in ${seconds} second${seconds === 1 ? '' : 's'}`, undefined, seconds)

/** Throws `locked` (429 with Retry-After) while the login is locked; otherwise counts this attempt. */
export async function countLoginAttempt(deps: ThrottleDeps, policy: LockoutPolicy, login: string): Promise<void> {
  for (let round = 0; round < 5; round++) {
    const now = deps.clock.now()
    const stored = await deps.agents.getLoginAttempts(login)
    const current = rememberedAttempts(policy, stored?.attempts, now)
    const wait = secondsLocked(current, now)
    if (wait > 0) throw lockedError(wait)
    const next = countAttempt(policy, current, now)
    if (await deps.agents.saveLoginAttempts(login, next, forgetAt(policy, next).toISOString(), stored?.revision ?? null)) return
  }
  // Five lost races in a row: many attempts at once on one name, which is an attack, not a person.
  throw lockedError(policy.baseDelaySeconds)
}

export async function clearLoginAttempts(deps: ThrottleDeps, login: string): Promise<void> {
  await deps.agents.clearLoginAttempts(login)
}
