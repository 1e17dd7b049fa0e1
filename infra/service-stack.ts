import { Annotations, CfnOutput, Stack, type StackProps } from 'aws-cdk-lib'
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda'
import { RetentionDays } from 'aws-cdk-lib/aws-logs'
import type { Construct } from 'constructs'
import type { DocketConfig } from '../lib/platform/config.ts'
import { grantObjectAccess, grantTableData } from './data-access.ts'
import { uploadsPrefix, type DocketDataResources } from './data-stack.ts'
import type { ConcurrencySettings, CustomDomain, LogLevel } from './deployment-settings.ts'
import { domainIdPart, inboundMailDomains, receiptRecipients, senderIdentities } from './mail-identities.ts'
import { acknowledgeCdkHandlers } from './nag.ts'
import { AgentApi } from './constructs/agent-api.ts'
import { DocketFunctions } from './constructs/docket-functions.ts'
import { MailIntake } from './constructs/mail-intake.ts'
import { MailSending } from './constructs/mail-sending.ts'
import { Operations } from './constructs/operations.ts'
import { Schedules } from './constructs/schedules.ts'
import { jobCatalog } from '../lib/jobs/catalog.ts'
import { Search } from './constructs/search.ts'
import { WebClient } from './constructs/web-client.ts'

export interface DocketServiceStackProps extends StackProps {
  /** The table and buckets of the data stack. */
  readonly data: DocketDataResources
  /** The validated docket.config.yaml (written as JSON into every function bundle). */
  readonly config: DocketConfig
  readonly projectRoot: string
  /** Name of the SES receipt rule set (the data stack lets exactly this one write raw mail). */
  readonly receiptRuleSetName: string
  /** Key prefix SES stores raw mail under. */
  readonly rawMailPrefix: string
  /** @default 'INFO' */
  readonly logLevel?: LogLevel
  /** OpenSearch data node type. @default t3.small.search */
  readonly searchInstanceType?: string
  /** OpenSearch data nodes (1, or an even number over two zones). @default 1 */
  readonly searchDataNodes?: number
  /** gp3 volume per OpenSearch node, GiB. @default 10 */
  readonly searchVolumeGiB?: number
  /** A web client built elsewhere. @default built from `<projectRoot>/web` at synth */
  readonly webAssetsPath?: string
  /** Retention of every log group. @default one month */
  readonly logRetention?: RetentionDays
  /** Alarm mails. @default no subscription (alarms still show in CloudWatch) */
  readonly alarmEmail?: string
  /** Name of the CloudWatch dashboard. @default the stack name */
  readonly dashboardName?: string
  /** The web client on a domain of your own. */
  readonly webDomain?: CustomDomain
  /** The API on a domain of your own. */
  readonly apiDomain?: CustomDomain
  /** Web ACL (us-east-1, scope CLOUDFRONT) on the distribution: per-client rate limits of the API. @default none */
  readonly webAclArn?: string
  /** The API stage's throttle for all clients together. @default 100 requests/s, burst 200 */
  readonly apiThrottle?: { rateLimit: number; burstLimit: number }
  /** Queue consumers' maximum and the api's reserved concurrency. @default 2 per queue consumer, nothing reserved */
  readonly concurrency?: Pick<ConcurrencySettings, 'mailReceived' | 'mailSend' | 'sesFeedback' | 'apiReserved'>
}

/**
 * The stateless half of Docket: functions and everything that triggers them. It can be deleted
 * and deployed again without losing data; the data stack's resources arrive as props.
 */
export class DocketServiceStack extends Stack {
  readonly functions: DocketFunctions
  readonly mailIntake: MailIntake
  readonly mailSending: MailSending
  readonly agentApi: AgentApi
  readonly webClient: WebClient
  readonly search: Search
  readonly schedules: Schedules
  readonly operations: Operations

