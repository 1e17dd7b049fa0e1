import { useMemo, useState, type FormEvent } from 'react'
import { AgentOptions } from '../components/agent-options.tsx'
import { api, ApiError } from '../api/client.ts'
import { stateTypes, type Page, type SavedSearch, type SearchFilters, type SearchHit, type StateType } from '../api/types.ts'
import { useApp } from '../app-context.tsx'
import { useI18n } from '../i18n/i18n.tsx'
import { agentName, priorityLabel, stateClass, stateLabel, stateTypeLabel } from '../labels.ts'
import { Link, navigate, paths, useDocumentTitle, useLocation } from '../router.tsx'
import { useResource } from '../use-resource.ts'
import { localInputToIso } from '../components/date-input.ts'

type SearchSort = SavedSearch['query']['sort']
interface SearchState {
  text: string
  filters: SearchFilters
  sort: SearchSort
  order: 'asc' | 'desc'
}

/** The search lives in the URL (/search?q=…&f=…), so results can be bookmarked, shared and saved. */
export function searchHref(state: SearchState): string {
  const params = new URLSearchParams()
  params.set('q', state.text)
  if (Object.keys(state.filters).length > 0) params.set('f', JSON.stringify(state.filters))
  if (state.sort !== 'relevance') params.set('sort', state.sort)
  if (state.order !== 'desc') params.set('order', state.order)
  return `/search?${params.toString()}`
}

export function savedSearchHref(search: SavedSearch): string {
  return searchHref({ text: search.query.text ?? '', filters: search.query.filters ?? {}, sort: search.query.sort ?? 'relevance', order: search.query.order ?? 'desc' })
}

function readSearch(search: URLSearchParams): SearchState {
  let filters: SearchFilters = {}
  try {
    const parsed = JSON.parse(search.get('f') ?? '{}') as unknown
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) filters = parsed as SearchFilters
  } catch {
    filters = {}
  }
  const sort = search.get('sort')
  return {
    text: search.get('q') ?? '',
    filters,
    sort: sort === 'created' || sort === 'changed' || sort === 'priority' ? sort : 'relevance',
    order: search.get('order') === 'asc' ? 'asc' : 'desc',
  }
}

/**
 * Highlights come as HTML-escaped text with <mark> around matches. They are split into text
 * nodes here, so nothing of the ticket's text is ever parsed as HTML.
 */
