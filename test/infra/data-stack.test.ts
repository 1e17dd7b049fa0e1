import { Match } from 'aws-cdk-lib/assertions'
import { beforeAll, describe, expect, it } from 'vitest'
import { projectionType, table } from '../../lib/store/table.ts'
import { logicalIdOf, synthesizeDocket, type SynthesizedDocket } from './docket-template.ts'

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

  it('keeps raw mail and attachments in encrypted, versioned, private, retained buckets', () => {
    const buckets = docket.dataTemplate.findResources('AWS::S3::Bucket')
    expect(Object.keys(buckets)).toHaveLength(2)
    for (const bucket of Object.values(buckets)) {
      expect(bucket).toMatchObject({
        DeletionPolicy: 'Retain',
        Properties: {
          BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
          PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
          VersioningConfiguration: { Status: 'Enabled' },
        },
      })
    }
  })

  it('refuses plain HTTP on both buckets', () => {
    const policies = Object.values(docket.dataTemplate.findResources('AWS::S3::BucketPolicy'))
    expect(policies).toHaveLength(2)
    for (const policy of policies) {
      expect(policy.Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      )
    }
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

  it('outputs the raw-mail bucket name', () => {
    docket.dataTemplate.hasOutput('RawMailBucketName', { Value: { Ref: Match.stringLikeRegexp('^RawMailBucket') } })
  })
})
