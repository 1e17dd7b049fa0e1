import { useEffect, useState, type FormEvent, type ReactNode } from 'react'
import { api, ApiError, get } from '../api/client.ts'
import type { Company, CompanyInput, CustomerUser, CustomerUserInput, Page } from '../api/types.ts'
import { useApp } from '../app-context.tsx'
import { Dialog } from '../components/dialog.tsx'
import { StatusNotice, type Status } from '../components/status-notice.tsx'
import { useI18n, type MessageKey } from '../i18n/i18n.tsx'
import { Link, paths, useDocumentTitle } from '../router.tsx'

/**
 * OTRS Admin → Customer User and Admin → Customer: list and search the records, add and change
 * them. Every agent may look; adding and changing need admin or a role with manageCustomers
 * (GET /api/me says so), which the server checks again.
 */

const customerPath = (email: string) => `/api/customers/${encodeURIComponent(email)}`
const companyPath = (customerId: string) => `/api/companies/${encodeURIComponent(customerId)}`

/** A page of a directory search, searched again as the agent types (from two characters; empty lists all). */
function useDirectorySearch<T>(path: string, text: string, generation: number) {
  const [items, setItems] = useState<T[]>([])
  const [next, setNext] = useState<string | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [loading, setLoading] = useState(true)
  const query = text.trim()
  useEffect(() => {
    if (query.length === 1) return
    const controller = new AbortController()
    const timer = setTimeout(() => {
      setLoading(true)
      get<Page<T>>(path, { search: query, limit: 50 }, controller.signal)
        .then((page) => {
          setItems(page.items)
          setNext(page.next)
          setError(null)
        })
        .catch((caught: unknown) => {
          if (!(caught instanceof DOMException && caught.name === 'AbortError')) setError(caught instanceof Error ? caught.message : String(caught))
        })
        .finally(() => setLoading(false))
    }, 150)
    return () => {
      clearTimeout(timer)
      controller.abort()
    }
  }, [path, query, generation])
  const more = async () => {
    if (!next) return
    const page = await get<Page<T>>(path, { search: query, limit: 50, cursor: next })
    setItems((loaded) => [...loaded, ...page.items])
    setNext(page.next)
  }
  return { items, next, error, loading, more }
}

function TextField({ id, label, value, onChange, required, type = 'text', hint, readOnly }: { id: string; label: string; value: string; onChange: (value: string) => void; required?: boolean; type?: string; hint?: ReactNode; readOnly?: boolean }) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} type={type} value={value} required={required} readOnly={readOnly} onChange={(event) => onChange(event.target.value)} />
      {hint && <p className="hint">{hint}</p>}
    </div>
  )
}

const userFields = ['phone', 'mobile', 'street', 'zip', 'city', 'country'] as const
const userLabels: Record<(typeof userFields)[number], MessageKey> = {
  phone: 'customerUser.phone',
  mobile: 'customerUser.mobile',
  street: 'customerUser.street',
  zip: 'customerUser.zip',
  city: 'customerUser.city',
  country: 'customerUser.country',
}

/**
 * Add (no `existing`) or change a customer user. Exported for every screen that adds a customer on
 * the spot (the phone ticket screen): `initial` fills in what the agent typed already.
 */
