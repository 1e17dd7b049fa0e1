import type { SessionInfo } from '../api/types.ts'
import { useI18n } from '../i18n/i18n.tsx'

/** "Firefox · Windows" from a User-Agent header (the whole header stays in the tooltip). */
export function browserSummary(userAgent: string): string {
  const browser = /Edg\//.test(userAgent)
    ? 'Edge'
    : /OPR\//.test(userAgent)
      ? 'Opera'
      : /Firefox\//.test(userAgent)
        ? 'Firefox'
        : /HeadlessChrome\//.test(userAgent)
          ? 'Headless Chrome'
          : /Chrom(e|ium)\//.test(userAgent)
            ? 'Chrome'
            : /Safari\//.test(userAgent)
              ? 'Safari'
              : null
  const system = /Android/.test(userAgent) ? 'Android' : /iPhone|iPad/.test(userAgent) ? 'iOS' : /Windows/.test(userAgent) ? 'Windows' : /Mac OS X/.test(userAgent) ? 'macOS' : /Linux/.test(userAgent) ? 'Linux' : null
  if (!browser) return userAgent.slice(0, 60)
  return system ? `${browser} · ${system}` : browser
}

/** Sessions as OTRS's session management lists them: where, since when, last seen; each can be ended. */
export function SessionList({ sessions, onEnd, agentName }: { sessions: SessionInfo[]; onEnd: (session: SessionInfo) => void; agentName?: (login: string) => string }) {
  const i18n = useI18n()
  const { t } = i18n
  return (
    <ul className="plain-list session-list">
      {sessions.map((session) => {
        const browser = session.userAgent ? browserSummary(session.userAgent) : t('sessions.unknownBrowser')
        return (
          <li key={session.id}>
            <div>
              <strong title={session.userAgent ?? undefined}>
                {agentName ? `${agentName(session.login)} · ` : ''}
                {session.current ? t('sessions.current') : browser}
              </strong>
              <div className="hint">
                {t('sessions.details', { created: i18n.dateTime(session.createdAt), seen: i18n.dateTime(session.lastSeenAt), ip: session.ip ?? '–' })}
                {session.twoFactor ? ` · ${t('sessions.twoFactor')}` : ''}
              </div>
            </div>
            <span className="spacer" />
            <button type="button" onClick={() => onEnd(session)} aria-label={t('sessions.endOne', { what: agentName ? `${agentName(session.login)}, ${browser}` : browser })}>
              {t('sessions.end')}
            </button>
          </li>
        )
      })}
    </ul>
  )
}
