import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parseConfig } from '../../lib/platform/config.ts'
import { DocketError } from '../../lib/platform/errors.ts'
import { plainTextLine } from '../../lib/platform/plain-text.ts'
import { lockAfterMove, planTicketPatch } from '../../lib/ticket/ticket-patch.ts'
import { newTicketRecord, resolveStateChange } from '../../lib/ticket/ticket-rules.ts'

/** The state machine and permission rules of ticket changes: pure, clock passed in. */
const config = parseConfig(readFileSync('docket.config.yaml', 'utf8'))
const agent = (login: string) => config.agents.find((candidate) => candidate.login === login)!
const now = new Date('2026-11-23T12:00:00Z')
const ticket = (patch: Parameters<typeof newTicketRecord>[0] extends infer T ? Partial<T> : never = {}) =>
  newTicketRecord({ number: '2026112342000001', title: 't', queue: 'Support', state: 'new', stateType: 'new', at: now, ...patch })
const failure = (run: () => unknown) => {
  try {
    run()
  } catch (error) {
    if (error instanceof DocketError) return { status: error.status, field: error.field, message: error.message }
    throw error
  }
  throw new Error('expected a DocketError')
}

describe('state changes', () => {
  it('pending states need a time that is not in the past; others refuse one', () => {
    const fields = { state: 'body.state', pendingUntil: 'body.pendingUntil' }
    expect(resolveStateChange(config, { state: 'pending reminder', pendingUntil: '2026-11-24T09:00:00Z' }, now, fields)).toEqual({ state: 'pending reminder', stateType: 'pending reminder', pendingUntil: '2026-11-24T09:00:00.000Z' })
    expect(failure(() => resolveStateChange(config, { state: 'pending auto close-' }, now, fields))).toMatchObject({ status: 400, field: 'body.pendingUntil' })
    expect(failure(() => resolveStateChange(config, { state: 'pending reminder', pendingUntil: '2026-11-23T11:00:00Z' }, now, fields))).toMatchObject({ field: 'body.pendingUntil' })
    expect(failure(() => resolveStateChange(config, { state: 'open', pendingUntil: '2026-11-24T09:00:00Z' }, now, fields))).toMatchObject({ field: 'body.pendingUntil' })
    expect(failure(() => resolveStateChange(config, { state: 'merged' }, now, fields))).toMatchObject({ field: 'body.state' })
  })

  it('closing from the zoom needs a note; from a bulk action it does not', () => {
    expect(failure(() => planTicketPatch(config, agent('admin'), ticket(), { state: 'closed successful' }, now))).toMatchObject({ status: 400, field: 'body.note' })
    expect(planTicketPatch(config, agent('admin'), ticket(), { state: 'closed successful', note: '.' }, now)).toMatchObject({ stateType: 'closed' })
    expect(planTicketPatch(config, agent('admin'), ticket(), { state: 'closed successful' }, now, 'bulk')).toMatchObject({ stateType: 'closed' })
  })

  it('a closed ticket cannot be unlocked (409); a locked ticket cannot be locked by someone else (409)', () => {
    expect(failure(() => planTicketPatch(config, agent('admin'), ticket({ state: 'closed successful', stateType: 'closed', lock: 'lock', owner: 'admin' }), { lock: 'unlock' }, now))).toMatchObject({ status: 409 })
    const sales = agent('sales')
    const lockedBySales = ticket({ queue: 'Sales', lock: 'lock', owner: 'sales' })
    expect(planTicketPatch(config, sales, lockedBySales, { lock: 'unlock' }, now)).toEqual({ lock: 'unlock' })
    expect(planTicketPatch(config, agent('admin'), ticket({ lock: 'unlock' }), { lock: 'lock' }, now)).toEqual({ lock: 'lock', owner: 'admin' })
  })
})

describe('permissions', () => {
  it('a ticket in a queue the agent cannot read does not exist for them (404)', () => {
    expect(failure(() => planTicketPatch(config, agent('sales'), ticket(), { priority: 1 }, now))).toMatchObject({ status: 404 })
  })

  it('moving needs move_into on the target queue (403); unknown queues are bad input (400)', () => {
    expect(failure(() => planTicketPatch(config, agent('sales'), ticket({ queue: 'Sales' }), { queue: 'Support' }, now))).toMatchObject({ status: 403 })
    expect(failure(() => planTicketPatch(config, agent('admin'), ticket(), { queue: 'Nope' }, now))).toMatchObject({ status: 400, field: 'body.queue' })
  })

  it('a ticket locked by someone else: no state, queue or owner changes, but priority is fine', () => {
    const salesTicket = ticket({ queue: 'Sales', lock: 'lock', owner: 'admin' })
    expect(failure(() => planTicketPatch(config, agent('sales'), salesTicket, { state: 'open' }, now))).toMatchObject({ status: 403 })
    expect(planTicketPatch(config, agent('sales'), salesTicket, { priority: 4 }, now)).toEqual({ priority: 4 })
  })

  it('owners must be agents who may work in the queue', () => {
    expect(failure(() => planTicketPatch(config, agent('admin'), ticket(), { owner: 'sales' }, now))).toMatchObject({ status: 400, field: 'body.owner' })
    expect(planTicketPatch(config, agent('admin'), ticket({ queue: 'Sales' }), { owner: 'sales' }, now)).toEqual({ owner: 'sales' })
  })

  it('an empty change is refused', () => {
    expect(failure(() => planTicketPatch(config, agent('admin'), ticket(), {}, now))).toMatchObject({ status: 400 })
  })
})

describe('a move out of the owner’s queues (issue 13.6)', () => {
  it('releases the lock when the owner has no rw in the new queue, keeps it otherwise; the owner stays', () => {
    const locked = ticket({ queue: 'Sales', lock: 'lock', owner: 'sales' })
    expect(planTicketPatch(config, agent('admin'), locked, { queue: 'Support' }, now)).toEqual({ queue: 'Support', lock: 'unlock' })
    expect(planTicketPatch(config, agent('admin'), ticket({ queue: 'Support', lock: 'lock', owner: 'admin' }), { queue: 'Sales' }, now)).toEqual({ queue: 'Sales' })
    // A new owner who may work there keeps the ticket locked.
    expect(planTicketPatch(config, agent('admin'), locked, { queue: 'Support', owner: 'admin' }, now)).toEqual({ queue: 'Support', owner: 'admin' })
    expect(lockAfterMove(config, { lock: 'unlock', owner: 'sales' }, 'Support')).toBe('unlock')
  })
})

describe('titles (issue 13.9)', () => {
  it('lose control, bidi formatting characters and lone surrogates; a title of nothing else is a 400', () => {
    expect(planTicketPatch(config, agent('admin'), ticket(), { title: 'a\u202eexe.txt\u0000 \ud800b\u2067c\u2069 \u200fd' }, now)).toEqual({ title: 'aexe.txt bc \u200fd' })
    expect(failure(() => planTicketPatch(config, agent('admin'), ticket(), { title: '\u202e\u0000\ud800' }, now))).toMatchObject({ status: 400, field: 'body.title' })
    // A cut through a surrogate pair leaves no half behind.
    expect(plainTextLine(`${'a'.repeat(254)}😀`, 255)).toBe('a'.repeat(254))
  })
})
