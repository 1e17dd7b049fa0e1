import { useEffect, useState } from 'react'
import { get } from '../api/client.ts'
import type { Page, TicketSummary, ViewCounts } from '../api/types.ts'
import { DensitySwitch, rememberedDensity, sortTickets, TicketList, type Density, type Sort } from '../components/ticket-list.tsx'
import { useI18n, type MessageKey } from '../i18n/i18n.tsx'
import { Link, myTicketsViews, navigate, paths, useDocumentTitle, useLocation, type MyTicketsView } from '../router.tsx'
import { useResource } from '../use-resource.ts'

const refreshMs = 30_000

/** One agent view, page by page (the server's cursor), sorted in the browser like the queue view. */
function ViewList({ view, query, label, empty, byEscalation = false }: { view: string; query: Record<string, string>; label: string; empty: string; byEscalation?: boolean }) {
  const { t } = useI18n()
  const [density, setDensity] = useState<Density>(rememberedDensity())
  // The escalation view keeps the server's order (by escalation time): no column sorting there.
  const [sort, setSort] = useState<Sort | undefined>(byEscalation ? undefined : { key: 'created', order: 'asc' })
  const [tickets, setTickets] = useState<TicketSummary[]>([])
  const [next, setNext] = useState<string | null>(null)
  const key = JSON.stringify(query)
  const resource = useResource((signal) => get<Page<TicketSummary>>(`/api/views/${view}`, { limit: 100, ...query }, signal), [view, key], { refreshMs })
  useEffect(() => {
    if (resource.data) {
      setTickets(resource.data.items)
      setNext(resource.data.next)
    }
  }, [resource.data])
  return (
    <>
      <div className="list-controls">
        <span className="muted" role="status">
          {resource.loading && tickets.length === 0 ? t('common.loading') : t('list.count', { count: tickets.length })}
        </span>
        <span className="spacer" />
        <DensitySwitch density={density} onChange={setDensity} />
      </div>
      {resource.error && <p className="notice notice-error">{resource.error.message}</p>}
      {resource.data && (
        <TicketList
          tickets={sort ? sortTickets(tickets, sort) : tickets}
          density={density}
          {...(sort ? { sort } : {})}
          sortable={['created', 'priority', 'changed', 'title', 'number', 'state', 'owner']}
          onSort={setSort}
          keyboard
          label={label}
          empty={empty}
          showEscalation={byEscalation}
        />
      )}
      {next && (
        <button
          type="button"
          className="load-more"
          onClick={() =>
            void get<Page<TicketSummary>>(`/api/views/${view}`, { limit: 100, ...query, cursor: next }).then((page) => {
              setTickets((loaded) => [...loaded, ...page.items])
              setNext(page.next)
            })
          }
        >
          {t('list.loadMore')}
        </button>
      )}
    </>
  )
}

const myTicketsLabels: Record<MyTicketsView, { title: MessageKey; empty: MessageKey; count: keyof ViewCounts['mine'] }> = {
  locked: { title: 'views.locked', empty: 'views.lockedEmpty', count: 'locked' },
  responsible: { title: 'views.responsible', empty: 'views.responsibleEmpty', count: 'responsible' },
  watched: { title: 'views.watched', empty: 'views.watchedEmpty', count: 'watched' },
}

/** OTRS's personal views: my locked tickets, my responsibilities, my watched tickets (every state type not closed). */
export function MyTicketsPage({ view }: { view: MyTicketsView }) {
  const { t } = useI18n()
  const labels = myTicketsLabels[view]
  useDocumentTitle(t(labels.title))
  const counts = useResource((signal) => get<ViewCounts>('/api/views/counts', undefined, signal), [], { refreshMs })
  return (
    <section className="page">
      <div className="page-header">
        <h1>{t('nav.myTickets')}</h1>
      </div>
      <nav className="filter-tabs" aria-label={t('nav.myTickets')}>
        {myTicketsViews.map((candidate) => (
          <Link key={candidate} href={paths.myTickets(candidate)} className="tab-link" aria-current={candidate === view ? 'page' : undefined}>
            {t(myTicketsLabels[candidate].title)}
            {counts.data ? ` (${counts.data.mine[myTicketsLabels[candidate].count]})` : ''}
          </Link>
        ))}
      </nav>
      <ViewList view={view} query={{}} label={t(labels.title)} empty={t(labels.empty)} />
    </section>
  )
}

const buckets = ['now', 'today', 'tomorrow', 'next-week'] as const
type Bucket = (typeof buckets)[number]
const bucketLabels: Record<Bucket, MessageKey> = { now: 'escalations.now', today: 'escalations.today', tomorrow: 'escalations.tomorrow', 'next-week': 'escalations.nextWeek' }

/**
 * OTRS AgentTicketEscalationView: tickets by escalation time (their earliest SLA deadline), escalated
 * now or escalating by the end of today, tomorrow or next week (each includes the earlier ones, as OTRS).
 */
export function EscalationPage() {
  const { t } = useI18n()
  const location = useLocation()
  const param = location.search.get('when')
  const when: Bucket = buckets.includes(param as Bucket) ? (param as Bucket) : 'now'
  useDocumentTitle(t('nav.escalations'))
  return (
    <section className="page">
      <div className="page-header">
        <h1>{t('nav.escalations')}</h1>
      </div>
      <div className="filter-tabs" role="group" aria-label={t('escalations.when')}>
        {buckets.map((bucket) => (
          <button key={bucket} type="button" aria-pressed={bucket === when} onClick={() => navigate(paths.escalations(bucket), { replace: true })}>
            {t(bucketLabels[bucket])}
          </button>
        ))}
      </div>
      <p className="hint">{t('escalations.hint')}</p>
      <ViewList view="escalation" query={{ when, sort: 'escalation' }} label={t(bucketLabels[when])} empty={t('escalations.empty')} byEscalation />
    </section>
  )
}
