import { useEffect, useRef, useState, type FormEvent } from 'react'
import { api, ApiError, get, ticketPath, UploadError, uploadFiles } from '../api/client.ts'
import type { ArticleType, Attachment, ComposedArticle, CreateArticleRequest, StoredDraft, TicketDetail } from '../api/types.ts'
import { useApp } from '../app-context.tsx'
import { useI18n, type MessageKey } from '../i18n/i18n.tsx'
import { stateLabel } from '../labels.ts'
import { localInputToIso, isoToLocalInput, tomorrowMorning } from './date-input.ts'
import { CustomerAutocomplete } from './customer-autocomplete.tsx'
import { Dialog } from './dialog.tsx'

export const composeTitles: Record<ArticleType, MessageKey> = {
  reply: 'action.reply',
  'reply-all': 'action.replyAll',
  forward: 'action.forward',
  bounce: 'action.bounce',
  note: 'action.note',
  'note-external': 'action.noteExternal',
  phone: 'action.phone',
}

const mailTypes: ArticleType[] = ['reply', 'reply-all', 'forward']
const templateTypeOf = (type: ArticleType) => (type === 'forward' ? 'forward' : type === 'note' || type === 'note-external' || type === 'phone' ? 'note' : 'answer')
const draftDelayMs = 800

interface Fields {
  to: string
  cc: string
  bcc: string
  subject: string
  body: string
  state: string
  pendingUntil: string
}

export interface FileToSend {
  name: string
  size: number
  file: File
}

/** A chosen file: uploaded to the blob store when the article is sent (never read into the page). */
export const fileToSend = (file: File): FileToSend => ({ name: file.name, size: file.size, file })

/** What to show when sending failed: an upload the store refused, or the API's message and field. */
export function sendError(caught: unknown, t: (key: 'compose.uploadFailed', values: { name: string }) => string): string {
  if (caught instanceof UploadError) return t('compose.uploadFailed', { name: caught.fileName })
  return caught instanceof ApiError ? `${caught.message}${caught.field ? ` (${caught.field})` : ''}` : String(caught)
}

/**
 * Reply / reply all / forward / note / phone. Prefilled by the API (salutation, template,
 * signature, quote); every change is kept as the agent's draft on the ticket (API drafts), so
 * leaving the dialog or the page loses nothing. Sending discards the draft on the server.
 */
