import { lazy, Suspense, useCallback, useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react'
import { ApiError, currentSession, getPrefetched, logout as apiLogout, onSessionExpired, prefetch, setSession } from './api/client.ts'
import type { Me, Meta, Preferences } from './api/types.ts'
import { AppContext, useApp, type AppState } from './app-context.tsx'
import { ShortcutOverlay } from './components/shortcut-overlay.tsx'
import { I18nProvider, isLanguage, loadLanguage, rememberedLanguage, rememberLanguage, useI18n, type Language } from './i18n/i18n.tsx'
import { LoginPage, ResetPasswordPage, TotpEnrolmentPage } from './pages/login.tsx'
import { Link, matchRoute, navigate, paths, useLocation, type RouteMatch } from './router.tsx'
import { useShortcuts } from './shortcuts.tsx'
import { queueListQuery } from './queue-query.ts'

const named = <K extends string>(load: () => Promise<Record<K, React.ComponentType<never>>>, name: K) =>
  lazy(async () => ({ default: (await load())[name] as React.ComponentType<Record<string, unknown>> }))

// One chunk per screen: the dashboard does not pay for the zoom, the statistics charts and so on.
const loadDashboard = () => import('./pages/dashboard.tsx')
const loadQueue = () => import('./pages/queue.tsx')
const loadTicket = () => import('./pages/ticket.tsx')
const DashboardPage = named(loadDashboard, 'DashboardPage')
const QueuePage = named(loadQueue, 'QueuePage')
const QueuesPage = named(loadQueue, 'QueuesPage')
const StatusPage = named(loadQueue, 'StatusPage')
const TicketPage = named(loadTicket, 'TicketPage')
const NewTicketPage = named(() => import('./pages/new-ticket.tsx'), 'NewTicketPage')
const SearchPage = named(() => import('./pages/search.tsx'), 'SearchPage')
const MyTicketsPage = named(() => import('./pages/views.tsx'), 'MyTicketsPage')
const EscalationPage = named(() => import('./pages/views.tsx'), 'EscalationPage')
const CustomerPage = named(() => import('./pages/customer.tsx'), 'CustomerPage')
const CustomerLookupPage = named(() => import('./pages/customer.tsx'), 'CustomerLookupPage')
const PreferencesPage = named(() => import('./pages/preferences.tsx'), 'PreferencesPage')
const StatisticsPage = named(() => import('./pages/statistics.tsx'), 'StatisticsPage')
const AdminSessionsPage = named(() => import('./pages/admin.tsx'), 'AdminSessionsPage')
const AdminCustomerUsersPage = named(() => import('./pages/customer-admin.tsx'), 'AdminCustomerUsersPage')
const AdminCompaniesPage = named(() => import('./pages/customer-admin.tsx'), 'AdminCompaniesPage')

/**
 * With a session, the opening screen's code, the agent's profile and the screen's data are all
 * requested at once, before React renders anything: no waterfall of script → profile → chunk → data.
 */
function startOpeningRequests(): void {
  if (!currentSession() || currentSession()?.totpEnrolmentRequired) return
  prefetch('/api/me')
  prefetch('/api/meta')
  const route = matchRoute(window.location.pathname)
  if (route.name === 'queue') {
    void loadQueue()
    prefetch('/api/tickets', queueListQuery(route.queue))
  } else if (route.name === 'ticket') {
    void loadTicket()
    prefetch(`/api/tickets/${route.number}`)
  } else if (route.name === 'dashboard') void loadDashboard()
}
startOpeningRequests()

export function App() {
  const [loggedIn, setLoggedIn] = useState(currentSession() !== null)
  const [reason, setReason] = useState<'expired' | 'logged-out' | null>(null)
  const [language, setLanguage] = useState<Language>(rememberedLanguage())
  const [catalogReady, setCatalogReady] = useState(language === 'en')
  const [mustEnrol, setMustEnrol] = useState(currentSession()?.totpEnrolmentRequired === true)
  const location = useLocation()

  useEffect(() => {
    if (language === 'en') return
    void loadLanguage(language).then(() => setCatalogReady(true))
  }, [language])

  useEffect(
    () =>
      onSessionExpired(() => {
        // The URL stays as it is: after logging in again the agent is back on the same screen.
        setReason('expired')
        setLoggedIn(false)
      }),
    [],
  )

  if (!catalogReady) return null
  const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone
  // The mailed link works whether or not this browser has a session (the reset ends every session anyway).
  if (location.path === '/reset-password') {
    return (
      <I18nProvider language={language} timeZone={browserZone}>
        <ResetPasswordPage token={location.search.get('token') ?? ''} />
      </I18nProvider>
    )
  }
  if (!loggedIn) {
    return (
      <I18nProvider language={language} timeZone={browserZone}>
        <LoginPage
          reason={reason}
          onLoggedIn={() => {
            setReason(null)
            setMustEnrol(currentSession()?.totpEnrolmentRequired === true)
            setLoggedIn(true)
          }}
        />
      </I18nProvider>
    )
  }
  if (mustEnrol) {
    return (
      <I18nProvider language={language} timeZone={browserZone}>
        <TotpEnrolmentPage
          onDone={() => {
            const session = currentSession()
            if (session) setSession({ ...session, totpEnrolmentRequired: false })
            setMustEnrol(false)
          }}
          onLogout={() => {
            void apiLogout().finally(() => {
              setReason('logged-out')
              setLoggedIn(false)
            })
          }}
        />
      </I18nProvider>
    )
  }
  return (
    <LoggedIn
      onLoggedOut={() => {
        setReason('logged-out')
        setLoggedIn(false)
        navigate('/', { replace: true })
      }}
      onLanguage={(next) => {
        rememberLanguage(next)
        setLanguage(next)
      }}
    />
  )
}

function LoggedIn({ onLoggedOut, onLanguage }: { onLoggedOut: () => void; onLanguage: (language: Language) => void }) {
  const [state, setState] = useState<{ me: Me; meta: Meta; preferences: Preferences } | null>(null)
  const [failed, setFailed] = useState<string | null>(null)

  const reload = useCallback(async () => {
    try {
      const [me, meta] = await Promise.all([getPrefetched<Me>('/api/me'), getPrefetched<Meta>('/api/meta')])
      const language = isLanguage(me.preferences.language) ? me.preferences.language : 'en'
      await loadLanguage(language)
      onLanguage(language)
      setState({ me, meta, preferences: me.preferences })
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 401)) setFailed(error instanceof Error ? error.message : String(error))
    }
  }, [onLanguage])

  useEffect(() => {
    void reload()
  }, [reload])

  if (failed) return <p className="notice notice-error page-error">{failed}</p>
  if (!state) return <p className="loading-page" aria-busy="true" />
  const app: AppState = {
    ...state,
    reload,
    setPreferences: (preferences) => {
      // The catalog first: the screen switches language in one step, never half-translated.
      const language: Language = isLanguage(preferences.language) ? preferences.language : 'en'
      void loadLanguage(language).then(() => {
        onLanguage(language)
        setState((current) => (current ? { ...current, preferences, me: { ...current.me, preferences } } : current))
      })
    },
    logout: async () => {
      await apiLogout().catch(() => undefined)
      onLoggedOut()
    },
  }
  return (
    <AppContext.Provider value={app}>
      <I18nProvider language={isLanguage(state.preferences.language) ? state.preferences.language : 'en'} timeZone={state.preferences.timeZone}>
        <Layout />
      </I18nProvider>
    </AppContext.Provider>
  )
}

