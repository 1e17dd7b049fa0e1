import { useEffect, useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from 'react'

/**
 * A small own router over the History API. The client has a handful of routes with fixed shapes
 * (/, /queues/:name, /tickets/:number, /search?q=, …); react-router would add ~20 KB gzip for
 * features this client does not use (loaders, nested layouts, data APIs).
 */
export interface Location {
  path: string
  search: URLSearchParams
  /** path + query, as navigated to: what "return here after login" keeps. */
  href: string
}

const listeners = new Set<() => void>()
let current = readLocation()

function readLocation(): Location {
  return { path: window.location.pathname, search: new URLSearchParams(window.location.search), href: window.location.pathname + window.location.search }
}

function notify(): void {
  current = readLocation()
  for (const listener of listeners) listener()
}

window.addEventListener('popstate', notify)

/** Only same-origin relative paths: a stored "return to" can never send the agent elsewhere. */
export function isSafeLocalPath(href: string): boolean {
  return href.startsWith('/') && !href.startsWith('//') && !href.startsWith('/\\')
}

export function navigate(href: string, options: { replace?: boolean } = {}): void {
  if (!isSafeLocalPath(href)) href = '/'
  if (href === current.href) return
  if (options.replace) window.history.replaceState(null, '', href)
  else window.history.pushState(null, '', href)
  notify()
  window.scrollTo(0, 0)
}

export function useLocation(): Location {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    () => current,
  )
}

export type RouteMatch =
  | { name: 'dashboard' }
  | { name: 'queue'; queue: string }
  | { name: 'queues' }
  | { name: 'status' }
  | { name: 'my-tickets'; view: MyTicketsView }
  | { name: 'escalations' }
  | { name: 'ticket'; number: string }
  | { name: 'new-ticket'; type: 'phone' | 'email' }
  | { name: 'search' }
  | { name: 'customers' }
  | { name: 'customer'; email: string }
  | { name: 'company'; customerId: string }
  | { name: 'preferences' }
  | { name: 'statistics' }
  | { name: 'admin-sessions' }
  | { name: 'admin-customer-users' }
  | { name: 'admin-companies' }
  | { name: 'not-found' }

/** "My tickets": OTRS's locked, responsible and watched views. */
export const myTicketsViews = ['locked', 'responsible', 'watched'] as const
export type MyTicketsView = (typeof myTicketsViews)[number]

const decode = (segment: string) => {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}

export function matchRoute(path: string): RouteMatch {
  const parts = path.split('/').filter(Boolean).map(decode)
  const [first, second, ...rest] = parts
  if (parts.length === 0) return { name: 'dashboard' }
  if (rest.length > 0) return { name: 'not-found' }
  if (first === 'queues' && second !== undefined) return { name: 'queue', queue: second }
  if (first === 'queues') return { name: 'queues' }
  if (first === 'status' && second === undefined) return { name: 'status' }
  if (first === 'my' && myTicketsViews.includes(second as MyTicketsView)) return { name: 'my-tickets', view: second as MyTicketsView }
  if (first === 'escalations' && second === undefined) return { name: 'escalations' }
  if (first === 'tickets' && second !== undefined && /^\d{10,40}$/.test(second)) return { name: 'ticket', number: second }
  if (first === 'new-ticket' && (second === 'phone' || second === 'email')) return { name: 'new-ticket', type: second }
  if (first === 'search' && second === undefined) return { name: 'search' }
  if (first === 'customers' && second === undefined) return { name: 'customers' }
  if (first === 'customers' && second !== undefined) return { name: 'customer', email: second }
  if (first === 'companies' && second !== undefined) return { name: 'company', customerId: second }
  if (first === 'preferences' && second === undefined) return { name: 'preferences' }
  if (first === 'statistics' && second === undefined) return { name: 'statistics' }
  if (first === 'admin' && (second === undefined || second === 'sessions')) return { name: 'admin-sessions' }
  if (first === 'admin' && second === 'customer-users') return { name: 'admin-customer-users' }
  if (first === 'admin' && second === 'customers') return { name: 'admin-companies' }
  return { name: 'not-found' }
}

export const paths = {
  dashboard: () => '/',
  queue: (name: string) => `/queues/${encodeURIComponent(name)}`,
  status: (stateType?: string) => (stateType ? `/status?stateType=${encodeURIComponent(stateType)}` : '/status'),
  myTickets: (view: MyTicketsView) => `/my/${view}`,
  escalations: (when?: string) => (when ? `/escalations?when=${encodeURIComponent(when)}` : '/escalations'),
  ticket: (number: string, articleId?: string) => `/tickets/${number}${articleId ? `?article=${encodeURIComponent(articleId)}` : ''}`,
  /** OTRS New phone/email ticket; with `split`, the article split into it. */
  newTicket: (type: 'phone' | 'email', split?: { number: string; articleId: string }) =>
    `/new-ticket/${type}${split ? `?splitFrom=${encodeURIComponent(split.number)}&article=${encodeURIComponent(split.articleId)}` : ''}`,
  search: (query: string) => `/search?q=${encodeURIComponent(query)}`,
  customer: (email: string) => `/customers/${encodeURIComponent(email)}`,
  company: (customerId: string) => `/companies/${encodeURIComponent(customerId)}`,
  preferences: () => '/preferences',
  statistics: () => '/statistics',
  adminSessions: () => '/admin/sessions',
  adminCustomerUsers: () => '/admin/customer-users',
  adminCompanies: () => '/admin/customers',
}

/** An <a> that navigates inside the client (ctrl/middle click still opens a new tab). */
export function Link({ href, onClick, ...rest }: AnchorHTMLAttributes<HTMLAnchorElement> & { href: string }) {
  const handle = (event: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(event)
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return
    event.preventDefault()
    navigate(href)
  }
  return <a href={href} onClick={handle} {...rest} />
}

/** Sets document.title; every title starts with "Docket". */
export function useDocumentTitle(title: string | undefined): void {
  useEffect(() => {
    document.title = title ? `Docket · ${title}` : 'Docket'
  }, [title])
}
