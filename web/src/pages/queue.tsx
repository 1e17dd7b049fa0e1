import { useEffect, useMemo, useState } from 'react'
import { get, getPrefetched } from '../api/client.ts'
import { queueListQuery } from '../queue-query.ts'
import { stateTypes, type Page, type StateType, type TicketSummary, type ViewCounts } from '../api/types.ts'
import { useApp } from '../app-context.tsx'
import { BulkDialog } from '../components/bulk-dialog.tsx'
import { DensitySwitch, rememberedDensity, sortTickets, TicketList, type Density, type Sort, type SortKey } from '../components/ticket-list.tsx'
import { useI18n } from '../i18n/i18n.tsx'
import { stateTypeLabel } from '../labels.ts'
import { Link, navigate, paths, useDocumentTitle, useLocation } from '../router.tsx'
import { useShortcuts } from '../shortcuts.tsx'
import { useResource } from '../use-resource.ts'


type QueueFilter = 'viewable' | 'new' | 'open' | 'pending'

/** OTRS Queue view: one queue's open tickets (new, open, pending), oldest first, S/M/L, sort, filter, bulk. */
export function QueuePage({ queue }: { queue: string }) {
  const i18n = useI18n()
  const { t } = i18n
  const { meta } = useApp()
  useDocumentTitle(t('queue.title', { queue }))
  const [density, setDensity] = useState<Density>(rememberedDensity())
  const [sort, setSort] = useState<Sort>({ key: 'created', order: 'asc' })
  const [filter, setFilter] = useState<QueueFilter>('viewable')
  const [text, setText] = useState('')
  const [selected, setSelected] = useState<Set<string>>(new Set())
  const [bulk, setBulk] = useState(false)
  const [pages, setPages] = useState<TicketSummary[][]>([])
  const [next, setNext] = useState<string | null>(null)

  // "pending" covers two state types: read the open view and keep the pending ones here.
  const stateType = filter === 'new' || filter === 'open' ? filter : undefined
  const resource = useResource((signal) => getPrefetched<Page<TicketSummary>>('/api/tickets', queueListQuery(queue, stateType), signal), [queue, stateType])
  useEffect(() => {
    if (resource.data) {
      setPages([resource.data.items])
      setNext(resource.data.next)
    }
  }, [resource.data])

  const loadMore = async () => {
    if (!next) return
    const page = await get<Page<TicketSummary>>('/api/tickets', { ...queueListQuery(queue, stateType), cursor: next })
    setPages((loaded) => [...loaded, page.items])
    setNext(page.next)
  }

  const tickets = useMemo(() => {
    let all = pages.flat()
    if (filter === 'pending') all = all.filter((ticket) => ticket.stateType.startsWith('pending'))
    const needle = text.trim().toLowerCase()
    if (needle) all = all.filter((ticket) => ticket.title.toLowerCase().includes(needle) || (ticket.customer ?? '').toLowerCase().includes(needle) || ticket.number.includes(needle))
    return sortTickets(all, sort)
  }, [pages, filter, text, sort])

  useShortcuts({ b: () => selected.size > 0 && setBulk(true) })

  const known = meta.queues.some((candidate) => candidate.name === queue)
  return (
    <section className="page">
      <div className="page-header">
        <h1>{t('queue.title', { queue })}</h1>
        <QueuePicker current={queue} />
        <span className="spacer" />
        <DensitySwitch density={density} onChange={setDensity} />
      </div>
      {!known && <p className="notice notice-error">{t('queue.unknown', { queue })}</p>}
      <div className="list-controls">
        <label>
          {t('queue.filter')}
          <select value={filter} onChange={(event) => setFilter(event.target.value as QueueFilter)}>
            <option value="viewable">{t('queue.filterAll')}</option>
            <option value="new">{stateTypeLabel(i18n, 'new')}</option>
            <option value="open">{stateTypeLabel(i18n, 'open')}</option>
            <option value="pending">{t('queue.filterPending')}</option>
          </select>
        </label>
        <label>
          {t('queue.textFilter')}
          <input type="search" value={text} onChange={(event) => setText(event.target.value)} placeholder={t('queue.textFilterPlaceholder')} />
        </label>
        <SortPicker sort={sort} onChange={setSort} keys={['created', 'priority', 'changed', 'title', 'number', 'state', 'owner']} />
        <span className="muted" role="status">
          {resource.loading && pages.length === 0 ? t('common.loading') : t('list.count', { count: tickets.length })}
        </span>
      </div>
      {selected.size > 0 && (
        <div className="bulk-bar" role="region" aria-label={t('bulk.region')}>
          <span>{t('bulk.selected', { count: selected.size })}</span>
          <button type="button" className="primary" onClick={() => setBulk(true)}>
            {t('bulk.open')}
          </button>
          <button type="button" onClick={() => setSelected(new Set())}>
            {t('bulk.clear')}
          </button>
        </div>
      )}
      {resource.error && <p className="notice notice-error">{resource.error.message}</p>}
      {pages.length > 0 && (
        <TicketList
          tickets={tickets}
          density={density}
          sort={sort}
          sortable={['created', 'priority', 'changed', 'title', 'number', 'state', 'owner']}
          onSort={setSort}
          selected={selected}
          onSelect={setSelected}
          showQueue={false}
          keyboard
          label={t('queue.title', { queue })}
        />
      )}
      {next && (
        <button type="button" className="load-more" onClick={() => void loadMore()}>
          {t('list.loadMore')}
        </button>
      )}
      {bulk && (
        <BulkDialog
          numbers={[...selected]}
          queues={[...new Set(tickets.filter((ticket) => selected.has(ticket.number)).map((ticket) => ticket.queue))]}
          onClose={() => setBulk(false)}
          onDone={() => {
            setSelected(new Set())
            void resource.reload()
          }}
        />
      )}
    </section>
  )
}

