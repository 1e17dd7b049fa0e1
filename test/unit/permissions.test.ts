import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { readableQueues, rightsOn } from '../../lib/auth/permissions.ts'
import { parseConfig } from '../../lib/platform/config-file.ts'

const config = parseConfig(readFileSync('docket.config.yaml', 'utf8'))
const agent = (login: string) => config.agents.find((candidate) => candidate.login === login)!

describe('queue permissions', () => {
  it('admin reads every queue with every right', () => {
    expect(readableQueues(config, agent('admin'))).toEqual(['Raw', 'Support', 'Sales', 'Junk', 'Bounces'])
    expect([...rightsOn(config, agent('admin'), 'Junk')]).toContain('move_into')
  })

  it('the sales agent sees only Sales', () => {
    expect(readableQueues(config, agent('sales'))).toEqual(['Sales'])
    expect(rightsOn(config, agent('sales'), 'Support').size).toBe(0)
  })

  it('rw implies the other rights; unknown queues grant nothing', () => {
    expect([...rightsOn(config, agent('sales'), 'Sales')].sort()).toEqual(['create', 'move_into', 'note', 'owner', 'priority', 'ro', 'rw'])
    expect(rightsOn(config, agent('admin'), 'Nope').size).toBe(7)
    expect(rightsOn(config, agent('sales'), 'Nope').size).toBe(0)
  })
})
