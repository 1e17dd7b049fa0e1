import { convert as htmlToText } from 'html-to-text'
import he from 'he'
import { fieldCaps } from './field-caps.ts'

/** HTML longer than this is converted to text only in part (the HTML itself is kept). */
export const defaultMaxHtmlToTextChars = 2 * 1024 * 1024

const voidElements = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'param', 'source', 'track', 'wbr'])

/** How deep the elements of an HTML document nest, read in one linear pass (unclosed tags count). */
export function htmlNestingDepth(html: string, stopAt = Number.POSITIVE_INFINITY): number {
  let depth = 0
  let deepest = 0
  for (const match of html.matchAll(/<(\/?)([a-zA-Z][a-zA-Z0-9]*)[^<>]*?(\/?)>/g)) {
    if (match[1]) depth = Math.max(0, depth - 1)
    else if (!match[3] && !voidElements.has(match[2]!.toLowerCase())) {
      depth += 1
      if (depth > deepest) deepest = depth
      if (deepest > stopAt) break
    }
  }
  return deepest
}

/** Removes <script>…</script> and <style>…</style> in linear time (an unclosed one runs to the end). */
function withoutScripts(html: string): string {
  const lower = html.toLowerCase()
  let result = ''
  let position = 0
  for (;;) {
    const start = lower.slice(position).search(/<(script|style)\b/)
    if (start === -1) return result + html.slice(position)
    const absolute = position + start
    const tag = lower.startsWith('<script', absolute) ? 'script' : 'style'
    const end = lower.indexOf(`</${tag}`, absolute)
    result += `${html.slice(position, absolute)} `
    if (end === -1) return result
    const close = lower.indexOf('>', end)
    position = close === -1 ? lower.length : close + 1
  }
}

/** The fallback: tags out, entities decoded, blank lines squeezed. Every step is linear. */
function stripHtml(html: string): string {
  return he
    .decode(withoutScripts(html).replace(/<br\s*\/?>|<\/(p|div|li|tr|h\d)>/gi, '\n').replace(/<[^<>]*>/g, ' '))
    .split('\n')
    .map((line) => line.replace(/[ \t\u00a0]+/g, ' ').trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim()
}

/**
 * HTML → text for the article body and for search. html-to-text gives the better text but is
 * quadratic in nesting depth (100,000 nested <div>s took 18 s) and costs about 1 s per MB, so it
 * only gets documents of bounded size and depth; the rest take a linear fallback. Either way at
 * most `maxChars` of HTML are read (the HTML itself is kept whole).
 */
export function htmlToPlainText(html: string, maxChars = defaultMaxHtmlToTextChars): string {
  const input = html.length > maxChars ? html.slice(0, maxChars) : html
  if (input.length > fieldCaps.htmlToTextChars || htmlNestingDepth(input, fieldCaps.htmlNestingDepth) > fieldCaps.htmlNestingDepth) return stripHtml(input)
  try {
    return htmlToText(input, { wordwrap: false, selectors: [{ selector: 'img', format: 'skip' }] })
  } catch {
    return stripHtml(input)
  }
}
