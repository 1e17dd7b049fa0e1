import { randomBytes, randomInt, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto'
import type { PasswordPolicy } from '../../schemas/config.ts'
import type { ConcurrencyGate, GateTicket } from '../platform/concurrency-gate.ts'
import { DocketError } from '../platform/errors.ts'

/**
 * Password hashes with scrypt, stored as `scrypt$N$r$p$salt$hash` so the parameters can be raised
 * later: a hash made with other parameters is replaced at the agent's next successful login.
 *
 * Why scrypt and not Argon2id: both are memory-hard and accepted by OWASP. scrypt is Node's own
 * (OpenSSL), so it needs no native add-on to build for Lambda's runtime and no WebAssembly copy of
 * a crypto primitive; Node 22 has no Argon2 (node:crypto gained it only in Node 24.7).
 */
export interface PasswordHashParameters {
  /** CPU/memory cost, a power of two. Memory per hash is 128 · r · N bytes. */
  N: number
  r: number
  p: number
  keyLength: number
}

/** OWASP's scrypt setting N=2^16, r=8, p=2 (64 MiB, as strong as its N=2^17, p=1 with half the memory). */
export const defaultPasswordHashParameters: PasswordHashParameters = { N: 2 ** 16, r: 8, p: 2, keyLength: 32 }

/** N = 2^cost with the other parameters as in production: tests lower the cost, nothing else does. */
export function passwordHashParametersForCost(cost: number): PasswordHashParameters {
  return { ...defaultPasswordHashParameters, N: 2 ** cost }
}

const scrypt = (password: string, salt: Buffer, keyLength: number, options: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) =>
    scryptCallback(password.normalize('NFKC'), salt, keyLength, { ...options, maxmem: 256 * 1024 * 1024 }, (error, key) => (error ? reject(error) : resolve(key))),
  )

export async function hashPassword(password: string, parameters: PasswordHashParameters = defaultPasswordHashParameters): Promise<string> {
  const salt = randomBytes(16)
  const key = await scrypt(password, salt, parameters.keyLength, { N: parameters.N, r: parameters.r, p: parameters.p })
  return ['scrypt', parameters.N, parameters.r, parameters.p, salt.toString('base64'), key.toString('base64')].join('$')
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, N, r, p, salt, hash] = stored.split('$')
  if (scheme !== 'scrypt' || !salt || !hash) return false
  const expected = Buffer.from(hash, 'base64')
  const key = await scrypt(password, Buffer.from(salt, 'base64'), expected.length, { N: Number(N), r: Number(r), p: Number(p) })
  return timingSafeEqual(key, expected)
}

/**
 * One password check in a slot of `gate` (auth.loginRate.hashingConcurrency at once, hashingQueue
 * waiting, one per client address), so a flood of logins cannot take every thread and core from the rest of the server.
 * Beyond that: 429 `rate_limited` with Retry-After.
 */
export function checkPassword(gate: ConcurrencyGate, password: string, hash: string, ticket: GateTicket = {}): Promise<boolean> {
  return gate.run(
    () => verifyPassword(password, hash),
    (seconds) => new DocketError('rate_limited', `the server is busy checking passwords: try again in ${seconds} second${seconds === 1 ? '' : 's'}`, undefined, seconds),
    ticket,
  )
}

/** True when the stored hash was made with other parameters than the current ones (or another scheme). */
export function needsRehash(stored: string, parameters: PasswordHashParameters): boolean {
  const [scheme, N, r, p, , hash] = stored.split('$')
  return (
    scheme !== 'scrypt' ||
    Number(N) !== parameters.N ||
    Number(r) !== parameters.r ||
    Number(p) !== parameters.p ||
    Buffer.from(hash ?? '', 'base64').length !== parameters.keyLength
  )
}

const upper = 'ABCDEFGHJKLMNPQRSTUVWXYZ'
const lower = 'abcdefghijkmnopqrstuvwxyz'
const digits = '23456789'

/**
 * A readable random password for demo agents and `docket agent password`: groups of four joined by
 * "-", with an upper-case letter, a lower-case letter and a digit always present, and at least as
 * long as the policy asks (~95 bits at the default length of 19).
 */
export function generatePassword(policy: Pick<PasswordPolicy, 'minLength'> = { minLength: 10 }): string {
  const alphabet = upper + lower + digits
  const groups = Math.max(4, Math.ceil((policy.minLength + 1) / 5))
  const chars = Array.from({ length: groups * 4 }, () => alphabet[randomInt(alphabet.length)]!)
  // One of each class at distinct random positions, so no class can be missing by chance.
  const positions = new Set<number>()
  while (positions.size < 3) positions.add(randomInt(chars.length))
  const [forUpper, forLower, forDigit] = [...positions] as [number, number, number]
  chars[forUpper] = upper[randomInt(upper.length)]!
  chars[forLower] = lower[randomInt(lower.length)]!
  chars[forDigit] = digits[randomInt(digits.length)]!
  const grouped: string[] = []
  for (let index = 0; index < chars.length; index += 4) grouped.push(chars.slice(index, index + 4).join(''))
  return grouped.join('-')
}