function Layout() {
  const location = useLocation()
  const route = matchRoute(location.path)
  const { t } = useI18n()
  const app = useApp()
  const [help, setHelp] = useState(false)
  const [menuOpen, setMenuOpen] = useState(false)
  const searchBox = useRef<HTMLInputElement>(null)
  const firstQueue = app.preferences.myQueues[0] ?? app.meta.queues[0]?.name

  useShortcuts({
    'g d': () => navigate(paths.dashboard()),
    'g q': () => navigate(firstQueue ? paths.queue(firstQueue) : '/queues'),
    'g s': () => navigate(paths.status()),
    'g t': () => navigate(paths.statistics()),
    'g p': () => navigate(paths.preferences()),
    'g n': () => navigate(paths.newTicket('phone')),
    'g e': () => navigate(paths.newTicket('email')),
    '/': () => searchBox.current?.focus(),
    '?': () => setHelp(true),
  })

  useEffect(() => setMenuOpen(false), [location.href])

  return (
    <div className="app">
      <a className="skip-link" href="#main">
        {t('nav.skip')}
      </a>
      <header className="top-bar">
        <Link href="/" className="brand">
          <span className="brand-mark" aria-hidden="true">▣</span> Docket
        </Link>
        <button type="button" className="menu-toggle" aria-expanded={menuOpen} aria-controls="main-nav" onClick={() => setMenuOpen(!menuOpen)}>
          {t('nav.menu')}
        </button>
        <nav id="main-nav" className={menuOpen ? 'main-nav open' : 'main-nav'} aria-label={t('nav.label')}>
          <NavLink href="/" active={route.name === 'dashboard'}>
            {t('nav.dashboard')}
          </NavLink>
          <NavLink href="/queues" active={route.name === 'queue' || route.name === 'queues'}>
            {t('nav.queues')}
          </NavLink>
          <BarMenu
            id="tickets-menu"
            className="tickets-menu"
            active={['status', 'my-tickets', 'escalations', 'search'].includes(route.name)}
            label={<>{t('nav.tickets')} <span aria-hidden="true">▾</span></>}
          >
            <NavLink href={paths.status()} active={route.name === 'status'}>
              {t('nav.status')}
            </NavLink>
            <NavLink href={paths.escalations()} active={route.name === 'escalations'}>
              {t('nav.escalations')}
            </NavLink>
            <NavLink href={paths.myTickets('locked')} active={route.name === 'my-tickets'}>
              {t('nav.myTickets')}
            </NavLink>
            <NavLink href="/search" active={route.name === 'search'}>
              {t('nav.search')}
            </NavLink>
          </BarMenu>
          <NavLink href="/customers" active={['customers', 'customer', 'company', 'admin-customer-users', 'admin-companies'].includes(route.name)}>
            {t('nav.customers')}
          </NavLink>
          <NavLink href={paths.statistics()} active={route.name === 'statistics'}>
            {t('nav.statistics')}
          </NavLink>
          {app.me.admin && (
            <NavLink href={paths.adminSessions()} active={route.name === 'admin-sessions'}>
              {t('nav.admin')}
            </NavLink>
          )}
        </nav>
        <div className="new-ticket-links">
          <Link href={paths.newTicket('phone')} aria-current={route.name === 'new-ticket' && route.type === 'phone' ? 'page' : undefined} aria-keyshortcuts="g n">
            {t('nav.newPhoneTicket')}
          </Link>
          <Link href={paths.newTicket('email')} aria-current={route.name === 'new-ticket' && route.type === 'email' ? 'page' : undefined} aria-keyshortcuts="g e">
            {t('nav.newEmailTicket')}
          </Link>
        </div>
        <QuickSearch inputRef={searchBox} />
        <div className="who">
          <PersonalMenu current={route.name === 'preferences'} />
          <button type="button" className="icon-button" aria-label={t('shortcut.title')} title={t('shortcut.title')} onClick={() => setHelp(true)}>
            ?
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Suspense fallback={<p className="loading" aria-busy="true">{t('common.loading')}</p>}>
          <RouteView route={route} key={route.name === 'ticket' ? `ticket:${route.number}` : route.name === 'new-ticket' ? location.href : location.path} />
        </Suspense>
      </main>
      {help && <ShortcutOverlay onClose={() => setHelp(false)} />}
    </div>
  )
}

