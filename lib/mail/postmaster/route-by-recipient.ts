import { control, type PostmasterFilter } from './pipeline.ts'

/**
 * Queue by recipient (OTRS: dispatching by email To: field): the first configured address among
 * To, Cc, delivery headers and the envelope; otherwise the default queue.
 */
export const routeByRecipient: PostmasterFilter = {
  name: 'route-by-recipient',
  run(context, { config }) {
    const { mail, envelopeRecipients } = context.input
    const deliveryHeaders = ['delivered-to', 'x-original-to', 'envelope-to'].flatMap((name) => mail.headers.get(name) ?? [])
    const candidates = [
      ...mail.to.map((address) => address.address),
      ...mail.cc.map((address) => address.address),
      ...deliveryHeaders.map((value) => value.replace(/^.*<|>.*$/g, '').trim()),
      ...envelopeRecipients,
    ].map((address) => address.toLowerCase())
    const match = candidates
      .map((address) => config.mail.addresses.find((configured) => configured.address.toLowerCase() === address))
      .find((found) => found !== undefined)
    const queue = match?.queue ?? config.mail.defaultQueue
    context.controls.set(control.queue, queue)
    context.trace.push(match ? `queue ${queue} (addressed to ${match.address})` : `queue ${queue} (no configured address; default queue)`)
  },
}
