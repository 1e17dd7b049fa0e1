import { useState } from 'react'
import { ApiError, get } from '../api/client.ts'
import type { Page, SavedSearch, TicketSummary, ViewCounts } from '../api/types.ts'
import { TicketList } from '../components/ticket-list.tsx'
import { useI18n, type MessageKey } from '../i18n/i18n.tsx'
import { Link, paths, useDocumentTitle } from '../router.tsx'
import { useResource } from '../use-resource.ts'
import { QueueCountsTable } from './queue.tsx'
import { savedSearchHref } from './search.tsx'

/** The dashboard re-reads everything this often, and whenever the window gets focus again. */
const refreshMs = 30_000
const widgetSize = 15

/** The OTRS dashboard filters of a ticket widget (the server applies them inside the query). */
export type WidgetFilter = 'all' | 'mine' | 'unlocked' | 'watched' | 'responsible' | 'my-queues'

const widgetFilterLabels: Record<WidgetFilter, MessageKey> = {
  all: 'dashboard.filterAll',
  mine: 'dashboard.filterMine',
  unlocked: 'dashboard.filterUnlocked',
  watched: 'dashboard.filterWatched',
  responsible: 'dashboard.filterResponsible',
  'my-queues': 'dashboard.filterMyQueues',
}
const commonFilters: WidgetFilter[] = ['all', 'mine', 'watched', 'responsible', 'my-queues']

/**
 * The filter the agent chose per widget is kept (as OTRS keeps it in the user's dashboard
 * preferences), so "New tickets" stays on "Tickets in My Queues" once chosen.
 */
const filtersKey = 'docket.dashboardFilters'
const defaultFilters: Record<string, WidgetFilter> = { new: 'all', open: 'all', reminders: 'all', escalated: 'all' }
function rememberedFilters(): Record<string, WidgetFilter> {
  try {
    const stored = JSON.parse(localStorage.getItem(filtersKey) ?? '{}') as Record<string, unknown>
    const kept = Object.entries(stored).filter(([widget, filter]) => widget in defaultFilters && typeof filter === 'string' && filter in widgetFilterLabels)
    return { ...defaultFilters, ...(Object.fromEntries(kept) as Record<string, WidgetFilter>) }
  } catch {
    return defaultFilters
  }
}

/**
 * OTRS dashboard: New tickets, Open tickets / need to be answered, reminders reached, escalations,
 * each with OTRS's filters (my locked, my watched, my responsibilities, tickets in My Queues); on
 * the side my saved searches and tickets per queue.
 */
