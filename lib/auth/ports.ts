import type { OutboundMailRecord } from '../ticket/model.ts'
import type { PreferencesChange, StoredPreferences } from './preferences.ts'

/** An active TOTP second factor. The secret is encrypted (lib/auth/secret-box.ts); recovery codes are kept as hashes. */
export interface TotpState {
  encryptedSecret: string
  enabledAt: string
  /** The last RFC 6238 time step accepted: a code of this step or an earlier one never works again. */
  lastStep: number
  recoveryCodeHashes: string[]
}

/** An enrolment begun (POST /api/me/totp) and not yet confirmed with a code. */
export interface PendingTotp {
  encryptedSecret: string
  startedAt: string
}

export interface AgentRecord {
  login: string
  passwordHash: string | null
  passwordChangedAt: string | null
  /** What the agent chose in their preferences; the rest follows the config. */
  preferences: StoredPreferences
  totp: TotpState | null
  pendingTotp: PendingTotp | null
}

export interface SessionRecord {
  /** Opaque to clients; names its agent (see sessions.ts), so an admin can end it by id alone. */
  sessionId: string
  login: string
  createdAt: string
  expiresAt: string
  /** Updated at most once a minute, so a busy client does not write on every call. */
  lastSeenAt: string
  userAgent: string | null
  ip: string | null
  /** Logged in with a TOTP code (or a recovery code), or enrolled during this session. */
  twoFactor: boolean
}

/** Failed logins of one login name (known or not), from one address or from all, and the lock they caused. */
export interface LoginAttempts {
  failures: number
  lockedUntil: string | null
  lastAttemptAt: string
}

/** A stored attempts record and its revision (for the conditional write of the next one). */
export interface StoredLoginAttempts {
  attempts: LoginAttempts
  revision: string
}

/** What the lockout knows about a login before an attempt from `address`. */
export interface LoginLockState {
  /** Failures from every address together. */
  all: StoredLoginAttempts | undefined
  /** Failures from this address. */
  fromAddress: StoredLoginAttempts | undefined
}

/** One record to write after an attempt: the new state, its TTL, and the revision it replaces (null: none stored). */
export interface LoginAttemptsWrite {
  attempts: LoginAttempts
  expiresAt: string
  expectedRevision: string | null
}

/** The failures of a login as an admin sees them: from all addresses, and per address. */
export interface LoginAttemptsByAddress {
  all: LoginAttempts | undefined
  addresses: { address: string; attempts: LoginAttempts }[]
}

/** A mailed password-reset link, kept as the hash of its token. */
export interface PasswordResetRecord {
  tokenHash: string
  login: string
  issuedAt: string
  expiresAt: string
}

/**
 * Agent credentials, preferences and sessions (the agents themselves are declared in config).
 * Every rule that must hold under concurrency (a TOTP step used once, a recovery code or reset
 * token used once, a lock counted once) is a conditional write here.
 */
export interface AgentStore {
  getAgent(login: string): Promise<AgentRecord | undefined>
  /** Sets the password only if the agent has none yet (first start); false if one exists. */
  initializePassword(login: string, passwordHash: string, at: string): Promise<boolean>
  setPassword(login: string, passwordHash: string, at: string): Promise<void>
  /** Replaces the hash with one of current parameters, unless the password changed meanwhile. */
  replacePasswordHash(login: string, previousHash: string, passwordHash: string): Promise<boolean>
  /** The stored preferences of several agents in one round trip (a BatchGetItem per 100); agents never stored are absent. */
  getPreferences(logins: readonly string[]): Promise<Map<string, StoredPreferences>>
  /** Writes the keys in `set` and removes those in `reset`; other keys and the password are kept. */
  setPreferences(login: string, change: PreferencesChange, at: string): Promise<void>

  /** Starts (or restarts) an enrolment; false when TOTP is already active. */
  setPendingTotp(login: string, pending: PendingTotp): Promise<boolean>
  /** Turns the pending secret into the active one; false when the pending secret changed or TOTP is already active. */
  activateTotp(login: string, pendingSecret: string, totp: TotpState): Promise<boolean>
  /** Records a step as used; false when that step (or a later one) was used already, or the secret changed. */
  useTotpStep(login: string, encryptedSecret: string, step: number): Promise<boolean>
  /** Removes one recovery code; false when it is not (or no longer) there. */
  useRecoveryCode(login: string, codeHash: string): Promise<boolean>
  /** Turns TOTP off and drops a pending enrolment. */
  removeTotp(login: string): Promise<void>

  createSession(session: SessionRecord): Promise<void>
  getSession(login: string, sessionId: string): Promise<SessionRecord | undefined>
  /** The agent's sessions, expired ones included until the table's TTL removes them. */
  listSessions(login: string): Promise<SessionRecord[]>
  /** Sets lastSeenAt unless it is already later than `unlessAfter`. */
  touchSession(login: string, sessionId: string, at: string, unlessAfter: string): Promise<void>
  markSessionTwoFactor(login: string, sessionId: string): Promise<void>
  /** False when there was no such session. */
  deleteSession(login: string, sessionId: string): Promise<boolean>

  /** Both attempt records of a login for an attempt from `address`, in one round trip. */
  getLoginLockState(login: string, address: string): Promise<LoginLockState>
  /** Writes both records in one transaction if neither revision changed meanwhile; false otherwise. */
  saveLoginAttempts(login: string, address: string, writes: { all: LoginAttemptsWrite; fromAddress: LoginAttemptsWrite }): Promise<boolean>
  /** Forgets the failures of a login from every address, or from everywhere and this one address (a success there). */
  clearLoginAttempts(login: string, address?: string): Promise<void>
  /** Every remembered attempts record of a login (one query), for the admins' lockout overview. */
  listLoginAttempts(login: string): Promise<LoginAttemptsByAddress>
  /** An address the agent logged in from, remembered until `expiresAt`: exempt from the lock of the login as a whole. */
  rememberLoginAddress(login: string, address: string, expiresAt: string): Promise<void>
  isKnownLoginAddress(login: string, address: string, now: string): Promise<boolean>
  /** Counts one login attempt of `scope` in `window`; false (not counted) when `limit` were counted already. */
  countLoginRate(scope: string, window: string, limit: number, expiresAt: string): Promise<boolean>
  /** Gives one counted attempt back (a successful login). */
  returnLoginRate(scope: string, window: string): Promise<void>

  /** Counts one reset mail in its hour; false when `limit` mails were counted already. */
  countPasswordResetMail(login: string, hour: string, limit: number, expiresAt: string): Promise<boolean>
  /** The token record and its mail (transactional outbox) in one transaction. */
  createPasswordReset(reset: PasswordResetRecord, mail: OutboundMailRecord): Promise<void>
  /** Deletes the token if it exists and has not expired at `now`, and answers it; undefined otherwise. */
  consumePasswordReset(tokenHash: string, now: string): Promise<PasswordResetRecord | undefined>
}