/**
 * A button in the top bar that opens a small menu under it, as OTRS's Tickets menu and avatar menu;
 * closes on navigation, Escape or a click elsewhere.
 */
function BarMenu({ id, label, buttonLabel, active, className, children }: { id: string; label: ReactNode; buttonLabel?: string; active?: boolean; className: string; children: ReactNode }) {
  const [open, setOpen] = useState(false)
  const menu = useRef<HTMLDivElement>(null)
  const location = useLocation()
  useEffect(() => setOpen(false), [location.href])
  useEffect(() => {
    if (!open) return
    const closeOutside = (event: MouseEvent) => {
      if (!menu.current?.contains(event.target as Node)) setOpen(false)
    }
    const closeOnEscape = (event: KeyboardEvent) => {
      if (event.key === 'Escape') setOpen(false)
    }
    document.addEventListener('mousedown', closeOutside)
    document.addEventListener('keydown', closeOnEscape)
    return () => {
      document.removeEventListener('mousedown', closeOutside)
      document.removeEventListener('keydown', closeOnEscape)
    }
  }, [open])
  return (
    <div className={`bar-menu ${className}`} ref={menu}>
      <button type="button" className={active ? 'active' : undefined} aria-label={buttonLabel} title={buttonLabel} aria-expanded={open} aria-controls={id} onClick={() => setOpen(!open)}>
        {label}
      </button>
      {open && (
        <div id={id} className="bar-menu-items">
          {children}
        </div>
      )}
    </div>
  )
}

