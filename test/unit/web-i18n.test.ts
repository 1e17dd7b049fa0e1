import { describe, expect, it } from 'vitest'
import { de } from '../../web/src/i18n/de.ts'
import { en } from '../../web/src/i18n/en.ts'
import { nl } from '../../web/src/i18n/nl.ts'
import { pluralForm } from '../../web/src/i18n/plural.ts'

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

  it.each(['de', 'nl'])('%s has a singular and a plural form exactly where English has them', (language) => {
    const forms = (text: string) => text.split('|').length
    for (const key of reference) {
      const english = en[key as keyof typeof en] as string
      expect(forms(catalogs[language]![key]!), `${language} ${key}`).toBe(forms(english))
      expect(forms(english), `en ${key}`).toBeLessThanOrEqual(2)
    }
  })

  it('picks the singular for a count of one, the plural otherwise', () => {
    expect(pluralForm(en['list.count'], { count: 1 })).toBe('{count} ticket')
    expect(pluralForm(en['list.count'], { count: 0 })).toBe('{count} tickets')
    expect(pluralForm(de['list.count'], { count: 500 })).toBe('{count} Tickets')
    expect(pluralForm(en['list.count'], undefined)).toBe(en['list.count'])
  })

  it('translates the OTRS default states and priorities', () => {
    expect(de['state.closed successful']).toBe('erfolgreich geschlossen')
    expect(nl['state.pending reminder']).toBe('wachtend op herinnering')
    expect(de['priority.5 very high']).toBe('5 sehr hoch')
  })
})
