import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { ConfigError, systemAddressOf, webUrlOf, withDefaultWebUrl } from '../../lib/platform/config.ts'
import { parseConfig } from '../../lib/platform/config-file.ts'

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

  it('calendars and SLAs: the demo SLA on Support; bad periods, dates, zones and references name their path', () => {
    const config = parseConfig(demo)
    expect(config.queues.find((queue) => queue.name === 'Support')?.sla).toBe('Support standard')
    expect(config.slas[0]).toMatchObject({ calendar: 'Office hours', firstResponseMinutes: 240, updateMinutes: 480, solutionMinutes: 1620, warnBeforeMinutes: 60, raisePriority: false })
    expect(config.calendars[0]).toMatchObject({ timeZone: 'Europe/Amsterdam', workingHours: { mon: ['08:00-17:00'] }, holidays: expect.arrayContaining(['12-25', '2026-04-06']) })
    const problems = (yaml: string) => {
      try {
        parseConfig(yaml)
      } catch (caught) {
        return (caught as ConfigError).problems
      }
      throw new Error('expected an error')
    }
    expect(problems(demo.replace('mon: ["08:00-17:00"]', 'mon: ["08:00-25:00"]'))).toEqual([expect.stringMatching(/^calendars\[0\]\.workingHours\.mon\[0\]: must be a period such as "08:00-12:00"/)])
    expect(problems(demo.replace('tue: ["08:00-17:00"]', 'tue: ["08:00-12:00", "11:00-17:00"]'))).toEqual(['calendars[0].workingHours.tue: periods "08:00-12:00" and "11:00-17:00" overlap'])
    expect(problems(demo.replace('wed: ["08:00-17:00"]', 'wed: ["17:00-08:00"]'))).toEqual([expect.stringMatching(/^calendars\[0\]\.workingHours\.wed\[0\]: must end after it starts/)])
    expect(problems(demo.replace('mon: ["08:00-17:00"]', 'monday: ["08:00-17:00"]'))).toEqual([expect.stringMatching(/^calendars\[0\]\.workingHours: .*monday/)])
    expect(problems(demo.replace('"12-26"', '"02-30"'))).toEqual([expect.stringMatching(/^calendars\[0\]\.holidays\[7\]: must be a date/)])
    expect(problems(demo.replace('timeZone: Europe/Amsterdam', 'timeZone: Europe/Atlantis'))).toEqual(['calendars[0].timeZone: must be an IANA time zone such as "Europe/Amsterdam"'])
    expect(problems(demo.replace('calendar: Office hours', 'calendar: Office'))).toEqual(['slas[0].calendar: unknown calendar "Office"; declare it under calendars:'])
    expect(problems(demo.replace('sla: Support standard', 'sla: Gold'))).toEqual(['queues[1].sla: unknown SLA "Gold"; declare it under slas:'])
    expect(problems(demo.replace(/ {4}(firstResponse|update|solution)Minutes: \d+.*\n/g, ''))).toEqual(['slas[0]: give at least one of firstResponseMinutes, updateMinutes, solutionMinutes'])
  })

  it('YAML syntax errors say so', () => {
    expect(() => parseConfig('system: [oops')).toThrow(/YAML syntax/)
  })
})

/** Issue 14.4 (14, 6): every error in one run; the web URL follows the port the server listens on. */
describe('first-hour defects: config check and web URL', () => {
  const problems = (text: string) => {
    try {
      parseConfig(text)
    } catch (error) {
      if (error instanceof ConfigError) return error.problems
      throw error
    }
    throw new Error('expected a ConfigError')
  }

  it('reports every error in one run: a wrong type no longer hides the reference errors', () => {
    const broken = demo
      .replace('id: "42"', 'id: 42')
      .replace('threshold: 5 ', 'threshold: five ')
      .replace('queue: Sales\n', 'queue: Salez\n')
      .replace('roles: [Sales agent]', 'roles: [Salez agent]')
    expect(problems(broken)).toEqual([
      'system.id: Invalid input: expected string, received number',
      'mail.spam.threshold: Invalid input: expected number, received string',
      'mail.addresses[1].queue: unknown queue "Salez"; declare it under queues:',
      'agents[1].roles[0]: unknown role "Salez agent"; declare it under roles:',
    ])
  })

  it('a wrong part does not cause made-up reference errors elsewhere', () => {
    const found = problems(demo.replace('  - name: Sales\n    group: sales\n', '  - name: Sales\n    group: 5\n').replace('roles: [Sales agent]', 'roles: [Salez agent]'))
    expect(found).toEqual(['queues[2].group: Invalid input: expected string, received number', 'agents[1].roles[0]: unknown role "Salez agent"; declare it under roles:'])
  })

  it('system.webUrl defaults to the address the local server listens on (any PORT); a configured one stays', () => {
    const config = parseConfig(demo)
    expect(config.system.webUrl).toBeUndefined()
    expect(withDefaultWebUrl(config, '127.0.0.1', 8123).system.webUrl).toBe('http://127.0.0.1:8123')
    expect(withDefaultWebUrl(config, '0.0.0.0', 80).system.webUrl).toBe('http://127.0.0.1:80')
    const configured = parseConfig(demo.replace('  name: Docket\n', '  name: Docket\n  webUrl: https://help.example.com/\n'))
    expect(withDefaultWebUrl(configured, '127.0.0.1', 8123).system.webUrl).toBe('https://help.example.com/')
    expect(webUrlOf(configured)).toBe('https://help.example.com')
  })
})
