import { describe, expect, it } from 'vitest'
import { checkPasswordPolicy, describeViolations } from '../../lib/auth/password-policy.ts'
import { defaultPasswordHashParameters, generatePassword, hashPassword, needsRehash, passwordHashParametersForCost, verifyPassword } from '../../lib/auth/passwords.ts'
import { countAttempt, forgetAt, lockDelaySeconds, rememberedAttempts, secondsLocked } from '../../lib/auth/login-throttle.ts'
import { decryptSecret, deriveSecretKey, encryptSecret } from '../../lib/auth/secret-box.ts'
import { loginOfSessionId, newSessionId } from '../../lib/auth/sessions.ts'
import { generateRecoveryCodes, hashRecoveryCode, isTotpCode, matchTotpStep, newTotpSecret, qrCodeDataUrl, timeStep, totpCode, totpUri } from '../../lib/auth/totp.ts'
import type { LoginAttempts } from '../../lib/auth/ports.ts'
import { defaultAuth } from '../../schemas/config.ts'
import { addressBlock } from '../../lib/auth/login-rate.ts'
import { ConcurrencyGate } from '../../lib/platform/concurrency-gate.ts'
import { rateWindowAt, WindowCounter } from '../../lib/platform/rate-window.ts'

const policy = defaultAuth.passwordPolicy
const lockout = { freeAttempts: 5, baseDelaySeconds: 30, maxDelaySeconds: 900, forgetAfterMinutes: 60, loginFreeAttempts: 50, knownAddressDays: 30 }

describe('password policy (OTRS default: ≥ 10 characters, upper, lower, digit, punctuation)', () => {
  it('names every rule a password breaks, by its config key', () => {
    expect(checkPasswordPolicy(policy, 'Test-Password-1!')).toEqual([])
    expect(checkPasswordPolicy(policy, 'short').map((violation) => violation.rule)).toEqual(['minLength', 'requireUpper', 'requireDigit', 'requirePunctuation'])
    expect(checkPasswordPolicy(policy, 'alllowercase-1').map((violation) => violation.rule)).toEqual(['requireUpper'])
    expect(checkPasswordPolicy(policy, 'ALLUPPERCASE-1').map((violation) => violation.rule)).toEqual(['requireLower'])
    expect(checkPasswordPolicy(policy, 'NoDigitsHere!').map((violation) => violation.rule)).toEqual(['requireDigit'])
    expect(checkPasswordPolicy(policy, 'NoPunctuation1').map((violation) => violation.rule)).toEqual(['requirePunctuation'])
    expect(describeViolations(checkPasswordPolicy(policy, 'NoPunctuation1'))).toBe('the password policy needs a punctuation character such as "-" or "!" (auth.passwordPolicy.requirePunctuation)')
  })

  it('counts characters, not UTF-16 units; any non-letter, non-digit, non-space symbol is punctuation; rules can be switched off', () => {
    expect(checkPasswordPolicy(policy, 'Ünïcødé€9x')).toEqual([])
    expect(checkPasswordPolicy(policy, 'Aa1-😀😀😀😀😀😀').map((violation) => violation.rule)).toEqual([])
    // 9 characters, though 14 UTF-16 units:
    expect(checkPasswordPolicy(policy, 'Aa1-😀😀😀😀😀').map((violation) => violation.rule)).toEqual(['minLength'])
    expect(checkPasswordPolicy(policy, 'With Space 1').map((violation) => violation.rule)).toEqual(['requirePunctuation'])
    expect(checkPasswordPolicy({ ...policy, requirePunctuation: false, requireUpper: false }, 'plainpassword1')).toEqual([])
  })

  it('generated passwords always pass the policy, at any minimum length', () => {
    for (let round = 0; round < 500; round++) expect(checkPasswordPolicy(policy, generatePassword(policy))).toEqual([])
    const long = { ...policy, minLength: 33 }
    for (let round = 0; round < 50; round++) expect(checkPasswordPolicy(long, generatePassword(long))).toEqual([])
  })
})

describe('password hashes (scrypt)', () => {
  it('verify, and tell a hash of older parameters from a current one', async () => {
    const cheap = passwordHashParametersForCost(10)
    const hash = await hashPassword('Test-Password-1!', cheap)
    expect(hash).toMatch(/^scrypt\$1024\$8\$2\$/)
    expect(await verifyPassword('Test-Password-1!', hash)).toBe(true)
    expect(await verifyPassword('Test-Password-2!', hash)).toBe(false)
    expect(needsRehash(hash, cheap)).toBe(false)
    expect(needsRehash(hash, defaultPasswordHashParameters)).toBe(true)
    // What the first version stored (N=2^15, p=1) is outdated now.
    expect(needsRehash('scrypt$32768$8$1$c2FsdA==$' + Buffer.alloc(32).toString('base64'), defaultPasswordHashParameters)).toBe(true)
    expect(needsRehash('bcrypt$whatever', defaultPasswordHashParameters)).toBe(true)
    expect(defaultPasswordHashParameters).toEqual({ N: 65536, r: 8, p: 2, keyLength: 32 })
  })
})

