import { useEffect, useState, type FormEvent, type ReactNode } from 'react'
import { AgentOptions, agentsForQueues } from './agent-options.tsx'
import { cleanSubject } from '../../../lib/ticket/subject.ts'
import { api, ApiError, get, ticketPath } from '../api/client.ts'
import type { Page, SearchHit, TicketChanges, TicketDetail, TicketSummary } from '../api/types.ts'
import { useApp } from '../app-context.tsx'
import { useI18n, type MessageKey } from '../i18n/i18n.tsx'
import { priorityLabel, stateLabel } from '../labels.ts'
import { navigate, paths } from '../router.tsx'
import { localInputToIso, tomorrowMorning } from './date-input.ts'
import { CustomerAutocomplete } from './customer-autocomplete.tsx'
import { Dialog } from './dialog.tsx'

export type TicketAction = 'close' | 'pending' | 'move' | 'owner' | 'responsible' | 'priority' | 'title' | 'customer' | 'merge' | 'link' | 'split' | 'bounce'

export const actionTitles: Record<TicketAction, MessageKey> = {
  close: 'action.close',
  pending: 'action.pending',
  move: 'action.move',
  owner: 'action.owner',
  responsible: 'action.responsible',
  priority: 'action.priority',
  title: 'action.title',
  customer: 'action.customer',
  merge: 'action.merge',
  link: 'action.link',
  split: 'action.split',
  bounce: 'action.bounce',
}

/** One dialog per OTRS zoom action that changes the ticket (PATCH, merge, link, split). */
export function TicketActionDialog({ ticket, action, articleId, onClose, onDone }: { ticket: TicketDetail; action: TicketAction; articleId?: string | undefined; onClose: () => void; onDone: () => void }) {
  const { t } = useI18n()
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)

  const run = async (work: () => Promise<void>) => {
    setBusy(true)
    setError(null)
    try {
      await work()
      onDone()
      onClose()
    } catch (caught) {
      setError(caught instanceof ApiError ? `${caught.message}${caught.field ? ` (${caught.field})` : ''}` : String(caught))
    } finally {
      setBusy(false)
    }
  }
  const patch = (changes: TicketChanges) => run(() => api('PATCH', ticketPath(ticket.number), changes))
  const props = { ticket, busy, patch, run, onClose }

  return (
    <Dialog title={`${t(actionTitles[action])} · ${ticket.number}`} onClose={onClose}>
      {error && (
        <p className="notice notice-error" role="alert">
          {error}
        </p>
      )}
      {action === 'close' && <StateForm {...props} kind="closed" />}
      {action === 'pending' && <StateForm {...props} kind="pending" />}
      {action === 'move' && <MoveForm {...props} />}
      {(action === 'owner' || action === 'responsible') && <AgentForm {...props} field={action} />}
      {action === 'priority' && <PriorityForm {...props} />}
      {action === 'title' && <TitleForm {...props} />}
      {action === 'customer' && <CustomerForm {...props} />}
      {action === 'merge' && <MergeForm {...props} />}
      {action === 'link' && <LinkForm {...props} />}
      {action === 'split' && articleId && <SplitForm {...props} articleId={articleId} />}
      {action === 'bounce' && articleId && <BounceForm {...props} articleId={articleId} />}
    </Dialog>
  )
}

interface FormProps {
  ticket: TicketDetail
  busy: boolean
  patch: (changes: TicketChanges) => Promise<void>
  run: (work: () => Promise<void>) => Promise<void>
  onClose: () => void
}

function Actions({ busy, onClose, submit }: { busy: boolean; onClose: () => void; submit: string }) {
  const { t } = useI18n()
  return (
    <div className="actions">
      <button type="button" onClick={onClose}>
        {t('common.cancel')}
      </button>
      <button type="submit" className="primary" disabled={busy}>
        {submit}
      </button>
    </div>
  )
}

function NoteField({ value, onChange, required }: { value: string; onChange: (value: string) => void; required: boolean }) {
  const { t } = useI18n()
  return (
    <div className="field">
      <label htmlFor="action-note">{required ? t('action.noteRequired') : t('action.noteOptional')}</label>
      <textarea id="action-note" rows={4} required={required} value={value} onChange={(event) => onChange(event.target.value)} />
      {required && <p className="hint">{t('action.noteHint')}</p>}
    </div>
  )
}

