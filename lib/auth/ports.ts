import type { PreferencesChange, StoredPreferences } from './preferences.ts'

export interface AgentRecord {
  login: string
  passwordHash: string | null
  passwordChangedAt: string | null
  /** What the agent chose in their preferences; the rest follows the config. */
  preferences: StoredPreferences
}

export interface SessionRecord {
  sessionId: string
  login: string
  createdAt: string
  expiresAt: string
}

/** Agent credentials, preferences and sessions (the agents themselves are declared in config). */
export interface AgentStore {
  getAgent(login: string): Promise<AgentRecord | undefined>
  /** Sets the password only if the agent has none yet (first start); false if one exists. */
  initializePassword(login: string, passwordHash: string, at: string): Promise<boolean>
  setPassword(login: string, passwordHash: string, at: string): Promise<void>
  /** The stored preferences of several agents in one round trip (a BatchGetItem per 100); agents never stored are absent. */
  getPreferences(logins: readonly string[]): Promise<Map<string, StoredPreferences>>
  /** Writes the keys in `set` and removes those in `reset`; other keys and the password are kept. */
  setPreferences(login: string, change: PreferencesChange, at: string): Promise<void>
  createSession(session: SessionRecord): Promise<void>
  getSession(sessionId: string): Promise<SessionRecord | undefined>
  deleteSession(sessionId: string): Promise<void>
}