describe('lockout timing', () => {
  const at = (seconds: number) => new Date(Date.UTC(2026, 10, 23, 9, 0, 0) + seconds * 1000)

  it('five free attempts, then a lock that doubles up to the cap', () => {
    expect([1, 2, 3, 4].map((failures) => lockDelaySeconds(lockout, failures))).toEqual([0, 0, 0, 0])
    expect([5, 6, 7, 8, 9, 10, 20].map((failures) => lockDelaySeconds(lockout, failures))).toEqual([30, 60, 120, 240, 480, 900, 900])
  })

  it('walks a brute force: attempts 1–5 pass, then each waits out a longer lock', () => {
    let attempts: LoginAttempts | null = null
    let now = 0
    const waits: number[] = []
    for (let attempt = 1; attempt <= 8; attempt++) {
      const current = rememberedAttempts(lockout, attempts ?? undefined, at(now))
      const wait = secondsLocked(current, at(now))
      waits.push(wait)
      now += wait
      attempts = countAttempt(lockout, rememberedAttempts(lockout, attempts ?? undefined, at(now)), at(now))
    }
    expect(waits).toEqual([0, 0, 0, 0, 0, 30, 60, 120])
    expect(attempts).toMatchObject({ failures: 8, lockedUntil: at(now + 240).toISOString() })
  })

  it('an attempt during the lock is refused for the seconds left; failures are forgotten after a quiet hour (or the lock, if longer)', () => {
    const locked = countAttempt(lockout, { failures: 4, lockedUntil: null, lastAttemptAt: at(0).toISOString() }, at(10))
    expect(secondsLocked(locked, at(10))).toBe(30)
    expect(secondsLocked(locked, at(31))).toBe(9)
    expect(secondsLocked(locked, at(40))).toBe(0)
    expect(rememberedAttempts(lockout, locked, at(10 + 3599))).toEqual(locked)
    expect(rememberedAttempts(lockout, locked, at(10 + 3600))).toBeNull()
    const long = { ...lockout, forgetAfterMinutes: 1 }
    const longLock = countAttempt(long, { failures: 8, lockedUntil: null, lastAttemptAt: at(0).toISOString() }, at(0))
    expect(forgetAt(long, longLock)).toEqual(at(480))
  })
})

describe('TOTP (RFC 6238) with a fixed clock', () => {
  const secret = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP'
  const noon = new Date('2026-11-23T12:00:00.000Z')
  const plus = (seconds: number) => new Date(noon.getTime() + seconds * 1000)

  it('matches the RFC 6238 test vector (SHA-1, 59 s → 94287082, 6 digits: 287082)', () => {
    // RFC 6238 appendix B, secret "12345678901234567890" (ASCII) = GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ in base32.
    expect(totpCode('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', new Date(59_000))).toBe('287082')
    expect(totpCode('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', new Date(1_111_111_109_000))).toBe('081804')
  })

  it('answers the step of a code within one step of drift, and nothing beyond', () => {
    const code = totpCode(secret, noon)
    const step = timeStep(noon)
    expect(matchTotpStep(secret, code, noon)).toBe(step)
    expect(matchTotpStep(secret, code, plus(29))).toBe(step)
    expect(matchTotpStep(secret, code, plus(30))).toBe(step)
    expect(matchTotpStep(secret, code, plus(-30))).toBe(step)
    expect(matchTotpStep(secret, code, plus(60))).toBeNull()
    expect(matchTotpStep(secret, code, plus(-60))).toBeNull()
    expect(matchTotpStep(secret, `${code.slice(0, 3)} ${code.slice(3)}`, noon)).toBe(step)
    expect(matchTotpStep(secret, '12345', noon)).toBeNull()
  })

  it('a replayed code yields the same step, which the store then refuses (step ≤ last used)', () => {
    const code = totpCode(secret, noon)
    const first = matchTotpStep(secret, code, noon)!
    const replay = matchTotpStep(secret, code, plus(20))!
    expect(replay).toBe(first)
    // The rule the conditional write enforces (totpLastStep < :step):
    expect(replay > first).toBe(false)
    expect(matchTotpStep(secret, totpCode(secret, plus(30)), plus(30))! > first).toBe(true)
  })

  it('new secrets, URIs and QR codes as authenticator apps read them', () => {
    const fresh = newTotpSecret()
    expect(fresh).toMatch(/^[A-Z2-7]{32}$/)
    expect(totpUri(fresh, 'Docket', 'admin')).toBe(`otpauth://totp/Docket:admin?issuer=Docket&secret=${fresh}&algorithm=SHA1&digits=6&period=30`)
    const qr = qrCodeDataUrl(totpUri(fresh, 'Docket', 'admin'))
    expect(qr).toMatch(/^data:image\/svg\+xml;base64,/)
    expect(Buffer.from(qr.split(',')[1]!, 'base64').toString('utf8')).toMatch(/^<svg[^>]*>/)
  })

  it('recovery codes: ten, distinct, not code-shaped; hashed ignoring case, spaces and dashes', () => {
    const codes = generateRecoveryCodes()
    expect(codes).toHaveLength(10)
    expect(new Set(codes).size).toBe(10)
    for (const code of codes) {
      expect(code).toMatch(/^[a-z2-9]{4}(-[a-z2-9]{4}){3}$/)
      expect(isTotpCode(code)).toBe(false)
    }
    expect(hashRecoveryCode(codes[0]!)).toBe(hashRecoveryCode(` ${codes[0]!.toUpperCase().replaceAll('-', ' ')} `))
    expect(hashRecoveryCode(codes[0]!)).not.toBe(hashRecoveryCode(codes[1]!))
  })
})

