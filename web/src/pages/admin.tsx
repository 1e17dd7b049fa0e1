import { useState, type FormEvent } from 'react'
import { AgentOptions } from '../components/agent-options.tsx'
import { api, ApiError, get } from '../api/client.ts'
import type { LoginLockout, SessionInfo } from '../api/types.ts'
import { useApp } from '../app-context.tsx'
import { SessionList } from '../components/session-list.tsx'
import { StatusNotice, type Status } from '../components/status-notice.tsx'
import { useI18n } from '../i18n/i18n.tsx'
import { agentName } from '../labels.ts'
import { useDocumentTitle } from '../router.tsx'
import { useResource } from '../use-resource.ts'

/**
 * OTRS Admin → Session Management: every agent's live sessions; end one, or all of an agent's
 * (their tokens fail at once). Who is being locked out, and from where. And the admin's answer to
 * a lost phone: reset an agent's TOTP.
 */
export function AdminSessionsPage() {
  const { t } = useI18n()
  const app = useApp()
  useDocumentTitle(t('admin.sessionsTitle'))
  const sessions = useResource((signal) => get<{ items: SessionInfo[] }>('/api/admin/sessions', undefined, signal), [], { refreshMs: 30_000 })
  const [status, setStatus] = useState<Status | null>(null)
  const nameOf = (login: string) => agentName(app.meta, login)

  const act = async (work: () => Promise<unknown>, done: string, endsOwnSession = false) => {
    setStatus(null)
    try {
      await work()
      if (endsOwnSession) {
        await app.logout()
        return
      }
      setStatus({ ok: true, text: done })
      await sessions.reload()
    } catch (caught) {
      setStatus({ ok: false, text: caught instanceof ApiError ? caught.message : String(caught) })
    }
  }

  if (sessions.error instanceof ApiError && sessions.error.status === 403) {
    return (
      <section className="page">
        <h1>{t('admin.sessionsTitle')}</h1>
        <p className="notice notice-error">{t('admin.onlyAdmins')}</p>
      </section>
    )
  }
  const items = sessions.data?.items ?? []
  const others = [...new Set(items.map((session) => session.login))].filter((login) => login !== app.me.login).sort()

  return (
    <section className="page">
      <h1>{t('admin.sessionsTitle')}</h1>
      <StatusNotice status={status} />
      <div className="admin-grid">
        <section className="panel" aria-labelledby="admin-sessions">
          <h2 id="admin-sessions">
            {t('admin.liveSessions')} <span className="count-badge">{sessions.data ? items.length : '…'}</span>
          </h2>
          {sessions.error && <p className="notice notice-error">{sessions.error.message}</p>}
          {!sessions.data && !sessions.error && <p className="muted">{t('common.loading')}</p>}
          {sessions.data && (
            <SessionList
              sessions={items}
              agentName={nameOf}
              onEnd={(session) => void act(() => api('DELETE', `/api/admin/sessions/${encodeURIComponent(session.id)}`), t('admin.sessionEnded'), session.current)}
            />
          )}
        </section>
        <div className="admin-side">
          <section className="panel" aria-labelledby="admin-agents">
            <h2 id="admin-agents">{t('admin.endAgentSessions')}</h2>
            {others.length === 0 ? (
              <p className="muted">{t('admin.noOtherSessions')}</p>
            ) : (
              <ul className="plain-list">
                {others.map((login) => (
                  <li key={login}>
                    <span>{nameOf(login)}</span>
                    <span className="muted">{t('admin.sessionCount', { count: items.filter((session) => session.login === login).length })}</span>
                    <span className="spacer" />
                    <button
                      type="button"
                      className="danger"
                      aria-label={t('admin.endAllOf', { name: nameOf(login) })}
                      onClick={() => void act(() => api('DELETE', `/api/admin/agents/${encodeURIComponent(login)}/sessions`), t('admin.agentSessionsEnded', { name: nameOf(login) }))}
                    >
                      {t('admin.endAll')}
                    </button>
                  </li>
                ))}
              </ul>
            )}
          </section>
          <Lockouts agentName={nameOf} />
          <TotpReset onDone={(text) => setStatus({ ok: true, text })} onError={(text) => setStatus({ ok: false, text })} />
        </div>
      </div>
    </section>
  )
}

/** Agents with failed logins (issue 13.8): how many, from which addresses, locked until when. */
function Lockouts({ agentName: nameOf }: { agentName: (login: string) => string }) {
  const i18n = useI18n()
  const { t } = i18n
  const lockouts = useResource((signal) => get<{ items: LoginLockout[] }>('/api/admin/lockouts', undefined, signal), [], { refreshMs: 30_000 })
  const items = lockouts.data?.items ?? []
  return (
    <section className="panel" aria-labelledby="admin-lockouts">
      <h2 id="admin-lockouts">
        {t('admin.lockouts')} <span className="count-badge">{lockouts.data ? items.length : '…'}</span>
      </h2>
      <p className="hint">{t('admin.lockoutsHint')}</p>
      {lockouts.error && <p className="notice notice-error">{lockouts.error.message}</p>}
      {lockouts.data && items.length === 0 && <p className="muted">{t('admin.noLockouts')}</p>}
      <ul className="plain-list lockout-list">
        {items.map((lockout) => (
          <li key={lockout.login}>
            <div>
              <strong>{nameOf(lockout.login)}</strong>
              <div className="hint">
                {t('admin.lockoutFailures', { count: lockout.failures })}
                {lockout.lockedUntil ? ` · ${t('admin.lockedFromNewAddresses', { time: i18n.dateTime(lockout.lockedUntil) })}` : ''}
              </div>
              <ul className="plain-list">
                {lockout.addresses.map((entry) => (
                  <li key={entry.address} className="hint">
                    {t('admin.lockoutAddress', { address: entry.address, count: entry.failures })}
                    {entry.lockedUntil ? ` · ${t('admin.lockedUntil', { time: i18n.dateTime(entry.lockedUntil) })}` : ''}
                    {` · ${t('admin.lastAttempt', { time: i18n.dateTime(entry.lastAttemptAt) })}`}
                  </li>
                ))}
                {lockout.moreAddresses > 0 && <li className="hint">{t('admin.moreAddresses', { count: lockout.moreAddresses })}</li>}
              </ul>
            </div>
          </li>
        ))}
      </ul>
    </section>
  )
}

function TotpReset({ onDone, onError }: { onDone: (text: string) => void; onError: (text: string) => void }) {
  const { t } = useI18n()
  const { meta } = useApp()
  const [login, setLogin] = useState('')
  const submit = async (event: FormEvent) => {
    event.preventDefault()
    try {
      await api('DELETE', `/api/admin/agents/${encodeURIComponent(login)}/totp`)
      onDone(t('admin.totpResetDone', { name: agentName(meta, login) }))
      setLogin('')
    } catch (caught) {
      onError(caught instanceof ApiError ? caught.message : String(caught))
    }
  }
  return (
    <form className="panel form" onSubmit={submit} aria-labelledby="admin-totp">
      <h2 id="admin-totp">{t('admin.totpReset')}</h2>
      <p className="hint">{t('admin.totpResetHint')}</p>
      <div className="field">
        <label htmlFor="admin-totp-agent">{t('admin.agent')}</label>
        <select id="admin-totp-agent" required value={login} onChange={(event) => setLogin(event.target.value)}>
          <option value="">{t('common.choose')}</option>
          <AgentOptions />
        </select>
      </div>
      <div className="actions">
        <button type="submit" className="danger">
          {t('admin.totpResetSubmit')}
        </button>
      </div>
    </form>
  )
}
