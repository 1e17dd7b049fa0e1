import { Stack, Validations } from 'aws-cdk-lib'
import type { IGrantable } from 'aws-cdk-lib/aws-iam'
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js'
import type { IConstruct } from 'constructs'

/**
 * Acknowledges one cdk-nag AwsSolutions finding on `scope` and everything under it, with the
 * reason a reviewer reads in `npm run nag`'s report. `rule` is the id the report prints after
 * "Acknowledge with 'AwsSolutions::…'", e.g. `AwsSolutions-IAM5[Resource::*]`: a finding id with
 * its detail, so acknowledging one wildcard never hides another.
 */
export function acknowledgeNag(scope: IConstruct, rule: string, reason: string): void {
  if (!acknowledging) return
  Validations.of(scope).acknowledge({ id: `AwsSolutions::${rule}`, reason })
}

let acknowledging = true

/**
 * Runs `build` (an app's construction and synthesis) with every acknowledgement left out, so
 * `npm run nag` can tell which acknowledgement still hides a finding and which matches nothing.
 */
export function withoutAcknowledgements<T>(build: () => T): T {
  acknowledging = false
  try {
    return build()
  } finally {
    acknowledging = true
  }
}

/**
 * Acknowledges the IAM5 finding of a wildcard resource (an object key pattern such as
 * `<bucket ARN>/raw/*`) in the policies of `grantee`. The finding names the resource as the
 * template finally spells it, which for a bucket of the data stack is a cross-stack reference
 * that exists only once synthesis has resolved references; so the id is computed then, in a
 * construct validation (these run after references are resolved and before cdk-nag).
 */
export function acknowledgeWildcardResource(grantee: IGrantable, resource: string, reason: string): void {
  const principal = grantee.grantPrincipal as unknown as Partial<IConstruct>
  if (!principal.node) return // not a construct (e.g. an account principal): no policy of ours to acknowledge on
  const scope = principal as IConstruct
  scope.node.addValidation({
    validate: () => {
      acknowledgeNag(scope, `AwsSolutions-IAM5[Resource::${flattenCfnReference(Stack.of(scope).resolve(resource))}]`, reason)
      return []
    },
  })
}

/**
 * The construct ids CDK gives the singleton handler functions it adds for itself, and the findings
 * each really has (`npm run nag` reports an acknowledgement that matches nothing). CDK's
 * auto-delete provider of the client bucket is a plain CfnResource that cdk-nag does not judge.
 */
const cdkHandlerIds: { prefix: string; what: string; runtime: boolean }[] = [
  { prefix: 'AWS679f53fac002430cb0da5b7982bd2287', what: 'AwsCustomResource provider (receipt rule set activation, OpenSearch log policy)', runtime: false },
  { prefix: 'BucketNotificationsHandler', what: 'S3 bucket notification handler (raw-mail bucket → intake queue)', runtime: false },
  { prefix: 'Custom::CDKBucketDeployment', what: 'BucketDeployment handler (uploads the web client)', runtime: true },
]

/**
 * Acknowledges the findings on the handler functions CDK adds to a stack for its own custom
 * resources. They run only while CloudFormation deploys, their code and policies are CDK's, and
 * each acknowledgement names the exact finding.
 */
export function acknowledgeCdkHandlers(stack: Stack): void {
  for (const child of stack.node.children) {
    const handler = cdkHandlerIds.find((candidate) => child.node.id.startsWith(candidate.prefix))
    if (!handler) continue
    const owner = `CDK's ${handler.what}, run only by CloudFormation during a deploy`
    if (handler.runtime) acknowledgeNag(child, 'AwsSolutions-L1', `${owner}: its runtime is chosen by the aws-cdk-lib version, updated with it.`)
    acknowledgeNag(
      child,
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      `${owner}: CDK attaches the managed logging policy to its role; it grants log writes only.`,
    )
    if (handler.prefix === 'Custom::CDKBucketDeployment') acknowledgeBucketDeployment(child, owner)
  }
}

/** The BucketDeployment handler copies the asset into the client bucket (prune deletes stale files) and invalidates CloudFront. */
function acknowledgeBucketDeployment(handler: IConstruct, owner: string): void {
  for (const action of ['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:DeleteObject*', 's3:Abort*']) {
    acknowledgeNag(handler, `AwsSolutions-IAM5[Action::${action}]`, `${owner}: CDK grants it read on the asset and read/write/delete on the client bucket with these action groups.`)
  }
  acknowledgeNag(handler, 'AwsSolutions-IAM5[Resource::*]', `${owner}: cloudfront:CreateInvalidation and GetInvalidation, which CDK grants on "*".`)
  // The object wildcards name the CDK asset bucket and the client bucket, known once synthesized.
  handler.node.addValidation({
    validate: () => {
      const stack = Stack.of(handler)
      for (const node of handler.node.findAll()) {
        const document = (node as { policyDocument?: unknown }).policyDocument
        if (document === undefined) continue
        const statements = (stack.resolve(document) as { Statement?: { Resource?: unknown }[] }).Statement ?? []
        for (const resource of statements.flatMap((statement) => [statement.Resource].flat())) {
          const flat = flattenCfnReference(resource)
          if (flat.endsWith('/*')) acknowledgeNag(handler, `AwsSolutions-IAM5[Resource::${flat}]`, `${owner}: objects of the CDK asset bucket (read) and of the client bucket (write), by key.`)
        }
      }
      return []
    },
  })
}