/** OTRS 6's avatar menu: the agent's initials open their name, personal preferences and log out. */
function PersonalMenu({ current }: { current: boolean }) {
  const { t } = useI18n()
  const app = useApp()
  const name = `${app.me.firstName} ${app.me.lastName}`.trim() || app.me.login
  const initials = (app.me.firstName.charAt(0) + app.me.lastName.charAt(0) || app.me.login.slice(0, 2)).toUpperCase()
  return (
    <BarMenu id="personal-menu" className="personal-menu" active={current} buttonLabel={t('nav.personalMenu', { name })} label={<span className="avatar" aria-hidden="true">{initials}</span>}>
      <p className="who-name">
        {name}
        <small>{t('nav.loggedInAs', { login: app.me.login })}</small>
      </p>
      <Link href={paths.preferences()} aria-current={current ? 'page' : undefined}>
        {t('nav.preferencesShort')}
      </Link>
      <button type="button" className="link-button" onClick={() => void app.logout()}>
        {t('nav.logout')}
      </button>
    </BarMenu>
  )
}

function NavLink({ href, active, children }: { href: string; active: boolean; children: ReactNode }) {
  return (
    <Link href={href} className={active ? 'active' : undefined} aria-current={active ? 'page' : undefined}>
      {children}
    </Link>
  )
}

function RouteView({ route }: { route: RouteMatch }) {
  const { t } = useI18n()
  const { search } = useLocation()
  switch (route.name) {
    case 'dashboard':
      return <DashboardPage />
    case 'queue':
      return <QueuePage queue={route.queue} />
    case 'queues':
      return <QueuesPage />
    case 'status':
      return <StatusPage />
    case 'my-tickets':
      return <MyTicketsPage view={route.view} />
    case 'escalations':
      return <EscalationPage />
    case 'ticket':
      return <TicketPage number={route.number} />
    case 'new-ticket':
      return <NewTicketPage type={route.type} splitFrom={search.get('splitFrom')} articleId={search.get('article')} />
    case 'search':
      return <SearchPage />
    case 'customers':
      return <CustomerLookupPage />
    case 'customer':
      return <CustomerPage email={route.email} />
    case 'company':
      return <CustomerPage customerId={route.customerId} />
    case 'preferences':
      return <PreferencesPage />
    case 'statistics':
      return <StatisticsPage />
    case 'admin-sessions':
      return <AdminSessionsPage />
    case 'admin-customer-users':
      return <AdminCustomerUsersPage />
    case 'admin-companies':
      return <AdminCompaniesPage />
    case 'not-found':
      return (
        <section className="page">
          <h1>{t('error.notFoundTitle')}</h1>
          <p>
            <Link href="/">{t('nav.dashboard')}</Link>
          </p>
        </section>
      )
  }
}

/** The header's quick search (OTRS "Ticket Number" box): a ticket number opens the ticket, words search. */
function QuickSearch({ inputRef }: { inputRef: React.RefObject<HTMLInputElement | null> }) {
  const { t } = useI18n()
  const location = useLocation()
  const [text, setText] = useState(location.path === '/search' ? (location.search.get('q') ?? '') : '')
  const submit = (event: FormEvent) => {
    event.preventDefault()
    const query = text.trim()
    if (!query) return
    const number = query.replace(/^#|^Ticket#/i, '')
    if (/^\d{10,40}$/.test(number)) navigate(paths.ticket(number))
    else navigate(paths.search(query))
    inputRef.current?.blur()
  }
  return (
    <form role="search" className="quick-search" onSubmit={submit}>
      <label htmlFor="quick-search" className="visually-hidden">
        {t('search.quickLabel')}
      </label>
      <input
        id="quick-search"
        ref={inputRef}
        type="search"
        placeholder={t('search.quickPlaceholder')}
        value={text}
        onChange={(event) => setText(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === 'Escape') event.currentTarget.blur()
        }}
      />
    </form>
  )
}
