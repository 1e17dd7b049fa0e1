import { readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseMail } from '../../lib/mail/parse-mail.ts'
import { httpCaller } from '../support/api-calls.ts'
import { apiLogin, mail, sendMail, startTestRuntime, waitFor } from '../support/local-stack.ts'

/**
 * Issue 14.4.10 through the real local stack (SMTP → ingest → outbox relay → file outbox): a new
 * ticket is told to each agent in a mail of their own, in their own language.
 */
describe('agent notifications: one mail per agent, in the agent language', () => {
  let runtime: Awaited<ReturnType<typeof startTestRuntime>>
  let call: ReturnType<typeof httpCaller>

  const agents = ['admin@example.com', 'sam.sales@example.com']
  /** The mails to agents about a ticket in the outbox, parsed. */
  const notificationsOf = async (number: string) => {
    const dir = join(runtime.deps.settings.dataDir, 'outbox')
    const files = (await readdir(dir).catch(() => [] as string[])).filter((file) => file.endsWith('.eml'))
    const mails = await Promise.all(files.map(async (file) => parseMail(await readFile(join(dir, file)))))
    return mails.filter((parsed) => parsed.subject.includes(number) && parsed.to.some((address) => agents.includes(address.address)))
  }

  beforeAll(async () => {
    runtime = await startTestRuntime()
    call = httpCaller(runtime.httpUrl)
  })
  afterAll(() => runtime?.cleanup())

  it('a new ticket in Sales: admin (en) and Sam (de) each get a mail of their own, To them alone, in their language', async () => {
    const sam = await apiLogin(runtime.httpUrl, 'sales')
    expect((await call('PUT', '/api/me/preferences', { token: sam, body: { language: 'de' } })).status).toBe(200)

    await sendMail(runtime.smtpPort, mail({ from: 'Olga Customer <olga@customer.example>', to: 'sales@example.com', subject: 'A quote for 40 chairs', body: 'Please send a quote.' }), {
      from: 'olga@customer.example',
      to: ['sales@example.com'],
    })
    const admin = await apiLogin(runtime.httpUrl)
    const number = await waitFor(async () => {
      const list = (await call('GET', '/api/tickets?queue=Sales', { token: admin })).body.items as { number: string; title: string }[] | undefined
      return list?.find((ticket) => ticket.title === 'A quote for 40 chairs')?.number
    }, 'the new ticket')
    const mails = await waitFor(async () => {
      const found = await notificationsOf(number)
      return found.length >= 2 ? found : undefined
    }, 'two notification mails')

    expect(mails).toHaveLength(2)
    for (const parsed of mails) expect(parsed.to).toHaveLength(1)
    const to = (address: string) => mails.find((parsed) => parsed.to[0]!.address === address)!
    const english = to('admin@example.com')
    expect(english.subject).toBe(`[Ticket#${number}] Ticket Created: A quote for 40 chairs`)
    expect(english.text).toContain('Hi Admin,')
    expect(english.text).toContain(`ticket [${number}] has been created in queue Sales.`)
    expect(english.text).toContain('Olga Customer <olga@customer.example> wrote:\nPlease send a quote.')
    expect(english.text).toContain(`/tickets/${number}`)
    const german = to('sam.sales@example.com')
    expect(german.subject).toBe(`[Ticket#${number}] Ticket erstellt: A quote for 40 chairs`)
    expect(german.text).toContain('Hallo Sam,')
    expect(german.text).toContain(`das Ticket [${number}] wurde in der Queue Sales erstellt.`)
    expect(german.text).toContain('Olga Customer <olga@customer.example> schrieb:\nPlease send a quote.')

    const { history } = (await runtime.deps.tickets.getThread(number))!
    const told = history.filter((entry) => entry.type === 'SendAgentNotification').map((entry) => entry.message)
    expect(told).toEqual(['Notified admin@example.com, sam.sales@example.com of the new ticket'])
  })
})
