import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { ConfigError, parseConfig, systemAddressOf } from '../../lib/platform/config.ts'

const demo = readFileSync('docket.config.yaml', 'utf8')

describe('docket.config.yaml', () => {
  it('the shipped demo config is valid and has what the README promises', () => {
    const config = parseConfig(demo)
    expect(config.system.id).toBe('42')
    expect(config.ticket.hook).toBe('Ticket#')
    expect(config.queues.map((queue) => queue.name)).toEqual(['Raw', 'Support', 'Sales', 'Junk', 'Bounces'])
    expect(config.mail.defaultQueue).toBe('Raw')
    expect(config.mail.spam).toMatchObject({ header: 'X-Spam-Score', threshold: 5, queue: 'Junk' })
    expect(config.agents.map((agent) => agent.login)).toEqual(['admin', 'sales'])
    expect(config.states.map((state) => state.name)).toContain('closed - no response needed')
    expect(systemAddressOf(config, 'Sales').address).toBe('sales@example.com')
  })

  it('a bad field is an error naming its path', () => {
    const broken = demo.replace('email: admin@example.com', 'email: not-an-address')
    expect(() => parseConfig(broken)).toThrow(ConfigError)
    expect(() => parseConfig(broken)).toThrow(/agents\[0\]\.email: must be an email address/)
  })

  it('references to unknown queues, groups and roles are named', () => {
    const broken = demo.replace('queue: Sales\n', 'queue: Salez\n').replace('roles: [Sales agent]', 'roles: [Salez agent]')
    const error = (() => {
      try {
        parseConfig(broken)
      } catch (caught) {
        return caught as ConfigError
      }
      throw new Error('expected an error')
    })()
    expect(error.problems).toContain('mail.addresses[1].queue: unknown queue "Salez"; declare it under queues:')
    expect(error.problems.some((problem) => problem.startsWith('agents[1].roles[0]: unknown role "Salez agent"'))).toBe(true)
  })

  it('misspelt keys are refused instead of silently ignored', () => {
    expect(() => parseConfig(demo.replace('defaultQueue: Raw', 'defaultQeue: Raw'))).toThrow(/mail: Unrecognized key.*defaultQeue/)
  })

  it('YAML syntax errors say so', () => {
    expect(() => parseConfig('system: [oops')).toThrow(/YAML syntax/)
  })
})
