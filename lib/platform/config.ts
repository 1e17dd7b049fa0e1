import { readFileSync } from 'node:fs'
import * as z from 'zod'
import { checkConfigReferences, ConfigSchema, ConfigShape, type DocketConfig, type QueueConfig, type StateType } from '../../schemas/config.ts'
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

/**
 * Validates configuration already read into plain data (from YAML by config-file.ts, or the JSON
 * written at synth beside each Lambda function); throws ConfigError naming every bad path.
 */
export function validateConfig(given: unknown, file = 'docket.config.yaml'): DocketConfig {
  const raw = given ?? {}
  const result = ConfigSchema.safeParse(raw)
  if (!result.success) throw new ConfigError(file, [...new Set([...formatIssues(result.error.issues), ...referenceProblemsDespite(raw)])])
  return result.data
}

/** What each cross-reference check names ("unknown queue …") lives in this section. */
const referencedSection: Record<string, string> = { queue: 'queues', group: 'groups', role: 'roles', 'auto response': 'autoResponses', state: 'states', calendar: 'calendars', SLA: 'slas' }

function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema
  while (current instanceof z.ZodDefault || current instanceof z.ZodOptional || current instanceof z.ZodNullable) current = current.unwrap() as z.ZodType
  return current
}

/**
 * The parts of a value that parse: a wrong field of an object or a wrong element of a list is
 * left out (the object keeps its other fields, the list its other elements) and its path noted.
 */
function salvage(schema: z.ZodType, value: unknown, path: string, broken: Set<string>): unknown {
  const parsed = schema.safeParse(value)
  if (parsed.success) return parsed.data
  const inner = unwrap(schema)
  if (inner instanceof z.ZodObject && typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const given = value as Record<string, unknown>
    return Object.fromEntries(Object.entries(inner.shape as Record<string, z.ZodType>).map(([key, field]) => [key, salvage(field, given[key], `${path}.${key}`, broken)]))
  }
  if (inner instanceof z.ZodArray && Array.isArray(value)) {
    const element = inner.element as z.ZodType
    return value.flatMap((item, index) => {
      const one = element.safeParse(item)
      if (one.success) return [one.data]
      broken.add(`${path}.${index}`)
      return []
    })
  }
  broken.add(path)
  const fallback = schema.safeParse(undefined)
  return fallback.success ? fallback.data : inner instanceof z.ZodArray ? [] : undefined
}

/**
 * zod stops before the cross-reference checks once a field has the wrong type or is missing, so
 * one typo used to hide every other error. These are the reference problems among what did parse
 * (wrong fields and elements left out), without those a left-out part could cause: nothing under
 * a wrong part, and no "unknown queue" while a queue was left out.
 */
function referenceProblemsDespite(raw: unknown): string[] {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return []
  const broken = new Set<string>()
  const sections = salvage(ConfigShape, raw, '', broken) as z.output<typeof ConfigShape>
  const brokenSections = new Set([...broken].map((path) => path.split('.')[1]).filter((section) => section !== undefined))
  const issues: z.core.$ZodIssue[] = []
  try {
    checkConfigReferences(sections, { addIssue: (issue) => void issues.push(issue as z.core.$ZodIssue) })
  } catch {
    // A part a check reads was left out: the field errors already say what to fix.
  }
  return formatIssues(
    issues.filter((issue) => {
      const path = ['', ...(issue.path ?? []).map(String)]
      if (path.some((_, length) => length > 1 && broken.has(path.slice(0, length).join('.')))) return false
      const named = /^unknown (queue|group|role|auto response|state|calendar|SLA) /.exec(issue.message)?.[1]
      return !(named && brokenSections.has(referencedSection[named]!))
    }),
  )
}

/** The text of a config file; a file that cannot be read is a ConfigError saying how to point at the right one. */
export function readConfigText(file: string): string {
  try {
    return readFileSync(file, 'utf8')
  } catch (error) {
    throw new ConfigError(file, [`cannot read the file (${(error as Error).message}); set DOCKET_CONFIG to its path`])
  }
}

/**
 * The config as JSON, as synth writes it beside each Lambda function: no YAML parser in the bundle
 * and none at cold start. YAML files are read by config-file.ts.
 */
export function loadJsonConfigFile(file: string): DocketConfig {
  let raw: unknown
  try {
    raw = JSON.parse(readConfigText(file))
  } catch (error) {
    if (error instanceof ConfigError) throw error
    throw new ConfigError(file, [`JSON syntax: ${(error as Error).message}`])
  }
  return validateConfig(raw, file)
}

/** The web client's base URL without a trailing slash: links in mails point below it. */
export function webUrlOf(config: DocketConfig): string {
  return (config.system.webUrl ?? 'http://127.0.0.1:3000').replace(/\/$/, '')
}

/**
 * `system.webUrl` as configured, or else the address the local server listens on (`npm start` on
 * any PORT), so links in notifications and password-reset mails reach the client.
 */
export function withDefaultWebUrl(config: DocketConfig, host: string, port: number): DocketConfig {
  if (config.system.webUrl) return config
  const reachable = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host
  return { ...config, system: { ...config.system, webUrl: `http://${reachable}:${port}` } }
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
