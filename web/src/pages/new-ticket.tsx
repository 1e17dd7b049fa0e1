import { useEffect, useRef, useState, type FormEvent } from 'react'
import { api, ApiError, get, ticketPath, uploadFiles } from '../api/client.ts'
import type { Article, CreateTicketRequest, NewTicketComposed, TicketDetail, TicketSummary } from '../api/types.ts'
import { useApp } from '../app-context.tsx'
import { AgentOptions } from '../components/agent-options.tsx'
import { fileToSend, sendError, type FileToSend } from '../components/compose-dialog.tsx'
import { localInputToIso, tomorrowMorning } from '../components/date-input.ts'
import { StatusNotice, type Status } from '../components/status-notice.tsx'
import { useI18n } from '../i18n/i18n.tsx'
import { priorityLabel, stateLabel } from '../labels.ts'
import { navigate, paths, useDocumentTitle } from '../router.tsx'

export type NewTicketType = 'phone' | 'email'

interface Fields {
  customer: string
  cc: string
  direction: 'inbound' | 'outbound'
  queue: string
  template: string
  subject: string
  body: string
  owner: string
  responsible: string
  state: string
  pendingUntil: string
  priority: number
  timeUnits: string
}

/** A customer user as GET /api/customers?search= lists them (the customer records of issue 14.2). */
interface CustomerHit {
  email: string
  name?: string
  firstName?: string
  lastName?: string
  customerId?: string
}

const hitName = (hit: CustomerHit) => hit.name || [hit.firstName, hit.lastName].filter(Boolean).join(' ')

/**
 * The customer field: a free address, with suggestions from the customer records as the agent
 * types. Without that search (an older server), it is a plain address field.
 */
function CustomerInput({ id, value, onChange, required }: { id: string; value: string; onChange: (value: string) => void; required?: boolean }) {
  const [hits, setHits] = useState<CustomerHit[]>([])
  const unavailable = useRef(false)
  useEffect(() => {
    const text = value.trim()
    if (unavailable.current || text.length < 2 || text.includes('<')) return
    const controller = new AbortController()
    const timer = setTimeout(() => {
      get<{ items: CustomerHit[] }>('/api/customers', { search: text, limit: 10 }, controller.signal)
        .then((page) => setHits(Array.isArray(page.items) ? page.items : []))
        .catch((caught: unknown) => {
          if (caught instanceof ApiError && (caught.status === 404 || caught.status === 400)) unavailable.current = true
        })
    }, 250)
    return () => {
      clearTimeout(timer)
      controller.abort()
    }
  }, [value])
  return (
    <>
      <input id={id} type="text" autoComplete="off" list={`${id}-hits`} required={required} value={value} onChange={(event) => onChange(event.target.value)} />
      <datalist id={`${id}-hits`}>
        {hits.map((hit) => (
          <option key={hit.email} value={hitName(hit) ? `${hitName(hit)} <${hit.email}>` : hit.email}>
            {hit.customerId ?? ''}
          </option>
        ))}
      </datalist>
    </>
  )
}

/**
 * OTRS "New phone ticket" (the customer called, or we called them) and "New email ticket" (we
 * write to the customer). With `?splitFrom=<number>&article=<id>` it is OTRS's split into a new
 * phone/email ticket: prefilled from the article, the new ticket linked as a child of the old one.
 */
