import { createContext, useContext } from 'react'
import type { Me, Meta, Preferences } from './api/types.ts'

/** What every screen needs about the logged-in agent and the system. */
export interface AppState {
  me: Me
  meta: Meta
  preferences: Preferences
  /** Re-reads /api/me and /api/meta (after preferences changed). */
  reload(): Promise<void>
  setPreferences(preferences: Preferences): void
  logout(): Promise<void>
}

export const AppContext = createContext<AppState | null>(null)

export function useApp(): AppState {
  const value = useContext(AppContext)
  if (!value) throw new Error('useApp outside the logged-in app')
  return value
}
