import { useI18n } from '../i18n/i18n.tsx'
import { shortcutHelp } from '../shortcuts.tsx'
import { Dialog } from './dialog.tsx'

/** The "?" overlay: every keyboard shortcut with what it does. */
export function ShortcutOverlay({ onClose }: { onClose: () => void }) {
  const { t } = useI18n()
  return (
    <Dialog title={t('shortcut.title')} onClose={onClose}>
      <table className="shortcut-table">
        <tbody>
          {shortcutHelp.map(([keys, description]) => (
            <tr key={keys}>
              <th scope="row">
                {keys.split(' ').map((part, index) => (part === '/' && keys !== '/' ? <span key={index}> / </span> : <kbd key={index}>{part}</kbd>))}
              </th>
              <td>{t(description)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Dialog>
  )
}