export function DashboardPage() {
  const { t } = useI18n()
  useDocumentTitle(t('nav.dashboard'))
  const [filters, setFilters] = useState<Record<string, WidgetFilter>>(rememberedFilters)
  const chooseFilter = (widget: string, filter: WidgetFilter) =>
    setFilters((current) => {
      const chosen = { ...current, [widget]: filter }
      localStorage.setItem(filtersKey, JSON.stringify(chosen))
      return chosen
    })
  const view = (name: string, filter: WidgetFilter) => (signal: AbortSignal) =>
    get<Page<TicketSummary>>(`/api/views/${name}`, { limit: widgetSize, ...(filter === 'all' ? {} : { filter }) }, signal)

  const newTickets = useResource(view('new', filters.new!), [filters.new], { refreshMs })
  const openTickets = useResource(view('open', filters.open!), [filters.open], { refreshMs })
  const reminders = useResource(view('pending-reached', filters.reminders!), [filters.reminders], { refreshMs })
  const escalated = useResource(view('escalated', filters.escalated!), [filters.escalated], { refreshMs })
  const counts = useResource((signal) => get<ViewCounts>('/api/views/counts', undefined, signal), [], { refreshMs })
  const searches = useResource((signal) => get<{ items: SavedSearch[] }>('/api/me/searches', undefined, signal), [], { refreshMs })

  const filterTabs = (widget: string, label: string, choices: WidgetFilter[] = commonFilters) => (
    <div className="filter-tabs" role="group" aria-label={t('dashboard.widgetFilter', { widget: label })}>
      {choices.map((filter) => (
        <button key={filter} type="button" aria-pressed={filters[widget] === filter} onClick={() => chooseFilter(widget, filter)}>
          {t(widgetFilterLabels[filter])}
          {filter === 'mine' && counts.data ? ` (${counts.data.mine.locked})` : ''}
          {filter === 'watched' && counts.data ? ` (${counts.data.mine.watched})` : ''}
          {filter === 'responsible' && counts.data ? ` (${counts.data.mine.responsible})` : ''}
        </button>
      ))}
    </div>
  )

  return (
    <section className="page">
      <div className="page-header">
        <h1>{t('nav.dashboard')}</h1>
        <span className="spacer" />
        <span className="muted" aria-live="polite">
          {t('dashboard.refreshes')}
        </span>
      </div>
      <div className="dashboard">
        <div className="dashboard-main">
          <Widget title={t('dashboard.new')} resource={newTickets} empty={t('dashboard.newEmpty')} extra={filterTabs('new', t('dashboard.new'))} />
          <Widget
            title={t('dashboard.open')}
            resource={openTickets}
            empty={t('dashboard.openEmpty')}
            extra={filterTabs('open', t('dashboard.open'), ['all', 'mine', 'unlocked', 'watched', 'responsible', 'my-queues'])}
          />
          <Widget title={t('dashboard.reminders')} resource={reminders} empty={t('dashboard.remindersEmpty')} extra={filterTabs('reminders', t('dashboard.reminders'))} />
          <Widget title={t('dashboard.escalated')} resource={escalated} empty={t('dashboard.escalatedEmpty')} extra={filterTabs('escalated', t('dashboard.escalated'))} />
        </div>
        <aside className="dashboard-side">
          <section className="panel" aria-labelledby="saved-searches">
            <h2 id="saved-searches">{t('dashboard.savedSearches')}</h2>
            {!searches.data && !searches.error && <p className="muted">{t('common.loading')}</p>}
            {searches.data && searches.data.items.length === 0 && <p className="muted">{t('dashboard.noSavedSearches')}</p>}
            <ul className="plain-list">
              {searches.data?.items.map((search) => (
                <li key={search.id}>
                  <Link href={savedSearchHref(search)}>{search.name}</Link>
                </li>
              ))}
            </ul>
          </section>
          <section className="panel" aria-labelledby="queue-counts">
            <h2 id="queue-counts">{t('dashboard.queueCounts')}</h2>
            {!counts.data && !counts.error && <p className="muted">{t('common.loading')}</p>}
            {counts.data && <QueueCountsTable counts={counts.data} compact />}
            {counts.data && (
              <p className="hint">
                <Link href={paths.myTickets('locked')}>{t('dashboard.mineLocked', { count: counts.data.mine.locked })}</Link>
                {' · '}
                <Link href={paths.myTickets('responsible')}>{t('dashboard.mineResponsible', { count: counts.data.mine.responsible })}</Link>
                {' · '}
                <Link href={paths.myTickets('watched')}>{t('dashboard.mineWatched', { count: counts.data.mine.watched })}</Link>
              </p>
            )}
          </section>
        </aside>
      </div>
    </section>
  )
}

function Widget({
  title,
  resource,
  empty,
  extra,
}: {
  title: string
  resource: { data: Page<TicketSummary> | undefined; error: Error | undefined; loading: boolean }
  empty: string
  extra?: React.ReactNode
}) {
  const { t } = useI18n()
  const id = `widget-${title.replace(/\W+/g, '-').toLowerCase()}`
  const items = resource.data?.items ?? []
  return (
    <section className="panel" aria-labelledby={id}>
      <h2 id={id}>
        {title} <span className="count-badge">{resource.data ? `${items.length}${resource.data.next ? '+' : ''}` : '…'}</span>
      </h2>
      {extra}
      {resource.error ? (
        <p className="notice notice-error">{resource.error instanceof ApiError && resource.error.status === 400 ? t('dashboard.unavailable') : resource.error.message}</p>
      ) : resource.data ? (
        <TicketList tickets={items} density="S" label={title} empty={empty} />
      ) : (
        <p className="muted">{t('common.loading')}</p>
      )}
    </section>
  )
}

