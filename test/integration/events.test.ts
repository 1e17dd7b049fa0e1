import { readFile } from 'node:fs/promises'
import { spawnSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, inject, it } from 'vitest'
import type { APIGatewayProxyResult } from 'aws-lambda'
import { functionCatalog, type FunctionName } from '../../functions/catalog.ts'
import { localLambdaContext } from '../../lib/local/start-local.ts'
import type { Dependencies } from '../../lib/runtime/dependencies.ts'
import { testDependencies } from '../support/local-stack.ts'

const sample = async (file: string) => JSON.parse(await readFile(join('events', file), 'utf8')) as unknown
const invoke = async (deps: Dependencies, name: FunctionName, event: unknown) => (await functionCatalog[name].load())(deps)(event as never, localLambdaContext(name))

/** Every handler in functions/ accepts its sample event from events/ (the shapes AWS delivers). */
describe('sample events through the handlers', () => {
  let deps: Dependencies
  beforeAll(async () => {
    deps = await testDependencies()
  })

  it('mail-received: the S3-in-SQS notification ingests the stored mail (key URL-decoded)', async () => {
    await deps.rawMail.put('raw/samples/welcome.eml', await readFile('events/welcome.eml'))
    const response = await invoke(deps, 'mail-received', await sample('mail-received.sqs.json'))
    expect(response).toEqual({ batchItemFailures: [] })
    const page = await deps.tickets.listTickets({ queues: ['Support'], stateTypes: ['new'], order: 'asc', limit: 10 })
    expect(page.items.map((ticket) => ticket.title)).toEqual(['My printer is on fire'])
  })

  it('mail-received: keys arrive URL-encoded ("+" is a space)', async () => {
    await deps.rawMail.put('raw/samples/with space é.eml', (await readFile('events/welcome.eml', 'utf8')).replace('welcome-1@', 'welcome-space@').replace('on fire', 'in a folder with a space'))
    const event = (await sample('mail-received.sqs.json')) as { Records: { body: string }[] }
    event.Records[0]!.body = event.Records[0]!.body.replace('raw/samples/welcome.eml', 'raw/samples/with+space+%C3%A9.eml')
    expect(await invoke(deps, 'mail-received', event)).toEqual({ batchItemFailures: [] })
  })

  it('mail-received: the s3:TestEvent is acknowledged', async () => {
    expect(await invoke(deps, 'mail-received', await sample('mail-received-s3-test-event.sqs.json'))).toEqual({ batchItemFailures: [] })
  })

  it('mail-received: a poison message fails alone, its neighbours succeed', async () => {
    const good = (await sample('mail-received-s3-test-event.sqs.json')) as { Records: { messageId: string; body: string }[] }
    const poison = { ...good.Records[0]!, messageId: 'poison', body: '{"not":"an S3 event"}' }
    const event = { Records: [good.Records[0]!, poison, { ...good.Records[0]!, messageId: 'third' }] }
    expect(await invoke(deps, 'mail-received', event)).toEqual({ batchItemFailures: [{ itemIdentifier: 'poison' }] })
  })

  it('mail-send: a message for an unknown article is acknowledged without sending', async () => {
    expect(await invoke(deps, 'mail-send', await sample('mail-send.sqs.json'))).toEqual({ batchItemFailures: [] })
  })

  it('ses-feedback: an SES hard bounce inside an SNS notification; a mail of no ticket is acknowledged, the address marked', async () => {
    expect(await invoke(deps, 'ses-feedback', await sample('ses-feedback.sqs.json'))).toEqual({ batchItemFailures: [] })
    expect(await deps.mailState.addressStatus('gone@customer.example')).toMatchObject({ undeliverable: true, reason: '5.1.1 550 5.1.1 user unknown' })
  })

  it('api: API Gateway v2 requests reach the same app', async () => {
    const health = (await invoke(deps, 'api', await sample('api-health.apigw-v2.json'))) as APIGatewayProxyResult
    expect(health.statusCode).toBe(200)
    expect(JSON.parse(health.body)).toEqual({ status: 'ok' })
    const login = (await invoke(deps, 'api', await sample('api-login.apigw-v2.json'))) as APIGatewayProxyResult
    expect(login.statusCode).toBe(401)
  })

  it('jobs and search-indexer accept their events', async () => {
    expect(await invoke(deps, 'jobs', await sample('jobs-pending.eventbridge.json'))).toMatchObject({ job: 'pending', selected: 0, changed: 0, dryRun: false })
    expect(await invoke(deps, 'search-indexer', await sample('search-indexer.dynamodb-stream.json'))).toEqual({ batchItemFailures: [] })
  })

  it('npm run invoke runs a handler from the command line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'docket-invoke-'))
    try {
      const result = spawnSync(process.execPath, ['bin/docket.js', 'invoke', 'mail-received', 'events/mail-received.sqs.json'], {
        encoding: 'utf8',
        env: { ...process.env, DOCKET_DATA_DIR: dir, DOCKET_DYNAMODB_ENDPOINT: inject('dynamodbEndpoint'), DOCKET_TABLE_NAME: `invoke-${randomUUID()}`, DOCKET_LOG_LEVEL: 'ERROR' },
        timeout: 60_000,
      })
      expect(result.status, result.stderr).toBe(0)
      expect(JSON.parse(result.stdout.trim())).toEqual({ batchItemFailures: [] })
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
