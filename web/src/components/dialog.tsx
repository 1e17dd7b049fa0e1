import { useEffect, useRef, type ReactNode } from 'react'
import { useI18n } from '../i18n/i18n.tsx'

/** A modal <dialog> (focus kept inside by the browser, Escape closes, focus returns afterwards). */
export function Dialog({ title, onClose, children, wide }: { title: string; onClose: () => void; children: ReactNode; wide?: boolean }) {
  const { t } = useI18n()
  const ref = useRef<HTMLDialogElement>(null)
  useEffect(() => {
    const dialog = ref.current
    const opener = document.activeElement as HTMLElement | null
    dialog?.showModal()
    return () => {
      dialog?.close()
      opener?.focus?.()
    }
  }, [])
  return (
    <dialog
      ref={ref}
      className={wide ? 'dialog wide' : 'dialog'}
      aria-labelledby="dialog-title"
      onCancel={(event) => {
        event.preventDefault()
        onClose()
      }}
      // The browser may close a modal by itself (Chromium's close watchers skip the cancel event
      // on Escape when there was no user activation since the dialog opened): follow it, or the
      // screen would keep a closed dialog mounted and could not open it again.
      onClose={() => {
        if (!ref.current?.open) onClose()
      }}
    >
      <header className="dialog-header">
        <h2 id="dialog-title">{title}</h2>
        <button type="button" className="icon-button" aria-label={t('common.close')} onClick={onClose}>
          ×
        </button>
      </header>
      <div className="dialog-body">{children}</div>
    </dialog>
  )
}
