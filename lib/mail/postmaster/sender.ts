import { isSystemAddress } from '../../platform/config.ts'
import { parseAddressList, type MailAddress } from '../mail-address.ts'
import type { PostmasterFilter, SenderSource } from './pipeline.ts'

/**
 * A mailbox a person would write back to (RFC 5322 addr-spec): a dot-atom or quoted local part, and
 * a domain that may have no dot (`root@localhost`, `admin@intranet` are real senders on intranets)
 * or be an address literal. Not: a bare name, "undisclosed-recipients", a group, an empty `<>`.
 */
const addrSpec = /^(?:[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*|"(?:[^"\\\r\n]|\\.)*")@(?:[^\s@<>()[\],;:"\\.]+(?:\.[^\s@<>()[\],;:"\\.]+)*|\[[^\]\s]+\])$/u

export const isUsableSender = (address: string | undefined): address is string => !!address && address.length <= 320 && addrSpec.test(address)

/**
 * Who wrote the mail. OTRS leaves the customer empty when From is missing; we take the best
 * address the mail offers (Sender, Reply-To, Return-Path, the envelope) and say so on the article.
 */
export const determineSender: PostmasterFilter = {
  name: 'determine-sender',
  run(context, { config }) {
    const { mail, envelopeSender } = context.input
    const returnPath = parseAddressList(mail.headers.get('return-path')?.[0] ?? '', 1)[0]
    // Every address of every From header, in order: with two From headers (or a list) the first usable one wins.
    const fromHeaders = mail.headerList.filter((header) => header.name === 'from').flatMap((header) => parseAddressList(header.value, 10))
    const candidates: [SenderSource, { address: string; name: string } | undefined][] = [
      ['From', mail.from ?? undefined],
      ...fromHeaders.map((address): [SenderSource, MailAddress] => ['From', address]),
      ['Sender', mail.sender ?? undefined],
      ['Reply-To', mail.replyTo[0]],
      ['Return-Path', returnPath],
      ['envelope', envelopeSender ? { address: envelopeSender, name: '' } : undefined],
    ]
    const found = candidates.find(([, candidate]) => isUsableSender(candidate?.address))
    if (!found) {
      context.trace.push('sender: the mail has no usable address (unknown sender)')
      mail.notes.push('The mail has no usable sender address; the customer is "unknown sender".')
      return
    }
    const [source, address] = found
    context.sender = { address: address!.address.toLowerCase(), name: address!.name, source }
    if (source !== 'From') {
      const note = `The mail has ${mail.from ? 'an unusable' : 'no'} From address; the sender was taken from ${source}.`
      mail.notes.push(note)
      context.trace.push(`sender ${context.sender.address} (from ${source})`)
    }
    if (isSystemAddress(config, context.sender.address)) context.trace.push('sender is one of our own addresses')
  },
}