export function ComposeDialog({
  ticket,
  type,
  articleId,
  initialTemplate,
  onClose,
  onSent,
}: {
  ticket: TicketDetail
  type: ArticleType
  articleId?: string | undefined
  initialTemplate?: string | undefined
  onClose: () => void
  onSent: () => void
}) {
  const i18n = useI18n()
  const { t } = i18n
  const { meta } = useApp()
  const [fields, setFields] = useState<Fields | null>(null)
  const [template, setTemplate] = useState(initialTemplate ?? '')
  const [files, setFiles] = useState<FileToSend[]>([])
  const [timeUnits, setTimeUnits] = useState('')
  const [notice, setNotice] = useState<string | null>(null)
  // The answered mail's Reply-To when it names a stranger: not the default, offered explicitly.
  const [untrustedReplyTo, setUntrustedReplyTo] = useState<string | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const [draftState, setDraftState] = useState<'none' | 'saving' | 'saved'>('none')
  // A note may be made visible to the customer (OTRS: "is visible for customer"); a phone call has a direction.
  const [noteType, setNoteType] = useState<ArticleType>(type)
  const [direction, setDirection] = useState<'inbound' | 'outbound'>('outbound')
  // Forward: the forwarded mail's attachments, each of which the agent may leave out.
  const [forwarded, setForwarded] = useState<Attachment[]>([])
  const [dropped, setDropped] = useState<Set<string>>(new Set())
  const isNote = type === 'note' || type === 'note-external'
  const dirty = useRef(false)
  const draftTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined)
  const isMail = mailTypes.includes(type)
  const templates = (meta.templates ?? []).filter((candidate) => candidate.type === templateTypeOf(type) && (!candidate.queues || candidate.queues.includes(ticket.queue)))

  const compose = async (templateId: string) => {
    const composed = await get<ComposedArticle>(`${ticketPath(ticket.number)}/compose`, { type, ...(articleId ? { articleId } : {}), ...(templateId ? { templateId } : {}) })
    return composed
  }

  // Start from the agent's draft when there is one for this kind of article, else from the API's prefill.
  useEffect(() => {
    let cancelled = false
    void (async () => {
      try {
        const draft = await get<StoredDraft>(`${ticketPath(ticket.number)}/draft`).catch((caught: unknown) => {
          if (caught instanceof ApiError && caught.status === 404) return null
          throw caught
        })
        if (cancelled) return
        if (type === 'forward') void compose(initialTemplate ?? '').then((composed) => !cancelled && setForwarded(composed.attachments.filter((attachment) => !attachment.inline)))
        if (draft && draft.type === type) {
          setFields({
            to: draft.to,
            cc: draft.cc,
            bcc: draft.bcc,
            subject: draft.subject,
            body: draft.body,
            state: draft.state ?? '',
            pendingUntil: draft.pendingUntil ? isoToLocalInput(draft.pendingUntil, i18n.timeZone) : '',
          })
          setNotice(t('compose.draftRestored', { when: i18n.dateTime(draft.changedAt) }))
          setDraftState('saved')
          return
        }
        const composed = await compose(initialTemplate ?? '')
        if (cancelled) return
        setFields({ to: composed.to, cc: composed.cc, bcc: '', subject: composed.subject, body: composed.body, state: '', pendingUntil: '' })
        setUntrustedReplyTo(composed.untrustedReplyTo)
      } catch (caught) {
        if (!cancelled) setError(caught instanceof Error ? caught.message : String(caught))
      }
    })()
    return () => {
      cancelled = true
    }
    // Loaded once when the dialog opens.
  }, [])

  const saveDraft = async (current: Fields) => {
    setDraftState('saving')
    try {
      await api('PUT', `${ticketPath(ticket.number)}/draft`, {
        type,
        to: current.to,
        cc: current.cc,
        bcc: current.bcc,
        subject: current.subject,
        body: current.body,
        articleId: articleId ?? null,
        state: current.state || null,
        pendingUntil: current.pendingUntil ? localInputToIso(current.pendingUntil, i18n.timeZone) : null,
      })
      setDraftState('saved')
    } catch {
      setDraftState('none')
    }
  }

  const update = (change: Partial<Fields>) => {
    if (!fields) return
    const next = { ...fields, ...change }
    setFields(next)
    dirty.current = true
    clearTimeout(draftTimer.current)
    draftTimer.current = setTimeout(() => void saveDraft(next), draftDelayMs)
  }

  const close = async () => {
    clearTimeout(draftTimer.current)
    if (dirty.current && fields) await saveDraft(fields)
    onClose()
  }

  const discard = async () => {
    clearTimeout(draftTimer.current)
    await api('DELETE', `${ticketPath(ticket.number)}/draft`).catch(() => undefined)
    dirty.current = false
    onClose()
  }

  const chooseTemplate = async (templateId: string) => {
    setTemplate(templateId)
    try {
      const composed = await compose(templateId)
      update({ body: composed.body })
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : String(caught))
    }
  }

  const stateType = meta.states.find((candidate) => candidate.name === fields?.state)?.type
  const pending = stateType === 'pending reminder' || stateType === 'pending auto'

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    if (!fields) return
    clearTimeout(draftTimer.current)
    setBusy(true)
    setError(null)
    const body: CreateArticleRequest = {
      type: isNote ? noteType : type,
      ...(type === 'phone' ? { direction } : {}),
      ...(type === 'forward' && dropped.size > 0 ? { dropAttachments: [...dropped] } : {}),
      ...(articleId ? { articleId } : {}),
      ...(isMail ? { to: fields.to, cc: fields.cc, ...(fields.bcc ? { bcc: fields.bcc } : {}) } : {}),
      subject: fields.subject,
      body: fields.body,
      ...(fields.state ? { state: fields.state } : {}),
      ...(pending && fields.pendingUntil ? { pendingUntil: localInputToIso(fields.pendingUntil, i18n.timeZone) } : {}),
      ...(timeUnits ? { timeUnits: Number(timeUnits) } : {}),
    }
    try {
      if (files.length) body.attachments = await uploadFiles(files.map((chosen) => chosen.file))
      await api('POST', `${ticketPath(ticket.number)}/articles`, body)
      dirty.current = false
      onSent()
      onClose()
    } catch (caught) {
      setError(sendError(caught, t))
    } finally {
      setBusy(false)
    }
  }

  const nextStates = meta.states.filter((candidate) => candidate.type !== 'new' && candidate.type !== 'merged' && candidate.type !== 'removed')
  return (
    <Dialog title={`${t(composeTitles[type])} · ${ticket.number}`} onClose={() => void close()} wide>
      {!fields && !error && <p className="muted">{t('common.loading')}</p>}
      {error && (
        <p className="notice notice-error" role="alert">
          {error}
        </p>
      )}
      {fields && (
        <form className="form" onSubmit={submit}>
          {notice && (
            <p className="notice" role="status">
              {notice}
            </p>
          )}
          {templates.length > 0 && (
            <div className="field">
              <label htmlFor="compose-template">{t('compose.template')}</label>
              <select id="compose-template" value={template} onChange={(event) => void chooseTemplate(event.target.value)}>
                <option value="">{t('compose.noTemplate')}</option>
                {templates.map((candidate) => (
                  <option key={candidate.name} value={candidate.name}>
                    {candidate.name}
                  </option>
                ))}
              </select>
            </div>
          )}
          {isMail && untrustedReplyTo && (
            <div className="notice notice-warning" role="alert" data-testid="untrusted-reply-to">
              <p>{t('compose.untrustedReplyTo', { address: untrustedReplyTo })}</p>
              {fields.to !== untrustedReplyTo && (
                <button type="button" className="link-button" onClick={() => update({ to: untrustedReplyTo })}>
                  {t('compose.useReplyTo', { address: untrustedReplyTo })}
                </button>
              )}
            </div>
          )}
          {isMail && (
            <div className="row">
              <CustomerAutocomplete id="compose-to" label={t('article.to')} multiple required value={fields.to} onChange={(to) => update({ to })} />
              <CustomerAutocomplete id="compose-cc" label={t('article.cc')} multiple value={fields.cc} onChange={(cc) => update({ cc })} />
              <div className="field">
                <label htmlFor="compose-bcc">{t('article.bcc')}</label>
                <input id="compose-bcc" value={fields.bcc} onChange={(event) => update({ bcc: event.target.value })} />
              </div>
            </div>
          )}
          {isNote && (
            <div className="field checkbox-field">
              <label>
                <input type="checkbox" checked={noteType === 'note-external'} onChange={(event) => setNoteType(event.target.checked ? 'note-external' : 'note')} />{' '}
                {t('compose.visibleToCustomer')}
              </label>
            </div>
          )}
          {type === 'phone' && (
            <fieldset className="field radio-row">
              <legend>{t('compose.direction')}</legend>
              <label>
                <input type="radio" name="compose-direction" checked={direction === 'inbound'} onChange={() => setDirection('inbound')} /> {t('compose.directionIncoming')}
              </label>
              <label>
                <input type="radio" name="compose-direction" checked={direction === 'outbound'} onChange={() => setDirection('outbound')} /> {t('compose.directionOutgoing')}
              </label>
            </fieldset>
          )}
          <div className="field">
            <label htmlFor="compose-subject">{t('article.subject')}</label>
            <input id="compose-subject" value={fields.subject} onChange={(event) => update({ subject: event.target.value.replace(/[\r\n]/g, ' ') })} />
          </div>
          <div className="field">
            <label htmlFor="compose-body">{t('compose.text')}</label>
            <textarea id="compose-body" rows={14} value={fields.body} onChange={(event) => update({ body: event.target.value })} />
          </div>
          {forwarded.length > 0 && (
            <div className="field">
              <span className="label">{t('compose.forwardedAttachments')}</span>
              <ul className="plain-list" aria-label={t('compose.forwardedAttachments')}>
                {forwarded.map((attachment) => (
                  <li key={attachment.id} className={dropped.has(attachment.id) ? 'dropped' : undefined}>
                    <span>{attachment.name}</span>
                    <span className="muted">{i18n.number(attachment.size / 1024, 1)} KB</span>
                    {dropped.has(attachment.id) ? (
                      <button type="button" className="link-button" onClick={() => setDropped((current) => new Set([...current].filter((id) => id !== attachment.id)))}>
                        {t('compose.keepAttachment', { name: attachment.name })}
                      </button>
                    ) : (
                      <button type="button" className="link-button" aria-label={t('compose.removeAttachment', { name: attachment.name })} onClick={() => setDropped((current) => new Set([...current, attachment.id]))}>
                        {t('common.remove')}
                      </button>
                    )}
                  </li>
                ))}
              </ul>
            </div>
          )}
          <div className="field">
            <label htmlFor="compose-files">{t('compose.attachments')}</label>
            <input
              id="compose-files"
              type="file"
              multiple
              onChange={(event) => {
                const chosen = [...(event.target.files ?? [])]
                setFiles((existing) => [...existing, ...chosen.map(fileToSend)])
                event.target.value = ''
              }}
            />
            {files.length > 0 && (
              <ul className="plain-list">
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
              <label htmlFor="compose-state">{t('compose.nextState')}</label>
              <select id="compose-state" value={fields.state} onChange={(event) => update({ state: event.target.value, pendingUntil: fields.pendingUntil || tomorrowMorning(i18n.timeZone) })}>
                <option value="">{t('common.unchanged')}</option>
                {nextStates.map((candidate) => (
                  <option key={candidate.name} value={candidate.name}>
                    {stateLabel(i18n, candidate.name)}
                  </option>
                ))}
              </select>
            </div>
            {pending && (
              <div className="field">
                <label htmlFor="compose-pending">{t('ticket.pendingUntil')}</label>
                <input id="compose-pending" type="datetime-local" required value={fields.pendingUntil} onChange={(event) => update({ pendingUntil: event.target.value })} />
              </div>
            )}
            <div className="field">
              <label htmlFor="compose-time">{t('compose.timeUnits')}</label>
              <input id="compose-time" type="number" min={0} step="any" value={timeUnits} onChange={(event) => setTimeUnits(event.target.value)} />
            </div>
          </div>
          <div className="actions">
            <span className="muted" role="status">
              {draftState === 'saving' ? t('compose.draftSaving') : draftState === 'saved' ? t('compose.draftSaved') : ''}
            </span>
            {draftState !== 'none' && (
              <button type="button" className="danger" onClick={() => void discard()}>
                {t('compose.discardDraft')}
              </button>
            )}
            <button type="button" onClick={() => void close()}>
              {t('compose.later')}
            </button>
            <button type="submit" className="primary" disabled={busy}>
              {isMail ? t('compose.send') : t('compose.save')}
            </button>
          </div>
        </form>
      )}
    </Dialog>
  )
}
