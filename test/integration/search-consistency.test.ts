import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { SqliteSearchIndex } from '../../lib/search/adapters/sqlite-search-index.ts'
import { checkSearchConsistency } from '../support/search-consistency.ts'
import { testDependencies } from '../support/local-stack.ts'

describe('search index consistency', () => {
  it('random creates, updates and deletes, their change events duplicated and reordered → the index equals the store', async () => {
    const deps = await testDependencies()
    const search = new SqliteSearchIndex(await mkdtemp(join(tmpdir(), 'docket-consistency-')))
    const figures = await checkSearchConsistency(deps, search, { seed: 20261123, steps: 60 })
    expect(figures.records).toBeGreaterThan(100)
    expect(figures.batchFailures).toBe(0)
    expect(figures.mismatches).toEqual([])
    expect(figures.deleted).toBeGreaterThan(0)
    expect(figures.indexCount).toBe(figures.tickets - figures.deleted)
  }, 120_000)
})
