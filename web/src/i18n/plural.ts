/**
 * A text with a count may have two forms, "one|other" (English, German and Dutch all use the
 * singular for exactly 1): "{count} ticket|{count} tickets".
 */
export function pluralForm(text: string, vars: Record<string, string | number> | undefined): string {
  const bar = text.indexOf('|')
  if (bar < 0 || typeof vars?.count !== 'number') return text
  return vars.count === 1 ? text.slice(0, bar) : text.slice(bar + 1)
}
