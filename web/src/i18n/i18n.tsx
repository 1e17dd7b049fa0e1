import { createContext, useContext, useMemo, type ReactNode } from 'react'
import { en } from './en.ts'
import { pluralForm } from './plural.ts'

/**
 * One message catalog per language (en.ts, de.ts, nl.ts); every visible string goes through it.
 * de and nl are typed against en's keys, so a missing key fails the type check; a unit test
 * checks the same keys and no empty values at run time. German and Dutch use OTRS's own terms.
 */
import type { MessageKey, Messages } from './messages.ts'
export type { MessageKey, Messages }
export type Language = 'en' | 'de' | 'nl'
export const languageNames: Record<Language, string> = { en: 'English', de: 'Deutsch', nl: 'Nederlands' }

const catalogs: Partial<Record<Language, Messages>> = { en }
const loaders: Record<Language, () => Promise<Messages>> = {
  en: async () => en,
  de: async () => (await import('./de.ts')).de,
  nl: async () => (await import('./nl.ts')).nl,
}

/** Loads a language's catalog (German and Dutch are separate chunks). */
export async function loadLanguage(language: Language): Promise<void> {
  catalogs[language] ??= await loaders[language]()
}

export const isLanguage = (value: unknown): value is Language => value === 'en' || value === 'de' || value === 'nl'

export type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string

function translator(messages: Messages): Translate {
  return (key, vars) => {
    const text = pluralForm(messages[key] ?? en[key] ?? key, vars)
    return vars ? text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole)) : text
  }
}

export interface I18n {
  language: Language
  timeZone: string
  t: Translate
  /** Has the catalog a key of this name? (state and priority names from the config translate when known) */
  has(key: string): key is MessageKey
  dateTime(iso: string | null | undefined): string
  date(iso: string | null | undefined): string
  number(value: number, digits?: number): string
}

const I18nContext = createContext<I18n | null>(null)

export function makeI18n(language: Language, timeZone: string): I18n {
  const messages = catalogs[language] ?? en
  const locale = language === 'en' ? 'en-GB' : language
  const safeZone = (() => {
    try {
      new Intl.DateTimeFormat('en', { timeZone })
      return timeZone
    } catch {
      return 'UTC'
    }
  })()
  const dateTimeFormat = new Intl.DateTimeFormat(locale, { timeZone: safeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' })
  const dateFormat = new Intl.DateTimeFormat(locale, { timeZone: safeZone, year: 'numeric', month: '2-digit', day: '2-digit' })
  const numberFormats = new Map<number, Intl.NumberFormat>()
  return {
    language,
    timeZone: safeZone,
    t: translator(messages),
    has: (key: string): key is MessageKey => key in messages,
    dateTime: (iso) => (iso ? dateTimeFormat.format(new Date(iso)) : ''),
    date: (iso) => (iso ? dateFormat.format(new Date(iso)) : ''),
    number: (value, digits = 0) => {
      let format = numberFormats.get(digits)
      if (!format) numberFormats.set(digits, (format = new Intl.NumberFormat(locale, { maximumFractionDigits: digits })))
      return format.format(value)
    },
  }
}

export function I18nProvider({ language, timeZone, children }: { language: Language; timeZone: string; children: ReactNode }) {
  const value = useMemo(() => makeI18n(language, timeZone), [language, timeZone])
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>
}

export function useI18n(): I18n {
  const value = useContext(I18nContext)
  if (!value) throw new Error('useI18n outside I18nProvider')
  return value
}

/** The agent's last language, remembered on this browser so the login form speaks it too (default English). */
const languageKey = 'docket.language'
export function rememberedLanguage(): Language {
  const stored = localStorage.getItem(languageKey)
  return isLanguage(stored) ? stored : 'en'
}
export function rememberLanguage(language: Language): void {
  localStorage.setItem(languageKey, language)
}
