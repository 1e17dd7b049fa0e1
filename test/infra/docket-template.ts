import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Stack } from 'aws-cdk-lib'
import { Template } from 'aws-cdk-lib/assertions'
import type { CfnRole } from 'aws-cdk-lib/aws-iam'
import type { IFunction } from 'aws-cdk-lib/aws-lambda'
import { buildDocketApp, type BuildDocketAppOptions, type DocketApp } from '../../infra/docket-app.ts'
import { projectRoot } from '../../infra/deployment-settings.ts'

/** The feature flags and settings `cdk synth` runs with, so the tests assert what the CLI deploys. */
export const cdkJsonContext = (JSON.parse(readFileSync(join(projectRoot, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }).context

export interface SynthesizedDocket extends DocketApp {
  dataTemplate: Template
  serviceTemplate: Template
}

/**
 * Builds the app in-process as the CLI would, without bundling (fast) and without the caller's
 * AWS environment (deterministic: placeholder account, eu-west-1).
 */
export function synthesizeDocket(options: BuildDocketAppOptions = {}): SynthesizedDocket {
  const docket = buildDocketApp({
    ...options,
    context: { ...cdkJsonContext, 'aws:cdk:bundling-stacks': [], ...options.context },
    env: options.env ?? {},
  })
  return { ...docket, dataTemplate: Template.fromStack(docket.data), serviceTemplate: Template.fromStack(docket.service) }
}

const synthesized = new Map<string, SynthesizedDocket>()

/**
 * synthesizeDocket with only context, once per test file and context: a synthesis takes seconds,
 * and tests only read the result.
 */
export function synthesizeDocketOnce(context: Record<string, string> = {}): SynthesizedDocket {
  const key = JSON.stringify(context)
  let docket = synthesized.get(key)
  if (!docket) synthesized.set(key, (docket = synthesizeDocket({ context })))
  return docket
}

export { everyOptionContext } from '../../scripts/nag.ts'

export interface PolicyStatementJson {
  Effect: string
  Action: string | string[]
  Resource: unknown
  Condition?: unknown
}

/** Logical id of a function's execution role. */
export function roleLogicalId(fn: IFunction): string {
  if (!fn.role) throw new Error(`${fn.node.path} has no role`)
  return Stack.of(fn).getLogicalId(fn.role.node.defaultChild as CfnRole)
}

/** Every statement of every policy attached to a function's role. */
export function statementsOf(template: Template, fn: IFunction): PolicyStatementJson[] {
  const roleId = roleLogicalId(fn)
  const policies = Object.values(template.findResources('AWS::IAM::Policy')) as { Properties: { Roles: { Ref: string }[]; PolicyDocument: { Statement: PolicyStatementJson[] } } }[]
  return policies.filter((policy) => policy.Properties.Roles.some((role) => role.Ref === roleId)).flatMap((policy) => policy.Properties.PolicyDocument.Statement)
}

/** Every (action, resource) a function's policies allow, the resource as its JSON: robust to how IAM statements were merged. */
export function permissionsOf(template: Template, fn: IFunction): { action: string; resource: string }[] {
  return statementsOf(template, fn)
    .filter((statement) => statement.Effect === 'Allow')
    .flatMap((statement) => [statement.Action].flat().flatMap((action) => [statement.Resource].flat().map((resource) => ({ action, resource: JSON.stringify(resource) }))))
}

/** The actions of a function's policies, flattened and sorted. */
export function actionsOf(template: Template, fn: IFunction): string[] {
  return [...new Set(statementsOf(template, fn).flatMap((statement) => [statement.Action].flat()))].sort()
}

/** Logical id of a construct's CloudFormation resource. */
export function logicalIdOf(resource: { node: { defaultChild?: unknown } } & object): string {
  const child = resource.node.defaultChild as Parameters<Stack['getLogicalId']>[0] | undefined
  if (!child) throw new Error('construct has no default CloudFormation resource')
  return Stack.of(child).getLogicalId(child)
}
