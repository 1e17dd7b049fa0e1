import type { AgentIdentity } from '../auth/auth-service.ts'
import { assertCanRead } from './access.ts'
import type { Ticket } from './model.ts'
import { historyEntry, nextVersion } from './ticket-rules.ts'
import { changeTicket, type TicketServiceDeps } from './ticket-service.ts'

/**
 * OTRS ticket watcher (Kernel::System::Ticket::TicketWatchSubscribe): an agent who may read the
 * ticket watches it for themselves; watchers hear of it as its owner does and find it in "My
 * watched tickets". Each subscription is recorded in the history (Subscribe / Unsubscribe);
 * watching a watched ticket again (or unwatching one not watched) writes nothing.
 */
export async function watchTicket(deps: TicketServiceDeps, identity: AgentIdentity, number: string): Promise<Ticket> {
  return changeWatch(deps, identity, number, true)
}

export async function unwatchTicket(deps: TicketServiceDeps, identity: AgentIdentity, number: string): Promise<Ticket> {
  return changeWatch(deps, identity, number, false)
}

/** Whether `login` watches the ticket. */
export const isWatching = (ticket: Pick<Ticket, 'watchers'>, login: string) => (ticket.watchers ?? []).includes(login)

async function changeWatch(deps: TicketServiceDeps, identity: AgentIdentity, number: string, watch: boolean): Promise<Ticket> {
  const login = identity.login
  return changeTicket(deps, number, (ticket, at) => {
    assertCanRead(deps.config, identity.agent, ticket)
    if (isWatching(ticket, login) === watch) return { change: null, result: ticket }
    const watchers = watch ? [...(ticket.watchers ?? []), login] : (ticket.watchers ?? []).filter((watcher) => watcher !== login)
    const updated = nextVersion(ticket, at, { watchers })
    const name = `${identity.agent.firstName} ${identity.agent.lastName}`.trim() || login
    const entry = watch
      ? historyEntry('Subscribe', login, at, `Added subscription for user ${name} (${login})`, { watchers: { before: ticket.watchers ?? [], after: watchers } })
      : historyEntry('Unsubscribe', login, at, `Removed subscription for user ${name} (${login})`, { watchers: { before: ticket.watchers ?? [], after: watchers } })
    return {
      change: { ticket: updated, expectedVersion: ticket.version, newArticles: [], messageIds: [], history: [entry], ...(watch ? {} : { removeWatchers: [login] }) },
      result: updated,
    }
  })
}