function StateForm({ ticket, busy, patch, onClose, kind }: FormProps & { kind: 'closed' | 'pending' }) {
  const i18n = useI18n()
  const { t } = i18n
  const { meta } = useApp()
  const states = meta.states.filter((state) => (kind === 'closed' ? state.type === 'closed' : state.type === 'pending reminder' || state.type === 'pending auto'))
  const [state, setState] = useState(states[0]?.name ?? '')
  const [note, setNote] = useState('')
  const [until, setUntil] = useState(tomorrowMorning(i18n.timeZone))
  const submit = (event: FormEvent) => {
    event.preventDefault()
    void patch({ state, ...(kind === 'pending' ? { pendingUntil: localInputToIso(until, i18n.timeZone) } : {}), ...(note.trim() ? { note } : {}) })
  }
  return (
    <form className="form" onSubmit={submit}>
      <p className="muted">{ticket.title}</p>
      <div className="row">
        <div className="field">
          <label htmlFor="action-state">{t('compose.nextState')}</label>
          <select id="action-state" value={state} onChange={(event) => setState(event.target.value)}>
            {states.map((candidate) => (
              <option key={candidate.name} value={candidate.name}>
                {stateLabel(i18n, candidate.name)}
              </option>
            ))}
          </select>
        </div>
        {kind === 'pending' && (
          <div className="field">
            <label htmlFor="action-pending">{t('ticket.pendingUntil')}</label>
            <input id="action-pending" type="datetime-local" required value={until} onChange={(event) => setUntil(event.target.value)} />
          </div>
        )}
      </div>
      <NoteField value={note} onChange={setNote} required={kind === 'closed'} />
      <Actions busy={busy} onClose={onClose} submit={t(kind === 'closed' ? 'action.close' : 'action.pending')} />
    </form>
  )
}

function MoveForm({ ticket, busy, patch, onClose }: FormProps) {
  const { t } = useI18n()
  const { meta } = useApp()
  const targets = meta.queues.filter((queue) => queue.name !== ticket.queue && (queue.rights.includes('rw') || queue.rights.includes('move_into')))
  const [queue, setQueue] = useState(targets[0]?.name ?? '')
  const [note, setNote] = useState('')
  return (
    <form
      className="form"
      onSubmit={(event) => {
        event.preventDefault()
        void patch({ queue, ...(note.trim() ? { note } : {}) })
      }}
    >
      <div className="field">
        <label htmlFor="action-queue">{t('action.newQueue')}</label>
        <select id="action-queue" value={queue} onChange={(event) => setQueue(event.target.value)}>
          {targets.map((candidate) => (
            <option key={candidate.name} value={candidate.name}>
              {candidate.name}
            </option>
          ))}
        </select>
      </div>
      <NoteField value={note} onChange={setNote} required={false} />
      <Actions busy={busy} onClose={onClose} submit={t('action.move')} />
    </form>
  )
}

function AgentForm({ ticket, busy, patch, onClose, field }: FormProps & { field: 'owner' | 'responsible' }) {
  const { t } = useI18n()
  const { meta } = useApp()
  const [login, setLogin] = useState((field === 'owner' ? ticket.owner : ticket.responsible) ?? agentsForQueues(meta, [ticket.queue])[0]?.login ?? '')
  const [note, setNote] = useState('')
  return (
    <form
      className="form"
      onSubmit={(event) => {
        event.preventDefault()
        void patch({ [field]: login, ...(note.trim() ? { note } : {}) })
      }}
    >
      <div className="field">
        <label htmlFor="action-agent">{t(field === 'owner' ? 'ticket.owner' : 'ticket.responsible')}</label>
        <select id="action-agent" value={login} onChange={(event) => setLogin(event.target.value)}>
          <AgentOptions queues={[ticket.queue]} />
        </select>
      </div>
      <NoteField value={note} onChange={setNote} required={false} />
      <p className="hint">{t('action.agentNoteHint')}</p>
      <Actions busy={busy} onClose={onClose} submit={t('common.save')} />
    </form>
  )
}

function PriorityForm({ ticket, busy, patch, onClose }: FormProps) {
  const i18n = useI18n()
  const { meta } = useApp()
  const [priority, setPriority] = useState(ticket.priority)
  return (
    <form
      className="form"
      onSubmit={(event) => {
        event.preventDefault()
        void patch({ priority })
      }}
    >
      <div className="field">
        <label htmlFor="action-priority">{i18n.t('ticket.priority')}</label>
        <select id="action-priority" value={priority} onChange={(event) => setPriority(Number(event.target.value))}>
          {meta.priorities.map((candidate) => (
            <option key={candidate.id} value={candidate.id}>
              {priorityLabel(i18n, meta, candidate.id)}
            </option>
          ))}
        </select>
      </div>
      <Actions busy={busy} onClose={onClose} submit={i18n.t('common.save')} />
    </form>
  )
}

