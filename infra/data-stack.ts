import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib'
import { AttributeType, BillingMode, ProjectionType, StreamViewType, Table, type ITable } from 'aws-cdk-lib/aws-dynamodb'
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam'
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership, type BucketProps, type IBucket } from 'aws-cdk-lib/aws-s3'
import type { Construct } from 'constructs'
import { projectionType, table as tableDeclaration } from '../lib/store/table.ts'

/** What the service stack gets from the data stack. */
export interface DocketDataResources {
  readonly table: ITable
  readonly rawMailBucket: IBucket
  readonly attachmentsBucket: IBucket
}

export interface DocketDataStackProps extends StackProps {
  /** The SES receipt rule set allowed to store mail in the raw-mail bucket (created by the service stack). */
  readonly receiptRuleSetName: string
  /** Key prefix SES stores raw mail under. @default 'raw/' */
  readonly rawMailPrefix?: string
  /** How long overwritten or deleted object versions are kept. @default 30 days */
  readonly noncurrentVersionRetention?: Duration
}

export const defaultRawMailPrefix = 'raw/'

/**
 * The stateful half of Docket: the single table and the mail buckets. Everything here is
 * retained when the stack is deleted; the service stack can be torn down and rebuilt freely.
 */
export class DocketDataStack extends Stack implements DocketDataResources {
  readonly table: Table
  readonly rawMailBucket: Bucket
  readonly attachmentsBucket: Bucket
  readonly rawMailPrefix: string

  constructor(scope: Construct, id: string, props: DocketDataStackProps) {
    super(scope, id, props)
    this.rawMailPrefix = props.rawMailPrefix ?? defaultRawMailPrefix

    // Built from the same declaration the local runtime creates DynamoDB Local's table from.
    this.table = new Table(this, 'Table', {
      partitionKey: { name: tableDeclaration.partitionKey, type: AttributeType.STRING },
      sortKey: { name: tableDeclaration.sortKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      stream: StreamViewType.NEW_AND_OLD_IMAGES,
      timeToLiveAttribute: tableDeclaration.timeToLiveAttribute,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    })
    // CloudFormation creates or deletes at most one GSI per table update: add new indexes one deploy at a time.
    for (const index of Object.values(tableDeclaration.indexes)) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
        sortKey: { name: index.sortKey, type: AttributeType.STRING },
        projectionType: projectionType(index) === 'KEYS_ONLY' ? ProjectionType.KEYS_ONLY : ProjectionType.ALL,
      })
    }

    const retainedBucket: BucketProps = {
      encryption: BucketEncryption.S3_MANAGED, // SES can write SSE-S3 objects without a key policy
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        {
          // Junk purge deletes for good: without this, versioning would keep every deleted mail forever.
          noncurrentVersionExpiration: props.noncurrentVersionRetention ?? Duration.days(30),
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
      ],
    }
    this.rawMailBucket = new Bucket(this, 'RawMailBucket', retainedBucket)
    this.attachmentsBucket = new Bucket(this, 'AttachmentsBucket', retainedBucket)

    // SES delivers into the bucket only for this account's Docket rule set, and only under the prefix.
    // The policy lives here (not in the service stack's receipt rule) so it exists before the rule
    // is created: SES checks that it may write when the rule is saved.
    this.rawMailBucket.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowSesToStoreRawMail',
        principals: [new ServicePrincipal('ses.amazonaws.com')],
        actions: ['s3:PutObject'],
        resources: [this.rawMailBucket.arnForObjects(`${this.rawMailPrefix}*`)],
        conditions: {
          StringEquals: { 'aws:SourceAccount': this.account },
          ArnLike: { 'aws:SourceArn': `arn:${this.partition}:ses:${this.region}:${this.account}:receipt-rule-set/${props.receiptRuleSetName}:receipt-rule/*` },
        },
      }),
    )

    new CfnOutput(this, 'RawMailBucketName', { value: this.rawMailBucket.bucketName, description: 'Raw MIME of every received mail (SES stores it here before anything parses it)' })
  }
}
