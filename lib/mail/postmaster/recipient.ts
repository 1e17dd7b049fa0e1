import { control, type PostmasterFilter } from './pipeline.ts'

const bareAddress = (value: string) => value.replace(/^.*<|>.*$/g, '').trim().toLowerCase()

/** Which of our addresses the mail was sent to: To, Cc, delivery headers, then the envelope (Bcc). */
export const findRecipient: PostmasterFilter = {
  name: 'find-recipient',
  run(context, { config }) {
    const { mail, envelopeRecipients } = context.input
    const deliveryHeaders = ['delivered-to', 'x-original-to', 'envelope-to'].flatMap((name) => mail.headers.get(name) ?? [])
    const candidates = [
      ...mail.to.map((address) => address.address),
      ...mail.cc.map((address) => address.address),
      ...deliveryHeaders.map(bareAddress),
      ...envelopeRecipients,
    ].map((address) => address.toLowerCase())
    const match = candidates
      .map((address) => config.mail.addresses.find((configured) => configured.address.toLowerCase() === address))
      .find((found) => found !== undefined)
    context.recipientAddress = match?.address ?? null
  },
}

/** Queue by recipient (OTRS: dispatching by To:) unless a filter already chose one; otherwise the default queue. */
export const routeByRecipient: PostmasterFilter = {
  name: 'route-by-recipient',
  run(context, { config }) {
    if (context.controls.has(control.queue)) return
    const address = config.mail.addresses.find((candidate) => candidate.address === context.recipientAddress)
    const queue = address?.queue ?? config.mail.defaultQueue
    context.controls.set(control.queue, queue)
    context.trace.push(address ? `queue ${queue} (addressed to ${address.address})` : `queue ${queue} (no configured address; default queue)`)
  },
}