function TitleForm({ ticket, busy, patch, onClose }: FormProps) {
  const { t } = useI18n()
  const [title, setTitle] = useState(ticket.title)
  return (
    <form
      className="form"
      onSubmit={(event) => {
        event.preventDefault()
        void patch({ title: title.trim() })
      }}
    >
      <div className="field">
        <label htmlFor="action-title">{t('ticket.title')}</label>
        <input id="action-title" required maxLength={255} value={title} onChange={(event) => setTitle(event.target.value.replace(/[\r\n]/g, ' '))} />
      </div>
      <Actions busy={busy} onClose={onClose} submit={t('common.save')} />
    </form>
  )
}

function CustomerForm({ ticket, busy, patch, onClose }: FormProps) {
  const { t } = useI18n()
  const [customer, setCustomer] = useState(ticket.customer ?? '')
  const [customerId, setCustomerId] = useState(ticket.customerId ?? '')
  return (
    <form
      className="form"
      onSubmit={(event) => {
        event.preventDefault()
        void patch({ customer: customer.trim(), ...(customerId.trim() ? { customerId: customerId.trim() } : {}) })
      }}
    >
      <CustomerAutocomplete id="action-customer" label={t('ticket.customerUser')} required value={customer} onChange={setCustomer} onSelect={(picked) => setCustomerId(picked.customerId)} autoFocus />
      <div className="field">
        <label htmlFor="action-customer-id">{t('ticket.customerId')}</label>
        <input id="action-customer-id" value={customerId} onChange={(event) => setCustomerId(event.target.value)} />
      </div>
      <Actions busy={busy} onClose={onClose} submit={t('common.save')} />
    </form>
  )
}

