import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib'
import { AttributeType, BillingMode, ProjectionType, StreamViewType, Table, type ITable } from 'aws-cdk-lib/aws-dynamodb'
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam'
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  HttpMethods,
  ObjectLockRetention,
  ObjectOwnership,
  StorageClass,
  type BucketProps,
  type IBucket,
  type LifecycleRule,
} from 'aws-cdk-lib/aws-s3'
import { Secret, type ISecret } from 'aws-cdk-lib/aws-secretsmanager'
import type { Construct } from 'constructs'
import { projectionType, table as tableDeclaration } from '../lib/store/table.ts'
import { MailDomains } from './constructs/mail-domains.ts'
import { acknowledgeNag } from './nag.ts'

/** What the service stack gets from the data stack. */
export interface DocketDataResources {
  readonly table: ITable
  readonly rawMailBucket: IBucket
  readonly attachmentsBucket: IBucket
  /** Daily JSON lines of the audit trail (issue 9.7): the jobs function writes it. */
  readonly auditBucket: IBucket
  /** The key that encrypts agents' TOTP secrets in the table. */
  readonly totpKey: ISecret
}

export interface DocketDataStackProps extends StackProps {
  /** The SES receipt rule set allowed to store mail in the raw-mail bucket (created by the service stack). */
  readonly receiptRuleSetName: string
  /** Domains Docket receives mail for or sends from: each gets an SES identity with Easy DKIM. @default none */
  readonly mailDomains?: string[]
  /** Key prefix SES stores raw mail under. @default 'raw/' */
  readonly rawMailPrefix?: string
  /** How long overwritten or deleted object versions are kept. @default 30 days */
  readonly noncurrentVersionRetention?: Duration
  /** How long S3 server access logs are kept. @default 90 days */
  readonly accessLogRetention?: Duration
  /** S3 Object Lock default retention of the audit archive. @default none (versioning only) */
  readonly auditObjectLock?: { days: number; mode: 'governance' | 'compliance' }
  /**
   * Origins of the web client, allowed to POST uploads to the attachments bucket (CORS). The
   * default CloudFront name is known only once the service stack exists, hence the pattern.
   * @default [`https://*.cloudfront.net`]
   */
  readonly webOrigins?: string[]
}

/** Agents' uploads wait here until an article names them (lib/ticket/attachment-uploads.ts). */
export const uploadsPrefix = 'uploads/'

export const defaultRawMailPrefix = 'raw/'

/**
 * Raw mail moves to cheaper storage as it ages: it is read again only for the raw view, a
 * bounce's re-send and replays. Glacier Instant Retrieval still answers in milliseconds. S3 skips
 * objects under 128 KiB (its default minimum transition size), for which a transition costs more
 * than it saves; those stay in Standard.
 */
export const rawMailArchiveTiers = { infrequentAccessAfter: Duration.days(30), glacierInstantRetrievalAfter: Duration.days(180) }

/**
 * The stateful half of Docket: the single table, the mail and audit buckets, the TOTP key and the
 * mail domains' SES identities. Everything here is retained when the stack is deleted (identities
 * excepted: they hold no data); the service stack can be torn down and rebuilt freely.
 */
export class DocketDataStack extends Stack implements DocketDataResources {
  readonly table: Table
  readonly rawMailBucket: Bucket
  readonly attachmentsBucket: Bucket
  readonly auditBucket: Bucket
  /** Where S3 writes the data buckets' server access logs. */
  readonly accessLogsBucket: Bucket
  readonly totpKey: Secret
  readonly mailDomains: MailDomains
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

    const privateBucket: BucketProps = {
      encryption: BucketEncryption.S3_MANAGED, // SES can write SSE-S3 objects without a key policy; access logs need SSE-S3
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.RETAIN,
    }
    this.accessLogsBucket = new Bucket(this, 'AccessLogsBucket', {
      ...privateBucket,
      lifecycleRules: [{ expiration: props.accessLogRetention ?? Duration.days(90), abortIncompleteMultipartUploadAfter: Duration.days(1) }],
    })
    // No access logs of its own (logging its own writes would loop); cdk-nag knows a log target bucket.

