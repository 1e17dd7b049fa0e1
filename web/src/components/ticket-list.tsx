import { memo, useEffect, useRef, useState } from 'react'
import { get, ticketPath } from '../api/client.ts'
import type { TicketDetail, TicketSummary } from '../api/types.ts'
import { useApp } from '../app-context.tsx'
import { LockIcon } from './icons.tsx'
import { useI18n, type MessageKey } from '../i18n/i18n.tsx'
import { age, agentName, priorityLabel, stateClass, stateLabel } from '../labels.ts'
import { Link, navigate, paths } from '../router.tsx'
import { useShortcuts } from '../shortcuts.tsx'

/** OTRS overview sizes: S (small: one line per ticket), M (medium: more columns), L (large: with the latest article). */
export type Density = 'S' | 'M' | 'L'
export type SortKey = 'created' | 'priority' | 'changed' | 'title' | 'number' | 'state' | 'queue' | 'owner'
export interface Sort {
  key: SortKey
  order: 'asc' | 'desc'
}

const densityKey = 'docket.density'
export function rememberedDensity(): Density {
  const value = localStorage.getItem(densityKey)
  return value === 'S' || value === 'L' ? value : 'M'
}

export function DensitySwitch({ density, onChange }: { density: Density; onChange: (density: Density) => void }) {
  const { t } = useI18n()
  const labels: Record<Density, MessageKey> = { S: 'list.densitySmall', M: 'list.densityMedium', L: 'list.densityLarge' }
  return (
    <div className="density" role="group" aria-label={t('list.density')}>
      {(['S', 'M', 'L'] as const).map((size) => (
        <button
          key={size}
          type="button"
          aria-pressed={density === size}
          title={t(labels[size])}
          aria-label={t(labels[size])}
          onClick={() => {
            localStorage.setItem(densityKey, size)
            onChange(size)
          }}
        >
          {size}
        </button>
      ))}
    </div>
  )
}

const collator = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true })

/** Sorts loaded tickets in the browser (ties: oldest first, as the server does). */
export function sortTickets(tickets: TicketSummary[], sort: Sort): TicketSummary[] {
  const direction = sort.order === 'asc' ? 1 : -1
  const byCreated = (a: TicketSummary, b: TicketSummary) => a.createdAt.localeCompare(b.createdAt) || a.number.localeCompare(b.number)
  const compare: Record<SortKey, (a: TicketSummary, b: TicketSummary) => number> = {
    created: byCreated,
    priority: (a, b) => a.priority - b.priority,
    changed: (a, b) => a.changedAt.localeCompare(b.changedAt),
    title: (a, b) => collator.compare(a.title, b.title),
    number: (a, b) => a.number.localeCompare(b.number),
    state: (a, b) => collator.compare(a.state, b.state),
    queue: (a, b) => collator.compare(a.queue, b.queue),
    owner: (a, b) => collator.compare(a.owner ?? '', b.owner ?? ''),
  }
  return [...tickets].sort((a, b) => direction * compare[sort.key](a, b) || byCreated(a, b))
}

interface TicketListProps {
  tickets: TicketSummary[]
  density: Density
  sort?: Sort
  /** Columns that can be sorted by (default: all shown); absent: no sorting. */
  sortable?: SortKey[]
  onSort?: (sort: Sort) => void
  selected?: Set<string>
  onSelect?: (selected: Set<string>) => void
  /** Show the queue column (lists over several queues). */
  showQueue?: boolean
  /** j/k, x and Enter move through this list (one list per screen owns the keys). */
  keyboard?: boolean
  label: string
  empty?: string
  /** Show the escalation time (the earliest SLA deadline): the escalation view. */
  showEscalation?: boolean
}

