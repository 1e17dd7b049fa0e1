import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parseConfig } from '../../lib/platform/config-file.ts'
import { DocketError } from '../../lib/platform/errors.ts'
import { plainTextLine } from '../../lib/platform/plain-text.ts'
import { assignableAgents, lockAfterMove, planTicketPatch } from '../../lib/ticket/ticket-patch.ts'
import { describeChanges, newTicketRecord, nextVersion, resolveStateChange } from '../../lib/ticket/ticket-rules.ts'

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

  it('the owner unlocks; locking an unlocked ticket takes it', () => {
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

/** Issue 14.4: first-hour defects in the rules of a ticket change. */
describe('first-hour defects: history, locks, assignable agents', () => {
  // A third agent without the "owner" right on Sales (note only), and a read-only one.
  const withHelpers = parseConfig(
    readFileSync('docket.config.yaml', 'utf8')
      .replace('roles:\n', 'roles:\n  - name: Sales helper\n    groups:\n      sales: [ro, note]\n')
      .replace('agents:\n', 'agents:\n  - login: helper\n    firstName: Hal\n    lastName: Helper\n    email: hal@example.com\n    roles: [Sales helper]\n'),
  )
  const helper = withHelpers.agents.find((candidate) => candidate.login === 'helper')!

  it('a dynamic field change is recorded in the history (OTRS TicketDynamicFieldUpdate), one entry per field', () => {
    const before = ticket({ dynamicFields: { Product: 'Printer' } })
    const fields = planTicketPatch(config, agent('admin'), before, { dynamicFields: { Product: 'Scanner', Serial: 'X1' } }, now)
    const entries = describeChanges(before, nextVersion(before, now, fields), 'admin', now)
    expect(entries.map((entry) => [entry.type, entry.message])).toEqual([
      ['TicketDynamicFieldUpdate', 'FieldName=Product;Value=Scanner;OldValue=Printer'],
      ['TicketDynamicFieldUpdate', 'FieldName=Serial;Value=X1;OldValue='],
    ])
    expect(entries[0]!.changes).toEqual({ 'dynamicFields.Product': { before: 'Printer', after: 'Scanner' } })
  })

  it('only the owner unlocks a locked ticket, admins included; the others are told how to take it over', () => {
    const locked = ticket({ queue: 'Sales', lock: 'lock', owner: 'sales' })
    const refused = failure(() => planTicketPatch(config, agent('admin'), locked, { lock: 'unlock' }, now))
    expect(refused).toMatchObject({ status: 403 })
    expect(refused.message).toContain('only sales')
    expect(refused.message).toContain('take it over')
    expect(planTicketPatch(config, agent('sales'), locked, { lock: 'unlock' }, now)).toEqual({ lock: 'unlock' })
  })

  it('taking over a locked ticket needs the "owner" right; it stays locked, now to the new owner, and the history says so', () => {
    const locked = ticket({ queue: 'Sales', lock: 'lock', owner: 'admin' })
    const fields = planTicketPatch(config, agent('sales'), locked, { lock: 'lock' }, now)
    expect(fields).toEqual({ owner: 'sales' })
    expect(planTicketPatch(config, agent('sales'), locked, { owner: 'sales', state: 'open' }, now)).toMatchObject({ owner: 'sales', state: 'open' })
    const history = describeChanges(locked, nextVersion(locked, now, fields), 'sales', now)
    expect(history).toEqual([expect.objectContaining({ type: 'OwnerUpdate', message: 'New owner is "sales" (took over the lock from "admin")' })])
    const refused = failure(() => planTicketPatch(withHelpers, helper, locked, { lock: 'lock' }, now))
    expect(refused).toMatchObject({ status: 403 })
    expect(refused.message).toMatch(/admin is working on ticket .* "owner" permission on queue Sales/)
  })

  it('closing unlocks, whoever closes and however (zoom, bulk, reply with a state): a closed ticket is never left locked', () => {
    const locked = ticket({ lock: 'lock', owner: 'admin' })
    const closed = nextVersion(locked, now, planTicketPatch(config, agent('admin'), locked, { state: 'closed successful', note: 'done' }, now))
    expect(closed).toMatchObject({ stateType: 'closed', lock: 'unlock', owner: 'admin' })
    expect(describeChanges(locked, closed, 'admin', now).map((entry) => entry.type)).toEqual(['StateUpdate', 'Unlock'])
    expect(nextVersion(locked, now, { state: 'closed unsuccessful', stateType: 'closed', lock: 'lock' }).lock).toBe('unlock')
  })

  it('owner and responsible pickers offer only agents who may work in the queue; a refusal names the agent and what to do', () => {
    expect(assignableAgents(config, 'Support').map((candidate) => candidate.login)).toEqual(['admin'])
    expect(assignableAgents(withHelpers, 'Sales').map((candidate) => candidate.login)).toEqual(['admin', 'sales'])
    const refused = failure(() => planTicketPatch(config, agent('admin'), ticket(), { responsible: 'sales' }, now))
    expect(refused).toMatchObject({ status: 400, field: 'body.responsible' })
    expect(refused.message).toBe('Sam Sales (sales) cannot be responsible: they have no write access to queue Support. Pick one of the agents offered.')
    expect(failure(() => planTicketPatch(withHelpers, agent('admin'), ticket({ queue: 'Sales' }), { owner: 'helper' }, now)).message).toContain('Hal Helper (helper) cannot be the owner')
  })
})
