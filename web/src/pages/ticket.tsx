import { useEffect, useMemo, useState } from 'react'
import { api, ApiError, download, get, getPrefetched, getText, ticketPath } from '../api/client.ts'
import type { Article, ArticleType, CustomerUser, HistoryEntry, Meta, Page, StoredDraft, TicketDetail, TicketSummary } from '../api/types.ts'
import { useApp } from '../app-context.tsx'
import { ArticleFrame } from '../components/article-frame.tsx'
import { ComposeDialog } from '../components/compose-dialog.tsx'
import { composeTitles } from '../components/compose-dialog.tsx'
import { actionTitles, TicketActionDialog, type TicketAction } from '../components/ticket-actions.tsx'
import { LockIcon, PaperclipIcon } from '../components/icons.tsx'
import { useI18n, type I18n, type MessageKey } from '../i18n/i18n.tsx'
import { agentName, age, priorityLabel, stateClass, stateLabel } from '../labels.ts'
import { Link, navigate, paths, useDocumentTitle, useLocation } from '../router.tsx'
import { useShortcuts } from '../shortcuts.tsx'
import { useResource } from '../use-resource.ts'

/** Which way an article went, as the LizardNet guide tells agents to read the thread. */
export type Direction = 'in' | 'out' | 'note'

export function directionOf(article: Article): Direction {
  if (article.channel === 'note') return 'note'
  if (article.sender === 'customer') return 'in'
  return 'out'
}

function directionLabel(article: Article): MessageKey {
  if (article.channel === 'note') return article.visibleToCustomer ? 'article.noteExternal' : 'article.noteInternal'
  if (article.channel === 'phone') return article.sender === 'customer' ? 'article.phoneIn' : 'article.phoneOut'
  if (article.sender === 'customer') return 'article.incoming'
  if (article.sender === 'system') return 'article.system'
  return 'article.outgoing'
}

/** [ ]← customer in, [ ]→ agent out, [ ] internal note: the OTRS icons, drawn, plus a label and a colour. */
export function DirectionIcon({ direction }: { direction: Direction }) {
  return (
    <svg className="direction-icon" viewBox="0 0 24 16" aria-hidden="true" focusable="false">
      <rect x={direction === 'in' ? 9 : 1} y="2" width="13" height="12" rx="1.5" fill="none" stroke="currentColor" strokeWidth="2" />
      {direction === 'in' && <path d="M8 8H1M4 5 1 8l3 3" fill="none" stroke="currentColor" strokeWidth="2" />}
      {direction === 'out' && <path d="M15 8h8M20 5l3 3-3 3" fill="none" stroke="currentColor" strokeWidth="2" />}
      {direction === 'note' && <path d="M4 6h7M4 10h7" stroke="currentColor" strokeWidth="2" />}
    </svg>
  )
}

type ArticleView = 'html' | 'text' | 'headers' | 'raw'
type Tab = 'articles' | 'history'

