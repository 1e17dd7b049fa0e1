import { canonicalControl, type PostmasterFilter } from './pipeline.ts'

/** Header names for a trace line: a mail can carry thousands, the history names ten. */
function nameList(names: string[]): string {
  const unique = [...new Set(names)]
  return unique.length > 10 ? `${unique.slice(0, 10).join(', ')} and ${unique.length - 10} more` : unique.join(', ')
}

/**
 * X-Docket-* headers in the mail itself are honoured only when it came through an address the
 * admin marked trusted; from anyone else they are ignored (and the trace says so), so a customer
 * cannot steer a ticket by writing control headers.
 */
export const trustedControlHeaders: PostmasterFilter = {
  name: 'trusted-control-headers',
  run(context, { config }) {
    const supplied = context.input.mail.headerList.filter((entry) => entry.name.startsWith('x-docket-'))
    if (supplied.length === 0) return
    const trusted = config.mail.addresses.some((address) => address.address === context.recipientAddress && address.trusted)
    if (!trusted) {
      context.trace.push(`ignored control headers from an untrusted sender: ${nameList(supplied.map((entry) => entry.name))}`)
      return
    }
    for (const { name, value } of supplied) {
      const canonical = canonicalControl(name)
      if (canonical) context.controls.set(canonical, value)
    }
    context.trace.push(`control headers from trusted address ${context.recipientAddress}: ${nameList(supplied.map((entry) => entry.name))}`)
  },
}
