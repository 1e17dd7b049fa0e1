import { useEffect, useRef, useState, type FormEvent } from 'react'
import { api, ApiError, get, login, request } from '../api/client.ts'
import type { PasswordPolicy } from '../api/types.ts'
import { useI18n } from '../i18n/i18n.tsx'
import { navigate, useDocumentTitle } from '../router.tsx'
import { useResource } from '../use-resource.ts'

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
  const [forgot, setForgot] = useState(false)
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
              autoComplete="one-time-code"
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
        <button type="button" className="link-button" onClick={() => setForgot(!forgot)} aria-expanded={forgot}>
          {t('login.forgot')}
        </button>
        {forgot && <ForgotPassword initialLogin={name} />}
      </form>
    </main>
  )
}

/** "Forgot password": the API mails a one-time link to /reset-password?token=… (always the same answer, known login or not). */
function ForgotPassword({ initialLogin }: { initialLogin: string }) {
  const { t } = useI18n()
  const [loginName, setLoginName] = useState(initialLogin)
  const [sent, setSent] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const send = async () => {
    setError(null)
    try {
      await request('POST', '/api/auth/password-reset', { body: { login: loginName.trim() }, auth: false })
      setSent(true)
    } catch (caught) {
      setError(caught instanceof ApiError ? caught.message : t('error.network'))
    }
  }
  return (
    <div className="form" role="group" aria-label={t('login.forgot')}>
      {sent ? (
        <p className="notice notice-ok" role="status">
          {t('login.resetSent')}
        </p>
      ) : (
        <>
          <label htmlFor="forgot-login">{t('login.forgotLogin')}</label>
          <input id="forgot-login" autoComplete="username" value={loginName} onChange={(event) => setLoginName(event.target.value)} />
          {error && <p className="notice notice-error">{error}</p>}
          <button type="button" disabled={!loginName.trim()} onClick={() => void send()}>
            {t('login.sendReset')}
          </button>
        </>
      )}
    </div>
  )
}

/** The configured password policy (GET /api/auth/password-policy, public), in words. */
export function PasswordPolicyHint({ id }: { id: string }) {
  const { t } = useI18n()
  const policy = useResource((signal) => get<PasswordPolicy>('/api/auth/password-policy', undefined, signal), [])
  if (!policy.data) return <p id={id} className="hint" />
  const rules = [
    policy.data.requireUpper && t('policy.upper'),
    policy.data.requireLower && t('policy.lower'),
    policy.data.requireDigit && t('policy.digit'),
    policy.data.requirePunctuation && t('policy.punctuation'),
  ].filter((rule): rule is string => typeof rule === 'string')
  return (
    <p id={id} className="hint">
      {rules.length > 0 ? t('policy.lengthWith', { n: policy.data.minLength, rules: rules.join(', ') }) : t('policy.length', { n: policy.data.minLength })}
    </p>
  )
}

/** /reset-password?token=…: the page the mailed link opens; sets the new password, then back to the login form. */
export function ResetPasswordPage({ token }: { token: string }) {
  const { t } = useI18n()
  useDocumentTitle(t('reset.title'))
  const [password, setPassword] = useState('')
  const [repeat, setRepeat] = useState('')
  const [error, setError] = useState<string | null>(null)
  const [done, setDone] = useState(false)
  const submit = async (event: FormEvent) => {
    event.preventDefault()
    if (password !== repeat) {
      setError(t('prefs.passwordMismatch'))
      return
    }
    setError(null)
    try {
      await request('POST', '/api/auth/password-reset/confirm', { body: { token, password }, auth: false })
      setDone(true)
    } catch (caught) {
      setError(caught instanceof ApiError ? caught.message : t('error.network'))
    }
  }
  return (
    <main className="login-page">
      <form className="login-box" onSubmit={submit} aria-labelledby="reset-heading">
        <h1 id="reset-heading">
          <span className="brand-mark" aria-hidden="true">▣</span> {t('reset.title')}
        </h1>
        {done ? (
          <>
            <p className="notice notice-ok" role="status">
              {t('reset.done')}
            </p>
            <button type="button" className="primary" onClick={() => navigate('/', { replace: true })}>
              {t('login.submit')}
            </button>
          </>
        ) : (
          <>
            {error && (
              <p className="notice notice-error" role="alert">
                {error}
              </p>
            )}
            <label htmlFor="reset-password">{t('prefs.newPassword')}</label>
            <input id="reset-password" type="password" autoComplete="new-password" required value={password} onChange={(event) => setPassword(event.target.value)} aria-describedby="reset-policy" />
            <PasswordPolicyHint id="reset-policy" />
            <label htmlFor="reset-repeat">{t('prefs.repeatPassword')}</label>
            <input id="reset-repeat" type="password" autoComplete="new-password" required value={repeat} onChange={(event) => setRepeat(event.target.value)} />
            <button type="submit" className="primary">
              {t('reset.submit')}
            </button>
          </>
        )}
      </form>
    </main>
  )
}