    const versionRule: LifecycleRule = {
      // Junk purge deletes for good: without this, versioning would keep every deleted mail forever.
      noncurrentVersionExpiration: props.noncurrentVersionRetention ?? Duration.days(30),
      abortIncompleteMultipartUploadAfter: Duration.days(7),
    }
    const archiveTiers: LifecycleRule = {
      id: 'RawMailArchiveTiers',
      prefix: this.rawMailPrefix,
      transitions: [
        { storageClass: StorageClass.INFREQUENT_ACCESS, transitionAfter: rawMailArchiveTiers.infrequentAccessAfter },
        { storageClass: StorageClass.GLACIER_INSTANT_RETRIEVAL, transitionAfter: rawMailArchiveTiers.glacierInstantRetrievalAfter },
      ],
    }
    const dataBucket = (id: string, logPrefix: string, extra: Partial<BucketProps> = {}) =>
      new Bucket(this, id, {
        ...privateBucket,
        versioned: true,
        serverAccessLogsBucket: this.accessLogsBucket,
        serverAccessLogsPrefix: logPrefix,
        ...extra,
      })
    this.rawMailBucket = dataBucket('RawMailBucket', 'raw-mail/', { lifecycleRules: [versionRule, archiveTiers] })
    this.attachmentsBucket = dataBucket('AttachmentsBucket', 'attachments/', {
      // An upload no article named is gone after a day (an article keeps its own copy).
      lifecycleRules: [versionRule, { id: 'AbandonedUploads', prefix: uploadsPrefix, expiration: Duration.days(1), noncurrentVersionExpiration: Duration.days(1) }],
      // The browser POSTs files straight to the bucket (a presigned POST: the policy, not CORS, is
      // what authorizes it); downloads are navigations, which need no CORS.
      cors: [{ allowedOrigins: props.webOrigins ?? ['https://*.cloudfront.net'], allowedMethods: [HttpMethods.POST], allowedHeaders: ['*'], maxAge: 3000 }],
    })
    // The audit archive: what was exported stays, and with Object Lock cannot be changed or deleted
    // until its retention ends, not even by an administrator in compliance mode.
    const lock = props.auditObjectLock
    this.auditBucket = dataBucket('AuditBucket', 'audit/', {
      lifecycleRules: [versionRule],
      ...(lock
        ? {
            objectLockEnabled: true,
            objectLockDefaultRetention: lock.mode === 'compliance' ? ObjectLockRetention.compliance(Duration.days(lock.days)) : ObjectLockRetention.governance(Duration.days(lock.days)),
          }
        : {}),
    })

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

    // Here, not in the service stack: the TOTP secrets in the table are unreadable without it.
    this.totpKey = new Secret(this, 'TotpEncryptionKey', {
      description: 'Docket: key that encrypts agents\u2019 TOTP secrets at rest (AES-256-GCM, derived). Losing it means every agent enrols again.',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy: RemovalPolicy.RETAIN,
    })
    acknowledgeNag(
      this.totpKey,
      'AwsSolutions-SMG4',
      'Every stored TOTP secret is encrypted under this key; rotating it would make them all unreadable (there is no re-encryption job). Only the api function may read it.',
    )

    this.mailDomains = new MailDomains(this, 'MailDomains', { domains: props.mailDomains ?? [] })

    new CfnOutput(this, 'TableName', { value: this.table.tableName, description: 'The Docket table (for `docket agent password <login> --table <name>`)' })
    new CfnOutput(this, 'RawMailBucketName', { value: this.rawMailBucket.bucketName, description: 'Raw MIME of every received mail (SES stores it here before anything parses it)' })
    new CfnOutput(this, 'AuditBucketName', { value: this.auditBucket.bucketName, description: 'Daily audit trail exports (audit/YYYY/MM/DD.jsonl)' })
  }
}
