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
