import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parseConfig } from '../../lib/platform/config-file.ts'
import { basisFromThread, computeEscalation, emptyBasis, escalationPolicyFor, reachedDeadlines, type EscalationPolicy } from '../../lib/ticket/escalation.ts'
import type { Article, HistoryEntry, Ticket, TicketEscalation } from '../../lib/ticket/model.ts'
import { newTicketRecord } from '../../lib/ticket/ticket-rules.ts'

/**
 * OTRS escalation times under the demo SLA "Support standard": Office hours (Europe/Amsterdam,
 * Mon–Fri 08:00–17:00, CET = UTC+1 in November), first response 240, update 480, solution 1620
 * business minutes. The ticket is created on Mon 2026-11-23 09:00 CET (08:00Z).
 */
const config = parseConfig(readFileSync('docket.config.yaml', 'utf8'))
const policy = escalationPolicyFor(config, 'Support')!
const created = '2026-11-23T08:00:00.000Z'

let sequence = 0
function article(sender: Article['sender'], at: string, fields: Partial<Article> = {}): Article {
  return {
    id: `01K${String(++sequence).padStart(6, '0')}`,
    ticketNumber: '2026112342000001',
    sender,
    channel: 'email',
    visibleToCustomer: true,
    from: '',
    to: '',
    cc: '',
    replyTo: null,
    subject: 'Printer',
    bodyText: '',
    bodyTextBlobKey: null,
    htmlBlobKey: null,
    messageId: null,
    inReplyTo: null,
    references: [],
    attachments: [],
    rawBlobKey: null,
    createdAt: at,
    createdBy: sender === 'agent' ? 'admin' : null,
    transmission: null,
    notes: [],
    ...fields,
  }
}

const newTicket = (): Ticket => newTicketRecord({ number: '2026112342000001', at: new Date(created), title: 'Printer', queue: 'Support', state: 'new', stateType: 'new' })

/** One write: the ticket as changed, plus its new articles, through the escalation rules. */
function write(ticket: Ticket, patch: Partial<Ticket>, articles: Article[] = [], using: EscalationPolicy = policy): Ticket {
  const next = { ...ticket, ...patch }
  return { ...next, escalation: computeEscalation(next, using, articles, ticket.escalation?.basis ?? emptyBasis) }
}

const dues = (escalation: TicketEscalation | null | undefined) => ({
  firstResponseDue: escalation?.firstResponseDue,
  updateDue: escalation?.updateDue,
  solutionDue: escalation?.solutionDue,
  nextDue: escalation?.nextDue,
  notifyAt: escalation?.notifyAt,
})

