import type { en } from './en.ts'

/** Every catalog has exactly the English keys (checked by the type checker and test/unit/web-i18n.test.ts). */
export type MessageKey = keyof typeof en
export type Messages = Record<MessageKey, string>
