import { Assembly, type Json, type Stack } from './assembly.ts'

/**
 * A role's identity policies as the template writes them (AWS::IAM::Policy resources attached to
 * the role, and the role's inline policies), resolved to local ARNs, and the question IAM answers
 * for each request: is this action on these resources allowed? Explicit Deny wins; conditions are
 * not evaluated (none of ours has one: a statement with a Condition is reported, not trusted).
 */

export interface PolicyStatement {
  effect: 'Allow' | 'Deny'
  actions: string[]
  notActions: string[]
  resources: string[]
  notResources: string[]
  hasCondition: boolean
  /** Where it comes from (policy logical id), for the report. */
  source: string
}

/** Managed policies we know the content of (AWS keeps the rest): enough for the roles CDK makes. */
const knownManagedPolicies: Record<string, Omit<PolicyStatement, 'source'>[]> = {
  'service-role/AWSLambdaBasicExecutionRole': [
    { effect: 'Allow', actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'], notActions: [], resources: ['*'], notResources: [], hasCondition: false },
  ],
}

const list = (value: Json | undefined): string[] => (value === undefined || value === null ? [] : Array.isArray(value) ? value.map(String) : [String(value)])

export function roleStatements(assembly: Assembly, stack: Stack, roleId: string): { statements: PolicyStatement[]; unknownManaged: string[] } {
  const statements: PolicyStatement[] = []
  const unknownManaged: string[] = []
  const add = (document: Json | undefined, source: string) => {
    const resolved = assembly.resolve(stack, document ?? null) as { Statement?: Json[] } | null
    for (const raw of resolved?.Statement ?? []) {
      const statement = raw as Record<string, Json>
      statements.push({
        effect: statement.Effect === 'Deny' ? 'Deny' : 'Allow',
        actions: list(statement.Action),
        notActions: list(statement.NotAction),
        resources: list(statement.Resource),
        notResources: list(statement.NotResource),
        hasCondition: statement.Condition !== undefined,
        source,
      })
    }
  }
  for (const [id, resource] of Object.entries(stack.template.Resources)) {
    if (resource.Type !== 'AWS::IAM::Policy' && resource.Type !== 'AWS::IAM::ManagedPolicy') continue
    const roles = (resource.Properties?.Roles ?? []) as Json[]
    if (roles.some((role) => Assembly.referencedId(role) === roleId)) add(resource.Properties?.PolicyDocument, id)
  }
  const role = stack.template.Resources[roleId]
  for (const policy of (role?.Properties?.Policies ?? []) as Record<string, Json>[]) add(policy.PolicyDocument, `${roleId} inline ${String(policy.PolicyName)}`)
  for (const managed of (role?.Properties?.ManagedPolicyArns ?? []) as Json[]) {
    const arn = String(assembly.resolve(stack, managed))
    const known = Object.entries(knownManagedPolicies).find(([name]) => arn.endsWith(`:policy/${name}`))
    if (known) statements.push(...known[1].map((statement) => ({ ...statement, source: arn })))
    else unknownManaged.push(arn)
  }
  return { statements, unknownManaged }
}

/** IAM's wildcard match: `*` any run of characters, `?` one; actions ignore case, resources do not. */
export function wildcardMatch(pattern: string, value: string, ignoreCase = false): boolean {
  const source = `^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`
  return new RegExp(source, ignoreCase ? 'is' : 's').test(value)
}

function statementMatches(statement: PolicyStatement, action: string, resource: string): boolean {
  const actionMatches = statement.actions.length > 0 ? statement.actions.some((pattern) => wildcardMatch(pattern, action, true)) : !statement.notActions.some((pattern) => wildcardMatch(pattern, action, true))
  if (!actionMatches) return false
  return statement.resources.length > 0 ? statement.resources.some((pattern) => wildcardMatch(pattern, resource)) : !statement.notResources.some((pattern) => wildcardMatch(pattern, resource))
}

/**
 * One resource, or any one of several (an SES send is authorized on the sender's email identity
 * or on its domain's identity, whichever SES uses).
 */
export type ResourceRequirement = string | { anyOf: string[] }

export interface Decision {
  allowed: boolean
  /** Resources nothing allows (or a Deny matches). */
  denied: string[]
}

export function evaluate(statements: PolicyStatement[], action: string, resources: ResourceRequirement[]): Decision {
  const allows = (resource: string) =>
    !statements.some((statement) => statement.effect === 'Deny' && statementMatches(statement, action, resource)) &&
    statements.some((statement) => statement.effect === 'Allow' && !statement.hasCondition && statementMatches(statement, action, resource))
  const denied = resources.flatMap((requirement) => {
    if (typeof requirement === 'string') return allows(requirement) ? [] : [requirement]
    return requirement.anyOf.some(allows) ? [] : [requirement.anyOf.join(' | ')]
  })
  return { allowed: denied.length === 0, denied }
}

// ---------------------------------------------------------------------------------------------
// Resource policies: may an AWS service deliver to our resource (S3 → SQS, SNS → SQS, SES → SNS …)?
// ---------------------------------------------------------------------------------------------

export interface ServiceRequest {
  /** e.g. s3.amazonaws.com */
  service: string
  action: string
  resource: string
  /** Condition keys the service sends (aws:SourceArn, aws:SourceAccount, kms:EncryptionContext:…). */
  context: Record<string, string>
}

const conditionTests: Record<string, (pattern: string, value: string) => boolean> = {
  StringEquals: (pattern, value) => pattern === value,
  StringEqualsIgnoreCase: (pattern, value) => pattern.toLowerCase() === value.toLowerCase(),
  StringLike: (pattern, value) => wildcardMatch(pattern, value),
  ArnEquals: (pattern, value) => pattern === value,
  ArnLike: (pattern, value) => wildcardMatch(pattern, value),
}

/** Every condition of a statement holds for the request (an operator we do not know fails: reported, not trusted). */
function conditionsHold(condition: Record<string, Record<string, Json>> | undefined, context: Record<string, string>): boolean {
  if (!condition) return true
  return Object.entries(condition).every(([operator, tests]) => {
    const test = conditionTests[operator]
    if (!test) return false
    return Object.entries(tests).every(([key, expected]) => {
      const value = Object.entries(context).find(([name]) => name.toLowerCase() === key.toLowerCase())?.[1]
      return value !== undefined && list(expected).some((pattern) => test(pattern, value))
    })
  })
}

/** Does one of these resource-policy documents let `service` do the request? */
export function servicePermitted(documents: Json[], request: ServiceRequest): boolean {
  const statements = documents.flatMap((document) => ((document as { Statement?: Json[] } | null)?.Statement ?? []) as Record<string, Json>[])
  const matches = (statement: Record<string, Json>) => {
    const principal = statement.Principal as { Service?: Json } | string | undefined
    const principalMatches = principal === '*' || (typeof principal === 'object' && list(principal.Service).includes(request.service))
    return (
      principalMatches &&
      list(statement.Action).some((pattern) => wildcardMatch(pattern, request.action, true)) &&
      list(statement.Resource ?? '*').some((pattern) => wildcardMatch(pattern, request.resource)) &&
      conditionsHold(statement.Condition as Record<string, Record<string, Json>> | undefined, request.context)
    )
  }
  return !statements.some((statement) => statement.Effect === 'Deny' && matches(statement)) && statements.some((statement) => statement.Effect === 'Allow' && matches(statement))
}

/**
 * The resource-policy documents of a resource: queue policies naming the queue URL, topic policies
 * naming the topic ARN, bucket policies naming the bucket, or a KMS key's own key policy.
 */
export function resourcePolicies(assembly: Assembly, target: { queueUrl?: string; topicArn?: string; bucket?: string; keyArn?: string }): Json[] {
  const documents: Json[] = []
  const collect = (type: string, property: string, wanted: string | undefined) => {
    if (!wanted) return
    for (const { stack, resource } of assembly.resources(type)) {
      const targets = list(assembly.resolve(stack, resource.Properties?.[property] ?? null) as Json)
      if (targets.includes(wanted)) documents.push(assembly.resolve(stack, resource.Properties?.PolicyDocument ?? null))
    }
  }
  collect('AWS::SQS::QueuePolicy', 'Queues', target.queueUrl)
  collect('AWS::SNS::TopicPolicy', 'Topics', target.topicArn)
  collect('AWS::S3::BucketPolicy', 'Bucket', target.bucket)
  if (target.keyArn) {
    for (const { stack, id, resource } of assembly.resources('AWS::KMS::Key')) {
      if (assembly.attribute(stack, id, 'Arn') === target.keyArn) documents.push(assembly.resolve(stack, resource.Properties?.KeyPolicy ?? null))
    }
  }
  return documents
}
