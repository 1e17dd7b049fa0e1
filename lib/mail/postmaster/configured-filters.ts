import type { DocketConfig } from '../../platform/config.ts'
import type { InboundMail } from '../parse-mail.ts'
import { canonicalControl, type PostmasterFilter } from './pipeline.ts'

type FilterConfig = DocketConfig['postmasterFilters'][number]

const compiled = new WeakMap<FilterConfig, RegExp[]>()
const patternsOf = (filter: FilterConfig) => {
  let patterns = compiled.get(filter)
  if (!patterns) {
    patterns = filter.match.map((condition) => new RegExp(condition.value, 'iu'))
    compiled.set(filter, patterns)
  }
  return patterns
}

function valuesOf(mail: InboundMail, header: string): string[] {
  if (header.toLowerCase() === 'body') return [mail.text]
  return mail.headers.get(header.toLowerCase()) ?? ['']
}

/** Evaluates one filter: all conditions must hold; named groups of the matches are returned. */
export function matchFilter(filter: FilterConfig, mail: InboundMail): Record<string, string> | null {
  const groups: Record<string, string> = {}
  const patterns = patternsOf(filter)
  for (const [index, condition] of filter.match.entries()) {
    const pattern = patterns[index]!
    const match = valuesOf(mail, condition.header)
      .map((value) => pattern.exec(value.length > 1_000_000 ? value.slice(0, 1_000_000) : value))
      .find((result) => result !== null)
    if (condition.negate ? match !== undefined : match === undefined) return null
    if (match?.groups) Object.assign(groups, match.groups)
  }
  return groups
}

/** The admin's postmaster filters, in order, with OTRS semantics (match all, set headers, stop after match). */
export const configuredFilters: PostmasterFilter = {
  name: 'postmaster-filters',
  run(context, { config }) {
    for (const filter of config.postmasterFilters) {
      const groups = matchFilter(filter, context.input.mail)
      if (!groups) continue
      context.matchedFilters.push(filter.name)
      const set: string[] = []
      for (const [name, template] of Object.entries(filter.set)) {
        const canonical = canonicalControl(name)
        if (!canonical) {
          context.trace.push(`filter "${filter.name}": ${name} is not a control header Docket knows; skipped`)
          continue
        }
        const value = template.replace(/\$\{(\w+)\}/g, (_, group: string) => groups[group] ?? '')
        context.controls.set(canonical, value)
        set.push(`${canonical}: ${value}`)
      }
      context.trace.push(`filter "${filter.name}" matched${set.length ? `, set ${set.join(', ')}` : ''}`)
      if (filter.stopAfterMatch) break
    }
  },
}
