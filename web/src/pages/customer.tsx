import { useEffect, useState, type FormEvent, type ReactNode } from 'react'
import { ApiError, get } from '../api/client.ts'
import type { Company, CustomerUser, Page, TicketSummary } from '../api/types.ts'
import { useApp } from '../app-context.tsx'
import { minSearchLength } from '../components/customer-autocomplete.tsx'
import { StatusNotice, type Status } from '../components/status-notice.tsx'
import { DensitySwitch, rememberedDensity, TicketList, type Density } from '../components/ticket-list.tsx'
import { useI18n } from '../i18n/i18n.tsx'
import { Link, navigate, paths, useDocumentTitle } from '../router.tsx'
import { useResource } from '../use-resource.ts'
import { CompanyDialog, CustomerUserDialog } from './customer-admin.tsx'

const notFoundAsNull = (caught: unknown) => (caught instanceof ApiError && caught.status === 404 ? null : Promise.reject(caught))
const closedTypes = ['closed', 'merged', 'removed']

/** The information center's tickets: open and closed apart (OTRS's customer information center), newest first. */
function CustomerTickets({ base }: { base: string }) {
  const { t } = useI18n()
  const [density, setDensity] = useState<Density>(rememberedDensity())
  const [tickets, setTickets] = useState<TicketSummary[]>([])
  const [next, setNext] = useState<string | null>(null)
  const [tab, setTab] = useState<'open' | 'closed'>('open')
  const list = useResource((signal) => get<Page<TicketSummary>>(`${base}/tickets`, { limit: 100 }, signal), [base])
  useEffect(() => {
    if (list.data) {
      setTickets(list.data.items)
      setNext(list.data.next)
    }
  }, [list.data])
  const open = tickets.filter((ticket) => !closedTypes.includes(ticket.stateType))
  const closed = tickets.filter((ticket) => closedTypes.includes(ticket.stateType))
  return (
    <section className="panel" aria-label={t('customer.tickets')}>
      <div className="page-header">
        <div role="tablist" className="tabs">
          <button type="button" role="tab" aria-selected={tab === 'open'} className={tab === 'open' ? 'active' : undefined} onClick={() => setTab('open')}>
            {t('customer.openTickets.tab', { count: list.data ? open.length : '…' })}
          </button>
          <button type="button" role="tab" aria-selected={tab === 'closed'} className={tab === 'closed' ? 'active' : undefined} onClick={() => setTab('closed')}>
            {t('customer.closedTickets.tab', { count: list.data ? closed.length : '…' })}
          </button>
        </div>
        <span className="spacer" />
        <DensitySwitch density={density} onChange={setDensity} />
      </div>
      {list.error && <p className="notice notice-error">{list.error.message}</p>}
      {list.data && <TicketList tickets={tab === 'open' ? open : closed} density={density} keyboard label={t('customer.tickets')} empty={t('customer.noTickets')} />}
      {next && (
        <button
          type="button"
          className="load-more"
          onClick={() =>
            void get<Page<TicketSummary>>(`${base}/tickets`, { limit: 100, cursor: next }).then((page) => {
              setTickets((loaded) => [...loaded, ...page.items])
              setNext(page.next)
            })
          }
        >
          {t('list.loadMore')}
        </button>
      )}
    </section>
  )
}

function Fact({ label, children }: { label: string; children: ReactNode }) {
  if (children === '' || children === undefined || children === null) return null
  return (
    <>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </>
  )
}

/** Customer information center: a customer user (their data and tickets) or a company (its data, its customer users and their tickets). */
export function CustomerPage({ email, customerId }: { email?: string; customerId?: string }) {
  return email !== undefined ? <CustomerUserView email={email} /> : <CompanyView customerId={customerId ?? ''} />
}

