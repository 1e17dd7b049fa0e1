import { useMemo, useState } from 'react'
import { get, ticketPath } from '../api/client.ts'
import { useI18n } from '../i18n/i18n.tsx'
import { useResource } from '../use-resource.ts'

/**
 * The frame's own policy. It adds to the page's CSP (a srcdoc document inherits it): no script,
 * no fetches, no fonts or styles from outside; images only embedded (data:, the mail's cid:
 * parts as rewritten by the server) until the agent allows remote images for this article.
 */
export function articleFramePolicy(remoteImagesAllowed: boolean): string {
  return ["default-src 'none'", "style-src 'unsafe-inline'", `img-src data:${remoteImagesAllowed ? ' https: http:' : ''}`, "font-src data:", "form-action 'none'"].join('; ')
}

/** The whole srcdoc: our head first (CSP before any content), then the server-sanitized body. */
export function articleSrcdoc(sanitizedHtml: string, remoteImagesAllowed: boolean): string {
  return (
    '<!doctype html><html><head><meta charset="utf-8">' +
    `<meta http-equiv="Content-Security-Policy" content="${articleFramePolicy(remoteImagesAllowed)}">` +
    '<meta name="referrer" content="no-referrer"><base target="_blank">' +
    '<style>html{color-scheme:light}body{font:14px/1.45 system-ui,sans-serif;color:#1b2733;background:#fff;margin:10px;overflow-wrap:anywhere}img{max-width:100%;height:auto}blockquote{border-left:3px solid #c9d1d9;margin:0 0 0 4px;padding-left:10px;color:#4a5866}pre{white-space:pre-wrap}</style>' +
    `</head><body>${sanitizedHtml}</body></html>`
  )
}

/**
 * Customer HTML, only from GET …/articles/{id}/html (sanitized on the server), only inside this
 * iframe: sandboxed without allow-scripts and without allow-same-origin (an opaque origin that
 * cannot reach the client, its storage or the API). Links open in a new tab, outside the sandbox.
 */
export function ArticleFrame({ ticketNumber, articleId, title }: { ticketNumber: string; articleId: string; title: string }) {
  const { t } = useI18n()
  const [showImages, setShowImages] = useState(false)
  const rendered = useResource((signal) => get<{ html: string; remoteImages: number }>(`${ticketPath(ticketNumber)}/articles/${encodeURIComponent(articleId)}/html`, undefined, signal), [ticketNumber, articleId])
  const srcdoc = useMemo(() => (rendered.data ? articleSrcdoc(rendered.data.html, showImages) : ''), [rendered.data, showImages])

  if (rendered.error) return <p className="notice notice-error">{rendered.error.message}</p>
  if (!rendered.data) return <p className="muted">{t('common.loading')}</p>
  return (
    <>
      {rendered.data.remoteImages > 0 && (
        <div className={showImages ? 'notice blocked-images' : 'notice notice-warning blocked-images'} role="status">
          {showImages ? (
            <span>{t('article.imagesShown', { count: rendered.data.remoteImages })}</span>
          ) : (
            <>
              <span>{t('article.imagesBlocked', { count: rendered.data.remoteImages })}</span>
              <button type="button" onClick={() => setShowImages(true)}>
                {t('article.showImages')}
              </button>
            </>
          )}
        </div>
      )}
      <iframe
        key={showImages ? 'with-images' : 'without-images'}
        className="article-frame"
        title={title}
        sandbox="allow-popups allow-popups-to-escape-sandbox"
        referrerPolicy="no-referrer"
        srcDoc={srcdoc}
      />
    </>
  )
}