describe('secrets at rest and session ids', () => {
  it('AES-GCM: decrypts only with the same key and context', () => {
    const key = deriveSecretKey(Buffer.from('a random secret string from Secrets Manager'), 'totp-secrets')
    const sealed = encryptSecret(key, 'JBSWY3DPEHPK3PXP', 'totp:admin')
    expect(sealed).toMatch(/^v1\./)
    expect(sealed).not.toContain('JBSWY3DPEHPK3PXP')
    expect(decryptSecret(key, sealed, 'totp:admin')).toBe('JBSWY3DPEHPK3PXP')
    expect(() => decryptSecret(key, sealed, 'totp:sales')).toThrow()
    expect(() => decryptSecret(deriveSecretKey(Buffer.from('another key'), 'totp-secrets'), sealed, 'totp:admin')).toThrow()
    expect(() => decryptSecret(key, sealed.slice(0, -2) + (sealed.endsWith('A') ? 'BB' : 'AA'), 'totp:admin')).toThrow()
  })

  it('a session id names its agent and nothing else parses as one', () => {
    const id = newSessionId('sam.sales@example.com', new Date('2026-11-23T12:00:00Z'))
    expect(loginOfSessionId(id)).toBe('sam.sales@example.com')
    expect(loginOfSessionId(`${id}x`)).toBeUndefined()
    expect(loginOfSessionId('01KAXXXXXXXXXXXXXXXXXXXXXX')).toBeUndefined()
    expect(loginOfSessionId('not a session')).toBeUndefined()
  })
})

describe('login flood control rules (issue 13.5)', () => {
  it('addresses count as themselves (IPv4, IPv4-mapped) or by their /64 (IPv6); anything else is "unknown"', () => {
    expect(addressBlock('192.0.2.7')).toBe('192.0.2.7')
    expect(addressBlock('::ffff:192.0.2.7')).toBe('192.0.2.7')
    expect(addressBlock('2001:db8:1:2::1')).toBe('2001:db8:1:2::/64')
    expect(addressBlock('2001:0db8:0001:0002:ffff:0:0:1')).toBe('2001:db8:1:2::/64')
    expect(addressBlock('::1')).toBe('0:0:0:0::/64')
    expect(addressBlock(null)).toBe('unknown')
    expect(addressBlock('not an address')).toBe('unknown')
  })

  it('fixed windows: the window of a moment and the seconds left in it', () => {
    expect(rateWindowAt(new Date('2026-11-23T09:00:59.200Z'), 60)).toEqual({ id: '2026-11-23T09:00:00.000Z', endsAt: new Date('2026-11-23T09:01:00Z'), retryAfterSeconds: 1 })
    const counter = new WindowCounter(60, 2)
    const at = new Date('2026-11-23T09:00:10Z')
    expect([counter.hit('a', at), counter.hit('a', at), counter.hit('a', at), counter.hit('b', at)]).toEqual([0, 0, 50, 0])
    expect(counter.hit('a', new Date('2026-11-23T09:01:00Z'))).toBe(0)
  })

  it('the gate: one running, one waiting per owner, a full queue refused at once; priority goes first', async () => {
    const gate = new ConcurrencyGate(1, 2)
    const order: string[] = []
    let release!: () => void
    const blocker = new Promise<void>((resolve) => (release = resolve))
    const refuse = (seconds: number) => Object.assign(new Error('busy'), { seconds })
    const first = gate.run(() => blocker.then(() => order.push('first')), refuse, { owner: 'x' })
    const second = gate.run(async () => order.push('second'), refuse, { owner: 'x' })
    await expect(gate.run(async () => order.push('third'), refuse, { owner: 'x' })).rejects.toThrow('busy')
    const other = gate.run(async () => order.push('other'), refuse, { owner: 'y' })
    await expect(gate.run(async () => order.push('full'), refuse, { owner: 'z' })).rejects.toMatchObject({ seconds: expect.any(Number) })
    const known = gate.run(async () => order.push('known'), refuse, { owner: 'z', priority: true })
    release()
    await Promise.all([first, second, other, known])
    expect(order).toEqual(['first', 'known', 'second', 'other'])
  })
})
