import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { measureLambdas } from '../../bench/lambda.ts'
import { functionCatalog, type FunctionName } from '../../functions/catalog.ts'
import { projectRoot } from '../../infra/deployment-settings.ts'
import { loadConfigFile } from '../../lib/platform/config-file.ts'

const outDir = mkdtempSync(join(tmpdir(), 'docket-cdk-out-'))
afterAll(() => rmSync(outDir, { recursive: true, force: true }))

interface TemplateJson {
  Resources: Record<string, { Type: string; Properties: { Environment?: { Variables?: Record<string, unknown> } }; Metadata?: Record<string, string> }>
}

describe('cdk synth (the real CLI, with bundling)', () => {
  it('synthesizes both stacks offline within 60 s (issue 8.10), every function bundled as ESM with the config beside it', () => {
    // Prepare: no AWS environment at all, as on a fresh machine without credentials.
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: [join(projectRoot, 'node_modules', '.bin'), process.env.PATH].join(delimiter) }
    for (const key of Object.keys(env)) if (key.startsWith('AWS_') || key.startsWith('CDK_')) delete env[key]

    // Act
    const started = performance.now()
    const result = spawnSync('npx', ['cdk', 'synth', '--quiet', '-o', outDir], { cwd: projectRoot, env, encoding: 'utf8', timeout: 120_000 })
    const seconds = (performance.now() - started) / 1000
    console.log(`cdk synth with bundling took ${seconds.toFixed(1)} s`)

    // Assess
    expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0)
    expect(seconds).toBeLessThan(60)
    expect(existsSync(join(outDir, 'Docket-dev-Data.template.json'))).toBe(true)
    const service = JSON.parse(readFileSync(join(outDir, 'Docket-dev-Service.template.json'), 'utf8')) as TemplateJson
    const docketFunctions = Object.values(service.Resources).filter((resource) => resource.Type === 'AWS::Lambda::Function' && resource.Properties.Environment?.Variables?.DOCKET_RUNTIME === 'aws')
    expect(docketFunctions).toHaveLength(Object.keys(functionCatalog).length)
    const shippedConfig = loadConfigFile(join(projectRoot, 'docket.config.yaml'))
    for (const fn of docketFunctions) {
      const assetPath = fn.Metadata?.['aws:asset:path']
      expect(assetPath).toBeDefined()
      const bundle = join(outDir, assetPath!)
      expect(readFileSync(join(bundle, 'index.mjs'), 'utf8')).toMatch(/^import \{ createRequire \} from 'module'/)
      expect(existsSync(join(bundle, 'index.mjs.map'))).toBe(true)
      // The config validated at synth, as JSON: no function parses YAML (issue 15.3).
      expect(JSON.parse(readFileSync(join(bundle, 'docket.config.json'), 'utf8'))).toEqual(shippedConfig)
    }
    // The web client is built at synth (issue 15.1): its asset holds the production build.
    const deployments = Object.values(service.Resources).filter((resource) => resource.Type === 'Custom::CDKBucketDeployment')
    expect(deployments).toHaveLength(1)
    const [clientKey] = (deployments[0]!.Properties as unknown as { SourceObjectKeys: string[] }).SourceObjectKeys
    const clientAsset = join(outDir, `asset.${clientKey!.replace(/\.zip$/, '')}`)
    expect(readFileSync(join(clientAsset, 'index.html'), 'utf8')).toMatch(/<script type="module" crossorigin src="\/assets\/[^"]+\.js"><\/script>/)
  }, 120_000)

  it('bundles only what each function uses: at most 1 MiB, no node:sqlite, and a cold start without warnings (issue 15.3)', async () => {
    // Act: one cold start per function, from the bundles the first test left in outDir.
    const figures = await measureLambdas(outDir, 1)

    // Assess
    expect(figures.map((fn) => fn.name).sort()).toEqual(Object.keys(functionCatalog).sort())
    for (const fn of figures) {
      const bundle = readFileSync(join(fn.bundleDir, 'index.mjs'), 'utf8')
      expect(bundle, `${fn.name} bundles node:sqlite (its ExperimentalWarning at every cold start)`).not.toMatch(/node:sqlite/)
      expect(fn.minifiedBytes, `${fn.name}: ${fn.minifiedBytes} bytes`).toBeLessThanOrEqual(aboveTarget[fn.name]?.bytes ?? maxBundleBytes)
      expect(fn.problems, `${fn.name}'s first event (${fn.what})`).toEqual([])
    }
  }, 180_000)
})

/** Issue 15.3's target for a minified bundle. */
const maxBundleBytes = 1024 * 1024

/**
 * The functions still above the target, each with a ceiling (today's size plus a little), so they
 * can only shrink; what keeps each above it is named. Remove an entry once its function fits.
 */
const aboveTarget: Partial<Record<FunctionName, { bytes: number; why: string }>> = {
  api: { bytes: 2_800_000, why: 'zod classic whole (@hono/zod-openapi imports its namespace), the OpenSearch client, sanitize-html and entities, MailComposer' },
  'mail-received': { bytes: 2_400_000, why: "mailparser and libmime with iconv-lite's charset tables and encoding-japanese (~0.9 MB)" },
  'search-indexer': { bytes: 1_200_000, why: 'the OpenSearch client with all its API namespaces (~270 KB)' },
  'search-maintenance': { bytes: 1_200_000, why: 'the OpenSearch client with all its API namespaces (~270 KB), as the indexer' },
  jobs: { bytes: 1_120_000, why: 'the S3 and SQS clients (the jobs queue for the next slice) beside MailComposer for reminder mails' },
}

