import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe } from 'vitest'
import { createOpenSearchClient, OpenSearchSearchIndex } from '../../lib/search/adapters/opensearch-search-index.ts'
import { SqliteSearchIndex } from '../../lib/search/adapters/sqlite-search-index.ts'
import { searchEngineSuite } from '../support/search-engine-suite.ts'

/** The same engine-level behaviour on every engine: SQLite FTS5 always, OpenSearch when one is at hand. */
describe('search engine: SQLite FTS5 (local)', () => {
  searchEngineSuite(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'docket-search-engine-'))
    const index = new SqliteSearchIndex(dir)
    return {
      index,
      cleanup: async () => {
        index.close()
        rmSync(dir, { recursive: true, force: true })
      },
    }
  })
})

// An unsigned cluster, e.g. `docker run -p 9200:9200 -e discovery.type=single-node -e DISABLE_SECURITY_PLUGIN=true opensearchproject/opensearch:2.19.0`
// and DOCKET_TEST_OPENSEARCH_URL=http://127.0.0.1:9200. Each suite works under aliases of its own and deletes them afterwards.
const openSearchUrl = process.env.DOCKET_TEST_OPENSEARCH_URL
const skipped = 'SKIPPED: DOCKET_TEST_OPENSEARCH_URL is not set, so no OpenSearch to run against (test/unit/opensearch-contract.test.ts still pins the requests we send)'
if (!openSearchUrl) console.info(`search-engine.test.ts: OpenSearch suite ${skipped}`)

describe.skipIf(!openSearchUrl)(`search engine: OpenSearch (AWS)${openSearchUrl ? ` at ${openSearchUrl}` : ` — ${skipped}`}`, () => {
  let suites = 0
  searchEngineSuite(async () => {
    const client = createOpenSearchClient({ endpoint: openSearchUrl!, region: null })
    const alias = `docket-test-${process.pid}-${Date.now()}-${suites++}`
    return {
      // wait_for: a search right after a write sees it, as the local engine's do.
      index: new OpenSearchSearchIndex({ client, alias, refresh: 'wait_for' }),
      cleanup: async () => {
        await client.transport.request({ method: 'DELETE', path: `/${alias}*` }).catch(() => undefined)
        await client.close()
      },
    }
  })
})