export function highlightParts(highlight: string): { text: string; marked: boolean }[] {
  const entities: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'", '&#x27;': "'" }
  const unescape = (text: string) => text.replace(/&(amp|lt|gt|quot|#39|#x27);/g, (entity) => entities[entity] ?? entity)
  return highlight
    .split(/(<mark>[\s\S]*?<\/mark>)/)
    .filter(Boolean)
    .map((part) => (part.startsWith('<mark>') ? { text: unescape(part.slice(6, -7)), marked: true } : { text: unescape(part), marked: false }))
}

export function SearchPage() {
  const i18n = useI18n()
  const { t } = i18n
  const { meta } = useApp()
  const location = useLocation()
  const state = useMemo(() => readSearch(location.search), [location.search])
  useDocumentTitle(state.text ? t('search.titleFor', { text: state.text }) : t('nav.search'))
  const [hits, setHits] = useState<SearchHit[]>([])
  const [next, setNext] = useState<string | null>(null)
  const [saveName, setSaveName] = useState('')
  const [message, setMessage] = useState<string | null>(null)
  const hasQuery = state.text.trim() !== '' || Object.keys(state.filters).length > 0

  const run = (cursor?: string) => api<Page<SearchHit>>('POST', '/api/search', { text: state.text, filters: state.filters, sort: state.sort, order: state.order, limit: 50, ...(cursor ? { cursor } : {}) })
  const results = useResource(
    async () => {
      if (!hasQuery) return null
      const page = await run()
      setHits(page.items)
      setNext(page.next)
      return page
    },
    [location.search],
  )
  const saved = useResource(() => api<{ items: SavedSearch[] }>('GET', '/api/me/searches'), [])

  const save = async (event: FormEvent) => {
    event.preventDefault()
    try {
      await api('POST', '/api/me/searches', { name: saveName.trim(), query: { text: state.text, filters: state.filters, sort: state.sort, order: state.order } })
      setSaveName('')
      setMessage(t('search.saved'))
      await saved.reload()
    } catch (caught) {
      setMessage(caught instanceof ApiError ? caught.message : String(caught))
    }
  }

  return (
    <section className="page">
      <div className="page-header">
        <h1>{t('nav.search')}</h1>
      </div>
      <AdvancedSearchForm key={location.search.toString()} initial={state} />
      {results.error && <p className="notice notice-error">{results.error instanceof ApiError && results.error.status === 503 ? t('search.unavailable') : results.error.message}</p>}
      {hasQuery && results.data && (
        <section className="panel" aria-labelledby="search-results">
          <h2 id="search-results">
            {t('search.results')} <span className="count-badge">{`${hits.length}${next ? '+' : ''}`}</span>
          </h2>
          {hits.length === 0 && <p className="muted">{t('search.noHits')}</p>}
          <ol className="plain-list">
            {hits.map((hit) => (
              <li key={hit.number} className="search-hit">
                <div>
                  <Link href={paths.ticket(hit.number)}>
                    <span className="number">{hit.number}</span> · <strong>{hit.title || t('ticket.noTitle')}</strong>
                  </Link>{' '}
                  <span className={stateClass(hit.stateType)}>{stateLabel(i18n, hit.state)}</span> <span className="muted">{hit.queue}</span>{' '}
                  <span className={`prio prio-${hit.priority}`}>{priorityLabel(i18n, meta, hit.priority)}</span>{' '}
                  <span className="muted">
                    {hit.customer ?? ''} · {i18n.dateTime(hit.createdAt)} {hit.owner ? `· ${agentName(meta, hit.owner)}` : ''}
                  </span>
                  {hit.highlights.map((highlight, index) => (
                    <p className="highlights" key={index}>
                      {highlightParts(highlight).map((part, partIndex) => (part.marked ? <mark key={partIndex}>{part.text}</mark> : <span key={partIndex}>{part.text}</span>))}
                    </p>
                  ))}
                </div>
              </li>
            ))}
          </ol>
          {next && (
            <button
              type="button"
              className="load-more"
              onClick={() =>
                void run(next).then((page) => {
                  setHits((loaded) => [...loaded, ...page.items])
                  setNext(page.next)
                })
              }
            >
              {t('list.loadMore')}
            </button>
          )}
          <form className="toolbar" onSubmit={save}>
            <label htmlFor="save-search-name">{t('search.saveAs')}</label>
            <input id="save-search-name" required maxLength={100} value={saveName} onChange={(event) => setSaveName(event.target.value)} />
            <button type="submit">{t('search.save')}</button>
            {message && <span role="status">{message}</span>}
          </form>
        </section>
      )}
      <section className="panel" aria-labelledby="saved-search-list">
        <h2 id="saved-search-list">{t('dashboard.savedSearches')}</h2>
        {saved.data?.items.length === 0 && <p className="muted">{t('dashboard.noSavedSearches')}</p>}
        <ul className="plain-list">
          {saved.data?.items.map((search) => (
            <li key={search.id}>
              <Link href={savedSearchHref(search)}>{search.name}</Link>
              <span className="spacer" />
              <button
                type="button"
                className="link-button"
                aria-label={t('search.deleteSaved', { name: search.name })}
                onClick={() => void api('DELETE', `/api/me/searches/${encodeURIComponent(search.id)}`).then(() => saved.reload())}
              >
                {t('common.delete')}
              </button>
            </li>
          ))}
        </ul>
      </section>
    </section>
  )
}

function AdvancedSearchForm({ initial }: { initial: SearchState }) {
  const i18n = useI18n()
  const { t } = i18n
  const { meta } = useApp()
  const [text, setText] = useState(initial.text)
  const [queues, setQueues] = useState<string[]>(initial.filters.queues ?? [])
  const [types, setTypes] = useState<StateType[]>((initial.filters.stateTypes ?? []) as StateType[])
  const [priorities, setPriorities] = useState<number[]>(initial.filters.priorities ?? [])
  const [owner, setOwner] = useState(initial.filters.owners?.[0] ?? '')
  const [customer, setCustomer] = useState(initial.filters.customers?.[0] ?? '')
  const [number, setNumber] = useState(initial.filters.number ?? '')
  const [createdFrom, setCreatedFrom] = useState(initial.filters.created?.from?.slice(0, 10) ?? '')
  const [createdTo, setCreatedTo] = useState(initial.filters.created?.to?.slice(0, 10) ?? '')
  const [sort, setSort] = useState<SearchSort>(initial.sort)
  const [order, setOrder] = useState(initial.order)
  const [open, setOpen] = useState(Object.keys(initial.filters).length > 0 || initial.text === '')

  const submit = (event: FormEvent) => {
    event.preventDefault()
    const filters: SearchFilters = {}
    if (queues.length) filters.queues = queues
    if (types.length) filters.stateTypes = types
    if (priorities.length) filters.priorities = priorities
    if (owner) filters.owners = [owner]
    if (customer.trim()) filters.customers = [customer.trim()]
    if (number.trim()) filters.number = number.trim()
    if (createdFrom || createdTo)
      filters.created = {
        ...(createdFrom ? { from: localInputToIso(`${createdFrom}T00:00`, i18n.timeZone) } : {}),
        ...(createdTo ? { to: localInputToIso(`${createdTo}T23:59`, i18n.timeZone) } : {}),
      }
    navigate(searchHref({ text, filters, sort, order }))
  }
  const multi = (event: React.ChangeEvent<HTMLSelectElement>) => [...event.target.selectedOptions].map((option) => option.value)

  return (
    <form className="panel form" onSubmit={submit} role="search" aria-label={t('search.advanced')}>
      <div className="row">
        <div className="field">
          <label htmlFor="search-text">{t('search.text')}</label>
          <input id="search-text" type="search" value={text} onChange={(event) => setText(event.target.value)} placeholder={t('search.textPlaceholder')} />
        </div>
      </div>
      <p className="hint">{t('search.syntax')}</p>
      <button type="button" className="link-button" aria-expanded={open} onClick={() => setOpen(!open)}>
        {open ? t('search.fewerFilters') : t('search.moreFilters')}
      </button>
      {open && (
        <>
          <div className="row">
            <div className="field">
              <label htmlFor="search-queues">{t('nav.queues')}</label>
              <select id="search-queues" multiple size={Math.min(5, meta.queues.length)} value={queues} onChange={(event) => setQueues(multi(event))}>
                {meta.queues.map((queue) => (
                  <option key={queue.name} value={queue.name}>
                    {queue.name}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor="search-states">{t('ticket.stateType')}</label>
              <select id="search-states" multiple size={5} value={types} onChange={(event) => setTypes(multi(event) as StateType[])}>
                {stateTypes.map((stateType) => (
                  <option key={stateType} value={stateType}>
                    {stateTypeLabel(i18n, stateType)}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor="search-priorities">{t('ticket.priority')}</label>
              <select id="search-priorities" multiple size={5} value={priorities.map(String)} onChange={(event) => setPriorities(multi(event).map(Number))}>
                {meta.priorities.map((priority) => (
                  <option key={priority.id} value={priority.id}>
                    {priorityLabel(i18n, meta, priority.id)}
                  </option>
                ))}
              </select>
            </div>
          </div>
          <div className="row">
            <div className="field">
              <label htmlFor="search-owner">{t('ticket.owner')}</label>
              <select id="search-owner" value={owner} onChange={(event) => setOwner(event.target.value)}>
                <option value="">{t('common.any')}</option>
                <AgentOptions />
              </select>
            </div>
            <div className="field">
              <label htmlFor="search-customer">{t('ticket.customer')}</label>
              <input id="search-customer" value={customer} onChange={(event) => setCustomer(event.target.value)} />
            </div>
            <div className="field">
              <label htmlFor="search-number">{t('ticket.number')}</label>
              <input id="search-number" value={number} inputMode="numeric" pattern="\d{1,40}\*?" onChange={(event) => setNumber(event.target.value)} />
            </div>
          </div>
          <div className="row">
            <div className="field">
              <label htmlFor="search-created-from">{t('search.createdFrom')}</label>
              <input id="search-created-from" type="date" value={createdFrom} onChange={(event) => setCreatedFrom(event.target.value)} />
            </div>
            <div className="field">
              <label htmlFor="search-created-to">{t('search.createdTo')}</label>
              <input id="search-created-to" type="date" value={createdTo} onChange={(event) => setCreatedTo(event.target.value)} />
            </div>
            <div className="field">
              <label htmlFor="search-sort">{t('list.sortBy')}</label>
              <select id="search-sort" value={sort} onChange={(event) => setSort(event.target.value as SearchSort)}>
                <option value="relevance">{t('search.relevance')}</option>
                <option value="created">{t('ticket.created')}</option>
                <option value="changed">{t('ticket.changed')}</option>
                <option value="priority">{t('ticket.priority')}</option>
              </select>
            </div>
            <div className="field">
              <label htmlFor="search-order">{t('list.order')}</label>
              <select id="search-order" value={order} onChange={(event) => setOrder(event.target.value as 'asc' | 'desc')}>
                <option value="desc">{t('list.descending')}</option>
                <option value="asc">{t('list.ascending')}</option>
              </select>
            </div>
          </div>
        </>
      )}
      <div className="actions">
        <button type="submit" className="primary">
          {t('search.submit')}
        </button>
      </div>
    </form>
  )
}
