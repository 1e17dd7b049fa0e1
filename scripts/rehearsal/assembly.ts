import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

/**
 * The synthesized cloud assembly (cdk.out) as the rehearsal reads it: every stack's template, and
 * a resolver of CloudFormation intrinsics that gives each resource the physical name or attribute
 * it gets on the local endpoints (a table on DynamoDB Local, a bucket on the local S3, a queue URL
 * on the local SQS, the OpenSearch domain's endpoint on the local recorder).
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json }

export interface CfnResource {
  Type: string
  Properties?: Record<string, Json>
  Metadata?: Record<string, Json>
}

export interface CfnTemplate {
  Resources: Record<string, CfnResource>
  Outputs?: Record<string, { Value: Json; Export?: { Name: Json } }>
  Parameters?: Record<string, { Default?: Json }>
}

export interface Stack {
  name: string
  account: string
  region: string
  template: CfnTemplate
}

/** Where the local stand-ins listen (filled in once they have started). */
export interface LocalEndpoints {
  sqs: string
  openSearchHost: string
}

/** The property that names a resource, where the template may set it. */
const explicitNameProperties: Record<string, string> = {
  'AWS::DynamoDB::Table': 'TableName',
  'AWS::S3::Bucket': 'BucketName',
  'AWS::SQS::Queue': 'QueueName',
  'AWS::SNS::Topic': 'TopicName',
  'AWS::Lambda::Function': 'FunctionName',
  'AWS::IAM::Role': 'RoleName',
  'AWS::Events::Rule': 'Name',
  'AWS::Logs::LogGroup': 'LogGroupName',
  'AWS::SecretsManager::Secret': 'Name',
  'AWS::SES::ReceiptRuleSet': 'RuleSetName',
  'AWS::SES::ConfigurationSet': 'Name',
}

export class Assembly {
  readonly stacks: Stack[]
  readonly dir: string
  private readonly endpoints: LocalEndpoints

  /** Reads `dir`/manifest.json and the stack templates it names (or takes `stacks` as given: tests). */
  constructor(dir: string, endpoints: LocalEndpoints, stacks?: Stack[]) {
    this.dir = dir
    this.endpoints = endpoints
    this.stacks = stacks ?? Assembly.readStacks(dir)
  }

  private static readStacks(dir: string): Stack[] {
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as {
      artifacts: Record<string, { type: string; environment?: string; properties?: { templateFile?: string } }>
    }
    return Object.entries(manifest.artifacts)
      .filter(([, artifact]) => artifact.type === 'aws:cloudformation:stack' && artifact.properties?.templateFile)
      .map(([name, artifact]) => {
        const [, account = '123456789012', region = 'us-east-1'] = /^aws:\/\/([^/]+)\/(.+)$/.exec(artifact.environment ?? '') ?? []
        const template = JSON.parse(readFileSync(join(dir, artifact.properties!.templateFile!), 'utf8')) as CfnTemplate
        return { name, account: /^\d{12}$/.test(account) ? account : '123456789012', region: region.startsWith('unknown') ? 'us-east-1' : region, template }
      })
  }

  stack(name: string): Stack {
    const found = this.stacks.find((stack) => stack.name === name)
    if (!found) throw new Error(`the assembly has no stack ${name} (it has ${this.stacks.map((stack) => stack.name).join(', ')})`)
    return found
  }

  /** Every resource of a type, across the stacks. */
  resources(type: string): { stack: Stack; id: string; resource: CfnResource }[] {
    return this.stacks.flatMap((stack) =>
      Object.entries(stack.template.Resources)
        .filter(([, resource]) => resource.Type === type)
        .map(([id, resource]) => ({ stack, id, resource })),
    )
  }

