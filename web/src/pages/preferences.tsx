import { useState, type FormEvent } from 'react'
import { api, ApiError, get } from '../api/client.ts'
import type { Preferences, PreferencesUpdate, SessionInfo } from '../api/types.ts'
import { useApp } from '../app-context.tsx'
import { languageNames, useI18n, type Language } from '../i18n/i18n.tsx'
import { useDocumentTitle } from '../router.tsx'
import { useResource } from '../use-resource.ts'
import { SessionList } from '../components/session-list.tsx'
import { StatusNotice, type Status } from '../components/status-notice.tsx'
import { PasswordPolicyHint, TotpEnrolment } from './login.tsx'
import { pickableTimeZones } from '../time-zones.ts'

const timeZones = pickableTimeZones()

/** OTRS Personal Preferences: password, My Queues, notifications, out of office, language, time zone. */
export function PreferencesPage() {
  const { t } = useI18n()
  useDocumentTitle(t('nav.preferences'))
  return (
    <section className="page">
      <h1>{t('nav.preferences')}</h1>
      <div className="stats-grid">
        <LanguageAndZone />
        <MyQueues />
        <Notifications />
        <OutOfOffice />
        <Password />
        <TwoFactor />
        <Sessions />
      </div>
    </section>
  )
}

function useSave() {
  const { t } = useI18n()
  const app = useApp()
  const [status, setStatus] = useState<Status | null>(null)
  const save = async (update: PreferencesUpdate) => {
    setStatus(null)
    try {
      const preferences = await api<Preferences>('PUT', '/api/me/preferences', update)
      app.setPreferences(preferences)
      setStatus({ ok: true, text: t('prefs.saved') })
    } catch (caught) {
      setStatus({ ok: false, text: caught instanceof ApiError ? caught.message : String(caught) })
    }
  }
  const view = <StatusNotice status={status} />
  return { save, view }
}

