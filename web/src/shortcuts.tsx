import { useEffect, useRef } from 'react'

/**
 * Keyboard shortcuts: one keydown listener for the whole client. Screens register their own keys
 * (r reply, n note, j/k …) with useShortcuts; the most recently mounted screen wins. Two-key
 * sequences start with "g" (g d dashboard, g q queue …). Keys typed into form fields are never
 * taken, except Escape.
 */
export type ShortcutMap = Record<string, (event: KeyboardEvent) => void>

const layers: { current: ShortcutMap }[] = []
let pendingPrefix: string | null = null
let prefixTimer: ReturnType<typeof setTimeout> | undefined

function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false
  if (target.isContentEditable) return true
  const tag = target.tagName
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true
  if (tag === 'INPUT') {
    const type = (target as HTMLInputElement).type
    return !['checkbox', 'radio', 'button', 'submit', 'reset'].includes(type)
  }
  return false
}

function lookup(key: string): ((event: KeyboardEvent) => void) | undefined {
  for (let index = layers.length - 1; index >= 0; index--) {
    const handler = layers[index]!.current[key]
    if (handler) return handler
  }
  return undefined
}

function onKeyDown(event: KeyboardEvent): void {
  if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return
  if (event.key !== 'Escape' && isTyping(event.target)) return
  // An open dialog owns the keyboard, Escape included (it closes the dialog, not a screen's Escape).
  if (document.querySelector('dialog[open]')) return
  const key = pendingPrefix ? `${pendingPrefix} ${event.key}` : event.key
  if (pendingPrefix) {
    pendingPrefix = null
    clearTimeout(prefixTimer)
  } else if (event.key === 'g') {
    pendingPrefix = 'g'
    prefixTimer = setTimeout(() => (pendingPrefix = null), 1500)
    event.preventDefault()
    return
  }
  const handler = lookup(key)
  if (handler) {
    event.preventDefault()
    handler(event)
  }
}

let installed = false
function install(): void {
  if (installed) return
  installed = true
  window.addEventListener('keydown', onKeyDown)
}

/** Registers shortcuts while the calling component is mounted; the map may change on every render. */
export function useShortcuts(map: ShortcutMap): void {
  const layer = useRef(map)
  layer.current = map
  useEffect(() => {
    install()
    const entry = layer
    layers.push(entry)
    return () => {
      const index = layers.indexOf(entry)
      if (index >= 0) layers.splice(index, 1)
    }
  }, [])
}

/** What the "?" overlay lists: key → message key of its description. */
export const shortcutHelp = [
  ['g d', 'shortcut.dashboard'],
  ['g q', 'shortcut.queue'],
  ['g s', 'shortcut.status'],
  ['g t', 'shortcut.statistics'],
  ['g p', 'shortcut.preferences'],
  ['g n', 'shortcut.newPhoneTicket'],
  ['g e', 'shortcut.newEmailTicket'],
  ['/', 'shortcut.search'],
  ['j / k', 'shortcut.nextPrevious'],
  ['Enter / o', 'shortcut.open'],
  ['x', 'shortcut.select'],
  ['b', 'shortcut.bulk'],
  ['r', 'shortcut.reply'],
  ['a', 'shortcut.replyAll'],
  ['f', 'shortcut.forward'],
  ['n', 'shortcut.note'],
  ['c', 'shortcut.close'],
  ['l', 'shortcut.lock'],
  ['m', 'shortcut.move'],
  ['?', 'shortcut.help'],
  ['Esc', 'shortcut.escape'],
] as const
