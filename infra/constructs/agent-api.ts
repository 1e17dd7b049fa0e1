import { Fn, RemovalPolicy } from 'aws-cdk-lib'
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway'
import { ApiMapping, CorsHttpMethod, DomainName, HttpApi, HttpMethod, HttpStage, LogGroupLogDestination, SecurityPolicy, type ThrottleSettings } from 'aws-cdk-lib/aws-apigatewayv2'
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations'
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda'
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs'
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager'
import { Secret } from 'aws-cdk-lib/aws-secretsmanager'
import { Construct } from 'constructs'
import type { CustomDomain } from '../deployment-settings.ts'
import { acknowledgeNag } from '../nag.ts'
import { originVerifyHeader } from '../../lib/api/origin-verify.ts'

export interface AgentApiProps {
  /** The api function: the Hono app behind every `/api` route. */
  readonly handler: LambdaFunction
  /**
   * Steady-state and burst limits of the stage, all clients together (per-client limits are the web
   * ACL's on CloudFront). @default 100 requests/s, burst 200: the README's traffic model (100,000
   * tickets a month, 200 API calls each in 8 working hours on 22 days) averages 32 requests/s and
   * peaks at ~95
   */
  readonly throttle?: ThrottleSettings
  /**
   * Browser origins allowed to call the API directly. The web client calls it same-origin through
   * CloudFront (`/api/*`), so it needs none.
   * @default none: no CORS headers, cross-origin browser calls fail
   */
  readonly corsAllowOrigins?: string[]
  /** Access log retention. @default one month */
  readonly accessLogRetention?: RetentionDays
  /**
   * The API on a domain of your own (a regional ACM certificate of the stack's region). The
   * admin points a CNAME at the `ApiDomainTarget` output. @default the execute-api host name only
   */
  readonly customDomain?: CustomDomain
}

/**
 * The agents' REST API: an HTTP API routing `ANY /api` and `ANY /api/{proxy+}` to the api function,
 * throttled and access-logged, and the JWT signing key only that function can read.
 */
export class AgentApi extends Construct {
  readonly httpApi: HttpApi
  readonly stage: HttpStage
  readonly signingKey: Secret
  /** The custom domain, when one is configured. */
  readonly domainName?: DomainName
  /** The value CloudFront sends in `x-docket-origin-verify`; the api function refuses requests without it. */
  readonly originVerifySecret: Secret
  private readonly customDomainName?: string

  constructor(scope: Construct, id: string, props: AgentApiProps) {
    super(scope, id)
    const origins = props.corsAllowOrigins ?? []
    this.customDomainName = props.customDomain?.domainName

    // A new value only signs every agent out (sessions live in the table); the function reads the key
    // once per execution environment, so a replaced value takes effect as environments are recycled.
    this.signingKey = new Secret(this, 'JwtSigningKey', {
      description: 'Docket: key that signs agent sessions (JWT, HS256)',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy: RemovalPolicy.DESTROY,
    })
    this.signingKey.grantRead(props.handler)
    props.handler.addEnvironment('DOCKET_JWT_SECRET_ARN', this.signingKey.secretArn)
    acknowledgeNag(
      this.signingKey,
      'AwsSolutions-SMG4',
      'Tokens are checked against this one key (no key ids), so an automatic rotation would sign every agent out at a random moment. Replace it deliberately instead: put a new value into this same secret, then recycle the api function (README, "Replacing the JWT signing key"); deleting the secret would leave the api pointing at a secret that no longer exists.',
    )

    // Calls must come through CloudFront, where the web ACL limits each client (issue 15.9): an
    // HTTP API has no resource policy and takes no web ACL, so CloudFront proves itself with a
    // header whose value only it and the function know (CloudFormation resolves the reference).
    this.originVerifySecret = new Secret(this, 'OriginVerify', {
      description: 'Docket: value CloudFront sends to the API in x-docket-origin-verify (calls without it are refused)',
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
      removalPolicy: RemovalPolicy.DESTROY,
    })
    props.handler.addEnvironment('DOCKET_ORIGIN_VERIFY', this.originVerifySecret.secretValue.unsafeUnwrap())
    acknowledgeNag(
      this.originVerifySecret,
      'AwsSolutions-SMG4',
      'Only proves that a request came through CloudFront; replacing it is a deploy after putting a new value (CloudFront and the function both resolve it at deploy), and an automatic rotation would refuse every API call until the next deploy.',
    )

    this.httpApi = new HttpApi(this, 'HttpApi', {
      description: 'Docket agent API',
      createDefaultStage: false,
      // With a custom domain CloudFront calls that name, and the execute-api endpoint is closed.
      disableExecuteApiEndpoint: props.customDomain !== undefined,
      ...(origins.length > 0
        ? { corsPreflight: { allowOrigins: origins, allowMethods: [CorsHttpMethod.ANY], allowHeaders: ['authorization', 'content-type'], allowCredentials: false } }
        : {}),
    })
    const accessLogs = new LogGroup(this, 'AccessLogs', { retention: props.accessLogRetention ?? RetentionDays.ONE_MONTH })
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      autoDeploy: true,
      throttle: props.throttle ?? { rateLimit: 100, burstLimit: 200 },
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            requestTime: '$context.requestTime',
            routeKey: '$context.routeKey',
            status: '$context.status',
            responseLength: '$context.responseLength',
            latencyMs: '$context.responseLatency',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    })

    const integration = new HttpLambdaIntegration('ApiFunction', props.handler)
    this.httpApi.addRoutes({ path: '/api', methods: [HttpMethod.ANY], integration })
    this.httpApi.addRoutes({ path: '/api/{proxy+}', methods: [HttpMethod.ANY], integration })
    acknowledgeNag(
      this.httpApi,
      'AwsSolutions-APIG4',
      'Docket authenticates in the api function: revocable sessions in DynamoDB behind a JWT, TOTP, lockout; a gateway JWT authorizer could not see a revoked session or a disabled agent. Login, password reset and the OpenAPI document must stay public.',
    )

    if (props.customDomain) {
      this.domainName = new DomainName(this, 'DomainName', {
        domainName: props.customDomain.domainName,
        certificate: Certificate.fromCertificateArn(this, 'Certificate', props.customDomain.certificateArn),
        securityPolicy: SecurityPolicy.TLS_1_2,
      })
      new ApiMapping(this, 'ApiMapping', { api: this.httpApi, domainName: this.domainName, stage: this.stage })
    }
  }

  /** Base URL of the API (the routes start with /api): the custom domain when there is one. */
  get url(): string {
    return this.customDomainName ? `https://${this.customDomainName}/` : this.stage.url
  }

  /** The header CloudFront must add to every request it forwards here. */
  get originHeaders(): Record<string, string> {
    return { [originVerifyHeader]: this.originVerifySecret.secretValue.unsafeUnwrap() }
  }

  /** Host name of the API's execute-api endpoint, for an origin in front of it. */
  get endpointHost(): string {
    return Fn.select(2, Fn.split('/', this.httpApi.apiEndpoint))
  }
}
