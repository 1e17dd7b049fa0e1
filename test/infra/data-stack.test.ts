import { Match } from 'aws-cdk-lib/assertions'
import { beforeAll, describe, expect, it } from 'vitest'
import { projectionType, table } from '../../lib/store/table.ts'
import { domainIdPart, mailDomains } from '../../infra/mail-identities.ts'
import { everyOptionContext, logicalIdOf, synthesizeDocket, synthesizeDocketOnce, type SynthesizedDocket } from './docket-template.ts'

let docket: SynthesizedDocket
beforeAll(() => {
  docket = synthesizeDocket()
})

describe('data stack', () => {
  it('is named after the stage and lives in the default region with a placeholder account', () => {
    expect(docket.data.stackName).toBe('Docket-dev-Data')
    expect(docket.service.stackName).toBe('Docket-dev-Service')
    expect(docket.data.region).toBe('eu-west-1')
    expect(docket.data.account).toBe('123456789012')
  })

  it('builds the table from lib/store/table.ts: keys, every GSI (the audit index keys-only), stream, TTL, PITR, on-demand', () => {
    expect(projectionType(table.indexes.byAuditDay)).toBe('KEYS_ONLY')
    const indexes = Object.values(table.indexes)
    const attributes = [table.partitionKey, table.sortKey, ...indexes.flatMap((index) => [index.partitionKey, index.sortKey])]
    docket.dataTemplate.resourceCountIs('AWS::DynamoDB::Table', 1)
    docket.dataTemplate.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: table.partitionKey, KeyType: 'HASH' },
        { AttributeName: table.sortKey, KeyType: 'RANGE' },
      ],
      AttributeDefinitions: Match.arrayEquals(attributes.map((name) => ({ AttributeName: name, AttributeType: 'S' }))),
      GlobalSecondaryIndexes: indexes.map((index) => ({
        IndexName: index.name,
        KeySchema: [
          { AttributeName: index.partitionKey, KeyType: 'HASH' },
          { AttributeName: index.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: projectionType(index) },
      })),
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
      TimeToLiveSpecification: { AttributeName: table.timeToLiveAttribute, Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      DeletionProtectionEnabled: true,
    })
    docket.dataTemplate.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' })
  })

  it('keeps raw mail, attachments and the audit archive in encrypted, versioned, private, retained buckets that log access', () => {
    const buckets = docket.dataTemplate.findResources('AWS::S3::Bucket')
    const logsId = logicalIdOf(docket.data.accessLogsBucket)
    const dataBuckets = [docket.data.rawMailBucket, docket.data.attachmentsBucket, docket.data.auditBucket]
    expect(Object.keys(buckets).sort()).toEqual([...dataBuckets, docket.data.accessLogsBucket].map(logicalIdOf).sort())
    for (const id of Object.keys(buckets)) {
      expect(buckets[id], id).toMatchObject({
        DeletionPolicy: 'Retain',
        Properties: {
          BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
          PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
          OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
        },
      })
    }
    for (const bucket of dataBuckets) {
      expect(buckets[logicalIdOf(bucket)]!.Properties, bucket.node.id).toMatchObject({
        VersioningConfiguration: { Status: 'Enabled' },
        LoggingConfiguration: { DestinationBucketName: { Ref: logsId } },
      })
    }
    // Access logs expire; the log bucket does not log itself.
    expect(buckets[logsId]!.Properties.LoggingConfiguration).toBeUndefined()
    expect(buckets[logsId]!.Properties.LifecycleConfiguration.Rules).toContainEqual(expect.objectContaining({ ExpirationInDays: 90, Status: 'Enabled' }))
  })

  it('refuses plain HTTP and TLS below 1.2 on every bucket', () => {
    const policies = Object.values(docket.dataTemplate.findResources('AWS::S3::BucketPolicy'))
    expect(policies).toHaveLength(4)
    for (const policy of policies) {
      expect(policy.Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      )
      expect(policy.Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } } }),
      )
    }
  })

  it('moves raw mail to Infrequent Access after 30 days and Glacier Instant Retrieval after 180, and expires old versions', () => {
    const rules = docket.dataTemplate.findResources('AWS::S3::Bucket')[logicalIdOf(docket.data.rawMailBucket)]!.Properties.LifecycleConfiguration.Rules as Record<string, unknown>[]
    expect(rules).toContainEqual(
      expect.objectContaining({
        Prefix: 'raw/',
        Status: 'Enabled',
        Transitions: [
          { StorageClass: 'STANDARD_IA', TransitionInDays: 30 },
          { StorageClass: 'GLACIER_IR', TransitionInDays: 180 },
        ],
      }),
    )
    expect(rules).toContainEqual(expect.objectContaining({ NoncurrentVersionExpiration: { NoncurrentDays: 30 }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } }))
  })

  it('lets SES store mail only under raw/, only for this account and its Docket rule set', () => {
    docket.dataTemplate.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: logicalIdOf(docket.data.rawMailBucket) },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'ses.amazonaws.com' },
            Action: 's3:PutObject',
            Resource: { 'Fn::Join': ['', [Match.anyValue(), '/raw/*']] },
            Condition: {
              StringEquals: { 'aws:SourceAccount': '123456789012' },
              ArnLike: { 'aws:SourceArn': 'arn:aws:ses:eu-west-1:123456789012:receipt-rule-set/docket-dev:receipt-rule/*' },
            },
          }),
        ]),
      },
    })
  })

  it('outputs the table and the raw-mail and audit bucket names', () => {
    docket.dataTemplate.hasOutput('TableName', { Value: { Ref: logicalIdOf(docket.data.table) } })
    docket.dataTemplate.hasOutput('RawMailBucketName', { Value: { Ref: Match.stringLikeRegexp('^RawMailBucket') } })
    docket.dataTemplate.hasOutput('AuditBucketName', { Value: { Ref: logicalIdOf(docket.data.auditBucket) } })
  })
})