describe('escalation times (OTRS semantics)', () => {
  it('on creation: first response, update and solution in business hours', () => {
    const ticket = write(newTicket(), {}, [article('customer', created)])
    expect(ticket.escalation).toMatchObject({
      sla: 'Support standard',
      // 09:00 + 4 h → 13:00 CET
      firstResponseDue: '2026-11-23T12:00:00.000Z',
      // from the customer's mail, 09:00 + 8 h → 17:00 CET
      updateDue: '2026-11-23T16:00:00.000Z',
      // 27 h: Mon 8 h, Tue 9 h, Wed 9 h, Thu 08:00 + 1 h → Thu 09:00 CET
      solutionDue: '2026-11-26T08:00:00.000Z',
      nextDue: '2026-11-23T12:00:00.000Z',
      notifyAt: '2026-11-23T12:00:00.000Z',
      notified: {},
    })
  })

  it('the first agent mail meets the first response and starts the update time afresh; customer mail after it starts a new deadline', () => {
    let ticket = write(newTicket(), {}, [article('customer', created)])
    // Mon 11:00 CET: our reply. Update: 11:00 + 8 h → Mon 6 h, Tue 08:00 + 2 h → Tue 10:00 CET
    ticket = write(ticket, { state: 'open', stateType: 'open' }, [article('agent', '2026-11-23T10:00:00.000Z')])
    expect(dues(ticket.escalation)).toEqual({ firstResponseDue: null, updateDue: '2026-11-24T09:00:00.000Z', solutionDue: '2026-11-26T08:00:00.000Z', nextDue: '2026-11-24T09:00:00.000Z', notifyAt: '2026-11-24T09:00:00.000Z' })
    // Tue 09:30 CET: the customer answers. Tue 7.5 h, Wed 08:00 + 0.5 h → Wed 08:30 CET
    ticket = write(ticket, {}, [article('customer', '2026-11-24T08:30:00.000Z')])
    expect(ticket.escalation!.updateDue).toBe('2026-11-25T07:30:00.000Z')
    // A second customer mail before we answer: the customer has waited since the first one (OTRS).
    ticket = write(ticket, {}, [article('customer', '2026-11-24T10:00:00.000Z')])
    expect(ticket.escalation!.updateDue).toBe('2026-11-25T07:30:00.000Z')
    // A second agent mail: the first response stays met, the update time starts again (Tue 12:00 CET + 8 h → Wed 11:00 CET).
    ticket = write(ticket, {}, [article('agent', '2026-11-24T11:00:00.000Z')])
    expect(ticket.escalation).toMatchObject({ firstResponseDue: null, updateDue: '2026-11-25T10:00:00.000Z', basis: { firstResponseAt: '2026-11-23T10:00:00.000Z', lastContact: 'agent' } })
  })

  it('notes, phone calls, auto responses and bounces are no response', () => {
    const base = write(newTicket(), {}, [article('customer', created)])
    const others = [
      article('agent', '2026-11-23T09:00:00.000Z', { channel: 'note', visibleToCustomer: false }),
      article('agent', '2026-11-23T09:01:00.000Z', { channel: 'note', visibleToCustomer: true }),
      article('agent', '2026-11-23T09:02:00.000Z', { channel: 'phone' }),
      article('system', '2026-11-23T09:03:00.000Z'),
      article('system', '2026-11-23T09:04:00.000Z', { visibleToCustomer: false }),
    ]
    expect(dues(write(base, {}, others).escalation)).toEqual(dues(base.escalation))
  })

  it('nothing escalates while pending, closed, merged or removed; reopening computes the same deadlines again', () => {
    const open = write(newTicket(), {}, [article('customer', created)])
    for (const [state, stateType] of [['pending reminder', 'pending reminder'], ['pending auto close+', 'pending auto'], ['merged', 'merged'], ['removed', 'removed']] as const) {
      const suspended = write(open, { state, stateType })
      expect(dues(suspended.escalation)).toEqual({ firstResponseDue: null, updateDue: null, solutionDue: null, nextDue: null, notifyAt: null })
      expect(dues(write(suspended, { state: 'open', stateType: 'open' }).escalation)).toEqual(dues(open.escalation))
    }
  })

  it('closing meets the solution time for good (OTRS: the first close); the first response is still owed after reopening', () => {
    const open = write(newTicket(), {}, [article('customer', created)])
    const closed = write(open, { state: 'closed successful', stateType: 'closed', closedAt: '2026-11-23T09:00:00.000Z' })
    expect(closed.escalation).toMatchObject({ nextDue: null, basis: { solvedAt: '2026-11-23T09:00:00.000Z' } })
    // The customer writes again, still unanswered: the update time counts from the first mail of the run.
    const reopened = write(closed, { state: 'open', stateType: 'open', closedAt: null }, [article('customer', '2026-11-24T08:00:00.000Z')])
    expect(dues(reopened.escalation)).toEqual({
      firstResponseDue: '2026-11-23T12:00:00.000Z',
      updateDue: '2026-11-23T16:00:00.000Z',
      solutionDue: null,
      nextDue: '2026-11-23T12:00:00.000Z',
      notifyAt: '2026-11-23T12:00:00.000Z',
    })
  })

  it('a deadline missed is kept as breached for good (statistics), one met in time is not', () => {
    const open = write(newTicket(), {}, [article('customer', created)])
    // Answered at 12:30 CET, before the 13:00 CET first response time: met.
    const inTime = write(open, { state: 'open', stateType: 'open', changedAt: '2026-11-23T11:30:00.000Z' }, [article('agent', '2026-11-23T11:30:00.000Z')])
    expect(inTime.escalation!.breached).toEqual({})
    // Answered at 18:00 CET: the first response (13:00) and the update time (17:00) were missed.
    const late = write(open, { state: 'open', stateType: 'open', changedAt: '2026-11-23T17:00:00.000Z' }, [article('agent', '2026-11-23T17:00:00.000Z')])
    expect(late.escalation!.breached).toEqual({ firstResponse: '2026-11-23T12:00:00.000Z', update: '2026-11-23T16:00:00.000Z' })
    // Closed later: the breaches stay, the solution time was met.
    const closed = write(late, { state: 'closed successful', stateType: 'closed', closedAt: '2026-11-24T09:00:00.000Z', changedAt: '2026-11-24T09:00:00.000Z' })
    expect(closed.escalation!.breached).toEqual({ firstResponse: '2026-11-23T12:00:00.000Z', update: '2026-11-23T16:00:00.000Z' })
    expect(closed.escalation!.nextDue).toBeNull()
  })

  it('a notification is kept for its deadline (also while suspended) and never repeated; a new deadline is notified again', () => {
    let ticket = write(newTicket(), {}, [article('customer', created)])
    expect(reachedDeadlines(ticket.escalation, '2026-11-23T11:59:59.000Z')).toEqual([])
    expect(reachedDeadlines(ticket.escalation, '2026-11-23T16:00:00.000Z')).toEqual([
      { kind: 'firstResponse', due: '2026-11-23T12:00:00.000Z' },
      { kind: 'update', due: '2026-11-23T16:00:00.000Z' },
    ])
    // The job notifies both; recomputing keeps the flags and moves notifyAt on to the solution time.
    ticket = write(ticket, { escalation: { ...ticket.escalation!, notified: { firstResponse: '2026-11-23T12:00:00.000Z', update: '2026-11-23T16:00:00.000Z' } } })
    expect(ticket.escalation).toMatchObject({ nextDue: '2026-11-23T12:00:00.000Z', notifyAt: '2026-11-26T08:00:00.000Z' })
    expect(reachedDeadlines(ticket.escalation, '2026-11-23T16:00:00.000Z')).toEqual([])
    // Pending and back: the same deadlines, still notified.
    ticket = write(write(ticket, { state: 'pending reminder', stateType: 'pending reminder' }), { state: 'open', stateType: 'open' })
    expect(ticket.escalation!.notified).toEqual({ firstResponse: '2026-11-23T12:00:00.000Z', update: '2026-11-23T16:00:00.000Z' })
    expect(reachedDeadlines(ticket.escalation, '2026-11-24T10:00:00.000Z')).toEqual([])
    // Our reply (Tue 09:00 CET) meets the first response and makes a new update deadline (Tue 17:00 CET): unnotified.
    ticket = write(ticket, {}, [article('agent', '2026-11-24T08:00:00.000Z')])
    expect(ticket.escalation).toMatchObject({ notified: {}, updateDue: '2026-11-24T16:00:00.000Z', notifyAt: '2026-11-24T16:00:00.000Z' })
  })

  it('queues without an SLA have none; an SLA without a calendar counts round the clock', () => {
    expect(escalationPolicyFor(config, 'Sales')).toBeNull()
    expect(policy.calendar?.timeZone).toBe('Europe/Amsterdam')
    const roundTheClock: EscalationPolicy = { sla: { ...policy.sla, calendar: undefined }, calendar: undefined }
    // Sat 2026-11-28 10:00Z + 240 min → 14:00Z
    const weekend = newTicketRecord({ number: '2026112842000001', at: new Date('2026-11-28T10:00:00Z'), title: 'x', queue: 'Support', state: 'new', stateType: 'new' })
    expect(write(weekend, {}, [article('customer', '2026-11-28T10:00:00.000Z')], roundTheClock).escalation!.firstResponseDue).toBe('2026-11-28T14:00:00.000Z')
  })

  it('the basis of a ticket written before its SLA comes from its thread and history', () => {
    const ticket = { ...newTicket(), state: 'open', stateType: 'open' as const }
    const history: HistoryEntry[] = [
      { id: 'h1', type: 'StateUpdate', at: '2026-11-23T13:00:00.000Z', by: 'admin', message: '', changes: { state: { before: 'open', after: 'closed successful' } } },
      { id: 'h2', type: 'StateUpdate', at: '2026-11-23T14:00:00.000Z', by: 'system', message: '', changes: { state: { before: 'closed successful', after: 'open' } } },
    ]
    const articles = [article('customer', created), article('agent', '2026-11-23T10:00:00.000Z'), article('customer', '2026-11-23T11:00:00.000Z'), article('customer', '2026-11-23T12:00:00.000Z')]
    expect(basisFromThread(config, { ticket, articles, history })).toEqual({ firstResponseAt: '2026-11-23T10:00:00.000Z', updateFrom: '2026-11-23T11:00:00.000Z', lastContact: 'customer', solvedAt: '2026-11-23T13:00:00.000Z' })
  })
})