function CustomerUserView({ email }: { email: string }) {
  const { t, ...i18n } = useI18n()
  const app = useApp()
  const base = `/api/customers/${encodeURIComponent(email)}`
  const user = useResource((signal) => get<CustomerUser>(base, undefined, signal).catch(notFoundAsNull), [base])
  const [editing, setEditing] = useState(false)
  const [status, setStatus] = useState<Status | null>(null)
  const name = user.data?.name ?? email
  useDocumentTitle(t('customer.title', { name }))
  const data = user.data
  return (
    <section className="page">
      <div className="page-header">
        <h1>{t('customer.title', { name })}</h1>
        <span className="spacer" />
        {app.me.manageCustomers && user.data !== undefined && (
          <button type="button" onClick={() => setEditing(true)}>
            {data ? t('customer.edit') : t('customerUser.new')}
          </button>
        )}
      </div>
      <StatusNotice status={status} />
      <section className="panel">
        <dl className="facts">
          <Fact label={t('customer.email')}>{email}</Fact>
          {data && (
            <>
              <Fact label={t('customer.name')}>{data.name}</Fact>
              <dt>{t('customerUser.company')}</dt>
              <dd>
                <Link href={paths.company(data.customerId)}>{data.companyName ? `${data.companyName} (${data.customerId})` : data.customerId}</Link>
              </dd>
              <Fact label={t('customerUser.phone')}>{data.phone}</Fact>
              <Fact label={t('customerUser.mobile')}>{data.mobile}</Fact>
              <Fact label={t('customerUser.street')}>{data.street}</Fact>
              <Fact label={t('customerUser.city')}>{[data.zip, data.city].filter(Boolean).join(' ')}</Fact>
              <Fact label={t('customerUser.country')}>{data.country}</Fact>
              <Fact label={t('customerUser.comment')}>{data.comment}</Fact>
              {!data.valid && <Fact label={t('customerUser.valid')}>{t('customerUser.invalid')}</Fact>}
              <Fact label={t('customer.since')}>{data.createdAt ? i18n.dateTime(data.createdAt) : ''}</Fact>
            </>
          )}
        </dl>
        {data === null && <p className="hint">{t('customerUser.notRecorded')}</p>}
      </section>
      <CustomerTickets base={base} />
      {editing && (
        <CustomerUserDialog
          {...(data ? { existing: data } : { initial: { email } })}
          onClose={() => setEditing(false)}
          onSaved={(saved) => {
            setEditing(false)
            setStatus({ ok: true, text: t('customerUser.saved', { email: saved.email }) })
            void user.reload()
          }}
        />
      )}
    </section>
  )
}

function CompanyView({ customerId }: { customerId: string }) {
  const { t } = useI18n()
  const app = useApp()
  const base = `/api/companies/${encodeURIComponent(customerId)}`
  const company = useResource((signal) => get<Company>(base, undefined, signal).catch(notFoundAsNull), [base])
  const users = useResource((signal) => get<Page<CustomerUser>>(`${base}/customers`, { limit: 100 }, signal), [base])
  const [editing, setEditing] = useState(false)
  const [status, setStatus] = useState<Status | null>(null)
  const data = company.data
  const name = data?.name || customerId
  useDocumentTitle(t('customer.title', { name }))
  return (
    <section className="page">
      <div className="page-header">
        <h1>{t('customer.title', { name })}</h1>
        <span className="spacer" />
        {app.me.manageCustomers && data !== undefined && (
          <button type="button" onClick={() => setEditing(true)}>
            {data ? t('customer.edit') : t('company.new')}
          </button>
        )}
      </div>
      <StatusNotice status={status} />
      <div className="admin-grid">
        <section className="panel">
          <dl className="facts">
            <Fact label={t('ticket.customerId')}>{customerId}</Fact>
            {data && (
              <>
                <Fact label={t('company.name')}>{data.name}</Fact>
                <Fact label={t('customerUser.street')}>{data.street}</Fact>
                <Fact label={t('customerUser.city')}>{[data.zip, data.city].filter(Boolean).join(' ')}</Fact>
                <Fact label={t('customerUser.country')}>{data.country}</Fact>
                <Fact label={t('company.url')}>
                  {/^https?:\/\//i.test(data.url) ? (
                    <a href={data.url} target="_blank" rel="noopener noreferrer">
                      {data.url}
                    </a>
                  ) : (
                    data.url
                  )}
                </Fact>
                <Fact label={t('customerUser.comment')}>{data.comment}</Fact>
                {!data.valid && <Fact label={t('customerUser.valid')}>{t('customerUser.invalid')}</Fact>}
              </>
            )}
          </dl>
          {data === null && <p className="hint">{t('company.notRecorded')}</p>}
        </section>
        <section className="panel" aria-labelledby="company-users">
          <h2 id="company-users">{t('company.users')}</h2>
          {users.error && <p className="notice notice-error">{users.error.message}</p>}
          {users.data && users.data.items.length === 0 && <p className="empty">{t('company.noUsers')}</p>}
          <ul className="plain-list">
            {users.data?.items.map((user) => (
              <li key={user.email}>
                <Link href={paths.customer(user.email)}>{user.name}</Link> <span className="muted">&lt;{user.email}&gt;</span>
                {!user.valid && <span className="muted"> · {t('customerUser.invalid')}</span>}
              </li>
            ))}
          </ul>
        </section>
      </div>
      <CustomerTickets base={base} />
      {editing && (
        <CompanyDialog
          {...(data ? { existing: data } : { initialId: customerId })}
          onClose={() => setEditing(false)}
          onSaved={(saved) => {
            setEditing(false)
            setStatus({ ok: true, text: t('company.saved', { customerId: saved.customerId }) })
            void company.reload()
            void users.reload()
          }}
        />
      )}
    </section>
  )
}

