import { Annotations, Match, type Template } from 'aws-cdk-lib/assertions'
import { beforeAll, describe, expect, it } from 'vitest'
import { functionCatalog, type FunctionName } from '../../functions/catalog.ts'
import { actionsOf, everyOptionContext, logicalIdOf, permissionsOf, roleLogicalId, statementsOf, synthesizeDocket, synthesizeDocketOnce, type SynthesizedDocket } from './docket-template.ts'

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
      'search-maintenance': { memory: 1024, timeout: 900 },
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
            DOCKET_CONFIG: '/var/task/docket.config.json',
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
        attachmentsRead: attachments.includes('s3:GetObject'),
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
    // The indexer's own role (the OpenSearch master user): the same access, nothing more.
    expect(access('search-maintenance')).toEqual(access('search-indexer'))
  })

  it('the TOTP key (data stack) is readable by the api only, which gets its ARN', () => {
    const secretOutput = 'TotpEncryptionKey'
    const readers = names.filter((name) =>
      permissionsOf(docket.serviceTemplate, docket.service.functions.get(name)).some((permission) => permission.action === 'secretsmanager:GetSecretValue' && permission.resource.includes(secretOutput)),
    )
    expect(readers).toEqual(['api'])
    docket.serviceTemplate.hasResourceProperties('AWS::Lambda::Function', {
      Role: { 'Fn::GetAtt': [roleLogicalId(docket.service.functions.get('api')), 'Arn'] },
      Environment: { Variables: Match.objectLike({ DOCKET_TOTP_KEY_SECRET_ARN: Match.objectLike({ 'Fn::GetStackOutput': Match.objectLike({ StackName: 'Docket-dev-Data', OutputName: Match.stringLikeRegexp(secretOutput) }) }) }) },
    })
  })

  it('the audit archive: every function knows the bucket, only jobs may read and write under audit/ (never delete)', () => {
    for (const name of names) {
      const onAudit = permissionsOf(docket.serviceTemplate, docket.service.functions.get(name)).filter((permission) => permission.resource.includes('AuditBucket'))
      if (name !== 'jobs') {
        expect(onAudit, name).toEqual([])
        continue
      }
      expect(onAudit.map((permission) => permission.action).sort()).toEqual(['s3:GetObject', 's3:ListBucket', 's3:PutObject'])
      for (const permission of onAudit.filter((candidate) => candidate.action !== 's3:ListBucket')) expect(permission.resource).toMatch(/\/audit\/\*"\]\]\}$/)
    }
    docket.serviceTemplate.hasResourceProperties('AWS::Lambda::Function', {
      Role: { 'Fn::GetAtt': [roleLogicalId(docket.service.functions.get('jobs')), 'Arn'] },
      Environment: { Variables: Match.objectLike({ DOCKET_AUDIT_BUCKET: Match.objectLike({ 'Fn::GetStackOutput': Match.objectLike({ OutputName: Match.stringLikeRegexp('AuditBucket') }) }) }) },
    })
  })

  it('each function has a role of its own (search-maintenance: the indexer\'s), without managed policies, that may write logs only to the log groups of its functions', () => {
    const roles = docket.serviceTemplate.findResources('AWS::IAM::Role')
    const logGroupOf = (name: FunctionName) =>
      (docket.serviceTemplate.findResources('AWS::Lambda::Function')[logicalIdOf(docket.service.functions.get(name))]!.Properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref
    for (const name of names) {
      const fn = docket.service.functions.get(name)
      const role = roles[roleLogicalId(fn)]!
      expect(role.Properties.ManagedPolicyArns, name).toBeUndefined()
      expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } }])
      const sharing = names.filter((other) => roleLogicalId(docket.service.functions.get(other)) === roleLogicalId(fn))
      const logs = permissionsOf(docket.serviceTemplate, fn).filter((permission) => permission.action.startsWith('logs:'))
      expect(logs.map((permission) => permission.action).sort(), name).toEqual(sharing.flatMap(() => ['logs:CreateLogStream', 'logs:PutLogEvents']).sort())
      expect(new Set(logs.map((permission) => permission.resource)), name).toEqual(new Set(sharing.map((other) => JSON.stringify({ 'Fn::GetAtt': [logGroupOf(other), 'Arn'] }))))
    }
    expect(new Set(names.map((name) => roleLogicalId(docket.service.functions.get(name)))).size).toBe(names.length - 1)
    expect(roleLogicalId(docket.service.functions.get('search-maintenance'))).toBe(roleLogicalId(docket.service.functions.get('search-indexer')))
  })

  it('DynamoDB: exactly the calls each handler’s code makes; indexes only queried; Scan only for search-maintenance (the indexer’s role), no DescribeTable or ConditionCheckItem (issue 15.13)', () => {
    const onTable = (name: FunctionName) => {
      const permissions = permissionsOf(docket.serviceTemplate, docket.service.functions.get(name)).filter((permission) => permission.action.startsWith('dynamodb:') && permission.resource.includes('Table') && !permission.resource.includes('Stream'))
      const sorted = (list: string[]) => [...new Set(list)].sort()
      return {
        table: sorted(permissions.filter((permission) => !permission.resource.includes('/index/')).map((permission) => permission.action)),
        indexes: sorted(permissions.filter((permission) => permission.resource.includes('/index/')).map((permission) => permission.action)),
      }
    }
    const read = ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:Query']
    const write = ['dynamodb:PutItem', 'dynamodb:UpdateItem']
    const remove = ['dynamodb:BatchWriteItem', 'dynamodb:DeleteItem']
    const sorted = (...lists: string[][]) => lists.flat().sort()
    expect(onTable('api')).toEqual({ table: sorted(read, write, remove), indexes: ['dynamodb:Query'] })
    expect(onTable('jobs')).toEqual({ table: sorted(read, write, remove), indexes: ['dynamodb:Query'] })
    expect(onTable('mail-received')).toEqual({ table: sorted(read, write), indexes: ['dynamodb:Query'] })
    expect(onTable('mail-send')).toEqual({ table: sorted(read, write), indexes: ['dynamodb:Query'] })
    // The indexer's role is also search-maintenance's: the drift check and the reindex read the whole table.
    expect(onTable('search-indexer')).toEqual({ table: sorted(read, ['dynamodb:Scan']), indexes: ['dynamodb:Query'] })
    expect(onTable('ses-feedback')).toEqual({ table: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'], indexes: [] })
    expect(onTable('outbox-relay')).toEqual({ table: [], indexes: [] })
  })

  it('table access names the table and each declared index, never index/*', () => {
    for (const name of names) {
      const onTable = permissionsOf(docket.serviceTemplate, docket.service.functions.get(name)).filter((permission) => permission.action.startsWith('dynamodb:') && permission.resource.includes('Table'))
      for (const permission of onTable) expect(permission.resource, name).not.toContain('index/*')
    }
  })
})

