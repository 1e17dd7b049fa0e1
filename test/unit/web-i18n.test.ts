import { describe, expect, it } from 'vitest'
import { de } from '../../web/src/i18n/de.ts'
import { en } from '../../web/src/i18n/en.ts'
import { nl } from '../../web/src/i18n/nl.ts'

/** The web client's message catalogs: English, German and Dutch complete, none with an empty text. */
describe('web client message catalogs', () => {
  const catalogs = { en, de, nl } as Record<string, Record<string, string>>
  const reference = Object.keys(en).sort()

  it.each(['de', 'nl'])('%s has exactly the English keys', (language) => {
    expect(Object.keys(catalogs[language]!).sort()).toEqual(reference)
  })

  it.each(['en', 'de', 'nl'])('%s has no empty texts and keeps every {placeholder}', (language) => {
    const catalog = catalogs[language]!
    for (const key of reference) {
      const text = catalog[key]!
      expect(text.trim(), `${language} ${key}`).not.toBe('')
      const placeholders = (value: string) => [...value.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort()
      expect(placeholders(text), `${language} ${key}`).toEqual(placeholders(en[key as keyof typeof en]))
    }
  })

  it('translates the OTRS default states and priorities', () => {
    expect(de['state.closed successful']).toBe('erfolgreich geschlossen')
    expect(nl['state.pending reminder']).toBe('wachtend op herinnering')
    expect(de['priority.5 very high']).toBe('5 sehr hoch')
  })
})