  /** The physical name (what `Ref` gives) of a resource. */
  physicalName(stack: Stack, id: string): string {
    const resource = stack.template.Resources[id]
    if (!resource) throw new Error(`${stack.name} has no resource ${id}`)
    // A name the template gives wins; otherwise CloudFormation would generate one from the stack and logical id.
    const property = explicitNameProperties[resource.Type]
    const given = property ? resource.Properties?.[property] : undefined
    const base = typeof given === 'string' ? given : `${stack.name}-${id}`
    switch (resource.Type) {
      case 'AWS::S3::Bucket':
        if (typeof given === 'string') return given
        return base.toLowerCase().replace(/[^a-z0-9.-]/g, '-').slice(0, 63)
      case 'AWS::SQS::Queue':
        return `${this.endpoints.sqs}/${stack.account}/${base}`
      case 'AWS::SecretsManager::Secret':
        return `arn:aws:secretsmanager:${stack.region}:${stack.account}:secret:${base}-AbCdEf`
      case 'AWS::SNS::Topic':
        return `arn:aws:sns:${stack.region}:${stack.account}:${base}`
      case 'AWS::IAM::Role':
      case 'AWS::Lambda::Function':
      case 'AWS::DynamoDB::Table':
        return base.slice(0, 64)
      default:
        return base
    }
  }

  /** `Fn::GetAtt` of a resource. */
  attribute(stack: Stack, id: string, attribute: string): string {
    const resource = stack.template.Resources[id]
    if (!resource) throw new Error(`${stack.name} has no resource ${id} (Fn::GetAtt ${id}.${attribute})`)
    const { region, account } = stack
    const name = this.physicalName(stack, id)
    switch (`${resource.Type}.${attribute}`) {
      case 'AWS::DynamoDB::Table.Arn':
        return `arn:aws:dynamodb:${region}:${account}:table/${name}`
      case 'AWS::DynamoDB::Table.StreamArn':
        return `arn:aws:dynamodb:${region}:${account}:table/${name}/stream/rehearsal`
      case 'AWS::S3::Bucket.Arn':
        return `arn:aws:s3:::${name}`
      case 'AWS::S3::Bucket.DomainName':
      case 'AWS::S3::Bucket.RegionalDomainName':
        return `${name}.s3.${region}.amazonaws.com`
      case 'AWS::SQS::Queue.Arn':
        return `arn:aws:sqs:${region}:${account}:${name.split('/').at(-1)}`
      case 'AWS::SQS::Queue.QueueName':
        return name.split('/').at(-1)!
      case 'AWS::SQS::Queue.QueueUrl':
        return name
      case 'AWS::Lambda::Function.Arn':
        return `arn:aws:lambda:${region}:${account}:function:${name}`
      case 'AWS::IAM::Role.Arn':
        return `arn:aws:iam::${account}:role/${name}`
      case 'AWS::OpenSearchService::Domain.DomainEndpoint':
        return this.endpoints.openSearchHost
      case 'AWS::OpenSearchService::Domain.Arn':
      case 'AWS::OpenSearchService::Domain.DomainArn':
        return `arn:aws:es:${region}:${account}:domain/${id.toLowerCase().slice(0, 28)}`
      case 'AWS::Events::Rule.Arn':
        return `arn:aws:events:${region}:${account}:rule/${name}`
      case 'AWS::Logs::LogGroup.Arn':
        return `arn:aws:logs:${region}:${account}:log-group:${name}:*`
      case 'AWS::SNS::Topic.TopicArn':
        return name
      case 'AWS::KMS::Key.Arn':
        return `arn:aws:kms:${region}:${account}:key/${id}`
      default:
        return attribute === 'Arn' ? `arn:aws:${resource.Type.split('::')[1]!.toLowerCase()}:${region}:${account}:${name}` : `${name}.${attribute}`
    }
  }

