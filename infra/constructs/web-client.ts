import { join } from 'node:path'
import { AssetHashType, DockerImage, Duration, RemovalPolicy } from 'aws-cdk-lib'
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  FunctionCode,
  FunctionEventType,
  FunctionRuntime,
  Function as CloudFrontFunction,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  OriginProtocolPolicy,
  OriginRequestPolicy,
  OriginSslPolicy,
  PriceClass,
  ResponseHeadersPolicy,
  SecurityPolicyProtocol,
  ViewerProtocolPolicy,
  type BehaviorOptions,
} from 'aws-cdk-lib/aws-cloudfront'
import { HttpOrigin, S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins'
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager'
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs'
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3'
import { BucketDeployment, Source } from 'aws-cdk-lib/aws-s3-deployment'
import { Construct } from 'constructs'
import { buildWebInto } from '../../scripts/build-web.ts'
import type { CustomDomain } from '../deployment-settings.ts'
import { acknowledgeNag } from '../nag.ts'

export interface WebClientProps {
  /** Origins the client uploads attachments to (the attachments bucket), allowed in its CSP's connect-src. @default none */
  readonly uploadOrigins?: string[]
  /** Host name of the agent API; `/api/*` is forwarded to it so the client calls its own origin. @default no API behaviour */
  readonly apiDomainName?: string
  /** Headers added to every request forwarded to the API (the origin proof it checks). */
  readonly apiOriginHeaders?: Record<string, string>
  /** A web ACL (us-east-1, scope CLOUDFRONT) on the distribution: the API's per-client rate limits. @default none */
  readonly webAclArn?: string
  /**
   * A client built elsewhere (a folder with index.html and assets), deployed as it is.
   * @default the client is built from `<projectRoot>/web` at synth (scripts/build-web.ts), like the functions' bundles
   */
  readonly assetsPath?: string
  /** The project root whose web/ is built when no `assetsPath` is given. @default the repository this file is in */
  readonly projectRoot?: string
  /** @default PriceClass.PRICE_CLASS_100 (North America and Europe edge locations) */
  readonly priceClass?: PriceClass
  /**
   * The client on a domain of your own (ACM certificate in us-east-1); viewers then need TLS 1.2.
   * The admin points a CNAME (or alias) at the `WebDomainTarget` output. @default the cloudfront.net name
   */
  readonly customDomain?: CustomDomain
  /** Retention of the deployment helper's log group. @default one month */
  readonly logRetention?: RetentionDays
}

/**
 * The agents' web client: a private bucket served only through CloudFront (origin access control),
 * single-page-app routing, security headers on every response, and `/api/*` forwarded to the API.
 */
export class WebClient extends Construct {
  readonly bucket: Bucket
  readonly distribution: Distribution
  /** Uploads the client into the bucket and invalidates the distribution with every deploy. */
  readonly deployment: BucketDeployment
  private readonly customDomainName?: string

  constructor(scope: Construct, id: string, props: WebClientProps = {}) {
    super(scope, id)
    this.customDomainName = props.customDomain?.domainName
    // Holds only build output, re-deployed with every release: safe to delete with the stack.
    this.bucket = new Bucket(this, 'Bucket', {
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: true,
    })
    acknowledgeNag(this.bucket, 'AwsSolutions-S1', 'Holds only the public build of the client, written by the deployment and read only by CloudFront (origin access control); nothing confidential to log.')

    const securityHeaders = new ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'Docket: security headers on every response',
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          override: true,
          contentSecurityPolicy: [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",
            "font-src 'self' data:",
            // The client uploads attachments straight to the bucket (presigned POST).
            ["connect-src 'self'", ...(props.uploadOrigins ?? [])].join(' '),
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
          ].join('; '),
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN, override: true },
        strictTransportSecurity: { accessControlMaxAge: Duration.days(730), includeSubdomains: true, override: true },
        xssProtection: { protection: true, modeBlock: true, override: true },
      },
    })

    // SPA routing at the edge instead of 403/404 error responses: those apply to the whole
    // distribution and would turn the API's own 403 and 404 answers into 200 index.html.
    const spaRouting = new CloudFrontFunction(this, 'SpaRouting', {
      comment: 'Docket: client routes (paths without a file extension) get index.html',
      runtime: FunctionRuntime.JS_2_0,
      code: FunctionCode.fromInline(
        [
          'function handler(event) {',
          '  var request = event.request;',
          "  if (!/\\.[A-Za-z0-9]+$/.test(request.uri)) request.uri = '/index.html';",
          '  return request;',
          '}',
        ].join('\n'),
      ),
    })

    const additionalBehaviors: Record<string, BehaviorOptions> = {}
    if (props.apiDomainName) {
      additionalBehaviors['/api/*'] = {
        origin: new HttpOrigin(props.apiDomainName, {
          protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY,
          originSslProtocols: [OriginSslPolicy.TLS_V1_2],
          ...(props.apiOriginHeaders ? { customHeaders: props.apiOriginHeaders } : {}),
        }),
        viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
        allowedMethods: AllowedMethods.ALLOW_ALL,
        cachePolicy: CachePolicy.CACHING_DISABLED,
        // Everything the API needs (Authorization, query, cookies) except Host, which must be the API's.
        originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
        responseHeadersPolicy: securityHeaders,
      }
    }

    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'Docket web client',
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: securityHeaders,
        functionAssociations: [{ eventType: FunctionEventType.VIEWER_REQUEST, function: spaRouting }],
      },
      additionalBehaviors,
      httpVersion: HttpVersion.HTTP2_AND_3,
      ...(props.webAclArn ? { webAclId: props.webAclArn } : {}),
      priceClass: props.priceClass ?? PriceClass.PRICE_CLASS_100,
      ...(props.customDomain
        ? {
            domainNames: [props.customDomain.domainName],
            certificate: Certificate.fromCertificateArn(this, 'Certificate', props.customDomain.certificateArn),
            minimumProtocolVersion: SecurityPolicyProtocol.TLS_V1_2_2021,
          }
        : {}),
    })
    if (!props.customDomain) {
      acknowledgeNag(
        this.distribution,
        'AwsSolutions-CFR4',
        'Without a custom domain CloudFront serves its default *.cloudfront.net certificate, whose TLS policy cannot be chosen; with -c webDomain and -c webCertificateArn viewers need TLS 1.2 (TLSv1.2_2021).',
      )
    }
    acknowledgeNag(this.distribution, 'AwsSolutions-CFR1', 'Agents work from anywhere; a geo restriction would be a per-organization choice, not a default.')
    if (!props.webAclArn) {
      acknowledgeNag(this.distribution, 'AwsSolutions-CFR2', 'Only without an API behind it (a bare client for tests): Docket always attaches its web ACL (infra/edge-stack.ts) or the one given with -c webAclArn.')
    }
    acknowledgeNag(
      this.distribution,
      'AwsSolutions-CFR3',
      'Every API request is logged in the HTTP API access logs; CloudFront standard logs need an ACL-enabled bucket (object ownership not enforced), which the static assets do not justify.',
    )

    // The client is always part of the stack: built at synth from web/ (a fresh clone has no
    // web/dist), or a folder built elsewhere. `cdk synth` fails when the build fails.
    this.deployment = new BucketDeployment(this, 'Deploy', {
      sources: [props.assetsPath ? Source.asset(props.assetsPath) : builtClient(props.projectRoot ?? join(import.meta.dirname, '..', '..'))],
      destinationBucket: this.bucket,
      distribution: this.distribution,
      distributionPaths: ['/*'],
      memoryLimit: 512,
      logGroup: new LogGroup(this, 'DeployLogs', { retention: props.logRetention ?? RetentionDays.ONE_MONTH }),
    })
  }

  /** https URL of the client: the custom domain when there is one. */
  get url(): string {
    return `https://${this.customDomainName ?? this.distribution.distributionDomainName}`
  }
}

/**
 * The client built from `<projectRoot>/web` into the asset folder CDK stages, by the same vite
 * build as `npm run build:web` (never Docker: the image below is only a required placeholder).
 * Like the functions' bundles it is skipped where bundling is (`aws:cdk:bundling-stacks`: tests,
 * `npm run nag`), and hashed by its output, so an unchanged client uploads nothing.
 */
function builtClient(projectRoot: string) {
  return Source.asset(join(projectRoot, 'web'), {
    exclude: ['dist'],
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      image: DockerImage.fromRegistry('docket-web-client-builds-locally'),
      local: {
        tryBundle(outputDir: string): boolean {
          buildWebInto(outputDir, projectRoot)
          return true
        },
      },
    },
  })
}
