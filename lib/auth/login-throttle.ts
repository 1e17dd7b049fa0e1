import type { LockoutPolicy } from '../../schemas/config.ts'
import type { Clock } from '../platform/clock.ts'
import { DocketError } from '../platform/errors.ts'
import type { AgentStore, LoginAttempts } from './ports.ts'

/**
 * Brute-force protection per login name and client address (OTRS: PasswordMaxLoginFailed, but
 * temporary): the first `freeAttempts` failures cost nothing; then each failure locks the name
 * for that address for a delay that doubles up to `maxDelaySeconds`. The name as a whole locks
 * the same way after `loginFreeAttempts` failures from all addresses (see countLoginAttempt). Unknown names are counted exactly like known ones, so the answers never
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

/** The lock of a login as a whole (failures from every address): the same delays after many more free attempts. Pure. */
export function loginWidePolicy(policy: LockoutPolicy): LockoutPolicy {
  return { ...policy, freeAttempts: policy.loginFreeAttempts }
}

export interface ThrottleDeps {
  agents: Pick<AgentStore, 'getLoginLockState' | 'saveLoginAttempts' | 'clearLoginAttempts' | 'rememberLoginAddress'>
  clock: Clock
}

export const lockedError = (seconds: number) =>
  new DocketError('locked', `too many failed attempts for this login: try again in ${seconds} second${seconds === 1 ? '' : 's'}`, undefined, seconds)

/**
 * Throws `locked` (429 with Retry-After) while the login is locked for this address; otherwise
 * counts this attempt, from this address and from all. The login as a whole locks only after
 * `loginFreeAttempts` and never for an address the agent logged in from (`knownAddress`), so a
 * stranger's guesses cannot keep the agent out, while guesses spread over many addresses still lock.
 */
export async function countLoginAttempt(deps: ThrottleDeps, policy: LockoutPolicy, login: string, address: string, knownAddress: boolean): Promise<void> {
  const widePolicy = loginWidePolicy(policy)
  for (let round = 0; round < 5; round++) {
    const now = deps.clock.now()
    const stored = await deps.agents.getLoginLockState(login, address)
    const fromAddress = rememberedAttempts(policy, stored.fromAddress?.attempts, now)
    const all = rememberedAttempts(widePolicy, stored.all?.attempts, now)
    const wait = Math.max(secondsLocked(fromAddress, now), knownAddress ? 0 : secondsLocked(all, now))
    if (wait > 0) throw lockedError(wait)
    const nextFromAddress = countAttempt(policy, fromAddress, now)
    const nextAll = countAttempt(widePolicy, all, now)
    const saved = await deps.agents.saveLoginAttempts(login, address, {
      fromAddress: { attempts: nextFromAddress, expiresAt: forgetAt(policy, nextFromAddress).toISOString(), expectedRevision: stored.fromAddress?.revision ?? null },
      all: { attempts: nextAll, expiresAt: forgetAt(widePolicy, nextAll).toISOString(), expectedRevision: stored.all?.revision ?? null },
    })
    if (saved) return
  }
  // Five lost races in a row: many attempts at once on one name, which is an attack, not a person.
  throw lockedError(policy.baseDelaySeconds)
}

/** A success from `address`: its failures and those of the login as a whole are forgotten, and the address is known from now on. */
export async function clearLoginAttempts(deps: ThrottleDeps, policy: LockoutPolicy, login: string, address: string): Promise<void> {
  const now = deps.clock.now()
  await Promise.all([
    deps.agents.clearLoginAttempts(login, address),
    deps.agents.rememberLoginAddress(login, address, new Date(now.getTime() + policy.knownAddressDays * 86_400_000).toISOString()),
  ])
}

/** Forgets every failure of a login, from every address (a new password set by an admin or a reset link). */
export async function forgetLoginAttempts(deps: ThrottleDeps, login: string): Promise<void> {
  await deps.agents.clearLoginAttempts(login)
}