  /** Resolves every intrinsic in `value` as CloudFormation would at deploy time, with the local names. */
  resolve(stack: Stack, value: Json | undefined, variables: Record<string, string> = {}): Json {
    if (value === undefined || value === null || typeof value !== 'object') return value ?? null
    if (Array.isArray(value)) return value.map((item) => this.resolve(stack, item, variables))
    const keys = Object.keys(value)
    if (keys.length === 1) {
      const key = keys[0]!
      const argument = value[key]!
      switch (key) {
        case 'Ref':
          return this.ref(stack, String(argument))
        case 'Fn::GetAtt': {
          const [id, attribute] = Array.isArray(argument) ? argument.map(String) : String(argument).split('.')
          return this.attribute(stack, id!, attribute!)
        }
        case 'Fn::Join': {
          const [separator, parts] = argument as [string, Json[]]
          return resolveDynamicReferences((this.resolve(stack, parts, variables) as Json[]).map(String).join(separator))
        }
        case 'Fn::Select': {
          const [index, list] = argument as [Json, Json]
          return (this.resolve(stack, list, variables) as Json[])[Number(this.resolve(stack, index, variables))] ?? null
        }
        case 'Fn::Split': {
          const [separator, text] = argument as [string, Json]
          return String(this.resolve(stack, text, variables)).split(separator)
        }
        case 'Fn::Sub': {
          const [text, map] = Array.isArray(argument) ? (argument as [string, Record<string, Json>]) : [String(argument), {}]
          const local = Object.fromEntries(Object.entries(map).map(([name, item]) => [name, String(this.resolve(stack, item, variables))]))
          return text.replace(/\$\{([^}!]+)\}/g, (_, name: string) => {
            if (name in local) return local[name]!
            if (name in variables) return variables[name]!
            const [id, attribute] = name.split('.')
            return attribute ? this.attribute(stack, id!, attribute) : String(this.ref(stack, id!))
          })
        }
        case 'Fn::GetStackOutput': {
          const { StackName, OutputName } = argument as { StackName: string; OutputName: string }
          const other = this.stack(String(StackName))
          const output = other.template.Outputs?.[String(OutputName)]
          if (!output) throw new Error(`${StackName} has no output ${OutputName}`)
          return this.resolve(other, output.Value)
        }
        case 'Fn::ImportValue': {
          const name = String(this.resolve(stack, argument, variables))
          for (const other of this.stacks) {
            for (const output of Object.values(other.template.Outputs ?? {})) {
              if (output.Export && this.resolve(other, output.Export.Name) === name) return this.resolve(other, output.Value)
            }
          }
          throw new Error(`no stack exports ${name}`)
        }
        default:
          if (key.startsWith('Fn::')) throw new Error(`the rehearsal cannot resolve ${key} yet`)
      }
    }
    return Object.fromEntries(Object.entries(value).map(([name, item]) => [name, this.resolve(stack, item, variables)]))
  }

  private ref(stack: Stack, name: string): Json {
    switch (name) {
      case 'AWS::Region':
        return stack.region
      case 'AWS::AccountId':
        return stack.account
      case 'AWS::Partition':
        return 'aws'
      case 'AWS::StackName':
        return stack.name
      case 'AWS::URLSuffix':
        return 'amazonaws.com'
      case 'AWS::NoValue':
        return null
    }
    const parameter = stack.template.Parameters?.[name]
    if (parameter) return parameter.Default ?? ''
    return this.physicalName(stack, name)
  }

  /** A reference (`{Ref: id}` or `{Fn::GetAtt: [id, …]}`) to a resource of this stack: its logical id. */
  static referencedId(value: Json | undefined): string | undefined {
    if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined
    if (typeof value.Ref === 'string') return value.Ref
    const attribute = value['Fn::GetAtt']
    if (Array.isArray(attribute)) return String(attribute[0])
    return undefined
  }
}

/**
 * CloudFormation's dynamic references to Secrets Manager (`{{resolve:secretsmanager:<secret>:SecretString:…}}`)
 * resolve at deploy time to the secret's value: here one stand-in value per secret, the same wherever the
 * template uses it (a Lambda variable and a CloudFront origin header must agree).
 */
export function resolveDynamicReferences(text: string): string {
  return text.replace(/\{\{resolve:secretsmanager:([^}]*)\}\}/g, (_, reference: string) => {
    const secret = reference.split(':SecretString')[0]!
    return `rehearsal-secret-${createHash('sha256').update(secret).digest('hex').slice(0, 40)}`
  })
}
