export interface AgentRecord {
  login: string
  passwordHash: string | null
  passwordChangedAt: string | null
}

export interface SessionRecord {
  sessionId: string
  login: string
  createdAt: string
  expiresAt: string
}

/** Agent credentials and sessions (the agents themselves are declared in config). */
export interface AgentStore {
  getAgent(login: string): Promise<AgentRecord | undefined>
  /** Sets the password only if the agent has none yet (first start); false if one exists. */
  initializePassword(login: string, passwordHash: string, at: string): Promise<boolean>
  setPassword(login: string, passwordHash: string, at: string): Promise<void>
  createSession(session: SessionRecord): Promise<void>
  getSession(sessionId: string): Promise<SessionRecord | undefined>
  deleteSession(sessionId: string): Promise<void>
}
