import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import {
  canonicalTimeZone,
  effectivePreferences,
  isOutOfOffice,
  localDate,
  planPreferencesChange,
  type AgentPreferences,
} from '../../lib/auth/preferences.ts'
import { notificationRecipients } from '../../lib/mail/agent-notification.ts'
import { parseConfig } from '../../lib/platform/config-file.ts'
import { DocketError } from '../../lib/platform/errors.ts'
import { newTicketRecord } from '../../lib/ticket/ticket-rules.ts'

const yaml = readFileSync('docket.config.yaml', 'utf8')
const config = parseConfig(yaml)
const agent = (login: string, from = config) => from.agents.find((candidate) => candidate.login === login)!
const away = (outOfOffice: Partial<AgentPreferences['outOfOffice']>, timeZone = 'UTC') => ({
  outOfOffice: { enabled: true, from: null, until: null, autoUnlock: false, ...outOfOffice },
  timeZone,
})

describe('effective preferences: stored over the config defaults', () => {
  it('defaults: My Queues = every readable queue except the spam queue; notifications from config; not away; en; system zone', () => {
    expect(effectivePreferences(config, agent('admin'))).toEqual({
      myQueues: ['Raw', 'Support', 'Sales', 'Bounces'],
      notifications: { newTicket: true, followUp: true },
      outOfOffice: { enabled: false, from: null, until: null, autoUnlock: false },
      language: 'en',
      timeZone: 'UTC',
    })
    expect(effectivePreferences(config, agent('sales')).myQueues).toEqual(['Sales'])
  })

  it('the configured myQueues and notifications are the defaults, still only readable queues', () => {
    const configured = parseConfig(
      yaml.replace('    roles: [Sales agent]', '    roles: [Sales agent]\n    myQueues: [Sales, Support]\n    notifications: { newTicket: false }'),
    )
    const preferences = effectivePreferences(configured, agent('sales', configured))
    // Support is configured but not readable for sales: never watched.
    expect(preferences.myQueues).toEqual(['Sales'])
    expect(preferences.notifications).toEqual({ newTicket: false, followUp: true })
  })

  it('what the agent stored wins, key by key; values that no longer fit are ignored', () => {
    const preferences = effectivePreferences(config, agent('sales'), {
      myQueues: ['Sales', 'Support'],
      notifications: { followUp: false },
      language: 'fr',
      timeZone: 'Mars/Phobos',
      outOfOffice: { enabled: true, from: '2026-12-20', until: 'soon', autoUnlock: true },
    })
    expect(preferences).toEqual({
      myQueues: ['Sales'],
      notifications: { newTicket: true, followUp: false },
      outOfOffice: { enabled: true, from: '2026-12-20', until: null, autoUnlock: true },
      language: 'en',
      timeZone: 'UTC',
    })
    expect(effectivePreferences(config, agent('admin'), { myQueues: [], language: 'nl', timeZone: 'Europe/Amsterdam' })).toMatchObject({
      myQueues: [],
      language: 'nl',
      timeZone: 'Europe/Amsterdam',
    })
  })
})

describe('out of office', () => {
  const at = new Date('2026-12-24T12:00:00Z')

  it('only when enabled; from and until are whole days, both inclusive', () => {
    expect(isOutOfOffice({ ...away({}), outOfOffice: { enabled: false, from: null, until: null, autoUnlock: false } }, at)).toBe(false)
    expect(isOutOfOffice(away({}), at)).toBe(true)
    expect(isOutOfOffice(away({ from: '2026-12-24', until: '2026-12-24' }), at)).toBe(true)
    expect(isOutOfOffice(away({ from: '2026-12-25' }), at)).toBe(false)
    expect(isOutOfOffice(away({ until: '2026-12-23' }), at)).toBe(false)
    expect(isOutOfOffice(away({ from: '2026-12-20', until: '2027-01-02' }), at)).toBe(true)
  })

  it('the days are the agent\'s own: late on the 23rd in UTC is already the 24th in Tokyo', () => {
    const late = new Date('2026-12-23T20:00:00Z')
    expect(localDate(late, 'UTC')).toBe('2026-12-23')
    expect(localDate(late, 'Asia/Tokyo')).toBe('2026-12-24')
    expect(isOutOfOffice(away({ from: '2026-12-24' }, 'UTC'), late)).toBe(false)
    expect(isOutOfOffice(away({ from: '2026-12-24' }, 'Asia/Tokyo'), late)).toBe(true)
  })
})