/** A ticket list: table for S and M, cards with the latest article for L; sortable, selectable, keyboard-driven. */
export function TicketList({ tickets, density, sort, sortable, onSort, selected, onSelect, showQueue = true, keyboard = false, label, empty, showEscalation = false }: TicketListProps) {
  const { t } = useI18n()
  const [cursor, setCursor] = useState(-1)
  const container = useRef<HTMLDivElement>(null)

  const toggle = (number: string) => {
    if (!selected || !onSelect) return
    const next = new Set(selected)
    if (next.has(number)) next.delete(number)
    else next.add(number)
    onSelect(next)
  }

  useShortcuts(
    keyboard
      ? {
          j: () => setCursor((index) => Math.min(tickets.length - 1, index + 1)),
          k: () => setCursor((index) => Math.max(0, index - 1)),
          x: () => {
            const ticket = tickets[cursor]
            if (ticket) toggle(ticket.number)
          },
          Enter: () => {
            const ticket = tickets[cursor]
            if (ticket) navigate(paths.ticket(ticket.number))
          },
          o: () => {
            const ticket = tickets[cursor]
            if (ticket) navigate(paths.ticket(ticket.number))
          },
        }
      : {},
  )

  useEffect(() => {
    container.current?.querySelector('.cursor')?.scrollIntoView({ block: 'nearest' })
  }, [cursor])

  if (tickets.length === 0) return <p className="muted">{empty ?? t('list.empty')}</p>

  const allSelected = selected !== undefined && tickets.length > 0 && tickets.every((ticket) => selected.has(ticket.number))
  const header = (key: SortKey, text: string, className?: string) => {
    const canSort = onSort && sort && (sortable ?? []).includes(key)
    const active = sort?.key === key
    return (
      <th scope="col" className={className} aria-sort={active ? (sort!.order === 'asc' ? 'ascending' : 'descending') : undefined}>
        {canSort ? (
          <button type="button" className="sort" onClick={() => onSort({ key, order: active && sort.order === 'asc' ? 'desc' : 'asc' })}>
            {text}
            {active ? (sort.order === 'asc' ? ' ▲' : ' ▼') : ''}
          </button>
        ) : (
          text
        )}
      </th>
    )
  }

  if (density === 'L') {
    return (
      <div className="ticket-cards" role="list" aria-label={label} ref={container}>
        {tickets.map((ticket, index) => (
          <TicketCard
            key={ticket.number}
            ticket={ticket}
            showQueue={showQueue}
            isCursor={index === cursor}
            isSelected={selected?.has(ticket.number) ?? false}
            onToggle={selected ? () => toggle(ticket.number) : undefined}
          />
        ))}
      </div>
    )
  }

  return (
    <div className="ticket-table-wrap" ref={container}>
      <table className={`ticket-table density-${density.toLowerCase()}`} aria-label={label}>
        <thead>
          <tr>
            {selected && onSelect && (
              <th scope="col" className="check">
                <input
                  type="checkbox"
                  aria-label={t('list.selectAll')}
                  checked={allSelected}
                  onChange={() => onSelect(allSelected ? new Set() : new Set(tickets.map((ticket) => ticket.number)))}
                />
              </th>
            )}
            {header('number', t('ticket.number'), 'hide-narrow')}
            {header('created', t('ticket.age'))}
            {header('title', t('ticket.title'))}
            {header('state', t('ticket.state'))}
            {showEscalation && (
              <th scope="col" className="escalation">
                {t('ticket.escalation')}
              </th>
            )}
            {showQueue && header('queue', t('ticket.queue'), 'hide-narrow')}
            {header('priority', t('ticket.priority'), 'hide-narrow')}
            {density === 'M' && header('owner', t('ticket.owner'), 'hide-narrow')}
            {density === 'M' && header('changed', t('ticket.changed'), 'hide-narrow')}
          </tr>
        </thead>
        <tbody>
          {tickets.map((ticket, index) => (
            <TicketRow
              key={ticket.number}
              ticket={ticket}
              density={density}
              showQueue={showQueue}
              showEscalation={showEscalation}
              isCursor={index === cursor}
              isSelected={selected?.has(ticket.number) ?? false}
              onToggle={selected && onSelect ? toggle : undefined}
            />
          ))}
        </tbody>
      </table>
    </div>
  )
}

interface RowProps {
  ticket: TicketSummary
  density: Density
  showQueue: boolean
  showEscalation?: boolean
  isCursor: boolean
  isSelected: boolean
  onToggle: ((number: string) => void) | undefined
}