export function NewTicketPage({ type, splitFrom, articleId }: { type: NewTicketType; splitFrom?: string | null | undefined; articleId?: string | null | undefined }) {
  const i18n = useI18n()
  const { t } = i18n
  const { meta, preferences } = useApp()
  const title = type === 'phone' ? t('newTicket.phoneTitle') : t('newTicket.emailTitle')
  useDocumentTitle(title)
  const queues = meta.queues.filter((queue) => queue.rights.includes('create'))
  const firstQueue = preferences.myQueues.find((name) => queues.some((queue) => queue.name === name)) ?? queues[0]?.name ?? ''
  const openState = meta.states.find((state) => state.type === 'open')?.name ?? 'open'
  const [fields, setFields] = useState<Fields>({
    customer: '',
    cc: '',
    direction: 'inbound',
    queue: firstQueue,
    template: '',
    subject: '',
    body: '',
    owner: '',
    responsible: '',
    state: openState,
    pendingUntil: '',
    priority: 3,
    timeUnits: '',
  })
  const [signature, setSignature] = useState('')
  const [files, setFiles] = useState<FileToSend[]>([])
  const [source, setSource] = useState<{ ticket: TicketDetail; article: Article } | null>(null)
  const [keep, setKeep] = useState<string[]>([])
  const [status, setStatus] = useState<Status | null>(null)
  const [busy, setBusy] = useState(false)
  const update = (change: Partial<Fields>) => setFields((current) => ({ ...current, ...change }))
  const templates = (meta.templates ?? []).filter((template) => template.type === 'create' && (!template.queues || template.queues.includes(fields.queue)))

  // Split: start from the article (OTRS copies subject, text, customer, queue, priority and attachments).
  useEffect(() => {
    if (!splitFrom || !articleId) return
    let cancelled = false
    get<TicketDetail>(ticketPath(splitFrom))
      .then((ticket) => {
        const article = ticket.articles.find((candidate) => candidate.id === articleId)
        if (cancelled || !article) return
        setSource({ ticket, article })
        setKeep(article.attachments.filter((attachment) => !attachment.inline).map((attachment) => attachment.id))
        update({
          customer: article.sender === 'customer' ? article.from : (ticket.customer ?? ''),
          subject: article.subject || ticket.title,
          body: article.bodyText,
          priority: ticket.priority,
          ...(queues.some((queue) => queue.name === ticket.queue) ? { queue: ticket.queue } : {}),
        })
      })
      .catch((caught: unknown) => setStatus({ ok: false, text: caught instanceof Error ? caught.message : String(caught) }))
    return () => {
      cancelled = true
    }
    // Loaded once for the article split.
  }, [splitFrom, articleId])

  // The template's text and (mail) the queue's signature, for the queue and customer chosen.
  const composeFor = async (template: string, replaceBody: boolean) => {
    if (!fields.queue) return
    try {
      const composed = await get<NewTicketComposed>('/api/new-ticket/compose', { type, queue: fields.queue, templateId: template || undefined, customer: fields.customer || undefined })
      setSignature(composed.signature)
      if (replaceBody) update({ body: composed.body })
    } catch (caught) {
      setStatus({ ok: false, text: caught instanceof Error ? caught.message : String(caught) })
    }
  }
  useEffect(() => {
    void composeFor(fields.template, false)
  }, [fields.queue])

  const stateType = meta.states.find((candidate) => candidate.name === fields.state)?.type
  const pending = stateType === 'pending reminder' || stateType === 'pending auto'
  const nextStates = meta.states.filter((candidate) => ['new', 'open', 'pending reminder', 'pending auto', 'closed'].includes(candidate.type))

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    setBusy(true)
    setStatus(null)
    const body: CreateTicketRequest = {
      type,
      customer: fields.customer.trim(),
      subject: fields.subject,
      body: fields.body,
      queue: fields.queue,
      state: fields.state,
      priority: fields.priority,
      ...(pending && fields.pendingUntil ? { pendingUntil: localInputToIso(fields.pendingUntil, i18n.timeZone) } : {}),
      ...(fields.owner ? { owner: fields.owner } : {}),
      ...(fields.responsible ? { responsible: fields.responsible } : {}),
      ...(type === 'email' && fields.cc.trim() ? { cc: fields.cc.trim() } : {}),
      ...(type === 'phone' ? { direction: fields.direction } : {}),
      ...(fields.timeUnits ? { timeUnits: Number(fields.timeUnits) } : {}),
      ...(source ? { splitFrom: { ticket: source.ticket.number, articleId: source.article.id, attachments: keep } } : {}),
    }
    try {
      if (files.length) body.attachments = await uploadFiles(files.map((chosen) => chosen.file))
      const created = await api<TicketSummary>('POST', '/api/tickets', body)
      navigate(paths.ticket(created.number))
    } catch (caught) {
      setStatus({ ok: false, text: sendError(caught, t) })
      setBusy(false)
    }
  }

  if (queues.length === 0) {
    return (
      <section className="page">
        <h1>{title}</h1>
        <p className="notice">{t('newTicket.noQueues')}</p>
      </section>
    )
  }

  return (
    <section className="page new-ticket">
      <h1>{title}</h1>
      {source && <p className="notice">{t('newTicket.splitFrom', { number: source.ticket.number, subject: source.article.subject })}</p>}
      <StatusNotice status={status} />
      <form className="form panel" onSubmit={submit} aria-label={title}>
        {type === 'phone' && (
          <fieldset>
            <legend>{t('newTicket.direction')}</legend>
            <label>
              <input type="radio" name="direction" checked={fields.direction === 'inbound'} onChange={() => update({ direction: 'inbound' })} /> {t('newTicket.inbound')}
            </label>{' '}
            <label>
              <input type="radio" name="direction" checked={fields.direction === 'outbound'} onChange={() => update({ direction: 'outbound' })} /> {t('newTicket.outbound')}
            </label>
          </fieldset>
        )}
        <div className="row">
          <div className="field">
            <label htmlFor="new-customer">{type === 'phone' ? t('newTicket.fromCustomer') : t('newTicket.toCustomer')}</label>
            <CustomerInput id="new-customer" required value={fields.customer} onChange={(customer) => update({ customer })} />
          </div>
          {type === 'email' && (
            <div className="field">
              <label htmlFor="new-cc">{t('article.cc')}</label>
              <CustomerInput id="new-cc" value={fields.cc} onChange={(cc) => update({ cc })} />
            </div>
          )}
          <div className="field">
            <label htmlFor="new-queue">{type === 'phone' ? t('newTicket.toQueue') : t('newTicket.fromQueue')}</label>
            <select id="new-queue" required value={fields.queue} onChange={(event) => update({ queue: event.target.value, template: '' })}>
              {queues.map((queue) => (
                <option key={queue.name} value={queue.name}>
                  {queue.name}
                </option>
              ))}
            </select>
          </div>
        </div>
        {templates.length > 0 && (
          <div className="field">
            <label htmlFor="new-template">{t('compose.template')}</label>
            <select
              id="new-template"
              value={fields.template}
              onChange={(event) => {
                update({ template: event.target.value })
                void composeFor(event.target.value, true)
              }}
            >
              <option value="">{t('compose.noTemplate')}</option>
              {templates.map((template) => (
                <option key={template.name} value={template.name}>
                  {template.name}
                </option>
              ))}
            </select>
          </div>
        )}
        <div className="field">
          <label htmlFor="new-subject">{t('article.subject')}</label>
          <input id="new-subject" required value={fields.subject} onChange={(event) => update({ subject: event.target.value.replace(/[\r\n]/g, ' ') })} />
        </div>
        <div className="field">
          <label htmlFor="new-body">{t('compose.text')}</label>
          <textarea id="new-body" rows={10} required value={fields.body} onChange={(event) => update({ body: event.target.value })} />
        </div>
        {type === 'email' && signature && (
          <div className="field">
            <span className="label">{t('newTicket.signature')}</span>
            <pre className="signature muted" aria-label={t('newTicket.signature')}>
              {signature}
            </pre>
          </div>
        )}
        <div className="field">
          <label htmlFor="new-files">{t('compose.attachments')}</label>
          <input
            id="new-files"
            type="file"
            multiple
            onChange={(event) => {
              const chosen = [...(event.target.files ?? [])]
              setFiles((existing) => [...existing, ...chosen.map(fileToSend)])
              event.target.value = ''
            }}
          />
          {(files.length > 0 || (source && source.article.attachments.length > 0)) && (
            <ul className="plain-list">
              {source?.article.attachments
                .filter((attachment) => !attachment.inline)
                .map((attachment) => (
                  <li key={`split-${attachment.id}`}>
                    <label>
                      <input
                        type="checkbox"
                        checked={keep.includes(attachment.id)}
                        onChange={(event) => setKeep(event.target.checked ? [...keep, attachment.id] : keep.filter((id) => id !== attachment.id))}
                      />{' '}
                      {attachment.name}
                    </label>
                    <span className="muted">{i18n.number(attachment.size / 1024, 1)} KB</span>
                  </li>
                ))}
              {files.map((file, index) => (
                <li key={`${file.name}-${index}`}>
                  <span>{file.name}</span>
                  <span className="muted">{i18n.number(file.size / 1024, 1)} KB</span>
                  <button type="button" className="link-button" onClick={() => setFiles(files.filter((_, other) => other !== index))}>
                    {t('common.remove')}
                  </button>
                </li>
              ))}
            </ul>
          )}
        </div>
        <div className="row">
          <div className="field">
            <label htmlFor="new-owner">{t('ticket.owner')}</label>
            <select id="new-owner" value={fields.owner} onChange={(event) => update({ owner: event.target.value })}>
              <option value="">{t('newTicket.nobody')}</option>
              <AgentOptions />
            </select>
          </div>
          <div className="field">
            <label htmlFor="new-responsible">{t('ticket.responsible')}</label>
            <select id="new-responsible" value={fields.responsible} onChange={(event) => update({ responsible: event.target.value })}>
              <option value="">{t('newTicket.nobody')}</option>
              <AgentOptions />
            </select>
          </div>
          <div className="field">
            <label htmlFor="new-priority">{t('ticket.priority')}</label>
            <select id="new-priority" value={fields.priority} onChange={(event) => update({ priority: Number(event.target.value) })}>
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
            <label htmlFor="new-state">{t('compose.nextState')}</label>
            <select id="new-state" value={fields.state} onChange={(event) => update({ state: event.target.value, pendingUntil: fields.pendingUntil || tomorrowMorning(i18n.timeZone) })}>
              {nextStates.map((state) => (
                <option key={state.name} value={state.name}>
                  {stateLabel(i18n, state.name)}
                </option>
              ))}
            </select>
          </div>
          {pending && (
            <div className="field">
              <label htmlFor="new-pending">{t('ticket.pendingUntil')}</label>
              <input id="new-pending" type="datetime-local" required value={fields.pendingUntil} onChange={(event) => update({ pendingUntil: event.target.value })} />
            </div>
          )}
          <div className="field">
            <label htmlFor="new-time">{t('compose.timeUnits')}</label>
            <input id="new-time" type="number" min={0} step="any" value={fields.timeUnits} onChange={(event) => update({ timeUnits: event.target.value })} />
          </div>
        </div>
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>
            {type === 'phone' ? t('newTicket.create') : t('compose.send')}
          </button>
        </div>
      </form>
    </section>
  )
}
