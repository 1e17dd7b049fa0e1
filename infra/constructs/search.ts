import { RemovalPolicy } from 'aws-cdk-lib'
import type { ITable } from 'aws-cdk-lib/aws-dynamodb'
import { EbsDeviceVolumeType } from 'aws-cdk-lib/aws-ec2'
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda'
import { Domain, EngineVersion, TLSSecurityPolicy } from 'aws-cdk-lib/aws-opensearchservice'
import type { Queue } from 'aws-cdk-lib/aws-sqs'
import { Construct } from 'constructs'
import { TableStreamSubscription } from './table-stream-subscription.ts'

export interface SearchProps {
  /** The table whose stream feeds the index. */
  readonly table: ITable
  /** The search-indexer function: consumes the stream, writes to OpenSearch (and is its master user). */
  readonly indexer: LambdaFunction
  /** Data node instance type. @default 't3.small.search' (the smallest) */
  readonly instanceType?: string
  /** Data nodes. @default 1 */
  readonly dataNodes?: number
  /** EBS gp3 volume per node, GiB. @default 10 */
  readonly volumeSizeGiB?: number
  /** @default EngineVersion.OPENSEARCH_2_19 */
  readonly engineVersion?: EngineVersion
  /** Stream records per invocation. @default 100 */
  readonly batchSize?: number
  /** Retries of a failing batch (halved each time) before its records go to the DLQ. @default 5 */
  readonly retryAttempts?: number
}

/**
 * Full-text search: an OpenSearch domain (encrypted at rest and between nodes, HTTPS only,
 * fine-grained access control with the indexer's role as master user) fed from the table's
 * stream by the search-indexer. The index is derived data (`docket search reindex` rebuilds it
 * from the table), so the domain is not retained.
 */
export class Search extends Construct {
  readonly domain: Domain
  readonly deadLetterQueue: Queue

  constructor(scope: Construct, id: string, props: SearchProps) {
    super(scope, id)
    const indexerRole = props.indexer.role
    if (!indexerRole) throw new Error('Search needs the indexer function to have an execution role')

    this.domain = new Domain(this, 'Domain', {
      version: props.engineVersion ?? EngineVersion.OPENSEARCH_2_19,
      capacity: {
        dataNodes: props.dataNodes ?? 1,
        dataNodeInstanceType: props.instanceType ?? 't3.small.search',
        multiAzWithStandbyEnabled: false, // not available on T3; a one-node domain has no standby anyway
      },
      ebs: { enabled: true, volumeSize: props.volumeSizeGiB ?? 10, volumeType: EbsDeviceVolumeType.GP3 },
      encryptionAtRest: { enabled: true },
      nodeToNodeEncryption: true,
      enforceHttps: true,
      tlsSecurityPolicy: TLSSecurityPolicy.TLS_1_2,
      fineGrainedAccessControl: { masterUserArn: indexerRole.roleArn },
      removalPolicy: RemovalPolicy.DESTROY,
    })
    this.domain.grantReadWrite(props.indexer)
    props.indexer.addEnvironment('DOCKET_OPENSEARCH_ENDPOINT', `https://${this.domain.domainEndpoint}`)

    const subscription = new TableStreamSubscription(this, 'Indexing', { table: props.table, handler: props.indexer, batchSize: props.batchSize, retryAttempts: props.retryAttempts })
    this.deadLetterQueue = subscription.deadLetterQueue
  }
}