const TicketRow = memo(function TicketRow({ ticket, density, showQueue, showEscalation = false, isCursor, isSelected, onToggle }: RowProps) {
  const i18n = useI18n()
  const { meta } = useApp()
  const { t } = i18n
  const classes = [isCursor ? 'cursor' : '', isSelected ? 'selected' : ''].filter(Boolean).join(' ')
  return (
    <tr className={classes || undefined}>
      {onToggle && (
        <td className="check">
          <input type="checkbox" aria-label={t('list.selectTicket', { number: ticket.number })} checked={isSelected} onChange={() => onToggle(ticket.number)} />
        </td>
      )}
      <td className="number hide-narrow">
        <Link href={paths.ticket(ticket.number)}>{ticket.number}</Link>
      </td>
      <td className="age" title={i18n.dateTime(ticket.createdAt)}>
        {age(i18n, ticket.createdAt)}
      </td>
      <td className="title-cell">
        <Link href={paths.ticket(ticket.number)}>{ticket.title || t('ticket.noTitle')}</Link>
        {ticket.lock === 'lock' && (
          <span className="pill locked" title={t('ticket.lockedBy', { owner: agentName(meta, ticket.owner) })}>
            {' '}
            <LockIcon /> {t('ticket.locked')}
          </span>
        )}
        {density === 'M' && ticket.customer && <span className="preview">{ticket.customer}</span>}
        {/* On a phone the number column gives way to the title; the number goes under it. */}
        <span className="number show-narrow">{ticket.number}</span>
      </td>
      <td>
        <span className={stateClass(ticket.stateType)}>{stateLabel(i18n, ticket.state)}</span>
      </td>
      {showEscalation && (
        <td className={ticket.escalation?.nextDue && Date.parse(ticket.escalation.nextDue) <= Date.now() ? 'escalation overdue' : 'escalation'}>
          {ticket.escalation?.nextDue ? i18n.dateTime(ticket.escalation.nextDue) : '–'}
        </td>
      )}
      {showQueue && <td className="hide-narrow">{ticket.queue}</td>}
      <td className={`hide-narrow prio prio-${ticket.priority}`}>{priorityLabel(i18n, meta, ticket.priority)}</td>
      {density === 'M' && <td className="hide-narrow">{agentName(meta, ticket.owner)}</td>}
      {density === 'M' && (
        <td className="hide-narrow" title={i18n.dateTime(ticket.changedAt)}>
          {i18n.dateTime(ticket.changedAt)}
        </td>
      )}
    </tr>
  )
})

/** L: a card with the latest article's first lines, read when the card scrolls into view. */
function TicketCard({
  ticket,
  showQueue,
  isCursor,
  isSelected,
  onToggle,
}: {
  ticket: TicketSummary
  showQueue: boolean
  isCursor: boolean
  isSelected: boolean
  onToggle: (() => void) | undefined
}) {
  const i18n = useI18n()
  const { meta } = useApp()
  const { t } = i18n
  const element = useRef<HTMLElement | null>(null)
  const [preview, setPreview] = useState<string | null>(null)

  useEffect(() => {
    const node = element.current
    if (!node) return
    const observer = new IntersectionObserver((entries) => {
      if (!entries.some((entry) => entry.isIntersecting)) return
      observer.disconnect()
      void get<TicketDetail>(ticketPath(ticket.number))
        .then((detail) => {
          // The customer's latest words (OTRS's preview shows the latest article; auto responses say nothing new).
          const last = detail.articles.filter((article) => article.sender === 'customer').at(-1) ?? detail.articles.filter((article) => article.sender !== 'system').at(-1) ?? detail.articles.at(-1)
          setPreview(last ? `${last.from}: ${last.bodyText.slice(0, 400)}` : '')
        })
        .catch(() => setPreview(''))
    })
    observer.observe(node)
    return () => observer.disconnect()
  }, [ticket.number])

  return (
    <article
      role="listitem"
      className={['ticket-card', isCursor ? 'cursor' : '', isSelected ? 'selected' : ''].filter(Boolean).join(' ')}
      ref={element}
    >
      <div>{onToggle && <input type="checkbox" aria-label={t('list.selectTicket', { number: ticket.number })} checked={isSelected} onChange={onToggle} />}</div>
      <div>
        <h3>
          <Link href={paths.ticket(ticket.number)}>{ticket.title || t('ticket.noTitle')}</Link>
        </h3>
        <div className="meta">
          <span className="number">{ticket.number}</span>
          <span className={stateClass(ticket.stateType)}>{stateLabel(i18n, ticket.state)}</span>
          {showQueue && <span>{ticket.queue}</span>}
          <span className={`prio prio-${ticket.priority}`}>{priorityLabel(i18n, meta, ticket.priority)}</span>
          <span title={i18n.dateTime(ticket.createdAt)}>{age(i18n, ticket.createdAt)}</span>
          {ticket.customer && <span>{ticket.customer}</span>}
          {ticket.lock === 'lock' && <span className="pill locked"><LockIcon /> {agentName(meta, ticket.owner)}</span>}
        </div>
      </div>
      <p className="preview">{preview ?? '…'}</p>
    </article>
  )
}