export function TicketPage({ number }: { number: string }) {
  const i18n = useI18n()
  const { t } = i18n
  const app = useApp()
  const location = useLocation()
  const ticket = useResource((signal) => getPrefetched<TicketDetail>(ticketPath(number), undefined, signal), [number])
  const detail = ticket.data
  useDocumentTitle(detail ? `${detail.number} · ${detail.title}` : number)
  const [selectedId, setSelectedId] = useState<string | null>(location.search.get('article'))
  const [tab, setTab] = useState<Tab>('articles')
  const [compose, setCompose] = useState<{ type: ArticleType; articleId?: string | undefined; template?: string | undefined } | null>(null)
  const [action, setAction] = useState<{ kind: TicketAction; articleId?: string | undefined } | null>(null)
  const [message, setMessage] = useState<string | null>(null)

  // The agent's unsent article on this ticket (OTRS draft): shown in the zoom so it is not forgotten.
  const draft = useResource(
    (signal) =>
      get<StoredDraft>(`${ticketPath(number)}/draft`, undefined, signal).catch((caught: unknown) => {
        if (caught instanceof ApiError && caught.status === 404) return null
        throw caught
      }),
    [number],
  )
  const watching = !!detail?.watchers.includes(app.me.login)
  const toggleWatch = async () => {
    try {
      await api(watching ? 'DELETE' : 'PUT', `${ticketPath(number)}/watch`)
      setMessage(watching ? t('zoom.unwatched') : t('zoom.watched'))
      await refresh()
    } catch (caught) {
      setMessage(caught instanceof ApiError ? caught.message : String(caught))
    }
  }

  const articles = detail?.articles ?? []
  // By default the latest article a person wrote (not an auto response): what the agent has to read.
  const selected = articles.find((article) => article.id === selectedId) ?? [...articles].reverse().find((article) => article.sender !== 'system') ?? articles.at(-1)
  const lastCustomerMail = [...articles].reverse().find((article) => article.sender === 'customer' && article.channel !== 'note')
  const locked = detail?.lock === 'lock'
  // OTRS: only the owner unlocks; anyone else with the owner permission takes a locked ticket over.
  const lockedByOther = locked && detail.owner !== null && detail.owner !== app.me.login
  const toggleLock = () =>
    lockedByOther ? patch({ lock: 'lock' }, t('zoom.takenOver')) : patch({ lock: locked ? 'unlock' : 'lock' }, locked ? t('zoom.unlocked') : t('zoom.locked'))

  const refresh = async () => {
    await Promise.all([ticket.reload(), draft.reload()])
  }
  const patch = async (changes: Parameters<typeof api>[2], done: string) => {
    try {
      await api('PATCH', ticketPath(number), changes)
      setMessage(done)
      await refresh()
    } catch (caught) {
      setMessage(caught instanceof ApiError ? caught.message : String(caught))
    }
  }

  const moveSelection = (step: number) => {
    if (!selected) return
    const index = articles.indexOf(selected)
    const next = articles[Math.min(articles.length - 1, Math.max(0, index + step))]
    if (next) setSelectedId(next.id)
  }

  useShortcuts({
    r: () => detail && setCompose({ type: 'reply', articleId: lastCustomerMail?.id }),
    a: () => detail && setCompose({ type: 'reply-all', articleId: lastCustomerMail?.id }),
    f: () => detail && selected && setCompose({ type: 'forward', articleId: selected.id }),
    n: () => detail && setCompose({ type: 'note' }),
    c: () => detail && setAction({ kind: 'close' }),
    m: () => detail && setAction({ kind: 'move' }),
    l: () => detail && void toggleLock(),
    j: () => moveSelection(1),
    k: () => moveSelection(-1),
    Escape: () => setMessage(null),
  })

  if (ticket.error) {
    return (
      <section className="page">
        <h1>{t('zoom.title', { number })}</h1>
        <p className="notice notice-error">{ticket.error instanceof ApiError && ticket.error.status === 404 ? t('zoom.notFound', { number }) : ticket.error.message}</p>
      </section>
    )
  }
  if (!detail) return <p className="loading">{t('common.loading')}</p>

  const templatesFor = (kind: 'answer' | 'forward') => (app.meta.templates ?? []).filter((template) => template.type === kind && (!template.queues || template.queues.includes(detail.queue)))
  const zoomActions: [TicketAction, string][] = (['close', 'pending', 'owner', 'responsible', 'priority', 'title', 'customer', 'merge', 'link'] as const).map((kind) => [kind, t(actionTitles[kind])])

  return (
    <section className="page">
      <header className="zoom-header">
        <p className="zoom-meta">
          <span className="muted number">
            {app.meta.ticketHook}
            {detail.number}
          </span>
          <span className={stateClass(detail.stateType)}>{stateLabel(i18n, detail.state)}</span>
          <span className="muted">{detail.queue}</span>
          {locked && (
            <span className="pill locked">
              <LockIcon /> {t('ticket.lockedBy', { owner: agentName(app.meta, detail.owner) })}
            </span>
          )}
        </p>
        <h1>{detail.title || t('ticket.noTitle')}</h1>
      </header>
      {draft.data && (
        <p className="notice draft-notice" role="status">
          <span className="pill draft">{t('zoom.draft')}</span>{' '}
          {t('zoom.draftSaved', { type: t(composeTitles[draft.data.type]), when: i18n.dateTime(draft.data.changedAt) })}{' '}
          <button type="button" className="link-button" onClick={() => setCompose({ type: draft.data!.type, articleId: draft.data!.articleId ?? undefined })}>
            {t('zoom.draftContinue')}
          </button>
        </p>
      )}
      {detail.mergedInto && (
        <p className="notice notice-warning">
          {t('zoom.mergedInto')} <Link href={paths.ticket(detail.mergedInto)}>{detail.mergedInto}</Link>
        </p>
      )}
      {message && (
        <p className="notice" role="status">
          {message}{' '}
          <button type="button" className="link-button" onClick={() => setMessage(null)}>
            {t('common.dismiss')}
          </button>
        </p>
      )}
      <nav className="zoom-actions" aria-label={t('zoom.actions')}>
        <button type="button" onClick={() => void toggleLock()}>
          {lockedByOther ? t('action.takeOver') : locked ? t('action.unlock') : t('action.lock')}
        </button>
        <TemplateMenu label={t('action.reply')} templates={templatesFor('answer')} onPick={(template) => setCompose({ type: 'reply', articleId: lastCustomerMail?.id, template })} />
        <TemplateMenu label={t('action.replyAll')} templates={templatesFor('answer')} onPick={(template) => setCompose({ type: 'reply-all', articleId: lastCustomerMail?.id, template })} />
        <TemplateMenu label={t('action.forward')} templates={templatesFor('forward')} onPick={(template) => setCompose({ type: 'forward', articleId: selected?.id, template })} />
        <button type="button" onClick={() => setCompose({ type: 'note' })}>
          {t('action.note')}
        </button>
        <button type="button" onClick={() => setCompose({ type: 'phone' })}>
          {t('action.phone')}
        </button>
        <label>
          <span className="visually-hidden">{t('action.move')}</span>
          <select
            aria-label={t('action.move')}
            value=""
            onChange={(event) => {
              if (event.target.value) void patch({ queue: event.target.value }, t('zoom.moved', { queue: event.target.value }))
            }}
          >
            <option value="">{`– ${t('action.move')} –`}</option>
            {app.meta.queues
              .filter((queue) => queue.name !== detail.queue && (queue.rights.includes('rw') || queue.rights.includes('move_into')))
              .map((queue) => (
                <option key={queue.name} value={queue.name}>
                  {queue.name}
                </option>
              ))}
          </select>
        </label>
        {zoomActions.map(([kind, label]) => (
          <button key={kind} type="button" onClick={() => setAction({ kind })}>
            {label}
          </button>
        ))}
        <button type="button" aria-pressed={watching} onClick={() => void toggleWatch()}>
          {watching ? t('action.unwatch') : t('action.watch')}
        </button>
        <button type="button" onClick={() => window.print()}>
          {t('action.print')}
        </button>
      </nav>
      <PrintThread ticket={detail} />
      <div className="zoom">
        <div>
          <div className="tabs" role="tablist" aria-label={t('zoom.sections')}>
            <button type="button" role="tab" aria-selected={tab === 'articles'} onClick={() => setTab('articles')}>
              {t('zoom.articles', { count: articles.length })}
            </button>
            <button type="button" role="tab" aria-selected={tab === 'history'} onClick={() => setTab('history')}>
              {t('zoom.history')}
            </button>
          </div>
          {tab === 'articles' && (
            <>
              <ol className="thread" aria-label={t('zoom.thread')}>
                {articles.map((article) => {
                  const direction = directionOf(article)
                  return (
                    <li key={article.id}>
                      <button type="button" className={`article-row direction-${direction}`} aria-current={article.id === selected?.id} onClick={() => setSelectedId(article.id)}>
                        <DirectionIcon direction={direction} />
                        <span className={`direction-label direction-${direction}`}>
                          <span className="direction-text">{t(directionLabel(article))}</span>
                        </span>
                        <span className="subject">
                          <strong>{article.from || article.createdBy || ''}</strong> · {article.subject}
                        </span>
                        <span className="when">
                          {article.attachments.some((attachment) => !attachment.inline) && <PaperclipIcon />}{' '}
                          {i18n.dateTime(article.createdAt)}
                        </span>
                      </button>
                    </li>
                  )
                })}
              </ol>
              {selected && (
                <ArticleDetail
                  key={selected.id}
                  ticket={detail}
                  article={selected}
                  onReply={(type) => setCompose({ type, articleId: selected.id })}
                  onSplit={() => setAction({ kind: 'split', articleId: selected.id })}
                  onBounce={() => setAction({ kind: 'bounce', articleId: selected.id })}
                  onResent={() => void refresh()}
                />
              )}
            </>
          )}
          {tab === 'history' && <History ticket={detail} />}
        </div>
        <TicketSidebar ticket={detail} onChanged={() => void refresh()} />
      </div>
      {compose && (
        <ComposeDialog
          ticket={detail}
          type={compose.type}
          articleId={compose.articleId}
          initialTemplate={compose.template}
          onClose={() => {
            setCompose(null)
            void draft.reload()
          }}
          onSent={() => {
            setMessage(t('zoom.articleAdded'))
            void refresh()
          }}
        />
      )}
      {action && (
        <TicketActionDialog
          ticket={detail}
          action={action.kind}
          articleId={action.articleId}
          onClose={() => setAction(null)}
          onDone={() => {
            setMessage(t('zoom.changed'))
            void refresh()
          }}
        />
      )}
    </section>
  )
}