describe('changing preferences', () => {
  const current = effectivePreferences(config, agent('sales'))
  const refusal = (run: () => unknown) => {
    try {
      run()
    } catch (error) {
      expect(error).toBeInstanceOf(DocketError)
      return { code: (error as DocketError).code, field: (error as DocketError).field, message: (error as DocketError).message }
    }
    throw new Error('expected a refusal')
  }

  it('writes only what changed; nested objects merge; null goes back to the default', () => {
    expect(planPreferencesChange(config, agent('sales'), current, { language: 'de', outOfOffice: { enabled: true, until: '2026-12-31' } })).toEqual({
      set: { language: 'de', outOfOffice: { enabled: true, from: null, until: '2026-12-31', autoUnlock: false } },
      reset: [],
    })
    expect(planPreferencesChange(config, agent('sales'), current, { myQueues: null, timeZone: null })).toEqual({ set: {}, reset: ['myQueues', 'timeZone'] })
    expect(planPreferencesChange(config, agent('sales'), current, { timeZone: 'europe/amsterdam' }).set).toEqual({ timeZone: 'Europe/Amsterdam' })
  })

  it('My Queues may only hold queues the agent can read (and existing ones, even for admins)', () => {
    expect(refusal(() => planPreferencesChange(config, agent('sales'), current, { myQueues: ['Sales', 'Support'] }))).toMatchObject({
      code: 'invalid_request',
      field: 'body.myQueues',
      message: expect.stringContaining('"Support"'),
    })
    const admin = effectivePreferences(config, agent('admin'))
    expect(refusal(() => planPreferencesChange(config, agent('admin'), admin, { myQueues: ['Nope'] })).field).toBe('body.myQueues')
    expect(planPreferencesChange(config, agent('admin'), admin, { myQueues: ['Sales', 'Junk', 'Sales'] }).set.myQueues).toEqual(['Sales', 'Junk'])
  })

  it('an out-of-office period may not end before it starts, also against what is stored', () => {
    const stored = { ...current, outOfOffice: { enabled: false, from: '2026-12-20', until: null, autoUnlock: false } }
    expect(refusal(() => planPreferencesChange(config, agent('sales'), stored, { outOfOffice: { until: '2026-12-19' } })).field).toBe('body.outOfOffice.until')
  })

  it('time zones must be IANA names', () => {
    expect(canonicalTimeZone('UTC')).toBe('UTC')
    expect(canonicalTimeZone('+01:00')).toBeNull()
    expect(canonicalTimeZone('Mars/Phobos')).toBeNull()
    expect(refusal(() => planPreferencesChange(config, agent('sales'), current, { timeZone: 'Mars/Phobos' })).field).toBe('body.timeZone')
  })
})

describe('notification recipients follow the preferences', () => {
  const at = new Date('2026-12-24T12:00:00Z')
  const ticket = (queue: string, owner: string | null = null) =>
    newTicketRecord({ number: '2026122442000001', at, title: 't', queue, state: 'new', stateType: 'new', owner, lock: owner ? 'lock' : 'unlock' })
  const preferences = (changes: Record<string, Partial<AgentPreferences>>) =>
    new Map(config.agents.map((entry) => [entry.login, { ...effectivePreferences(config, entry), ...changes[entry.login] }]))
  const logins = (agents: { login: string }[]) => agents.map((entry) => entry.login)

  it('new tickets: the watchers of the queue who want the mail and are not out of office', () => {
    expect(logins(notificationRecipients(config, 'new-ticket', ticket('Sales'), 'ann@customer.example'))).toEqual(['admin', 'sales'])
    const options = (changes: Record<string, Partial<AgentPreferences>>) => ({ preferences: preferences(changes), at })
    expect(logins(notificationRecipients(config, 'new-ticket', ticket('Sales'), 'ann@customer.example', options({ admin: { myQueues: [] } })))).toEqual(['sales'])
    expect(logins(notificationRecipients(config, 'new-ticket', ticket('Sales'), 'x@y.example', options({ sales: { notifications: { newTicket: false, followUp: true } } })))).toEqual(['admin'])
    expect(logins(notificationRecipients(config, 'new-ticket', ticket('Sales'), 'x@y.example', options({ sales: away({ until: '2026-12-24' }) })))).toEqual(['admin'])
    expect(logins(notificationRecipients(config, 'new-ticket', ticket('Sales'), 'x@y.example', options({ sales: away({ until: '2026-12-23' }) })))).toEqual(['admin', 'sales'])
    // The writer never hears of their own mail.
    expect(logins(notificationRecipients(config, 'new-ticket', ticket('Sales'), 'Sam.Sales@example.com', options({})))).toEqual(['admin'])
  })

  it('follow-ups: the owner (if they want it); owner away with auto-unlock: the queue\'s watchers but not the owner', () => {
    const options = { preferences: preferences({ admin: away({ autoUnlock: true }) }), at }
    expect(logins(notificationRecipients(config, 'follow-up', ticket('Sales', 'admin'), 'x@y.example', options))).toEqual(['admin'])
    expect(logins(notificationRecipients(config, 'owner-away', ticket('Sales', 'admin'), 'x@y.example', options))).toEqual(['sales'])
    const quiet = { preferences: preferences({ admin: { notifications: { newTicket: true, followUp: false } } }), at }
    expect(notificationRecipients(config, 'follow-up', ticket('Sales', 'admin'), 'x@y.example', quiet)).toEqual([])
  })
})