  constructor(scope: Construct, id: string, props: DocketServiceStackProps) {
    super(scope, id, props)
    const { table, rawMailBucket, attachmentsBucket, auditBucket, totpKey } = props.data
    const logRetention = props.logRetention ?? RetentionDays.ONE_MONTH

    this.functions = new DocketFunctions(this, 'Functions', {
      config: props.config,
      projectRoot: props.projectRoot,
      logRetention,
      environment: {
        DOCKET_RUNTIME: 'aws',
        DOCKET_LOG_LEVEL: props.logLevel ?? 'INFO',
        DOCKET_TABLE_NAME: table.tableName,
        DOCKET_RAW_MAIL_BUCKET: rawMailBucket.bucketName,
        DOCKET_ATTACHMENTS_BUCKET: attachmentsBucket.bucketName,
        DOCKET_AUDIT_BUCKET: auditBucket.bucketName,
      },
    })
    const api = this.functions.get('api')
    const mailReceived = this.functions.get('mail-received')
    const mailSend = this.functions.get('mail-send')
    const jobs = this.functions.get('jobs')
    const indexer = this.functions.get('search-indexer')

    this.mailSending = new MailSending(this, 'MailSending', {
      table,
      relay: this.functions.get('outbox-relay'),
      sender: mailSend,
      feedbackHandler: this.functions.get('ses-feedback'),
      senderIdentities: senderIdentities(props.config),
      senderConcurrency: props.concurrency?.mailSend,
      feedbackConcurrency: props.concurrency?.sesFeedback,
    })
    // Every process builds its dependencies (the outbound queue among them) at start, so every
    // function knows the URL; only the outbox relay may send to it.
    this.functions.addEnvironment('DOCKET_OUTBOUND_QUEUE_URL', this.mailSending.queueUrl)

    this.mailIntake = new MailIntake(this, 'MailIntake', {
      rawMailBucket,
      objectKeyPrefix: props.rawMailPrefix,
      handler: mailReceived,
      recipients: receiptRecipients(props.config),
      receiptRuleSetName: props.receiptRuleSetName,
      maxConcurrency: props.concurrency?.mailReceived,
      logRetention,
    })
    // The API keeps its share of the account's executions whatever the queues do (when the quota allows a reservation).
    if (props.concurrency?.apiReserved !== undefined) (api.node.defaultChild as CfnFunction).reservedConcurrentExecutions = props.concurrency.apiReserved

    this.agentApi = new AgentApi(this, 'AgentApi', { handler: api, accessLogRetention: logRetention, customDomain: props.apiDomain, throttle: props.apiThrottle })
    this.webClient = new WebClient(this, 'WebClient', {
      apiDomainName: props.apiDomain?.domainName ?? this.agentApi.endpointHost,
      apiOriginHeaders: this.agentApi.originHeaders,
      webAclArn: props.webAclArn,
      uploadOrigins: [`https://${attachmentsBucket.bucketRegionalDomainName}`],
      assetsPath: props.webAssetsPath,
      projectRoot: props.projectRoot,
      customDomain: props.webDomain,
      logRetention,
    })
    this.search = new Search(this, 'Search', { table, indexer, maintenance: this.functions.get('search-maintenance'), instanceType: props.searchInstanceType, dataNodes: props.searchDataNodes, volumeSizeGiB: props.searchVolumeGiB, logRetention })
    this.search.grantSearch(api)
    this.schedules = new Schedules(this, 'Schedules', { handler: jobs, jobs: jobCatalog(props.config) })

    // Data access, least privilege: who reads and writes what (exact actions: infra/data-access.ts).
    // The DynamoDB calls reachable from each handler (lib/*/adapters/dynamodb-*.ts): agents and jobs
    // delete (drafts, watchers, links, sessions; the purge); mail-received creates and updates
    // tickets, customers and counters; mail-send reads what it sends and records how it went.
    for (const fn of [api, jobs]) grantTableData(table, fn, { read: true, write: true, delete: true })
    for (const fn of [mailReceived, mailSend]) grantTableData(table, fn, { read: true, write: true })
    // Reads every attachment (presigned downloads act with its rights); writes the MIME and files
    // of agents' articles, and signs uploads (presigned POSTs) under uploads/, which it deletes once used.
    grantObjectAccess(attachmentsBucket, api, { read: true })
    grantObjectAccess(attachmentsBucket, api, { write: true }, 'outbound/*')
    grantObjectAccess(attachmentsBucket, api, { write: true, delete: true }, `${uploadsPrefix}*`)
    grantObjectAccess(attachmentsBucket, mailReceived, { read: true, write: true }) // attachments of received mail
    grantObjectAccess(attachmentsBucket, mailSend, { read: true }) // reads the stored MIME it sends
    grantObjectAccess(rawMailBucket, api, { read: true }, `${props.rawMailPrefix}*`) // the raw view of received mail, bounces (re-sending it)
    // Reminder and GenericAgent mails; Junk purge and GenericAgent delete remove a ticket's blobs and its raw mail.
    grantObjectAccess(attachmentsBucket, jobs, { read: true, write: true, delete: true })
    grantObjectAccess(rawMailBucket, jobs, { delete: true }, `${props.rawMailPrefix}*`)
    // The daily audit export: reads the day's object to merge, writes it; never deletes (the
    // bucket is versioned, and with Object Lock nothing could).
    grantObjectAccess(auditBucket, jobs, { read: true, write: true }, 'audit/*')
    // Re-reads each changed ticket (and its tombstone) from the store; the role is also search-maintenance's,
    // whose drift check and reindex read the whole table (Scan).
    grantTableData(table, indexer, { read: true, scan: true })
    grantObjectAccess(attachmentsBucket, indexer, { read: true }) // indexes the text of text attachments
    // The TOTP key: only the API logs agents in and enrols them.
    totpKey.grantRead(api)
    api.addEnvironment('DOCKET_TOTP_KEY_SECRET_ARN', totpKey.secretArn)
    // Granted where the wiring is: raw-mail read (MailIntake), stream reads (MailSending's outbox,
    // Search), enqueueing outbound mail (MailSending), the signing key (AgentApi), search (Search).

    // A function added to functions/catalog.ts gets built, but something must trigger it.
    for (const fn of this.functions.untriggered()) {
      Annotations.of(fn).addWarningV2('docket:function-not-triggered', `${fn.node.id} is in functions/catalog.ts but nothing triggers it: wire it (and its permissions) in infra/service-stack.ts`)
    }

    // Last: it watches every function and queue that exists by now.
    this.operations = new Operations(this, 'Operations', {
      alarmEmail: props.alarmEmail,
      logRetention,
      dashboardName: props.dashboardName ?? this.stackName,
      apiStage: this.agentApi.stage,
      table,
      searchDomain: this.search.domain,
      searchVolumeGiB: props.searchVolumeGiB,
    })
    acknowledgeCdkHandlers(this)

    new CfnOutput(this, 'ApiUrl', { value: this.agentApi.url, description: 'Agent API (routes under /api); also reachable through the web client URL' })
    new CfnOutput(this, 'WebUrl', { value: this.webClient.url, description: 'Agent web client (CloudFront)' })
    if (props.webDomain) {
      new CfnOutput(this, 'WebDomainTarget', {
        value: this.webClient.distribution.distributionDomainName,
        description: `Point ${props.webDomain.domainName} at this name (CNAME, or a Route 53 alias)`,
      })
    }
    if (this.agentApi.domainName && props.apiDomain) {
      new CfnOutput(this, 'ApiDomainTarget', {
        value: this.agentApi.domainName.regionalDomainName,
        description: `Point ${props.apiDomain.domainName} at this name (CNAME, or a Route 53 alias)`,
      })
    }
    new CfnOutput(this, 'SearchMaintenanceFunction', {
      value: this.functions.get('search-maintenance').functionName,
      description: 'Search drift check and reindex: `docket search check|reindex --stage <stage>` invokes it',
    })
    new CfnOutput(this, 'JwtSigningKeyArn', { value: this.agentApi.signingKey.secretArn, description: 'Secret that signs agent sessions (replace its value to sign everyone out; see the README)' })
    new CfnOutput(this, 'ApiFunctionName', { value: api.functionName, description: 'The api function (recycle it after replacing the JWT signing key)' })
    new CfnOutput(this, 'AlarmTopicArn', { value: this.operations.topic.topicArn, description: 'Alarms are published here (subscribe more endpoints if you like)' })
    new CfnOutput(this, 'DashboardName', { value: this.operations.dashboard.dashboardName, description: 'CloudWatch dashboard' })
    for (const domain of inboundMailDomains(props.config)) {
      new CfnOutput(this, `MxRecord${domainIdPart(domain)}`, {
        value: `10 inbound-smtp.${this.region}.amazonaws.com`,
        description: `Create this MX record (priority 10) for ${domain} so SES receives its mail`,
      })
    }
  }
}