/** OTRS "- Reply -" dropdown: pick a template (or none) and the compose dialog opens with it. */
function TemplateMenu({ label, templates, onPick }: { label: string; templates: { name: string }[]; onPick: (template: string | undefined) => void }) {
  const { t } = useI18n()
  if (templates.length === 0)
    return (
      <button type="button" onClick={() => onPick(undefined)}>
        {label}
      </button>
    )
  return (
    <select
      aria-label={label}
      value=""
      onChange={(event) => {
        if (event.target.value !== '') onPick(event.target.value === '-' ? undefined : event.target.value)
      }}
    >
      <option value="">{`– ${label} –`}</option>
      <option value="-">{t('compose.noTemplate')}</option>
      {templates.map((template) => (
        <option key={template.name} value={template.name}>
          {template.name}
        </option>
      ))}
    </select>
  )
}

function ArticleDetail({
  ticket,
  article,
  onReply,
  onSplit,
  onBounce,
  onResent,
}: {
  ticket: TicketDetail
  article: Article
  onReply: (type: ArticleType) => void
  onSplit: () => void
  onBounce: () => void
  onResent: () => void
}) {
  const i18n = useI18n()
  const { t } = i18n
  const direction = directionOf(article)
  const [view, setView] = useState<ArticleView>(article.hasHtml ? 'html' : 'text')
  const [raw, setRaw] = useState<string | null>(null)
  const [rawError, setRawError] = useState<string | null>(null)
  const isMail = article.channel === 'email'
  const base = `${ticketPath(article.ticketNumber)}/articles/${encodeURIComponent(article.id)}`

  useEffect(() => {
    if ((view === 'raw' || view === 'headers') && raw === null)
      getText(`${base}/raw`)
        .then(setRaw)
        .catch((caught: unknown) => setRawError(caught instanceof Error ? caught.message : String(caught)))
  }, [view, raw, base])

  const headers = useMemo(() => {
    if (raw === null) return null
    const end = raw.search(/\r?\n\r?\n/)
    return end >= 0 ? raw.slice(0, end) : raw
  }, [raw])

  const views: [ArticleView, MessageKey][] = [
    ...(article.hasHtml ? ([['html', 'article.viewFormatted']] as [ArticleView, MessageKey][]) : []),
    ['text', 'article.viewText'],
    ...(isMail ? ([['headers', 'article.viewHeaders'], ['raw', 'article.viewRaw']] as [ArticleView, MessageKey][]) : []),
  ]
  const attachments = article.attachments.filter((attachment) => !attachment.inline || !article.hasHtml)

  return (
    <article className={`article direction-${direction}`} aria-labelledby="article-subject">
      <header className="article-head">
        <span className={`direction-label direction-${direction}`}>
          <DirectionIcon direction={direction} /> {t(directionLabel(article))}
        </span>
        <h2 id="article-subject">{article.subject || t('article.noSubject')}</h2>
        <dl>
          <dt>{t('article.from')}</dt>
          <dd>{article.from}</dd>
          {article.to && (
            <>
              <dt>{t('article.to')}</dt>
              <dd>{article.to}</dd>
            </>
          )}
          {article.cc && (
            <>
              <dt>{t('article.cc')}</dt>
              <dd>{article.cc}</dd>
            </>
          )}
          <dt>{t('article.date')}</dt>
          <dd>{i18n.dateTime(article.createdAt)}</dd>
          {article.ticketNumber !== ticket.number && (
            <>
              <dt>{t('article.fromTicket')}</dt>
              <dd>{article.ticketNumber}</dd>
            </>
          )}
          {article.transmission && (
            <>
              <dt>{t('article.transmission')}</dt>
              <dd>
                {t(`transmission.${article.transmission.status}` as MessageKey)}
                {article.transmission.error ? ` — ${article.transmission.error}` : ''}
                {article.transmission.status === 'failed' && (
                  <button type="button" className="link-button" onClick={() => void api('POST', `${base}/resend`).then(onResent)}>
                    {t('article.resend')}
                  </button>
                )}
              </dd>
            </>
          )}
          {article.timeUnits !== null && (
            <>
              <dt>{t('compose.timeUnits')}</dt>
              <dd>{i18n.number(article.timeUnits, 2)}</dd>
            </>
          )}
        </dl>
      </header>
      <div className="article-tools">
        <div className="density" role="group" aria-label={t('article.view')}>
          {views.map(([candidate, label]) => (
            <button key={candidate} type="button" aria-pressed={view === candidate} onClick={() => setView(candidate)}>
              {t(label)}
            </button>
          ))}
        </div>
        <span className="spacer" />
        {direction === 'in' && (
          <button type="button" onClick={() => onReply('reply')}>
            {t('action.reply')}
          </button>
        )}
        {isMail && (
          <button type="button" onClick={() => onReply('forward')}>
            {t('action.forward')}
          </button>
        )}
        {isMail && article.sender === 'customer' && (
          <button type="button" onClick={onBounce}>
            {t('action.bounce')}
          </button>
        )}
        {article.channel === 'note' && (
          <button type="button" onClick={() => onReply('note')}>
            {t('action.replyToNote')}
          </button>
        )}
        {/* Articles that came through a merge split like the ticket's own (issue 14.4.9). */}
        <>
            <button type="button" onClick={onSplit}>
              {t('action.split')}
            </button>
            {/* OTRS split options: the article opens the new phone or email ticket screen, prefilled. */}
            <button type="button" onClick={() => navigate(paths.newTicket('phone', { number: ticket.number, articleId: article.id }))}>
              {t('action.splitPhone')}
            </button>
            <button type="button" onClick={() => navigate(paths.newTicket('email', { number: ticket.number, articleId: article.id }))}>
              {t('action.splitEmail')}
            </button>
          </>
      </div>
      <div className="article-body">
        {view === 'html' && <ArticleFrame ticketNumber={article.ticketNumber} articleId={article.id} title={t('article.frameTitle', { subject: article.subject })} />}
        {view === 'text' && (
          <>
            <pre className="article-text">{article.bodyText}</pre>
            {article.bodyTruncated && <p className="hint">{t('article.truncated')}</p>}
          </>
        )}
        {(view === 'raw' || view === 'headers') &&
          (rawError ? <p className="notice notice-error">{rawError}</p> : <pre className="article-raw">{(view === 'raw' ? raw : headers) ?? t('common.loading')}</pre>)}
      </div>
      {attachments.length > 0 && (
        <ul className="attachments" aria-label={t('article.attachments')}>
          {attachments.map((attachment) => (
            <li key={attachment.id}>
              <button type="button" onClick={() => void download(`${base}/attachments/${encodeURIComponent(attachment.id)}`, attachment.name)}>
                <PaperclipIcon /> {attachment.name} <span className="muted">({formatSize(i18n, attachment.size)})</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </article>
  )
}

/**
 * The print version of the ticket (OTRS AgentTicketPrint): the header data and the whole thread, every
 * article's text. Hidden on screen; the print stylesheet shows it alone (Print button or Ctrl+P).
 */
function PrintThread({ ticket }: { ticket: TicketDetail }) {
  const i18n = useI18n()
  const { t } = i18n
  const { meta } = useApp()
  return (
    <section className="print-only print-thread" aria-hidden="true">
      <h1>
        {meta.ticketHook}
        {ticket.number} · {ticket.title || t('ticket.noTitle')}
      </h1>
      <dl className="facts">
        <dt>{t('ticket.state')}</dt>
        <dd>{stateLabel(i18n, ticket.state)}</dd>
        <dt>{t('ticket.queue')}</dt>
        <dd>{ticket.queue}</dd>
        <dt>{t('ticket.priority')}</dt>
        <dd>{priorityLabel(i18n, meta, ticket.priority)}</dd>
        <dt>{t('ticket.owner')}</dt>
        <dd>{agentName(meta, ticket.owner) || '–'}</dd>
        <dt>{t('ticket.responsible')}</dt>
        <dd>{agentName(meta, ticket.responsible) || '–'}</dd>
        <dt>{t('ticket.customerUser')}</dt>
        <dd>{ticket.customer ?? '–'}</dd>
        <dt>{t('ticket.created')}</dt>
        <dd>{i18n.dateTime(ticket.createdAt)}</dd>
        <dt>{t('ticket.changed')}</dt>
        <dd>{i18n.dateTime(ticket.changedAt)}</dd>
        <dt>{t('print.printedAt')}</dt>
        <dd>{i18n.dateTime(new Date().toISOString())}</dd>
      </dl>
      {ticket.articles.map((article, index) => (
        <article key={article.id} className="print-article">
          <h2>
            {t('print.article', { index: index + 1, count: ticket.articles.length })} · {t(directionLabel(article))}
          </h2>
          <dl className="facts">
            <dt>{t('article.from')}</dt>
            <dd>{article.from}</dd>
            {article.to && (
              <>
                <dt>{t('article.to')}</dt>
                <dd>{article.to}</dd>
              </>
            )}
            {article.cc && (
              <>
                <dt>{t('article.cc')}</dt>
                <dd>{article.cc}</dd>
              </>
            )}
            <dt>{t('article.subject')}</dt>
            <dd>{article.subject}</dd>
            <dt>{t('article.date')}</dt>
            <dd>{i18n.dateTime(article.createdAt)}</dd>
            {article.attachments.some((attachment) => !attachment.inline) && (
              <>
                <dt>{t('article.attachments')}</dt>
                <dd>
                  {article.attachments
                    .filter((attachment) => !attachment.inline)
                    .map((attachment) => attachment.name)
                    .join(', ')}
                </dd>
              </>
            )}
          </dl>
          <pre className="article-text">{article.bodyText}</pre>
        </article>
      ))}
    </section>
  )
}

function formatSize(i18n: I18n, bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  if (bytes < 1024 * 1024) return `${i18n.number(bytes / 1024, 1)} KB`
  return `${i18n.number(bytes / 1024 / 1024, 1)} MB`
}

type Show = (i18n: I18n, meta: Meta, value: string) => string
/** History types whose change (before → after) the client words itself: in the agent's language and time zone. */
const historyWording: Record<string, { field: string; key: MessageKey; show?: Show }> = {
  StateUpdate: { field: 'state', key: 'history.state', show: (i18n, _meta, value) => stateLabel(i18n, value) },
  Move: { field: 'queue', key: 'history.move' },
  Lock: { field: 'lock', key: 'history.lock' },
  Unlock: { field: 'lock', key: 'history.unlock' },
  OwnerUpdate: { field: 'owner', key: 'history.owner', show: (_i18n, meta, value) => agentName(meta, value) },
  ResponsibleUpdate: { field: 'responsible', key: 'history.responsible', show: (_i18n, meta, value) => agentName(meta, value) },
  PriorityUpdate: { field: 'priority', key: 'history.priority', show: (i18n, meta, value) => priorityLabel(i18n, meta, Number(value)) },
  TitleUpdate: { field: 'title', key: 'history.title' },
  CustomerUpdate: { field: 'customer', key: 'history.customer' },
  Merged: { field: 'mergedInto', key: 'history.merged' },
  SetPendingTime: { field: 'pendingUntil', key: 'history.pendingTime', show: (i18n, _meta, value) => i18n.dateTime(value) },
}

/** The entry's text; the server's English message for types the client does not word (notes, mails, …). */
export function historyText(i18n: I18n, meta: Meta, entry: HistoryEntry): string {
  const wording = historyWording[entry.type]
  const change = wording && entry.changes?.[wording.field]
  if (!wording || !change) return entry.message
  const show = (value: unknown) => (value === null || value === undefined || value === '' ? '–' : wording.show ? wording.show(i18n, meta, String(value)) : String(value))
  return i18n.t(wording.key, { before: show(change.before), after: show(change.after) })
}

function History({ ticket }: { ticket: TicketDetail }) {
  const i18n = useI18n()
  const { meta } = useApp()
  return (
    <ol className="history panel" aria-label={i18n.t('zoom.history')}>
      {[...ticket.history].reverse().map((entry) => (
        <li key={entry.id}>
          <strong>{entry.type}</strong> · {i18n.dateTime(entry.at)} · {agentName(meta, entry.by)}
          <div>{historyText(i18n, meta, entry)}</div>
        </li>
      ))}
    </ol>
  )
}

/** An SLA deadline (OTRS: first response / update / solution time), marked when it has passed. */
function Deadline({ label, due }: { label: string; due: string | null }) {
  const i18n = useI18n()
  if (!due) return null
  const overdue = Date.parse(due) < Date.now()
  return (
    <>
      <dt>{label}</dt>
      <dd className={overdue ? 'overdue' : undefined}>
        {i18n.dateTime(due)}
        {overdue ? ` · ${i18n.t('ticket.overdue')}` : ''}
      </dd>
    </>
  )
}

function TicketSidebar({ ticket, onChanged }: { ticket: TicketDetail; onChanged: () => void }) {
  const i18n = useI18n()
  const { t } = i18n
  const { meta } = useApp()
  const customer = useResource(
    async (signal) => {
      if (!ticket.customer) return null
      const path = `/api/customers/${encodeURIComponent(ticket.customer)}`
      const [user, tickets] = await Promise.all([
        get<CustomerUser>(path, undefined, signal).catch(() => null),
        get<Page<TicketSummary>>(`${path}/tickets`, { limit: 6 }, signal).catch(() => ({ items: [], next: null })),
      ])
      return { user, tickets }
    },
    [ticket.customer],
  )
  return (
    <aside className="sidebar" aria-label={t('zoom.info')}>
      <section className="panel">
        <h2>{t('zoom.info')}</h2>
        <dl className="facts">
          <dt>{t('ticket.state')}</dt>
          <dd>{stateLabel(i18n, ticket.state)}</dd>
          {ticket.pendingUntil && (
            <>
              <dt>{t('ticket.pendingUntil')}</dt>
              <dd>{i18n.dateTime(ticket.pendingUntil)}</dd>
            </>
          )}
          {ticket.escalation && (
            <>
              <dt>{t('ticket.sla')}</dt>
              <dd>{ticket.escalation.sla}</dd>
              <Deadline label={t('ticket.firstResponseDue')} due={ticket.escalation.firstResponseDue} />
              <Deadline label={t('ticket.updateDue')} due={ticket.escalation.updateDue} />
              <Deadline label={t('ticket.solutionDue')} due={ticket.escalation.solutionDue} />
            </>
          )}
          <dt>{t('ticket.lock')}</dt>
          <dd>{ticket.lock === 'lock' ? t('ticket.locked') : t('ticket.unlocked')}</dd>
          <dt>{t('ticket.queue')}</dt>
          <dd>
            <Link href={paths.queue(ticket.queue)}>{ticket.queue}</Link>
          </dd>
          <dt>{t('ticket.priority')}</dt>
          <dd className={`prio prio-${ticket.priority}`}>{priorityLabel(i18n, meta, ticket.priority)}</dd>
          <dt>{t('ticket.owner')}</dt>
          <dd>{agentName(meta, ticket.owner) || '–'}</dd>
          <dt>{t('ticket.responsible')}</dt>
          <dd>{agentName(meta, ticket.responsible) || '–'}</dd>
          <dt>{t('ticket.age')}</dt>
          <dd title={i18n.dateTime(ticket.createdAt)}>{age(i18n, ticket.createdAt)}</dd>
          <dt>{t('ticket.created')}</dt>
          <dd>{i18n.dateTime(ticket.createdAt)}</dd>
          <dt>{t('ticket.changed')}</dt>
          <dd>{i18n.dateTime(ticket.changedAt)}</dd>
          <dt>{t('ticket.timeUnits')}</dt>
          <dd>{i18n.number(ticket.timeUnits, 2)}</dd>
        </dl>
      </section>
      <section className="panel">
        <h2>{t('zoom.customer')}</h2>
        {ticket.customer ? (
          <dl className="facts">
            <dt>{t('ticket.customerUser')}</dt>
            <dd>
              <Link href={paths.customer(ticket.customer)}>{customer.data?.user?.name ? `${customer.data.user.name} <${ticket.customer}>` : ticket.customer}</Link>
            </dd>
            {ticket.customerId && (
              <>
                <dt>{t('ticket.customerId')}</dt>
                <dd>
                  <Link href={paths.company(ticket.customerId)}>{ticket.customerId}</Link>
                </dd>
              </>
            )}
          </dl>
        ) : (
          <p className="muted">{t('zoom.noCustomer')}</p>
        )}
        {customer.data && customer.data.tickets.items.filter((other) => other.number !== ticket.number).length > 0 && (
          <>
            <h3>{t('zoom.customerTickets')}</h3>
            <ul className="plain-list">
              {customer.data.tickets.items
                .filter((other) => other.number !== ticket.number)
                .map((other) => (
                  <li key={other.number}>
                    <Link href={paths.ticket(other.number)}>{other.title || other.number}</Link>
                    <span className={stateClass(other.stateType)}>{stateLabel(i18n, other.state)}</span>
                  </li>
                ))}
            </ul>
          </>
        )}
      </section>
      <section className="panel">
        <h2>{t('zoom.links')}</h2>
        {ticket.links.length === 0 && ticket.mergedFrom.length === 0 && <p className="muted">{t('zoom.noLinks')}</p>}
        <ul className="plain-list">
          {ticket.links.map((link) => (
            <li key={link.ticketNumber}>
              <span>{t(`link.${link.type}` as MessageKey)}:</span>
              <Link href={paths.ticket(link.ticketNumber)}>{link.ticketNumber}</Link>
              <button
                type="button"
                className="link-button"
                aria-label={t('zoom.unlink', { number: link.ticketNumber })}
                onClick={() => void api('DELETE', `${ticketPath(ticket.number)}/links/${link.ticketNumber}`).then(onChanged)}
              >
                {t('common.remove')}
              </button>
            </li>
          ))}
          {ticket.mergedFrom.map((merged) => (
            <li key={merged}>
              <span>{t('zoom.mergedFrom')}</span>
              <Link href={paths.ticket(merged)}>{merged}</Link>
            </li>
          ))}
        </ul>
      </section>
    </aside>
  )
}

