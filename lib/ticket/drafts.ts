import type { AgentIdentity } from '../auth/auth-service.ts'
import { notFound } from '../platform/errors.ts'
import { assertCanRead } from './access.ts'
import type { Draft } from './model.ts'
import type { TicketServiceDeps } from './ticket-service.ts'

/** One draft per agent and ticket (OTRS: drafts), kept until the article is sent or the draft is discarded. */
export type DraftInput = Omit<Draft, 'ticketNumber' | 'login' | 'changedAt'>

async function readableTicket(deps: TicketServiceDeps, identity: AgentIdentity, number: string) {
  const ticket = await deps.tickets.get(number)
  if (!ticket) throw notFound(`ticket ${number}`)
  assertCanRead(deps.config, identity.agent, ticket)
  return ticket
}

export async function getDraft(deps: TicketServiceDeps, identity: AgentIdentity, number: string): Promise<Draft> {
  await readableTicket(deps, identity, number)
  const draft = await deps.tickets.getDraft(number, identity.login)
  if (!draft) throw notFound(`a draft of yours on ticket ${number}`)
  return draft
}

export async function saveDraft(deps: TicketServiceDeps, identity: AgentIdentity, number: string, input: DraftInput): Promise<Draft> {
  await readableTicket(deps, identity, number)
  const draft: Draft = { ...input, ticketNumber: number, login: identity.login, changedAt: deps.clock.now().toISOString() }
  await deps.tickets.saveDraft(draft)
  return draft
}

export async function discardDraft(deps: TicketServiceDeps, identity: AgentIdentity, number: string): Promise<void> {
  await readableTicket(deps, identity, number)
  await deps.tickets.deleteDraft(number, identity.login)
}
