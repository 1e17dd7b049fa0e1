import { Annotations, Match } from 'aws-cdk-lib/assertions'
import { beforeAll, describe, expect, it } from 'vitest'
import { functionCatalog, type FunctionName } from '../../functions/catalog.ts'
import { actionsOf, logicalIdOf, roleLogicalId, statementsOf, synthesizeDocket, type SynthesizedDocket } from './docket-template.ts'

let docket: SynthesizedDocket
beforeAll(() => {
  docket = synthesizeDocket()
})

const names = Object.keys(functionCatalog) as FunctionName[]

describe('functions', () => {
  it('one Node 22 arm64 function per catalog entry, with its memory and timeout', () => {
    const expected: Partial<Record<FunctionName, { memory: number; timeout: number }>> = {
      'mail-received': { memory: 512, timeout: 60 },
      'mail-send': { memory: 512, timeout: 30 },
      api: { memory: 1024, timeout: 30 },
      'search-indexer': { memory: 512, timeout: 30 },
      jobs: { memory: 512, timeout: 30 },
    }
    const docketFunctions = docket.serviceTemplate.findResources('AWS::Lambda::Function', { Properties: { Environment: { Variables: { DOCKET_RUNTIME: 'aws' } } } })
    expect(Object.keys(docketFunctions)).toHaveLength(names.length)
    for (const name of names) {
      const fn = docketFunctions[logicalIdOf(docket.service.functions.get(name))]
      expect(fn, name).toBeDefined()
      const { memory, timeout } = expected[name] ?? { memory: 512, timeout: 30 }
      expect(fn!.Properties, name).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'], Handler: 'index.handler', MemorySize: memory, Timeout: timeout })
    }
  })

  it('every catalog function is triggered by something (else synth warns, naming it)', () => {
    expect(docket.service.functions.untriggered().map((fn) => fn.node.id)).toEqual([])
    expect(Annotations.fromStack(docket.service).findWarning('*', Match.stringLikeRegexp('nothing triggers it'))).toEqual([])
  })

  it('every function gets the runtime settings, the bundled config path and the Powertools service name', () => {
    for (const name of names) {
      docket.serviceTemplate.hasResourceProperties('AWS::Lambda::Function', {
        Role: { 'Fn::GetAtt': [roleLogicalId(docket.service.functions.get(name)), 'Arn'] },
        Environment: {
          Variables: Match.objectLike({
            DOCKET_RUNTIME: 'aws',
            DOCKET_CONFIG: '/var/task/docket.config.yaml',
            DOCKET_LOG_LEVEL: 'INFO',
            DOCKET_TABLE_NAME: Match.anyValue(),
            DOCKET_RAW_MAIL_BUCKET: Match.anyValue(),
            DOCKET_ATTACHMENTS_BUCKET: Match.anyValue(),
            DOCKET_OUTBOUND_QUEUE_URL: Match.anyValue(),
            POWERTOOLS_SERVICE_NAME: 'docket',
            NODE_OPTIONS: '--enable-source-maps',
          }),
        },
      })
    }
  })

  it('logs of every function are kept for a month', () => {
    for (const name of names) {
      const fn = docket.serviceTemplate.findResources('AWS::Lambda::Function')[logicalIdOf(docket.service.functions.get(name))]!
      const logGroupId = (fn.Properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref
      expect(docket.serviceTemplate.findResources('AWS::Logs::LogGroup')[logGroupId]?.Properties.RetentionInDays, name).toBe(30)
    }
  })

  it('the JWT signing key is generated, and only the api may read it', () => {
    const secretId = logicalIdOf(docket.service.agentApi.signingKey)
    docket.serviceTemplate.hasResourceProperties('AWS::SecretsManager::Secret', { GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true } })
    const readers = names.filter((name) =>
      statementsOf(docket.serviceTemplate, docket.service.functions.get(name)).some((statement) => JSON.stringify(statement.Resource).includes(secretId)),
    )
    expect(readers).toEqual(['api'])
    expect(actionsOf(docket.serviceTemplate, docket.service.functions.get('api'))).toEqual(expect.arrayContaining(['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue']))
    docket.serviceTemplate.hasResourceProperties('AWS::Lambda::Function', {
      Role: { 'Fn::GetAtt': [roleLogicalId(docket.service.functions.get('api')), 'Arn'] },
      Environment: { Variables: Match.objectLike({ DOCKET_JWT_SECRET_ARN: { Ref: secretId } }) },
    })
  })

  it('grants each function only the data access it needs', () => {
    const access = (name: FunctionName) => {
      const statements = statementsOf(docket.serviceTemplate, docket.service.functions.get(name))
      const on = (resource: string) => statements.filter((statement) => JSON.stringify(statement.Resource).includes(resource)).flatMap((statement) => [statement.Action].flat())
      const table = on('Table')
      const attachments = on('AttachmentsBucket')
      return {
        tableWrite: table.includes('dynamodb:PutItem'),
        rawMail: on('RawMailBucket').some((action) => action.startsWith('s3:')),
        attachmentsRead: attachments.includes('s3:GetObject*'),
        attachmentsWrite: attachments.includes('s3:PutObject'),
        streamRead: statements.some((statement) => [statement.Action].flat().includes('dynamodb:GetRecords') && JSON.stringify(statement.Resource).includes('StreamArn')),
        search: statements.some((statement) => [statement.Action].flat().some((action) => action.startsWith('es:'))),
        sesSend: statements.some((statement) => [statement.Action].flat().includes('ses:SendEmail')),
        enqueue: on('OutboundQueue').includes('sqs:SendMessage'),
      }
    }
    const none = { tableWrite: false, rawMail: false, attachmentsRead: false, attachmentsWrite: false, streamRead: false, search: false, sesSend: false, enqueue: false }
    expect(access('api')).toEqual({ ...none, tableWrite: true, rawMail: true, attachmentsRead: true, attachmentsWrite: true, search: true })
    expect(access('mail-received')).toEqual({ ...none, tableWrite: true, rawMail: true, attachmentsRead: true, attachmentsWrite: true })
    expect(access('mail-send')).toEqual({ ...none, tableWrite: true, attachmentsRead: true, sesSend: true })
    expect(access('jobs')).toEqual({ ...none, tableWrite: true, rawMail: true, attachmentsRead: true, attachmentsWrite: true })
    expect(access('search-indexer')).toEqual({ ...none, streamRead: true, search: true, attachmentsRead: true })
    expect(access('outbox-relay')).toEqual({ ...none, streamRead: true, enqueue: true })
  })

  it('no policy allows a whole service ("*" or "service:*" actions)', () => {
    type Document = { PolicyDocument: { Statement: { Effect: string; Action: unknown }[] } }
    const allowed = [docket.dataTemplate, docket.serviceTemplate].flatMap((template) => {
      const inline = Object.values(template.findResources('AWS::IAM::Role')).flatMap((role) => (role.Properties.Policies ?? []) as Document[])
      const attached = ['AWS::IAM::Policy', 'AWS::S3::BucketPolicy', 'AWS::SQS::QueuePolicy'].flatMap((type) => Object.values(template.findResources(type)).map((resource) => resource.Properties as Document))
      return [...inline, ...attached].flatMap((document) => document.PolicyDocument.Statement.filter((statement) => statement.Effect === 'Allow').flatMap((statement) => [statement.Action].flat() as string[]))
    })
    expect(allowed.length).toBeGreaterThan(20)
    expect(allowed.filter((action) => action === '*' || action.endsWith(':*'))).toEqual([])
  })
})
