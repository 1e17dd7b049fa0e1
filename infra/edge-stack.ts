import { Stack, type StackProps } from 'aws-cdk-lib'
import { CfnWebACL } from 'aws-cdk-lib/aws-wafv2'
import type { Construct } from 'constructs'

/** Per-client limits of the API (issue 15.9): requests from one IP address in a 5-minute window. */
export interface ApiRateLimits {
  /** Every `/api` request. */
  perClient: number
  /** `/api` requests without an Authorization header (login, password reset, the OpenAPI document). */
  anonymousPerClient: number
}

export interface DocketEdgeStackProps extends StackProps {
  readonly rateLimits: ApiRateLimits
}

/**
 * What CloudFront needs from us-east-1, whatever the stage's region: a web ACL for a distribution
 * (scope CLOUDFRONT) can only be created there. Its ARN reaches the service stack as a stack
 * output read across regions (`Fn::GetStackOutput` with a Region: cdk.json's weak cross-stack
 * references), so the edge stack deploys first and can be updated on its own.
 */
export class DocketEdgeStack extends Stack {
  readonly webAcl: CfnWebACL

  constructor(scope: Construct, id: string, props: DocketEdgeStackProps) {
    super(scope, id, props)
    const apiPath: CfnWebACL.StatementProperty = {
      byteMatchStatement: { fieldToMatch: { uriPath: {} }, positionalConstraint: 'STARTS_WITH', searchString: '/api', textTransformations: [{ priority: 0, type: 'NONE' }] },
    }
    const hasAuthorization: CfnWebACL.StatementProperty = {
      sizeConstraintStatement: { fieldToMatch: { singleHeader: { Name: 'authorization' } }, comparisonOperator: 'GT', size: 0, textTransformations: [{ priority: 0, type: 'NONE' }] },
    }
    const visibility = (metricName: string): CfnWebACL.VisibilityConfigProperty => ({ cloudWatchMetricsEnabled: true, metricName, sampledRequestsEnabled: true })
    // Over the limit: 429 until the address's rate in the window falls below it again.
    const tooMany: CfnWebACL.RuleActionProperty = { block: { customResponse: { responseCode: 429 } } }
    this.webAcl = new CfnWebACL(this, 'WebAcl', {
      name: `${this.stackName}-web`,
      description: 'Docket: per-client rate limits of the agent API behind CloudFront',
      scope: 'CLOUDFRONT',
      defaultAction: { allow: {} },
      visibilityConfig: visibility(`${this.stackName}-web`),
      rules: [
        {
          name: 'ApiAnonymousPerClient',
          priority: 0,
          action: tooMany,
          statement: {
            rateBasedStatement: {
              aggregateKeyType: 'IP',
              evaluationWindowSec: 300,
              limit: props.rateLimits.anonymousPerClient,
              scopeDownStatement: { andStatement: { statements: [apiPath, { notStatement: { statement: hasAuthorization } }] } },
            },
          },
          visibilityConfig: visibility('ApiAnonymousPerClient'),
        },
        {
          name: 'ApiPerClient',
          priority: 1,
          action: tooMany,
          statement: { rateBasedStatement: { aggregateKeyType: 'IP', evaluationWindowSec: 300, limit: props.rateLimits.perClient, scopeDownStatement: apiPath } },
          visibilityConfig: visibility('ApiPerClient'),
        },
      ],
    })
  }
}