/** OTRS "Customers": as the agent types, customer users and customers (companies) that match; Enter on an address opens it. */
export function CustomerLookupPage() {
  const { t } = useI18n()
  useDocumentTitle(t('nav.customers'))
  const [value, setValue] = useState('')
  const [found, setFound] = useState<{ users: CustomerUser[]; companies: Company[] } | null>(null)
  const [error, setError] = useState<string | null>(null)
  const text = value.trim()
  useEffect(() => {
    if (text.length < minSearchLength) {
      setFound(null)
      return
    }
    const controller = new AbortController()
    const timer = setTimeout(() => {
      Promise.all([
        get<Page<CustomerUser>>('/api/customers', { search: text, limit: 20 }, controller.signal),
        get<Page<Company>>('/api/companies', { search: text, limit: 10 }, controller.signal),
      ])
        .then(([users, companies]) => {
          setFound({ users: users.items, companies: companies.items })
          setError(null)
        })
        .catch((caught: unknown) => {
          if (!(caught instanceof DOMException && caught.name === 'AbortError')) setError(caught instanceof Error ? caught.message : String(caught))
        })
    }, 150)
    return () => {
      clearTimeout(timer)
      controller.abort()
    }
  }, [text])
  const submit = (event: FormEvent) => {
    event.preventDefault()
    if (found?.users.length === 1 && found.companies.length === 0) navigate(paths.customer(found.users[0]!.email))
    else if (found?.companies.length === 1 && found.users.length === 0) navigate(paths.company(found.companies[0]!.customerId))
    else if (/^[^\s@]+@[^\s@]+$/.test(text)) navigate(paths.customer(text.toLowerCase()))
  }
  return (
    <section className="page">
      <div className="page-header">
        <h1>{t('nav.customers')}</h1>
        <span className="spacer" />
        <Link href={paths.adminCustomerUsers()}>{t('admin.customerUsers')}</Link>
        <Link href={paths.adminCompanies()}>{t('admin.companies')}</Link>
      </div>
      <form className="panel form" role="search" onSubmit={submit}>
        <div className="field">
          <label htmlFor="customer-lookup">{t('customerSearch.label')}</label>
          <input id="customer-lookup" type="search" autoFocus autoComplete="off" value={value} onChange={(event) => setValue(event.target.value)} placeholder={t('customerSearch.placeholder')} />
          <p className="hint">{t('customerSearch.hint')}</p>
        </div>
      </form>
      {error && <p className="notice notice-error">{error}</p>}
      {found && (
        <div className="admin-grid">
          <section className="panel" aria-labelledby="found-users">
            <h2 id="found-users">{t('customerSearch.users')}</h2>
            {found.users.length === 0 && <p className="empty">{t('customerSearch.none')}</p>}
            <ul className="plain-list">
              {found.users.map((user) => (
                <li key={user.email}>
                  <Link href={paths.customer(user.email)}>{user.name}</Link> <span className="muted">&lt;{user.email}&gt; · {user.companyName || user.customerId}</span>
                </li>
              ))}
            </ul>
            {/^[^\s@]+@[^\s@]+$/.test(text) && !found.users.some((user) => user.email === text.toLowerCase()) && (
              <p>
                <Link href={paths.customer(text.toLowerCase())}>{t('customerSearch.openAddress', { address: text.toLowerCase() })}</Link>
              </p>
            )}
          </section>
          <section className="panel" aria-labelledby="found-companies">
            <h2 id="found-companies">{t('customerSearch.companies')}</h2>
            {found.companies.length === 0 && <p className="empty">{t('customerSearch.none')}</p>}
            <ul className="plain-list">
              {found.companies.map((company) => (
                <li key={company.customerId}>
                  <Link href={paths.company(company.customerId)}>{company.name}</Link> <span className="muted">{company.customerId}</span>
                </li>
              ))}
            </ul>
          </section>
        </div>
      )}
    </section>
  )
}
