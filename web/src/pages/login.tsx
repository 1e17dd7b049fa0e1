import { useEffect, useRef, useState, type FormEvent } from 'react'
import { ApiError, login } from '../api/client.ts'
import { useI18n } from '../i18n/i18n.tsx'
import { useDocumentTitle } from '../router.tsx'

/**
 * The login form (fixed point: fields labelled "Login" and "Password", a button "Log in"). A
 * second factor field appears when the API answers 401 `totp_required`.
 */
export function LoginPage({ reason, onLoggedIn }: { reason: 'expired' | 'logged-out' | null; onLoggedIn: () => void }) {
  const { t } = useI18n()
  useDocumentTitle(t('login.title'))
  const [name, setName] = useState('')
  const [password, setPassword] = useState('')
  const [totp, setTotp] = useState('')
  const [needsTotp, setNeedsTotp] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const totpInput = useRef<HTMLInputElement>(null)

  useEffect(() => {
    if (needsTotp) totpInput.current?.focus()
  }, [needsTotp])

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    setBusy(true)
    setError(null)
    try {
      await login(name, password, needsTotp ? totp : undefined)
      onLoggedIn()
    } catch (caught) {
      if (caught instanceof ApiError && caught.code === 'totp_required') {
        setNeedsTotp(true)
      } else if (caught instanceof ApiError && caught.code === 'totp_invalid') {
        setNeedsTotp(true)
        setTotp('')
        setError(t('login.totpInvalid'))
      } else if (caught instanceof ApiError && caught.status === 401) {
        setError(t('login.failed'))
      } else if (caught instanceof ApiError && caught.status === 429) {
        setError(t('login.tooMany'))
      } else {
        setError(t('error.network'))
      }
    } finally {
      setBusy(false)
    }
  }

  return (
    <main className="login-page">
      <form className="login-box" onSubmit={submit} aria-labelledby="login-heading">
        <h1 id="login-heading">
          <span className="brand-mark" aria-hidden="true">▣</span> Docket
        </h1>
        {reason === 'expired' && (
          <p className="notice notice-warning" role="status">
            {t('login.expired')}
          </p>
        )}
        {reason === 'logged-out' && (
          <p className="notice" role="status">
            {t('login.loggedOut')}
          </p>
        )}
        {error && (
          <p className="notice notice-error" role="alert">
            {error}
          </p>
        )}
        <label htmlFor="login-name">{t('login.login')}</label>
        <input id="login-name" name="login" autoComplete="username" autoFocus required value={name} onChange={(event) => setName(event.target.value)} />
        <label htmlFor="login-password">{t('login.password')}</label>
        <input id="login-password" name="password" type="password" autoComplete="current-password" required value={password} onChange={(event) => setPassword(event.target.value)} />
        {needsTotp && (
          <>
            <label htmlFor="login-totp">{t('login.totp')}</label>
            <input
              id="login-totp"
              ref={totpInput}
              name="totp"
              inputMode="numeric"
              autoComplete="one-time-code"
              pattern="[0-9]{6,8}"
              required
              value={totp}
              onChange={(event) => setTotp(event.target.value.trim())}
              aria-describedby="login-totp-help"
            />
            <p id="login-totp-help" className="hint">
              {t('login.totpHelp')}
            </p>
          </>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {t('login.submit')}
        </button>
      </form>
    </main>
  )
}