export function CustomerUserDialog({ existing, initial, onSaved, onClose }: { existing?: CustomerUser; initial?: Partial<CustomerUser>; onSaved: (user: CustomerUser) => void; onClose: () => void }) {
  const { t } = useI18n()
  const start = { ...initial, ...existing }
  const [email, setEmail] = useState(start.email ?? '')
  const [form, setForm] = useState<Required<Omit<CustomerUserInput, 'valid'>> & { valid: boolean }>({
    firstName: start.firstName ?? '',
    lastName: start.lastName ?? '',
    customerId: start.customerId ?? '',
    phone: start.phone ?? '',
    mobile: start.mobile ?? '',
    street: start.street ?? '',
    zip: start.zip ?? '',
    city: start.city ?? '',
    country: start.country ?? '',
    comment: start.comment ?? '',
    valid: start.valid ?? true,
  })
  const [status, setStatus] = useState<Status | null>(null)
  const [busy, setBusy] = useState(false)
  const set = (patch: Partial<typeof form>) => setForm((current) => ({ ...current, ...patch }))
  const submit = async (event: FormEvent) => {
    event.preventDefault()
    setBusy(true)
    setStatus(null)
    try {
      const { customerId, ...rest } = form
      const saved = await api<CustomerUser>('PUT', customerPath(email.trim()), { ...rest, ...(customerId.trim() ? { customerId: customerId.trim() } : {}) })
      onSaved(saved)
    } catch (caught) {
      setStatus({ ok: false, text: caught instanceof ApiError ? caught.message : String(caught) })
    } finally {
      setBusy(false)
    }
  }
  return (
    <Dialog title={existing ? t('customerUser.edit') : t('customerUser.new')} onClose={onClose} wide>
      <form className="form" onSubmit={(event) => void submit(event)}>
        <StatusNotice status={status} />
        <TextField id="cu-email" label={t('customer.email')} type="email" value={email} onChange={setEmail} required readOnly={existing !== undefined} />
        <div className="row">
          <TextField id="cu-first" label={t('customerUser.firstName')} value={form.firstName} onChange={(firstName) => set({ firstName })} required />
          <TextField id="cu-last" label={t('customerUser.lastName')} value={form.lastName} onChange={(lastName) => set({ lastName })} />
        </div>
        <TextField id="cu-customer-id" label={t('ticket.customerId')} value={form.customerId} onChange={(customerId) => set({ customerId })} hint={t('customerUser.customerIdHint')} />
        <div className="row">
          {userFields.map((field) => (
            <TextField key={field} id={`cu-${field}`} label={t(userLabels[field])} value={form[field]} onChange={(value) => set({ [field]: value })} />
          ))}
        </div>
        <div className="field">
          <label htmlFor="cu-comment">{t('customerUser.comment')}</label>
          <textarea id="cu-comment" rows={2} value={form.comment} onChange={(event) => set({ comment: event.target.value })} />
        </div>
        <label className="check-row">
          <input type="checkbox" checked={form.valid} onChange={(event) => set({ valid: event.target.checked })} />
          {t('customerUser.valid')}
        </label>
        <div className="actions">
          <button type="button" onClick={onClose}>
            {t('common.cancel')}
          </button>
          <button type="submit" className="primary" disabled={busy}>
            {t('common.save')}
          </button>
        </div>
      </form>
    </Dialog>
  )
}

const companyFields = ['street', 'zip', 'city', 'country', 'url'] as const
const companyLabels: Record<(typeof companyFields)[number], MessageKey> = {
  street: 'customerUser.street',
  zip: 'customerUser.zip',
  city: 'customerUser.city',
  country: 'customerUser.country',
  url: 'company.url',
}