/** Every Allow statement of every IAM and resource policy of a template. */
function allowStatements(template: Template): { Action: unknown; Resource?: unknown; where: string }[] {
  type Document = { PolicyDocument: { Statement: { Effect: string; Action: unknown; Resource?: unknown }[] } }
  const inline = Object.entries(template.findResources('AWS::IAM::Role')).flatMap(([id, role]) => ((role.Properties.Policies ?? []) as Document[]).map((document) => ({ id, document })))
  const attached = ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy', 'AWS::S3::BucketPolicy', 'AWS::SQS::QueuePolicy', 'AWS::SNS::TopicPolicy'].flatMap((type) =>
    Object.entries(template.findResources(type)).map(([id, resource]) => ({ id, document: resource.Properties as Document })),
  )
  return [...inline, ...attached].flatMap(({ id, document }) => document.PolicyDocument.Statement.filter((statement) => statement.Effect === 'Allow').map((statement) => ({ ...statement, where: id })))
}

/**
 * Actions that may be allowed on Resource "*": they support no resource-level permissions.
 * (Key policies are not walked: their statements are about the key itself.)
 */
const actionsWithoutResourceLevel = new Set(['xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'dynamodb:ListStreams', 'ses:SetActiveReceiptRuleSet', 'logs:PutResourcePolicy', 'logs:DeleteResourcePolicy', 'cloudfront:CreateInvalidation', 'cloudfront:GetInvalidation'])

describe('least privilege (issue 8.9)', () => {
  const variants = () => [docket, synthesizeDocketOnce(everyOptionContext)]

  it('no policy in either stack and stage allows "*" or a whole service ("dynamodb:*", "s3:*", …), and "*" resources only for actions that have no resource level', () => {
    for (const variant of variants()) {
      const statements = [variant.dataTemplate, variant.serviceTemplate].flatMap(allowStatements)
      expect(statements.length).toBeGreaterThan(20)
      const actions = statements.flatMap((statement) => [statement.Action].flat() as string[])
      expect(actions.filter((action) => action === '*' || action.endsWith(':*'))).toEqual([])
      const onEverything = statements.filter((statement) => [statement.Resource].flat().includes('*'))
      for (const statement of onEverything) {
        expect([statement.Action].flat().filter((action) => !actionsWithoutResourceLevel.has(action as string)), statement.where).toEqual([])
      }
    }
  })
})
