import { Annotations, CfnOutput, Stack, type StackProps } from 'aws-cdk-lib'
import type { Construct } from 'constructs'
import type { DocketConfig } from '../lib/platform/config.ts'
import type { DocketDataResources } from './data-stack.ts'
import type { LogLevel } from './deployment-settings.ts'
import { inboundMailDomains, receiptRecipients, senderIdentities } from './mail-identities.ts'
import { AgentApi } from './constructs/agent-api.ts'
import { DocketFunctions } from './constructs/docket-functions.ts'
import { MailIntake } from './constructs/mail-intake.ts'
import { MailSending } from './constructs/mail-sending.ts'
import { Schedules } from './constructs/schedules.ts'
import { jobCatalog } from '../lib/jobs/catalog.ts'
import { Search } from './constructs/search.ts'
import { WebClient } from './constructs/web-client.ts'

export interface DocketServiceStackProps extends StackProps {
  /** The table and buckets of the data stack. */
  readonly data: DocketDataResources
  /** The validated docket.config.yaml ... */
  readonly config: DocketConfig
  /** ... and its path, copied into every function bundle. */
  readonly configPath: string
  readonly projectRoot: string
  /** Name of the SES receipt rule set (the data stack lets exactly this one write raw mail). */
  readonly receiptRuleSetName: string
  /** Key prefix SES stores raw mail under. */
  readonly rawMailPrefix: string
  /** @default 'INFO' */
  readonly logLevel?: LogLevel
  /** OpenSearch data node type. @default t3.small.search */
  readonly searchInstanceType?: string
  /** Built web client; deployed when it exists. @default not deployed */
  readonly webAssetsPath?: string
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

  constructor(scope: Construct, id: string, props: DocketServiceStackProps) {
    super(scope, id, props)
    const { table, rawMailBucket, attachmentsBucket } = props.data

    this.functions = new DocketFunctions(this, 'Functions', {
      configPath: props.configPath,
      projectRoot: props.projectRoot,
      environment: {
        DOCKET_RUNTIME: 'aws',
        DOCKET_LOG_LEVEL: props.logLevel ?? 'INFO',
        DOCKET_TABLE_NAME: table.tableName,
        DOCKET_RAW_MAIL_BUCKET: rawMailBucket.bucketName,
        DOCKET_ATTACHMENTS_BUCKET: attachmentsBucket.bucketName,
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
      senderIdentities: senderIdentities(props.config),
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
    })

    this.agentApi = new AgentApi(this, 'AgentApi', { handler: api })
    this.webClient = new WebClient(this, 'WebClient', { apiDomainName: this.agentApi.domainName, assetsPath: props.webAssetsPath })
    this.search = new Search(this, 'Search', { table, indexer, instanceType: props.searchInstanceType })
    this.search.grantSearch(api)
    this.schedules = new Schedules(this, 'Schedules', { handler: jobs, jobs: jobCatalog(props.config) })

    // Data access, least privilege: who reads and writes what.
    for (const fn of [api, mailReceived, mailSend, jobs]) table.grantReadWriteData(fn)
    attachmentsBucket.grantReadWrite(api) // agent replies' MIME, attachment downloads
    attachmentsBucket.grantReadWrite(mailReceived) // attachments of received mail
    attachmentsBucket.grantRead(mailSend) // reads the stored MIME it sends
    rawMailBucket.grantRead(api, `${props.rawMailPrefix}*`) // the raw view of received mail, bounces (re-sending it)
    attachmentsBucket.grantReadWrite(jobs) // reminder and GenericAgent mails
    attachmentsBucket.grantDelete(jobs) // Junk purge and GenericAgent delete remove a ticket's blobs…
    rawMailBucket.grantDelete(jobs, `${props.rawMailPrefix}*`) // …and its raw mail
    table.grantReadData(indexer) // re-reads each changed ticket (and its tombstone) from the store
    attachmentsBucket.grantRead(indexer) // indexes the text of text attachments
    // Granted where the wiring is: raw-mail read (MailIntake), stream reads (MailSending's outbox,
    // Search), enqueueing outbound mail (MailSending), the signing key (AgentApi), search (Search).

    // A function added to functions/catalog.ts gets built, but something must trigger it.
    for (const fn of this.functions.untriggered()) {
      Annotations.of(fn).addWarningV2('docket:function-not-triggered', `${fn.node.id} is in functions/catalog.ts but nothing triggers it: wire it (and its permissions) in infra/service-stack.ts`)
    }

    new CfnOutput(this, 'ApiUrl', { value: this.agentApi.url, description: 'Agent API (routes under /api); also reachable through the web client URL' })
    new CfnOutput(this, 'WebUrl', { value: this.webClient.url, description: 'Agent web client (CloudFront)' })
    for (const domain of inboundMailDomains(props.config)) {
      new CfnOutput(this, `MxRecord${outputIdPart(domain)}`, {
        value: `10 inbound-smtp.${this.region}.amazonaws.com`,
        description: `Create this MX record (priority 10) for ${domain} so SES receives its mail`,
      })
    }
  }
}

/** CfnOutput ids are alphanumeric: example.com → ExampleCom. */
function outputIdPart(domain: string): string {
  return domain
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('')
}