describe('audit archive (issue 9.7)', () => {
  it('has no Object Lock unless asked for: versioning keeps every export', () => {
    const audit = docket.dataTemplate.findResources('AWS::S3::Bucket')[logicalIdOf(docket.data.auditBucket)]!
    expect(audit.Properties.ObjectLockEnabled).toBeUndefined()
    expect(audit.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' })
  })

  it('-c auditObjectLockDays=N locks every export for N days in governance mode, with -c auditObjectLockMode=compliance in compliance mode', () => {
    for (const [locked, mode, days] of [
      [synthesizeDocketOnce({ auditObjectLockDays: '30' }), 'GOVERNANCE', 30],
      [synthesizeDocketOnce(everyOptionContext), 'COMPLIANCE', 365],
    ] as const) {
      const audit = locked.dataTemplate.findResources('AWS::S3::Bucket')[logicalIdOf(locked.data.auditBucket)]!
      expect(audit.Properties).toMatchObject({
        ObjectLockEnabled: true,
        ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: mode, Days: days } } },
        VersioningConfiguration: { Status: 'Enabled' },
      })
    }
  })
})

describe('TOTP encryption key', () => {
  it('is generated by the stack and retained with the data it protects', () => {
    docket.dataTemplate.hasResource('AWS::SecretsManager::Secret', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: { GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true }, Description: Match.stringLikeRegexp('TOTP') },
    })
  })
})

describe('mail domains', () => {
  it('each domain mail arrives for or leaves from is an SES identity signed with Easy DKIM, its three CNAMEs printed as outputs', () => {
    const domains = mailDomains(docket.config)
    expect(domains).toEqual(['example.com'])
    for (const domain of domains) {
      docket.dataTemplate.hasResourceProperties('AWS::SES::EmailIdentity', { EmailIdentity: domain, DkimSigningAttributes: Match.absent() })
      const identityId = logicalIdOf(docket.data.mailDomains.identities[domain]!)
      for (const index of [1, 2, 3]) {
        docket.dataTemplate.hasOutput(`Dkim${index}${domainIdPart(domain)}`, {
          Value: { 'Fn::Join': [' ', [{ 'Fn::GetAtt': [identityId, `DkimDNSTokenName${index}`] }, 'CNAME', { 'Fn::GetAtt': [identityId, `DkimDNSTokenValue${index}`] }]] },
          Description: Match.stringLikeRegexp(domain.replace(/\./g, '\\.')),
        })
      }
    }
  })
})

describe('stages', () => {
  it('dev: no termination protection; prod: both stacks protected, old versions kept 90 days, access logs a year', () => {
    expect([docket.data.terminationProtection, docket.service.terminationProtection]).toEqual([false, false])
    const prod = synthesizeDocketOnce(everyOptionContext)
    expect([prod.data.terminationProtection, prod.service.terminationProtection]).toEqual([true, true])
    const buckets = prod.dataTemplate.findResources('AWS::S3::Bucket')
    expect(buckets[logicalIdOf(prod.data.rawMailBucket)]!.Properties.LifecycleConfiguration.Rules).toContainEqual(expect.objectContaining({ NoncurrentVersionExpiration: { NoncurrentDays: 90 } }))
    expect(buckets[logicalIdOf(prod.data.accessLogsBucket)]!.Properties.LifecycleConfiguration.Rules).toContainEqual(expect.objectContaining({ ExpirationInDays: 365 }))
    // Data is retained in both stages.
    prod.dataTemplate.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain', Properties: Match.objectLike({ DeletionProtectionEnabled: true }) })
  })
})
