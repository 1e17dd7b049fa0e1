import { readFileSync } from 'node:fs'
import { parseDocument } from 'yaml'
import type { z } from 'zod'
import { ConfigSchema, type DocketConfig, type QueueConfig, type StateType } from '../../schemas/config.ts'
import { DocketError } from './errors.ts'

export type { DocketConfig, QueueConfig }

/** Renders a zod issue path the way an admin reads YAML: `agents[1].email`. */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((text, part) => {
    if (typeof part === 'number') return `${text}[${part}]`
    const name = String(part)
    return text === '' ? name : `${text}.${name}`
  }, '')
}

export function formatIssues(issues: readonly z.core.$ZodIssue[], prefix = ''): string[] {
  return issues.map((issue) => {
    const path = formatIssuePath([...(prefix ? [prefix] : []), ...issue.path])
    return `${path || '(top level)'}: ${issue.message}`
  })
}

export class ConfigError extends DocketError {
  readonly problems: string[]
  constructor(file: string, problems: string[]) {
    super('invalid_config', `${file} is not valid:\n  - ${problems.join('\n  - ')}`)
    this.problems = problems
  }
}

/** Parses and validates configuration text; throws ConfigError naming every bad path. */
export function parseConfig(text: string, file = 'docket.config.yaml'): DocketConfig {
  const document = parseDocument(text, { prettyErrors: true })
  if (document.errors.length > 0) {
    throw new ConfigError(file, document.errors.map((error) => `YAML syntax: ${error.message}`))
  }
  const result = ConfigSchema.safeParse(document.toJS() ?? {})
  if (!result.success) throw new ConfigError(file, formatIssues(result.error.issues))
  return result.data
}

export function loadConfigFile(file: string): DocketConfig {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    throw new ConfigError(file, [`cannot read the file (${(error as Error).message}); set DOCKET_CONFIG to its path`])
  }
  return parseConfig(text, file)
}

export function findQueue(config: DocketConfig, name: string): QueueConfig | undefined {
  return config.queues.find((queue) => queue.name === name)
}

export function stateTypeOf(config: DocketConfig, state: string): StateType | undefined {
  return config.states.find((candidate) => candidate.name === state)?.type
}

export function firstStateOfType(config: DocketConfig, type: StateType): string {
  const state = config.states.find((candidate) => candidate.type === type)
  if (!state) throw new DocketError('invalid_config', `no state of type "${type}" is configured`)
  return state.name
}

/** The address a queue's mail is sent from: its systemAddress, else the first address routed to it. */
export function systemAddressOf(config: DocketConfig, queueName: string): { address: string; displayName?: string } {
  const queue = findQueue(config, queueName)
  const address =
    config.mail.addresses.find((candidate) => candidate.address === queue?.systemAddress) ??
    config.mail.addresses.find((candidate) => candidate.queue === queueName) ??
    config.mail.addresses[0]!
  return { address: queue?.systemAddress ?? address.address, ...(address.displayName ? { displayName: address.displayName } : {}) }
}

export function isSystemAddress(config: DocketConfig, address: string): boolean {
  const lower = address.toLowerCase()
  return config.mail.addresses.some((candidate) => candidate.address.toLowerCase() === lower)
}