/** A ticket number field that suggests tickets (number or title) from the search as the agent types. */
export function TicketNumberInput({
  id,
  value,
  onChange,
  exclude,
  label,
  required = true,
}: {
  id: string
  value: string
  onChange: (value: string) => void
  /** Tickets not to suggest (the ones being merged or linked). */
  exclude: string[]
  label: ReactNode
  required?: boolean
}) {
  const { t } = useI18n()
  const [suggestions, setSuggestions] = useState<{ number: string; title: string }[]>([])
  const [open, setOpen] = useState(false)
  useEffect(() => {
    const text = value.trim()
    if (text.length < 2) {
      setSuggestions([])
      return
    }
    const controller = new AbortController()
    const timer = setTimeout(() => {
      const query = /^\d+$/.test(text) ? `number:${text}*` : text
      get<Page<SearchHit>>('/api/search', { q: query, limit: 8 }, controller.signal)
        .then((page) => setSuggestions(page.items.filter((hit) => !exclude.includes(hit.number)).map((hit) => ({ number: hit.number, title: hit.title }))))
        .catch(() => setSuggestions([]))
    }, 200)
    return () => {
      clearTimeout(timer)
      controller.abort()
    }
    // exclude as text: a new array on every render must not restart the lookup.
  }, [value, exclude.join(',')])
  const listId = `${id}-suggestions`
  return (
    <div className="field autocomplete">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        role="combobox"
        aria-expanded={open && suggestions.length > 0}
        aria-controls={listId}
        aria-autocomplete="list"
        autoComplete="off"
        required={required}
        value={value}
        onChange={(event) => {
          onChange(event.target.value)
          setOpen(true)
        }}
        onBlur={() => setTimeout(() => setOpen(false), 150)}
        onFocus={() => setOpen(true)}
        placeholder={t('action.ticketNumberPlaceholder')}
      />
      {open && suggestions.length > 0 && (
        <ul id={listId} role="listbox" aria-label={t('action.suggestions')}>
          {suggestions.map((suggestion) => (
            <li key={suggestion.number} role="option" aria-selected={false}>
              <button
                type="button"
                onMouseDown={(event) => event.preventDefault()}
                onClick={() => {
                  onChange(suggestion.number)
                  setOpen(false)
                }}
              >
                <span className="number">{suggestion.number}</span> · {suggestion.title}
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  )
}

function MergeForm({ ticket, busy, run, onClose }: FormProps) {
  const { t } = useI18n()
  const [into, setInto] = useState('')
  return (
    <form
      className="form"
      onSubmit={(event) => {
        event.preventDefault()
        const target = into.trim()
        void run(async () => {
          await api<TicketSummary>('POST', `${ticketPath(ticket.number)}/merge`, { into: target })
          navigate(paths.ticket(target))
        })
      }}
    >
      <p>{t('action.mergeExplain', { number: ticket.number })}</p>
      <TicketNumberInput id="merge-into" value={into} onChange={setInto} exclude={[ticket.number]} label={t('action.mergeInto')} />
      <Actions busy={busy} onClose={onClose} submit={t('action.merge')} />
    </form>
  )
}

function LinkForm({ ticket, busy, run, onClose }: FormProps) {
  const { t } = useI18n()
  const [target, setTarget] = useState('')
  const [type, setType] = useState<'normal' | 'parent' | 'child'>('normal')
  return (
    <form
      className="form"
      onSubmit={(event) => {
        event.preventDefault()
        void run(() => api('POST', `${ticketPath(ticket.number)}/links`, { target: target.trim(), type }))
      }}
    >
      <TicketNumberInput id="link-target" value={target} onChange={setTarget} exclude={[ticket.number]} label={t('action.linkTarget')} />
      <div className="field">
        <label htmlFor="link-type">{t('action.linkType')}</label>
        <select id="link-type" value={type} onChange={(event) => setType(event.target.value as typeof type)}>
          <option value="normal">{t('link.normal')}</option>
          <option value="parent">{t('link.parent')}</option>
          <option value="child">{t('link.child')}</option>
        </select>
      </div>
      <Actions busy={busy} onClose={onClose} submit={t('action.link')} />
    </form>
  )
}

function SplitForm({ ticket, busy, run, onClose, articleId }: FormProps & { articleId: string }) {
  const { t } = useI18n()
  const { meta } = useApp()
  const article = ticket.articles.find((candidate) => candidate.id === articleId)
  // The new ticket's title without the original's "[Ticket#…]" and reply prefixes (the server cleans it the same way).
  const [title, setTitle] = useState((article && cleanSubject(article.subject, meta.ticketHook)) || cleanSubject(ticket.title, meta.ticketHook))
  const [queue, setQueue] = useState(ticket.queue)
  return (
    <form
      className="form"
      onSubmit={(event) => {
        event.preventDefault()
        void run(async () => {
          const created = await api<TicketSummary>('POST', `${ticketPath(ticket.number)}/split`, { articleId, title: title.trim(), queue })
          navigate(paths.ticket(created.number))
        })
      }}
    >
      <p>{t('action.splitExplain')}</p>
      <div className="field">
        <label htmlFor="split-title">{t('ticket.title')}</label>
        <input id="split-title" required value={title} onChange={(event) => setTitle(event.target.value.replace(/[\r\n]/g, ' '))} />
      </div>
      <div className="field">
        <label htmlFor="split-queue">{t('ticket.queue')}</label>
        <select id="split-queue" value={queue} onChange={(event) => setQueue(event.target.value)}>
          {meta.queues.map((candidate) => (
            <option key={candidate.name} value={candidate.name}>
              {candidate.name}
            </option>
          ))}
        </select>
      </div>
      <Actions busy={busy} onClose={onClose} submit={t('action.split')} />
    </form>
  )
}

/**
 * OTRS Bounce: the customer's mail goes on unchanged (Resent-* headers) to another address, e.g. a
 * colleague elsewhere or the right department; the ticket keeps it and records where it went.
 */
function BounceForm({ ticket, busy, run, onClose, articleId }: FormProps & { articleId: string }) {
  const { t } = useI18n()
  const article = ticket.articles.find((candidate) => candidate.id === articleId)
  const [to, setTo] = useState('')
  return (
    <form
      className="form"
      onSubmit={(event) => {
        event.preventDefault()
        void run(() => api('POST', `${ticketPath(ticket.number)}/articles`, { type: 'bounce', articleId, to: to.trim() }))
      }}
    >
      <p>{t('action.bounceExplain', { subject: article?.subject ?? '' })}</p>
      <div className="field">
        <label htmlFor="bounce-to">{t('action.bounceTo')}</label>
        <input id="bounce-to" type="text" required value={to} onChange={(event) => setTo(event.target.value.replace(/[\r\n]/g, ' '))} placeholder="name@example.com" />
      </div>
      <Actions busy={busy} onClose={onClose} submit={t('action.bounce')} />
    </form>
  )
}
