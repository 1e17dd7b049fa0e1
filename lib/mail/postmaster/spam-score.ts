import { header } from '../parse-mail.ts'
import { control, type PostmasterFilter } from './pipeline.ts'

/** Spam scores left by SpamAssassin/MIMEDefang: at or above the threshold the mail goes to Junk. */
export const spamScore: PostmasterFilter = {
  name: 'spam-score',
  run(context, { config }) {
    const spam = config.mail.spam
    if (!spam) return
    const value = header(context.input.mail, spam.header)
    const score = value === undefined ? Number.NaN : Number.parseFloat(value.replace(',', '.'))
    if (Number.isFinite(score) && score >= spam.threshold) {
      context.controls.set(control.queue, spam.queue)
      context.controls.set(control.spam, 'yes')
      context.trace.push(`spam: ${spam.header} ${score} ≥ ${spam.threshold} → queue ${spam.queue}`)
    }
  },
}
