import type { RuntimeSettings } from '../platform/runtime-settings.ts'
import type { SearchIndex } from '../search/ports.ts'

/**
 * The search adapter of the functions that search or index (the API, the indexer): OpenSearch,
 * SigV4-signed with the function's role. A module of its own, imported only by those entries, so
 * the others carry no OpenSearch client; the client itself is loaded on the first build, so the
 * local runtime (which loads the same entries) never loads it.
 */
export async function openSearchIndex(settings: RuntimeSettings): Promise<SearchIndex> {
  return (await import('../search/adapters/opensearch-search-index.ts')).openSearchIndexFor(settings)
}