/** Add (no `existing`) or change a customer (company). */
export function CompanyDialog({ existing, initialId, onSaved, onClose }: { existing?: Company; initialId?: string; onSaved: (company: Company) => void; onClose: () => void }) {
  const { t } = useI18n()
  const [customerId, setCustomerId] = useState(existing?.customerId ?? initialId ?? '')
  const [form, setForm] = useState<Required<Omit<CompanyInput, 'valid'>> & { valid: boolean }>({
    name: existing?.name ?? '',
    street: existing?.street ?? '',
    zip: existing?.zip ?? '',
    city: existing?.city ?? '',
    country: existing?.country ?? '',
    url: existing?.url ?? '',
    comment: existing?.comment ?? '',
    valid: existing?.valid ?? true,
  })
  const [status, setStatus] = useState<Status | null>(null)
  const [busy, setBusy] = useState(false)
  const set = (patch: Partial<typeof form>) => setForm((current) => ({ ...current, ...patch }))
  const submit = async (event: FormEvent) => {
    event.preventDefault()
    setBusy(true)
    setStatus(null)
    try {
      onSaved(await api<Company>('PUT', companyPath(customerId.trim()), form))
    } catch (caught) {
      setStatus({ ok: false, text: caught instanceof ApiError ? caught.message : String(caught) })
    } finally {
      setBusy(false)
    }
  }
  return (
    <Dialog title={existing ? t('company.edit') : t('company.new')} onClose={onClose} wide>
      <form className="form" onSubmit={(event) => void submit(event)}>
        <StatusNotice status={status} />
        <div className="row">
          <TextField id="co-id" label={t('ticket.customerId')} value={customerId} onChange={setCustomerId} required readOnly={existing !== undefined} />
          <TextField id="co-name" label={t('company.name')} value={form.name} onChange={(name) => set({ name })} required />
        </div>
        <div className="row">
          {companyFields.map((field) => (
            <TextField key={field} id={`co-${field}`} label={t(companyLabels[field])} value={form[field]} onChange={(value) => set({ [field]: value })} />
          ))}
        </div>
        <div className="field">
          <label htmlFor="co-comment">{t('customerUser.comment')}</label>
          <textarea id="co-comment" rows={2} value={form.comment} onChange={(event) => set({ comment: event.target.value })} />
        </div>
        <label className="check-row">
          <input type="checkbox" checked={form.valid} onChange={(event) => set({ valid: event.target.checked })} />
          {t('customerUser.valid')}
        </label>
        <div className="actions">
          <button type="button" onClick={onClose}>
            {t('common.cancel')}
          </button>
          <button type="submit" className="primary" disabled={busy}>
            {t('common.save')}
          </button>
        </div>
      </form>
    </Dialog>
  )
}

function SearchBox({ id, value, onChange }: { id: string; value: string; onChange: (value: string) => void }) {
  const { t } = useI18n()
  return (
    <div className="field">
      <label htmlFor={id}>{t('admin.search')}</label>
      <input id={id} type="search" value={value} onChange={(event) => onChange(event.target.value)} placeholder={t('customerSearch.placeholder')} autoComplete="off" />
    </div>
  )
}

