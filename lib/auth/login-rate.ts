import { isIPv4, isIPv6 } from 'node:net'
import type { LoginRatePolicy } from '../../schemas/config.ts'
import type { Clock } from '../platform/clock.ts'
import { DocketError } from '../platform/errors.ts'
import { rateWindowAt } from '../platform/rate-window.ts'
import type { AgentStore } from './ports.ts'

/**
 * Login flood control (issue 13.5), before the lockout and before any password is checked: login
 * attempts per client address and from everyone, per minute, counted in the table (conditional
 * counters with a TTL, like the reset-mail cap), so the limits hold across Lambda instances and
 * processes. A success gives its attempt back: an office behind one address is not limited by
 * its own agents, only by failures. An address the agent logged in from is exempt from the
 * limit of everyone, so a flood from elsewhere cannot keep agents at their usual desks out.
 */

/**
 * The address a limit or lock counts under: IPv4 as it is (an IPv4-mapped IPv6 address as IPv4),
 * IPv6 by its /64, which one subscriber usually holds whole (it would otherwise have 2^64 addresses
 * to rotate through). Pure.
 */
export function addressBlock(address: string | null | undefined): string {
  if (!address) return 'unknown'
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)
  if (mapped) return mapped[1]!
  if (isIPv4(address)) return address
  if (!isIPv6(address)) return 'unknown'
  const [head = '', tail = ''] = address.toLowerCase().split('::')
  const left = head ? head.split(':') : []
  const right = tail ? tail.split(':') : []
  const groups = address.includes('::') ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right] : left
  return `${groups.slice(0, 4).map((group) => group.replace(/^0+(?=.)/, '')).join(':')}::/64`
}

export interface LoginRateDeps {
  agents: Pick<AgentStore, 'countLoginRate' | 'returnLoginRate'>
  clock: Clock
}

export const rateLimitedError = (seconds: number, whose: string) =>
  new DocketError('rate_limited', `too many login attempts ${whose}: try again in ${seconds} second${seconds === 1 ? '' : 's'}`, undefined, seconds)

/** An admitted attempt; `succeeded()` gives it back. */
export interface LoginAdmission {
  succeeded(): Promise<void>
}

const windowSeconds = 60
const addressScope = (address: string) => `address#${address}`

/** Counts one attempt from `address` (and from everyone unless the address is known for the login); throws `rate_limited` (429) over a limit. */
export async function admitLoginAttempt(deps: LoginRateDeps, policy: LoginRatePolicy, address: string, knownAddress: boolean): Promise<LoginAdmission> {
  const window = rateWindowAt(deps.clock.now(), windowSeconds)
  // Kept a window longer than needed: TTL deletes late anyway, and a counter must never vanish early.
  const expiresAt = new Date(window.endsAt.getTime() + windowSeconds * 1000).toISOString()
  if (!(await deps.agents.countLoginRate(addressScope(address), window.id, policy.perAddressPerMinute, expiresAt))) {
    throw rateLimitedError(window.retryAfterSeconds, 'from your address')
  }
  if (!knownAddress && !(await deps.agents.countLoginRate('all', window.id, policy.globalPerMinute, expiresAt))) {
    throw rateLimitedError(window.retryAfterSeconds, 'right now')
  }
  return {
    succeeded: async () => {
      await Promise.all([
        deps.agents.returnLoginRate(addressScope(address), window.id),
        ...(knownAddress ? [] : [deps.agents.returnLoginRate('all', window.id)]),
      ])
    },
  }
}
