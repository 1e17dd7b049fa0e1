import * as z from 'zod'

/**
 * Authentication beyond login (schemas/api.ts): password reset, the password policy, TOTP
 * enrolment and sessions (OTRS: session management). Part of the OpenAPI document.
 */

export const PasswordPolicySchema = z
  .object({
    minLength: z.number().int(),
    requireUpper: z.boolean(),
    requireLower: z.boolean(),
    requireDigit: z.boolean(),
    requirePunctuation: z.boolean().meta({ description: 'A character that is not a letter, digit or space.' }),
  })
  .meta({ id: 'PasswordPolicy', description: 'auth.passwordPolicy from the config; a refused password answers 400 naming each rule it breaks.' })

export const PasswordResetRequestSchema = z.strictObject({ login: z.string().min(1).max(200) }).meta({ id: 'PasswordResetRequest' })

export const PasswordResetConfirmSchema = z
  .strictObject({
    token: z.string().min(16).max(200).meta({ description: 'The token from the mailed link (…/reset-password?token=…).' }),
    password: z.string().min(1).max(1000),
  })
  .meta({ id: 'PasswordResetConfirm' })

export const TotpEnrolmentSchema = z
  .object({
    secret: z.string().meta({ description: 'Base32, for typing into an app by hand.' }),
    uri: z.string().meta({ example: 'otpauth://totp/Docket:admin?issuer=Docket&secret=…&algorithm=SHA1&digits=6&period=30' }),
    qrCode: z.string().meta({ description: 'The URI as a QR code: an SVG data URL for an <img>.' }),
  })
  .meta({ id: 'TotpEnrolment' })

const totpCode = z.string().trim().regex(/^\d{3} ?\d{3}$/, 'must be the 6-digit code from your authenticator app')

export const TotpConfirmRequestSchema = z.strictObject({ code: totpCode }).meta({ id: 'TotpConfirmRequest' })

export const TotpConfirmResponseSchema = z
  .object({
    recoveryCodes: z.array(z.string()).meta({ description: 'Ten single-use codes for when the phone is lost. Shown this once; only their hashes are kept.' }),
  })
  .meta({ id: 'TotpConfirmResponse' })

export const TotpDisableRequestSchema = z
  .strictObject({
    password: z.string().min(1).max(1000),
    code: z.string().min(1).max(64).meta({ description: 'A current code, or a recovery code.' }),
  })
  .meta({ id: 'TotpDisableRequest' })

export const TotpStatusSchema = z
  .object({
    enabled: z.boolean(),
    required: z.boolean().meta({ description: 'Your role (or admin status) requires TOTP.' }),
    enabledAt: z.string().nullable(),
    recoveryCodesLeft: z.number().int(),
  })
  .meta({ id: 'TotpStatus' })

export const SessionSchema = z
  .object({
    id: z.string(),
    login: z.string(),
    createdAt: z.string(),
    lastSeenAt: z.string().meta({ description: 'Updated at most once a minute.' }),
    expiresAt: z.string(),
    userAgent: z.string().nullable(),
    ip: z.string().nullable(),
    twoFactor: z.boolean().meta({ description: 'Opened with a TOTP or recovery code.' }),
    current: z.boolean().meta({ description: 'The session of this request.' }),
  })
  .meta({ id: 'Session' })

export const SessionListSchema = z.object({ items: z.array(SessionSchema) }).meta({ id: 'SessionList' })

export const RevokedSessionsSchema = z.object({ revoked: z.number().int() }).meta({ id: 'RevokedSessions' })

const LockedAddressSchema = z
  .object({
    address: z.string().meta({ description: 'The client address (IPv6 by its /64), or "unknown".' }),
    failures: z.number().int(),
    lockedUntil: z.string().nullable().meta({ description: 'Locked for this address until then; null when not locked now.' }),
    lastAttemptAt: z.string(),
  })
  .meta({ id: 'LockedAddress' })

export const LoginLockoutSchema = z
  .object({
    login: z.string(),
    failures: z.number().int().meta({ description: 'Failures remembered from all addresses together (auth.lockout.loginFreeAttempts locks the login).' }),
    lockedUntil: z.string().nullable().meta({ description: 'The login is locked from every address it was never used from until then; null when not.' }),
    lastAttemptAt: z.string().nullable(),
    addresses: z.array(LockedAddressSchema).meta({ description: 'The addresses the failures came from, most recent first (at most 20).' }),
    moreAddresses: z.number().int().meta({ description: 'Further addresses not listed.' }),
  })
  .meta({ id: 'LoginLockout' })

export const LoginLockoutListSchema = z.object({ items: z.array(LoginLockoutSchema) }).meta({ id: 'LoginLockoutList' })

export const SessionIdParamSchema = z.object({
  id: z.string().min(28).max(500).meta({ param: { name: 'id', in: 'path' } }),
})

export const AgentLoginParamSchema = z.object({
  login: z.string().min(1).max(200).meta({ param: { name: 'login', in: 'path' } }),
})