function LanguageAndZone() {
  const { t } = useI18n()
  const { preferences } = useApp()
  const [language, setLanguage] = useState(preferences.language)
  const [zone, setZone] = useState(preferences.timeZone)
  const { save, view } = useSave()
  return (
    <form
      className="panel form"
      onSubmit={(event) => {
        event.preventDefault()
        void save({ language, timeZone: zone })
      }}
    >
      <h2>{t('prefs.languageAndZone')}</h2>
      {view}
      <div className="field">
        <label htmlFor="pref-language">{t('prefs.language')}</label>
        <select id="pref-language" value={language} onChange={(event) => setLanguage(event.target.value as Language)}>
          {(Object.keys(languageNames) as Language[]).map((code) => (
            <option key={code} value={code} lang={code}>
              {languageNames[code]}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="pref-zone">{t('prefs.timeZone')}</label>
        <select id="pref-zone" value={zone} onChange={(event) => setZone(event.target.value)}>
          {(timeZones.includes(zone) ? timeZones : [zone, ...timeZones]).map((candidate) => (
            <option key={candidate} value={candidate}>
              {candidate}
            </option>
          ))}
        </select>
        <p className="hint">{t('prefs.timeZoneHint')}</p>
      </div>
      <div className="actions">
        <button type="submit" className="primary">
          {t('common.save')}
        </button>
      </div>
    </form>
  )
}

function MyQueues() {
  const { t } = useI18n()
  const { preferences, meta } = useApp()
  const [queues, setQueues] = useState(new Set(preferences.myQueues))
  const { save, view } = useSave()
  return (
    <form
      className="panel form"
      onSubmit={(event) => {
        event.preventDefault()
        void save({ myQueues: meta.queues.map((queue) => queue.name).filter((name) => queues.has(name)) })
      }}
    >
      <h2>{t('prefs.myQueues')}</h2>
      {view}
      <p className="hint">{t('prefs.myQueuesHint')}</p>
      <fieldset>
        <legend className="visually-hidden">{t('prefs.myQueues')}</legend>
        {meta.queues.map((queue) => (
          <label key={queue.name} className="check-row">
            <input
              type="checkbox"
              checked={queues.has(queue.name)}
              onChange={() => {
                const next = new Set(queues)
                if (next.has(queue.name)) next.delete(queue.name)
                else next.add(queue.name)
                setQueues(next)
              }}
            />
            {queue.name}
          </label>
        ))}
      </fieldset>
      <div className="actions">
        <button type="submit" className="primary">
          {t('common.save')}
        </button>
      </div>
    </form>
  )
}

function Notifications() {
  const { t } = useI18n()
  const { preferences } = useApp()
  const [newTicket, setNewTicket] = useState(preferences.notifications.newTicket)
  const [followUp, setFollowUp] = useState(preferences.notifications.followUp)
  const { save, view } = useSave()
  return (
    <form
      className="panel form"
      onSubmit={(event) => {
        event.preventDefault()
        void save({ notifications: { newTicket, followUp } })
      }}
    >
      <h2>{t('prefs.notifications')}</h2>
      {view}
      <label className="check-row">
        <input type="checkbox" checked={newTicket} onChange={(event) => setNewTicket(event.target.checked)} />
        {t('prefs.notifyNewTicket')}
      </label>
      <label className="check-row">
        <input type="checkbox" checked={followUp} onChange={(event) => setFollowUp(event.target.checked)} />
        {t('prefs.notifyFollowUp')}
      </label>
      <div className="actions">
        <button type="submit" className="primary">
          {t('common.save')}
        </button>
      </div>
    </form>
  )
}

function OutOfOffice() {
  const { t } = useI18n()
  const { preferences } = useApp()
  const current = preferences.outOfOffice
  const [enabled, setEnabled] = useState(current.enabled)
  const [from, setFrom] = useState(current.from ?? '')
  const [until, setUntil] = useState(current.until ?? '')
  const [autoUnlock, setAutoUnlock] = useState(current.autoUnlock)
  const { save, view } = useSave()
  return (
    <form
      className="panel form"
      onSubmit={(event) => {
        event.preventDefault()
        void save({ outOfOffice: { enabled, from: from || null, until: until || null, autoUnlock } })
      }}
    >
      <h2>{t('prefs.outOfOffice')}</h2>
      {view}
      <label className="check-row">
        <input type="checkbox" checked={enabled} onChange={(event) => setEnabled(event.target.checked)} />
        {t('prefs.outOfOfficeOn')}
      </label>
      <div className="row">
        <div className="field">
          <label htmlFor="ooo-from">{t('prefs.from')}</label>
          <input id="ooo-from" type="date" value={from} onChange={(event) => setFrom(event.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="ooo-until">{t('prefs.until')}</label>
          <input id="ooo-until" type="date" value={until} onChange={(event) => setUntil(event.target.value)} />
        </div>
      </div>
      <label className="check-row">
        <input type="checkbox" checked={autoUnlock} onChange={(event) => setAutoUnlock(event.target.checked)} />
        {t('prefs.autoUnlock')}
      </label>
      <div className="actions">
        <button type="submit" className="primary">
          {t('common.save')}
        </button>
      </div>
    </form>
  )
}

function Password() {
  const { t } = useI18n()
  const [current, setCurrent] = useState('')
  const [next, setNext] = useState('')
  const [repeat, setRepeat] = useState('')
  const [status, setStatus] = useState<Status | null>(null)
  const submit = async (event: FormEvent) => {
    event.preventDefault()
    if (next !== repeat) {
      setStatus({ ok: false, text: t('prefs.passwordMismatch') })
      return
    }
    try {
      await api('POST', '/api/me/password', { current, new: next })
      setCurrent('')
      setNext('')
      setRepeat('')
      setStatus({ ok: true, text: t('prefs.passwordChanged') })
    } catch (caught) {
      setStatus({ ok: false, text: caught instanceof ApiError ? caught.message : String(caught) })
    }
  }
  return (
    <form className="panel form" onSubmit={submit}>
      <h2>{t('prefs.password')}</h2>
      <StatusNotice status={status} />
      <div className="field">
        <label htmlFor="pw-current">{t('prefs.currentPassword')}</label>
        <input id="pw-current" type="password" autoComplete="current-password" required value={current} onChange={(event) => setCurrent(event.target.value)} />
      </div>
      <div className="field">
        <label htmlFor="pw-new">{t('prefs.newPassword')}</label>
        <input id="pw-new" type="password" autoComplete="new-password" required value={next} onChange={(event) => setNext(event.target.value)} aria-describedby="pw-policy" />
        <PasswordPolicyHint id="pw-policy" />
      </div>
      <div className="field">
        <label htmlFor="pw-repeat">{t('prefs.repeatPassword')}</label>
        <input id="pw-repeat" type="password" autoComplete="new-password" required value={repeat} onChange={(event) => setRepeat(event.target.value)} />
      </div>
      <div className="actions">
        <button type="submit" className="primary">
          {t('prefs.changePassword')}
        </button>
      </div>
    </form>
  )
}

/** Two-factor authentication (TOTP): turn on with an authenticator app, or off with password and code. */
function TwoFactor() {
  const i18n = useI18n()
  const { t } = i18n
  const app = useApp()
  const status = app.me.totp
  const [enrolling, setEnrolling] = useState(false)
  const [password, setPassword] = useState('')
  const [code, setCode] = useState('')
  const [error, setError] = useState<string | null>(null)
  const turnOff = async (event: FormEvent) => {
    event.preventDefault()
    setError(null)
    try {
      await api('DELETE', '/api/me/totp', { password, code: code.trim() })
      setPassword('')
      setCode('')
      await app.reload()
    } catch (caught) {
      setError(caught instanceof ApiError ? caught.message : String(caught))
    }
  }
  return (
    <section className="panel form" aria-labelledby="prefs-totp">
      <h2 id="prefs-totp">{t('totp.title')}</h2>
      {status.enabled ? (
        <p className="notice notice-ok">{t('totp.on', { since: i18n.dateTime(status.enabledAt), left: status.recoveryCodesLeft })}</p>
      ) : (
        <p className="notice">{status.required ? t('totp.required') : t('totp.off')}</p>
      )}
      {!status.enabled && !enrolling && (
        <div className="actions">
          <button type="button" className="primary" onClick={() => setEnrolling(true)}>
            {t('totp.turnOn')}
          </button>
        </div>
      )}
      {!status.enabled && enrolling && (
        <TotpEnrolment
          onCancel={() => setEnrolling(false)}
          onDone={() => {
            setEnrolling(false)
            void app.reload()
          }}
        />
      )}
      {status.enabled && !status.required && (
        <form className="form" onSubmit={turnOff}>
          {error && (
            <p className="notice notice-error" role="alert">
              {error}
            </p>
          )}
          <div className="field">
            <label htmlFor="totp-off-password">{t('prefs.currentPassword')}</label>
            <input id="totp-off-password" type="password" autoComplete="current-password" required value={password} onChange={(event) => setPassword(event.target.value)} />
          </div>
          <div className="field">
            <label htmlFor="totp-off-code">{t('totp.codeOrRecovery')}</label>
            <input id="totp-off-code" autoComplete="one-time-code" required value={code} onChange={(event) => setCode(event.target.value)} />
          </div>
          <div className="actions">
            <button type="submit" className="danger">
              {t('totp.turnOff')}
            </button>
          </div>
        </form>
      )}
    </section>
  )
}

/** The agent's sessions (OTRS: session management): where they are logged in, ending any of them. */
function Sessions() {
  const { t } = useI18n()
  const app = useApp()
  const sessions = useResource((signal) => get<{ items: SessionInfo[] }>('/api/me/sessions', undefined, signal), [])
  const end = async (session: SessionInfo) => {
    await api('DELETE', `/api/me/sessions/${encodeURIComponent(session.id)}`)
    if (session.current) await app.logout()
    else await sessions.reload()
  }
  return (
    <section className="panel span-all" aria-labelledby="prefs-sessions">
      <h2 id="prefs-sessions">{t('sessions.title')}</h2>
      {sessions.error && <p className="notice notice-error">{sessions.error.message}</p>}
      {sessions.data && <SessionList sessions={sessions.data.items} onEnd={(session) => void end(session)} />}
      {sessions.data && sessions.data.items.length > 1 && (
        <div className="actions">
          <button type="button" className="danger" onClick={() => void api('DELETE', '/api/me/sessions').then(() => sessions.reload())}>
            {t('sessions.endOthers')}
          </button>
        </div>
      )}
    </section>
  )
}
