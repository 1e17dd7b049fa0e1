import type { AgentIdentity } from '../auth/auth-service.ts'
import { notFound } from '../platform/errors.ts'
import { newId } from '../platform/ids.ts'
import type { Clock } from '../platform/clock.ts'
import type { SearchRequest } from '../../schemas/search.ts'

/** An agent's saved search (OTRS: search profiles), shown as a list on their dashboard. */
export interface SavedSearch {
  id: string
  name: string
  query: Pick<SearchRequest, 'text' | 'filters' | 'sort' | 'order'>
  createdAt: string
}

export interface SavedSearchStore {
  list(login: string): Promise<SavedSearch[]>
  put(login: string, search: SavedSearch): Promise<void>
  delete(login: string, id: string): Promise<boolean>
}

export async function saveSearch(deps: { savedSearches: SavedSearchStore; clock: Clock }, identity: AgentIdentity, name: string, query: SavedSearch['query']): Promise<SavedSearch> {
  const search: SavedSearch = { id: newId(deps.clock.now()), name, query, createdAt: deps.clock.now().toISOString() }
  await deps.savedSearches.put(identity.login, search)
  return search
}

export async function deleteSavedSearch(deps: { savedSearches: SavedSearchStore }, identity: AgentIdentity, id: string): Promise<void> {
  if (!(await deps.savedSearches.delete(identity.login, id))) throw notFound(`saved search ${id}`)
}