/**
 * The agent's role requires TOTP and they have none: this session may only enrol. Scan the QR
 * code (or type the secret), confirm with a code, keep the recovery codes; then the session is a
 * full one. Also used from the preferences to turn TOTP on.
 */
export function TotpEnrolment({ onDone, onCancel }: { onDone: () => void; onCancel?: () => void }) {
  const { t } = useI18n()
  const [enrolment, setEnrolment] = useState<{ secret: string; qrCode: string } | null>(null)
  const [code, setCode] = useState('')
  const [recoveryCodes, setRecoveryCodes] = useState<string[] | null>(null)
  const [error, setError] = useState<string | null>(null)
  useEffect(() => {
    api<{ secret: string; uri: string; qrCode: string }>('POST', '/api/me/totp')
      .then(setEnrolment)
      .catch((caught: unknown) => setError(caught instanceof ApiError ? caught.message : String(caught)))
  }, [])
  const confirm = async (event: FormEvent) => {
    event.preventDefault()
    setError(null)
    try {
      const answer = await api<{ recoveryCodes: string[] }>('POST', '/api/me/totp/confirm', { code: code.trim() })
      setRecoveryCodes(answer.recoveryCodes)
    } catch (caught) {
      setError(caught instanceof ApiError ? caught.message : String(caught))
    }
  }
  if (recoveryCodes)
    return (
      <div className="form">
        <p className="notice notice-ok" role="status">
          {t('totp.enabled')}
        </p>
        <p>{t('totp.recoveryCodes')}</p>
        <pre className="article-raw">{recoveryCodes.join('\n')}</pre>
        <div className="actions">
          <button type="button" className="primary" onClick={onDone}>
            {t('totp.continue')}
          </button>
        </div>
      </div>
    )
  return (
    <form className="form" onSubmit={confirm}>
      {error && (
        <p className="notice notice-error" role="alert">
          {error}
        </p>
      )}
      <p>{t('totp.scan')}</p>
      {enrolment && (
        <>
          {/* The API's QR code is an SVG data: URL (allowed by the CSP's img-src data:). */}
          <img className="qr-code" src={enrolment.qrCode} alt={t('totp.qrAlt')} width={200} height={200} />
          <p className="hint">
            {t('totp.secret')} <code>{enrolment.secret}</code>
          </p>
        </>
      )}
      <div className="field">
        <label htmlFor="totp-code">{t('login.totp')}</label>
        <input id="totp-code" inputMode="numeric" autoComplete="one-time-code" required value={code} onChange={(event) => setCode(event.target.value)} />
      </div>
      <div className="actions">
        {onCancel && (
          <button type="button" onClick={onCancel}>
            {t('common.cancel')}
          </button>
        )}
        <button type="submit" className="primary" disabled={!enrolment}>
          {t('totp.confirm')}
        </button>
      </div>
    </form>
  )
}

export function TotpEnrolmentPage({ onDone, onLogout }: { onDone: () => void; onLogout: () => void }) {
  const { t } = useI18n()
  useDocumentTitle(t('totp.title'))
  return (
    <main className="login-page">
      <section className="login-box" aria-labelledby="totp-heading">
        <h1 id="totp-heading">
          <span className="brand-mark" aria-hidden="true">▣</span> {t('totp.title')}
        </h1>
        <p>{t('totp.required')}</p>
        <TotpEnrolment onDone={onDone} />
        <button type="button" className="link-button" onClick={onLogout}>
          {t('nav.logout')}
        </button>
      </section>
    </main>
  )
}