/** Admin → Customer User. */
export function AdminCustomerUsersPage() {
  const { t } = useI18n()
  const app = useApp()
  useDocumentTitle(t('admin.customerUsers'))
  const [text, setText] = useState('')
  const [generation, setGeneration] = useState(0)
  const [editing, setEditing] = useState<CustomerUser | 'new' | null>(null)
  const [status, setStatus] = useState<Status | null>(null)
  const list = useDirectorySearch<CustomerUser>('/api/customers', text, generation)
  const saved = (user: CustomerUser) => {
    setEditing(null)
    setStatus({ ok: true, text: t('customerUser.saved', { email: user.email }) })
    setGeneration((value) => value + 1)
  }
  return (
    <section className="page">
      <div className="page-header">
        <h1>{t('admin.customerUsers')}</h1>
        <span className="spacer" />
        <Link href={paths.adminCompanies()}>{t('admin.companies')}</Link>
        {app.me.manageCustomers && (
          <button type="button" className="primary" onClick={() => setEditing('new')}>
            {t('customerUser.new')}
          </button>
        )}
      </div>
      {!app.me.manageCustomers && <p className="hint">{t('admin.customersOnlyRight')}</p>}
      <StatusNotice status={status} />
      <div className="panel form">
        <SearchBox id="admin-customer-search" value={text} onChange={setText} />
      </div>
      {list.error && <p className="notice notice-error">{list.error}</p>}
      <table className="data-table directory-table" aria-label={t('admin.customerUsers')}>
        <thead>
          <tr>
            <th>{t('customer.name')}</th>
            <th>{t('customer.email')}</th>
            <th>{t('ticket.customerId')}</th>
            <th>{t('customerUser.city')}</th>
            <th>{t('customerUser.valid')}</th>
            {app.me.manageCustomers && <th />}
          </tr>
        </thead>
        <tbody>
          {list.items.map((user) => (
            <tr key={user.email} className={user.valid ? undefined : 'invalid'}>
              <td>
                <Link href={paths.customer(user.email)}>{user.name}</Link>
              </td>
              <td>{user.email}</td>
              <td>
                <Link href={paths.company(user.customerId)}>{user.companyName || user.customerId}</Link>
              </td>
              <td>{user.city}</td>
              <td>{user.valid ? '✓' : t('customerUser.invalid')}</td>
              {app.me.manageCustomers && (
                <td>
                  <button type="button" className="link-button" onClick={() => setEditing(user)} aria-label={`${t('customer.edit')}: ${user.email}`}>
                    {t('customer.edit')}
                  </button>
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
      {!list.loading && list.items.length === 0 && <p className="empty">{t('customerSearch.none')}</p>}
      {list.next && (
        <button type="button" className="load-more" onClick={() => void list.more()}>
          {t('admin.loadMore')}
        </button>
      )}
      {editing && <CustomerUserDialog {...(editing === 'new' ? {} : { existing: editing })} onSaved={saved} onClose={() => setEditing(null)} />}
    </section>
  )
}

/** Admin → Customer (companies). */
export function AdminCompaniesPage() {
  const { t } = useI18n()
  const app = useApp()
  useDocumentTitle(t('admin.companies'))
  const [text, setText] = useState('')
  const [generation, setGeneration] = useState(0)
  const [editing, setEditing] = useState<Company | 'new' | null>(null)
  const [status, setStatus] = useState<Status | null>(null)
  const list = useDirectorySearch<Company>('/api/companies', text, generation)
  const saved = (company: Company) => {
    setEditing(null)
    setStatus({ ok: true, text: t('company.saved', { customerId: company.customerId }) })
    setGeneration((value) => value + 1)
  }
  return (
    <section className="page">
      <div className="page-header">
        <h1>{t('admin.companies')}</h1>
        <span className="spacer" />
        <Link href={paths.adminCustomerUsers()}>{t('admin.customerUsers')}</Link>
        {app.me.manageCustomers && (
          <button type="button" className="primary" onClick={() => setEditing('new')}>
            {t('company.new')}
          </button>
        )}
      </div>
      {!app.me.manageCustomers && <p className="hint">{t('admin.customersOnlyRight')}</p>}
      <StatusNotice status={status} />
      <div className="panel form">
        <SearchBox id="admin-company-search" value={text} onChange={setText} />
      </div>
      {list.error && <p className="notice notice-error">{list.error}</p>}
      <table className="data-table directory-table" aria-label={t('admin.companies')}>
        <thead>
          <tr>
            <th>{t('company.name')}</th>
            <th>{t('ticket.customerId')}</th>
            <th>{t('customerUser.city')}</th>
            <th>{t('customerUser.valid')}</th>
            {app.me.manageCustomers && <th />}
          </tr>
        </thead>
        <tbody>
          {list.items.map((company) => (
            <tr key={company.customerId} className={company.valid ? undefined : 'invalid'}>
              <td>
                <Link href={paths.company(company.customerId)}>{company.name}</Link>
              </td>
              <td>{company.customerId}</td>
              <td>{company.city}</td>
              <td>{company.valid ? '✓' : t('customerUser.invalid')}</td>
              {app.me.manageCustomers && (
                <td>
                  <button type="button" className="link-button" onClick={() => setEditing(company)} aria-label={`${t('customer.edit')}: ${company.customerId}`}>
                    {t('customer.edit')}
                  </button>
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
      {!list.loading && list.items.length === 0 && <p className="empty">{t('customerSearch.none')}</p>}
      {list.next && (
        <button type="button" className="load-more" onClick={() => void list.more()}>
          {t('admin.loadMore')}
        </button>
      )}
      {editing && <CompanyDialog {...(editing === 'new' ? {} : { existing: editing })} onSaved={saved} onClose={() => setEditing(null)} />}
    </section>
  )
}
