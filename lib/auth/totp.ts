import { createHash, randomInt } from 'node:crypto'
import { Secret, TOTP } from 'otpauth'
import { renderSVG } from 'uqr'

/**
 * RFC 6238 time-based one-time passwords as every authenticator app reads them (SHA-1, 6 digits,
 * 30 s), and the recovery codes that stand in for a lost phone. Pure: time is passed in.
 */
export const totpPeriodSeconds = 30
/** One step either side: a phone clock off by up to 30 s, or a code typed as it turned over. */
const allowedDrift = 1

const totpFor = (secret: string, issuer = 'Docket', label = 'agent') =>
  new TOTP({ issuer, label, algorithm: 'SHA1', digits: 6, period: totpPeriodSeconds, secret: Secret.fromBase32(secret) })

/** A new shared secret: 160 random bits (RFC 4226's recommended length), base32. */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32
}

/** The otpauth:// URI an authenticator app scans. */
export function totpUri(secret: string, issuer: string, login: string): string {
  return totpFor(secret, issuer, login).toString()
}

/** The RFC 6238 time step at a moment. */
export function timeStep(at: Date): number {
  return Math.floor(at.getTime() / 1000 / totpPeriodSeconds)
}

/** The code of a step (authenticator apps do this; tests too). */
export function totpCode(secret: string, at: Date): string {
  return totpFor(secret).generate({ timestamp: at.getTime() })
}

/** "123 456" and "123456" are codes; recovery codes are longer and have letters. */
export function isTotpCode(input: string): boolean {
  return /^\d{6}$/.test(input.replace(/\s+/g, ''))
}

/**
 * The time step whose code this is (within the allowed drift), or null. Whether the step may
 * still be used is the store's decision: it keeps the last step used (replay protection).
 */
export function matchTotpStep(secret: string, code: string, at: Date): number | null {
  const token = code.replace(/\s+/g, '')
  if (!/^\d{6}$/.test(token)) return null
  const delta = totpFor(secret).validate({ token, timestamp: at.getTime(), window: allowedDrift })
  return delta === null ? null : timeStep(at) + delta
}

/** An SVG QR code of the text, as a data URL an <img> shows. */
export function qrCodeDataUrl(text: string): string {
  const svg = renderSVG(text, { ecc: 'M', border: 2 })
  return `data:image/svg+xml;base64,${Buffer.from(svg, 'utf8').toString('base64')}`
}

export const recoveryCodeCount = 10
const recoveryAlphabet = 'abcdefghjkmnpqrstuvwxyz23456789'

/** Ten single-use codes such as "k7mq-2xbd-9hrt-vw4p": 16 characters of 31, ~79 bits each. */
export function generateRecoveryCodes(count = recoveryCodeCount): string[] {
  return Array.from({ length: count }, () => {
    const chars = Array.from({ length: 16 }, () => recoveryAlphabet[randomInt(recoveryAlphabet.length)]!).join('')
    return chars.match(/.{4}/g)!.join('-')
  })
}

/**
 * What is stored of a recovery code. A plain SHA-256 suffices: the codes are random with ~79 bits,
 * so unlike passwords they cannot be guessed from a list. Dashes, spaces and case are ignored.
 */
export function hashRecoveryCode(code: string): string {
  return createHash('sha256').update(code.toLowerCase().replace(/[^a-z0-9]/g, '')).digest('hex')
}
