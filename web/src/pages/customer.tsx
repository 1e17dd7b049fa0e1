import { useEffect, useState, type FormEvent } from 'react'
import { ApiError, get } from '../api/client.ts'
import type { CustomerUser, Page, TicketSummary } from '../api/types.ts'
import { DensitySwitch, rememberedDensity, TicketList, type Density } from '../components/ticket-list.tsx'
import { useI18n } from '../i18n/i18n.tsx'
import { Link, navigate, paths, useDocumentTitle } from '../router.tsx'
import { useResource } from '../use-resource.ts'

/** Customer information center: a customer user's (or a company's) tickets, every state, newest first. */
export function CustomerPage({ email, customerId }: { email?: string; customerId?: string }) {
  const i18n = useI18n()
  const { t } = i18n
  const subject = email ?? customerId ?? ''
  useDocumentTitle(t('customer.title', { name: subject }))
  const [density, setDensity] = useState<Density>(rememberedDensity())
  const [tickets, setTickets] = useState<TicketSummary[]>([])
  const [next, setNext] = useState<string | null>(null)
  const base = email ? `/api/customers/${encodeURIComponent(email)}` : `/api/companies/${encodeURIComponent(customerId ?? '')}`
  const user = useResource(async (signal) => (email ? get<CustomerUser>(base, undefined, signal).catch((caught: unknown) => (caught instanceof ApiError && caught.status === 404 ? null : Promise.reject(caught))) : null), [base])
  const list = useResource((signal) => get<Page<TicketSummary>>(`${base}/tickets`, { limit: 100 }, signal), [base])
  useEffect(() => {
    if (list.data) {
      setTickets(list.data.items)
      setNext(list.data.next)
    }
  }, [list.data])
  const open = tickets.filter((ticket) => !['closed', 'merged', 'removed'].includes(ticket.stateType)).length

  return (
    <section className="page">
      <div className="page-header">
        <h1>{t('customer.title', { name: subject })}</h1>
        <span className="spacer" />
        <DensitySwitch density={density} onChange={setDensity} />
      </div>
      <section className="panel">
        <dl className="facts">
          {user.data && (
            <>
              <dt>{t('customer.name')}</dt>
              <dd>{user.data.name || '–'}</dd>
              <dt>{t('customer.email')}</dt>
              <dd>{user.data.email}</dd>
              <dt>{t('ticket.customerId')}</dt>
              <dd>
                <Link href={paths.company(user.data.customerId)}>{user.data.customerId}</Link>
              </dd>
              <dt>{t('customer.since')}</dt>
              <dd>{i18n.dateTime(user.data.createdAt)}</dd>
            </>
          )}
          {email && user.data === null && (
            <>
              <dt>{t('customer.email')}</dt>
              <dd>{email}</dd>
            </>
          )}
          {customerId && (
            <>
              <dt>{t('ticket.customerId')}</dt>
              <dd>{customerId}</dd>
            </>
          )}
          <dt>{t('customer.openTickets')}</dt>
          <dd>{list.data ? open : '…'}</dd>
        </dl>
      </section>
      {list.error && <p className="notice notice-error">{list.error.message}</p>}
      {list.data && <TicketList tickets={tickets} density={density} keyboard label={t('customer.tickets')} empty={t('customer.noTickets')} />}
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

/** OTRS "Customers": open the customer information center for an address or a CustomerID. */
export function CustomerLookupPage() {
  const { t } = useI18n()
  useDocumentTitle(t('nav.customers'))
  const [value, setValue] = useState('')
  const submit = (event: FormEvent) => {
    event.preventDefault()
    const text = value.trim()
    if (!text) return
    navigate(text.includes('@') ? paths.customer(text.toLowerCase()) : paths.company(text))
  }
  return (
    <section className="page">
      <h1>{t('nav.customers')}</h1>
      <form className="panel form" onSubmit={submit}>
        <div className="field">
          <label htmlFor="customer-lookup">{t('customer.lookupLabel')}</label>
          <input id="customer-lookup" value={value} onChange={(event) => setValue(event.target.value)} placeholder="ann@customer.example / customer.example" />
          <p className="hint">{t('customer.lookupHint')}</p>
        </div>
        <div className="actions">
          <button type="submit" className="primary">
            {t('customer.open')}
          </button>
        </div>
      </form>
    </section>
  )
}