function SortPicker({ sort, onChange, keys }: { sort: Sort; onChange: (sort: Sort) => void; keys: SortKey[] }) {
  const { t } = useI18n()
  const names: Record<SortKey, string> = {
    created: t('ticket.age'),
    priority: t('ticket.priority'),
    changed: t('ticket.changed'),
    title: t('ticket.title'),
    number: t('ticket.number'),
    state: t('ticket.state'),
    queue: t('ticket.queue'),
    owner: t('ticket.owner'),
  }
  return (
    <>
      <label>
        {t('list.sortBy')}
        <select value={sort.key} onChange={(event) => onChange({ ...sort, key: event.target.value as SortKey })}>
          {keys.map((key) => (
            <option key={key} value={key}>
              {names[key]}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t('list.order')}
        <select value={sort.order} onChange={(event) => onChange({ ...sort, order: event.target.value as 'asc' | 'desc' })}>
          <option value="asc">{sort.key === 'created' ? t('list.oldestFirst') : t('list.ascending')}</option>
          <option value="desc">{sort.key === 'created' ? t('list.newestFirst') : t('list.descending')}</option>
        </select>
      </label>
    </>
  )
}

function QueuePicker({ current }: { current: string }) {
  const { t } = useI18n()
  const { meta } = useApp()
  return (
    <label>
      <span className="visually-hidden">{t('queue.switch')}</span>
      <select value={current} onChange={(event) => navigate(paths.queue(event.target.value))} aria-label={t('queue.switch')}>
        {meta.queues.map((queue) => (
          <option key={queue.name} value={queue.name}>
            {queue.name}
          </option>
        ))}
      </select>
    </label>
  )
}

/** The queue list: every readable queue with its counts per state type. */
export function QueuesPage() {
  const i18n = useI18n()
  const { t } = i18n
  useDocumentTitle(t('nav.queues'))
  const counts = useResource((signal) => get<ViewCounts>('/api/views/counts', undefined, signal), [], { refreshMs: 30_000 })
  return (
    <section className="page">
      <h1>{t('nav.queues')}</h1>
      {counts.error && <p className="notice notice-error">{counts.error.message}</p>}
      {counts.data && <QueueCountsTable counts={counts.data} />}
    </section>
  )
}

/** Tickets per queue and state type; `compact` (the dashboard's side column) adds the two pending types up. */
export function QueueCountsTable({ counts, compact = false }: { counts: ViewCounts; compact?: boolean }) {
  const i18n = useI18n()
  const { t } = i18n
  const columns: { label: string; types: StateType[] }[] = [
    { label: stateTypeLabel(i18n, 'new'), types: ['new'] },
    { label: stateTypeLabel(i18n, 'open'), types: ['open'] },
    ...(compact
      ? [{ label: t('queue.filterPending'), types: ['pending reminder', 'pending auto'] as StateType[] }]
      : (['pending reminder', 'pending auto'] as const).map((stateType) => ({ label: stateTypeLabel(i18n, stateType), types: [stateType] }))),
  ]
  return (
    <div className="ticket-table-wrap">
      <table className="queue-counts">
        <caption className="visually-hidden">{t('dashboard.queueCounts')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('ticket.queue')}</th>
            {columns.map((column) => (
              <th scope="col" key={column.label}>
                {column.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {counts.queues.map((row) => (
            <tr key={row.queue}>
              <th scope="row">
                <Link href={paths.queue(row.queue)}>{row.queue}</Link>
              </th>
              {columns.map((column) => (
                <td key={column.label}>{column.types.reduce((sum, stateType) => sum + row.counts[stateType], 0)}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

/** OTRS Status view: tickets of one state type (closed, merged and removed too), sorted on the server. */
export function StatusPage() {
  const i18n = useI18n()
  const { t } = i18n
  const { meta } = useApp()
  const location = useLocation()
  const stateTypeParam = location.search.get('stateType')
  // OTRS opens the status view on "Open tickets": every state type not closed (new, open, pending).
  const stateType: StateType | undefined = stateTypes.includes(stateTypeParam as StateType) ? (stateTypeParam as StateType) : undefined
  const queue = location.search.get('queue') ?? ''
  useDocumentTitle(t('nav.status'))
  const [density, setDensity] = useState<Density>(rememberedDensity())
  const [sort, setSort] = useState<Sort>({ key: 'created', order: 'asc' })
  const [selected, setSelected] = useState<Set<string>>(new Set())
  const [bulk, setBulk] = useState(false)
  const [tickets, setTickets] = useState<TicketSummary[]>([])
  const [next, setNext] = useState<string | null>(null)
  const serverSort = (['created', 'priority', 'changed', 'title'] as const).find((key) => key === sort.key) ?? 'created'

  const query = (cursor?: string) => ({ ...(stateType ? { stateType } : {}), sort: serverSort, order: sort.order, limit: 200, ...(queue ? { queue } : {}), ...(cursor ? { cursor } : {}) })
  const resource = useResource((signal) => get<Page<TicketSummary>>('/api/views/status', query(), signal), [stateType, queue, serverSort, sort.order])
  useShortcuts({ b: () => selected.size > 0 && setBulk(true) })
  useEffect(() => {
    if (resource.data) {
      setTickets(resource.data.items)
      setNext(resource.data.next)
    }
  }, [resource.data])

  const setParam = (name: string, value: string) => {
    const params = new URLSearchParams(location.search)
    if (value) params.set(name, value)
    else params.delete(name)
    navigate(`/status?${params.toString()}`, { replace: true })
  }

  return (
    <section className="page">
      <div className="page-header">
        <h1>{t('nav.status')}</h1>
        <span className="spacer" />
        <DensitySwitch density={density} onChange={setDensity} />
      </div>
      <div className="filter-tabs" role="group" aria-label={t('ticket.stateType')}>
        <button type="button" aria-pressed={stateType === undefined} onClick={() => setParam('stateType', '')}>
          {t('queue.filterAll')}
        </button>
        {stateTypes.map((candidate) => (
          <button key={candidate} type="button" aria-pressed={candidate === stateType} onClick={() => setParam('stateType', candidate)}>
            {stateTypeLabel(i18n, candidate)}
          </button>
        ))}
      </div>
      <div className="list-controls">
        <label>
          {t('ticket.queue')}
          <select value={queue} onChange={(event) => setParam('queue', event.target.value)}>
            <option value="">{t('queue.allQueues')}</option>
            {meta.queues.map((candidate) => (
              <option key={candidate.name} value={candidate.name}>
                {candidate.name}
              </option>
            ))}
          </select>
        </label>
        <SortPicker sort={sort} onChange={setSort} keys={['created', 'priority', 'changed', 'title']} />
        <span className="muted" role="status">
          {resource.loading ? t('common.loading') : t('list.count', { count: tickets.length })}
        </span>
      </div>
      {selected.size > 0 && (
        <div className="bulk-bar" role="region" aria-label={t('bulk.region')}>
          <span>{t('bulk.selected', { count: selected.size })}</span>
          <button type="button" className="primary" onClick={() => setBulk(true)}>
            {t('bulk.open')}
          </button>
          <button type="button" onClick={() => setSelected(new Set())}>
            {t('bulk.clear')}
          </button>
        </div>
      )}
      {resource.error && <p className="notice notice-error">{resource.error.message}</p>}
      <TicketList
        tickets={tickets}
        density={density}
        sort={sort}
        sortable={['created', 'priority', 'changed', 'title']}
        onSort={setSort}
        selected={selected}
        onSelect={setSelected}
        keyboard
        label={stateType ? stateTypeLabel(i18n, stateType) : t('queue.filterAll')}
      />
      {next && (
        <button
          type="button"
          className="load-more"
          onClick={() =>
            void get<Page<TicketSummary>>('/api/views/status', query(next)).then((page) => {
              setTickets((loaded) => [...loaded, ...page.items])
              setNext(page.next)
            })
          }
        >
          {t('list.loadMore')}
        </button>
      )}
      {bulk && (
        <BulkDialog
          numbers={[...selected]}
          queues={[...new Set(tickets.filter((ticket) => selected.has(ticket.number)).map((ticket) => ticket.queue))]}
          onClose={() => setBulk(false)}
          onDone={() => {
            setSelected(new Set())
            void resource.reload()
          }}
        />
      )}
    </section>
  )
}
