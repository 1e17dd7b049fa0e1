import { Duration, Lazy, RemovalPolicy, Stack } from 'aws-cdk-lib'
import { Rule, RuleTargetInput, Schedule } from 'aws-cdk-lib/aws-events'
import { LambdaFunction as LambdaTarget } from 'aws-cdk-lib/aws-events-targets'
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations'
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs'
import type { ITable } from 'aws-cdk-lib/aws-dynamodb'
import { EbsDeviceVolumeType } from 'aws-cdk-lib/aws-ec2'
import { Grant, type IRole } from 'aws-cdk-lib/aws-iam'
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda'
import { Domain, EngineVersion, TLSSecurityPolicy, type CfnDomain } from 'aws-cdk-lib/aws-opensearchservice'
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs'
import { Construct } from 'constructs'
import { acknowledgeNag } from '../nag.ts'
import { TableStreamSubscription } from './table-stream-subscription.ts'

export interface SearchProps {
  /** The table whose stream feeds the index. */
  readonly table: ITable
  /** The search-indexer function: consumes the stream, writes to OpenSearch (and is its master user). */
  readonly indexer: LambdaFunction
  /** Data node instance type. @default 't3.small.search' (the smallest) */
  readonly instanceType?: string
  /** Data nodes: 1, or an even number spread over two availability zones. @default 1 */
  readonly dataNodes?: number
  /** EBS gp3 volume per node, GiB. @default 10 */
  readonly volumeSizeGiB?: number
  /** @default EngineVersion.OPENSEARCH_2_19 */
  readonly engineVersion?: EngineVersion
  /** Stream records per invocation. @default 100 */
  readonly batchSize?: number
  /** Retries of a failing batch (halved each time) before its records go to the DLQ. @default 5 */
  readonly retryAttempts?: number
  /** Retention of the slow search and indexing logs. @default one month */
  readonly logRetention?: RetentionDays
  /**
   * The search-maintenance function (drift check and reindex). It must run with the indexer's
   * role (the master user): only the master may create an index and move the alias.
   */
  readonly maintenance?: LambdaFunction
  /** When the drift check runs (with repair). @default Sundays 03:00 UTC */
  readonly checkSchedule?: Schedule
}

/** The alias searches go through (the runtime's default DOCKET_OPENSEARCH_ALIAS). */
export const searchAlias = 'docket-tickets'

/**
 * Full-text search: an OpenSearch domain (encrypted at rest and between nodes, HTTPS only,
 * fine-grained access control with the indexer's role as master user) fed from the table's
 * stream by the search-indexer. The index is derived data (`docket search reindex` rebuilds it
 * from the table), so the domain is not retained.
 *
 * Access, in two layers. IAM (identity policies; there is no domain access policy, so nothing
 * unsigned or from another account gets in): the indexer may call the whole domain, a searcher
 * (the API) only `_search` and `_count` under the alias. Fine-grained access control inside the
 * domain: the indexer is the master user; a searcher's role is mapped to a read-only role on
 * `docket-tickets*`. That mapping lives in the domain's security index, which CloudFormation
 * cannot write and only the master may change, so the indexer applies it (idempotently) on its
 * first write, from DOCKET_OPENSEARCH_READER_ROLE_ARNS. Why not the alternatives: making the
 * internet-facing API a master gives it every right on the domain; dropping fine-grained access
 * control for IAM alone works too, but fails the Security Hub control OpenSearch.7 and loses the
 * per-index roles.
 */
export class Search extends Construct {
  readonly domain: Domain
  readonly deadLetterQueue: Queue
  /** The weekly drift check (with repair), when there is a maintenance function. */
  readonly checkRule?: Rule
  /** Maintenance runs that failed every try (the weekly check, a reindex started by the CLI). */
  readonly maintenanceDeadLetterQueue?: Queue
  private readonly readers: IRole[] = []

