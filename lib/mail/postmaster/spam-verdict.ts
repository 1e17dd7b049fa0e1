import { control, type PostmasterFilter } from './pipeline.ts'

/** Headers SES puts on top of a received mail; the mail's own headers start after them. */
const sesPrefixHeaders = new Set(['return-path', 'received', 'x-ses-spam-verdict', 'x-ses-virus-verdict', 'received-spf', 'authentication-results', 'x-ses-receipt', 'x-ses-dkim-signature'])

/**
 * SES's verdicts, read only from the block of headers SES added on top of the mail. A sender who
 * writes X-SES-Spam-Verdict: PASS into their own mail is below that block and not believed.
 */
export function sesVerdicts(headerList: { name: string; value: string }[]): { spam: string | null; virus: string | null } {
  const verdicts = { spam: null as string | null, virus: null as string | null }
  for (const { name, value } of headerList) {
    if (!sesPrefixHeaders.has(name)) break
    if (name === 'x-ses-spam-verdict') verdicts.spam ??= value.trim().toUpperCase()
    if (name === 'x-ses-virus-verdict') verdicts.virus ??= value.trim().toUpperCase()
  }
  return verdicts
}

/**
 * Spam: a score at or above the threshold (SpamAssassin/MIMEDefang's X-Spam-Score), or SES's
 * spam/virus verdict FAIL → the Junk queue, state stays new, never answered, nobody notified.
 */
export const spamVerdict: PostmasterFilter = {
  name: 'spam-verdict',
  run(context, { config }) {
    const spam = config.mail.spam
    if (!spam) return
    const reasons: string[] = []
    const scoreHeader = context.input.mail.headers.get(spam.header.toLowerCase())?.[0]
    const score = scoreHeader === undefined ? Number.NaN : Number.parseFloat(scoreHeader.replace(',', '.'))
    if (Number.isFinite(score) && score >= spam.threshold) reasons.push(`${spam.header} ${score} ≥ ${spam.threshold}`)
    if (context.input.sesVerdictsTrusted) {
      const verdicts = sesVerdicts(context.input.mail.headerList)
      if (verdicts.spam === 'FAIL') reasons.push('SES spam verdict FAIL')
      if (verdicts.virus === 'FAIL') reasons.push('SES virus verdict FAIL')
    }
    if (reasons.length === 0) return
    context.spam = true
    context.controls.set(control.queue, spam.queue)
    context.noAutoResponse ??= 'spam'
    context.trace.push(`spam: ${reasons.join(', ')} → queue ${spam.queue}`)
  },
}