  constructor(scope: Construct, id: string, props: SearchProps) {
    super(scope, id)
    const indexerRole = props.indexer.role
    if (!indexerRole) throw new Error('Search needs the indexer function to have an execution role')

    const dataNodes = props.dataNodes ?? 1
    if (dataNodes !== 1 && dataNodes % 2 !== 0) throw new Error(`Search: ${dataNodes} data nodes cannot be spread evenly over two zones; use 1 or an even number`)
    const retention = props.logRetention ?? RetentionDays.ONE_MONTH
    this.domain = new Domain(this, 'Domain', {
      version: props.engineVersion ?? EngineVersion.OPENSEARCH_2_19,
      capacity: {
        dataNodes,
        dataNodeInstanceType: props.instanceType ?? 't3.small.search',
        multiAzWithStandbyEnabled: false, // not available on T3; a one-node domain has no standby anyway
      },
      ...(dataNodes > 1 ? { zoneAwareness: { enabled: true, availabilityZoneCount: 2 } } : {}),
      // Written only for queries and bulk writes over the index's slow-log thresholds.
      logging: {
        slowSearchLogEnabled: true,
        slowSearchLogGroup: new LogGroup(this, 'SlowSearchLogs', { retention }),
        slowIndexLogEnabled: true,
        slowIndexLogGroup: new LogGroup(this, 'SlowIndexLogs', { retention }),
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
    const domainId = Stack.of(this).getLogicalId(this.domain.node.defaultChild as CfnDomain)
    acknowledgeNag(
      indexerRole,
      `AwsSolutions-IAM5[Resource::<${domainId}.Arn>/*]`,
      'The indexer is the domain\'s master user: it creates each new index (docket-tickets-<timestamp>), moves the alias and maps the reader role in the security plugin, all paths under the domain; the domain holds nothing but the derived search index.',
    )
    acknowledgeNag(this.domain, 'AwsSolutions-OS1', 'Outside a VPC so the functions need no VPC (and no NAT gateway at ~$30/month per zone); only SigV4-signed requests from roles with an identity policy get in, and fine-grained access control checks each.')
    acknowledgeNag(this.domain, 'AwsSolutions-OS3', 'Access is by IAM identity (SigV4), not by source IP: Lambda has no fixed address outside a VPC.')
    acknowledgeNag(this.domain, 'AwsSolutions-OS4', 'Dedicated master nodes triple the smallest cost; the index is derived data that `docket search reindex` rebuilds from the table. Add masters with more data nodes.')
    acknowledgeNag(
      this.domain,
      'AwsSolutions-OS5',
      'No domain access policy on purpose: without one, only principals of this account whose identity policy allows es:ESHttp* get in (the indexer, and the API for _search/_count), every request SigV4-signed; nothing anonymous.',
    )
    const logPolicy = this.domain.node.children.find((child) => child.node.id.startsWith('ESLogGroupPolicy'))
    if (logPolicy) {
      acknowledgeNag(logPolicy, 'AwsSolutions-IAM5[Resource::*]', 'CDK lets OpenSearch write the slow logs with a CloudWatch Logs resource policy; logs:PutResourcePolicy and DeleteResourcePolicy have no resource-level permissions.')
    }
    if (dataNodes === 1) {
      acknowledgeNag(this.domain, 'AwsSolutions-OS7', 'One node by default (the smallest cost); -c searchDataNodes=2 spreads nodes over two zones. An outage loses search only, never data: the index is rebuilt from the table.')
    }
    props.indexer.addEnvironment('DOCKET_OPENSEARCH_ENDPOINT', this.endpoint)
    props.indexer.addEnvironment('DOCKET_OPENSEARCH_READER_ROLE_ARNS', Lazy.string({ produce: () => this.readers.map((role) => role.roleArn).join(',') }))

    if (props.maintenance) {
      const maintenance = props.maintenance
      if (maintenance.role !== indexerRole) throw new Error('Search: the maintenance function must run with the indexer\'s role (the domain\'s master user)')
      maintenance.addEnvironment('DOCKET_OPENSEARCH_ENDPOINT', this.endpoint)
      maintenance.addEnvironment('DOCKET_OPENSEARCH_READER_ROLE_ARNS', Lazy.string({ produce: () => this.readers.map((role) => role.roleArn).join(',') }))
      this.maintenanceDeadLetterQueue = new Queue(this, 'MaintenanceDeadLetterQueue', { encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true, retentionPeriod: Duration.days(14) })
      acknowledgeNag(this.maintenanceDeadLetterQueue, 'AwsSolutions-SQS3', 'This queue is the on-failure destination of the search-maintenance function\'s asynchronous invocations; nothing consumes it but an operator.')
      // Asynchronous runs (the schedule's) that fail twice land in the DLQ, which Operations alarms on.
      maintenance.configureAsyncInvoke({ retryAttempts: 1, maxEventAge: Duration.hours(6), onFailure: new SqsDestination(this.maintenanceDeadLetterQueue) })
      this.checkRule = new Rule(this, 'DriftCheck', {
        description: 'Docket search drift check: ticket versions in the table against the index; missing, stale and orphaned documents repaired',
        schedule: props.checkSchedule ?? Schedule.cron({ minute: '0', hour: '3', weekDay: 'SUN' }),
        targets: [new LambdaTarget(maintenance, { event: RuleTargetInput.fromObject({ action: 'check', repair: true }), retryAttempts: 2 })],
      })
    }

    const subscription = new TableStreamSubscription(this, 'Indexing', { table: props.table, handler: props.indexer, batchSize: props.batchSize, retryAttempts: props.retryAttempts })
    this.deadLetterQueue = subscription.deadLetterQueue
  }

  /** https://… of the domain. */
  get endpoint(): string {
    return `https://${this.domain.domainEndpoint}`
  }

  /**
   * Lets a function search: IAM allows `_search` and `_count` under the alias, the function gets
   * DOCKET_OPENSEARCH_ENDPOINT, and the indexer maps its role to read-only access in the domain.
   */
  grantSearch(fn: LambdaFunction): Grant {
    if (!fn.role) throw new Error(`Search.grantSearch: ${fn.node.path} needs an execution role`)
    this.readers.push(fn.role)
    fn.addEnvironment('DOCKET_OPENSEARCH_ENDPOINT', this.endpoint)
    return Grant.addToPrincipal({
      grantee: fn,
      actions: ['es:ESHttpGet', 'es:ESHttpPost'],
      resourceArns: [`${this.domain.domainArn}/${searchAlias}/_search`, `${this.domain.domainArn}/${searchAlias}/_count`],
    })
  }
}
