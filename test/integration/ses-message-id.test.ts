import { randomUUID } from 'node:crypto'
import { Readable } from 'node:stream'
import { SESv2Client } from '@aws-sdk/client-sesv2'
import { beforeAll, describe, expect, it } from 'vitest'
import { createMailSendHandler } from '../../functions/mail-send.ts'
import type { AgentIdentity } from '../../lib/auth/auth-service.ts'
import { sqsEventFrom } from '../../lib/local/aws-events.ts'
import { localLambdaContext } from '../../lib/local/start-local.ts'
import { SesMailSender } from '../../lib/mail/adapters/ses-mail-sender.ts'
import { ownMessageId } from '../../lib/mail/message-id.ts'
import { createLogger } from '../../lib/platform/logger.ts'
import type { Dependencies } from '../../lib/runtime/dependencies.ts'
import { addAgentArticle } from '../../lib/ticket/agent-article.ts'
import type { Article } from '../../lib/ticket/model.ts'
import { ingestRaw, mail, testDependencies } from '../support/local-stack.ts'

/**
 * Issue 15.2: SES replaces the Message-ID of every mail it sends, so the customer's reply quotes
 * SES's id. Through the real SES client (its HTTP request recorded and answered as SES answers),
 * the mail-send handler, the store and the postmaster: the id SES gave is recorded on the article
 * and indexed, a reply quoting only it threads into the ticket, and later mails quote it.
 */

interface SesRequest {
  method: string
  hostname: string
  path: string
  body: { FromEmailAddress: string; Destination: { ToAddresses: string[] }; Content: { Raw: { Data: string } }; ConfigurationSetName?: string }
}

/** A real SESv2Client in eu-west-1 whose HTTP requests are recorded and answered with SES's JSON (`{"MessageId": …}`). */
function recordedSes(): { client: SESv2Client; requests: SesRequest[]; ids: string[] } {
  const requests: SesRequest[] = []
  const ids: string[] = []
  const client = new SESv2Client({
    region: 'eu-west-1',
    maxAttempts: 1,
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    requestHandler: {
      handle: async (request: { method: string; hostname: string; path: string; body: Uint8Array }) => {
        requests.push({ method: request.method, hostname: request.hostname, path: request.path, body: JSON.parse(Buffer.from(request.body.buffer, request.body.byteOffset, request.body.byteLength).toString('utf8')) })
        const id = `0102018c4f2a${String(requests.length).padStart(4, '0')}-${randomUUID()}-000000`
        ids.push(id)
        const body = Readable.from([Buffer.from(JSON.stringify({ MessageId: id }))])
        return { response: { statusCode: 200, headers: { 'content-type': 'application/json', 'x-amzn-requestid': `req-${requests.length}` }, body } }
      },
    } as unknown as SESv2Client['config']['requestHandler'],
  })
  return { client, requests, ids }
}

const messageIdOf = (raw: string) => /^Message-ID:\s*<([^>]+)>/im.exec(raw)?.[1]

describe('SES replaces our Message-ID: replies thread by the one SES gave', () => {
  let deps: Dependencies
  let identity: AgentIdentity
  beforeAll(async () => {
    deps = await testDependencies({}, { logger: createLogger('SILENT') })
    identity = { login: 'admin', agent: deps.config.agents.find((agent) => agent.login === 'admin')!, sessionId: 'test' }
  })

  const sendThroughSes = (ses: ReturnType<typeof recordedSes>, tickets: Dependencies['tickets'] = deps.tickets) => {
    const handler = createMailSendHandler({ ...deps, tickets, mailSender: new SesMailSender(ses.client, 'docket') })
    return (ticketNumber: string, articleId: string, delivery: string) =>
      handler(sqsEventFrom('outbound', [{ id: delivery, body: JSON.stringify({ kind: 'send-article', ticketNumber, articleId }), receiveCount: 1, sentAt: Date.now(), errors: [] }]), localLambdaContext('mail-send'))
  }

  it('records the SES Message-ID on the article, threads a reply quoting only it, and quotes it in later mails', async () => {
    const ses = recordedSes()
    const send = sendThroughSes(ses)
    const { ticketNumber } = await ingestRaw(deps, mail({ subject: 'The printer is on fire', from: 'Ann <ann@customer.example>', messageId: 'first@customer.example' }), { recipients: ['support@example.com'] })
    const reply = (await addAgentArticle(deps, identity, ticketNumber!, { type: 'reply', body: 'Please unplug it.' })) as Article

    expect(await send(ticketNumber!, reply.id, 'delivery-1')).toEqual({ batchItemFailures: [] })
    // The exact request: SESv2 SendEmail, raw content carrying our own Message-ID (which SES replaces).
    expect(ses.requests).toHaveLength(1)
    const [request] = ses.requests
    expect(request).toMatchObject({ method: 'POST', hostname: 'email.eu-west-1.amazonaws.com', path: '/v2/email/outbound-emails' })
    expect(request!.body).toMatchObject({ FromEmailAddress: 'support@example.com', Destination: { ToAddresses: ['ann@customer.example'] }, ConfigurationSetName: 'docket' })
    const ours = ownMessageId(deps.config, reply.id, ticketNumber!)
    expect(messageIdOf(Buffer.from(request!.body.Content.Raw.Data, 'base64').toString('latin1'))).toBe(ours)

    // The article keeps our Message-ID and records the one SES wrote, which the index now knows.
    const delivered = `${ses.ids[0]}@eu-west-1.amazonses.com`
    const sent = (await deps.tickets.getArticle(ticketNumber!, reply.id))!
    expect(sent.messageId).toBe(ours)
    expect(sent.transmission).toMatchObject({ status: 'sent', providerMessageId: ses.ids[0], deliveredMessageId: delivered })
    expect(await deps.tickets.findByMessageIds([`<${delivered}>`])).toEqual([{ messageId: delivered, ticketNumber, articleId: reply.id }])
    const history = (await deps.tickets.getThread(ticketNumber!))!.history
    expect(history.filter((entry) => entry.message.includes(`went out as <${delivered}>`))).toHaveLength(1)

    // The customer's client quotes SES's id only, and the subject has no ticket number: a follow-up all the same.
    const answer = await ingestRaw(
      deps,
      mail({ subject: 'Re: Please unplug it', from: 'Ann <ann@customer.example>', messageId: 'second@customer.example', inReplyTo: delivered, references: `<first@customer.example> <${delivered}>` }),
      { recipients: ['support@example.com'] },
    )
    expect(answer).toMatchObject({ action: 'followup', ticketNumber })
    // Our own id keeps threading too (a client that kept it, a mail sent locally).
    const byOwn = await ingestRaw(deps, mail({ subject: 'Re: unplugged', from: 'Ann <ann@customer.example>', inReplyTo: ours }), { recipients: ['support@example.com'] })
    expect(byOwn).toMatchObject({ action: 'followup', ticketNumber })

    // A later mail answering our reply quotes what the customer got, never our id nobody received.
    const again = (await addAgentArticle(deps, identity, ticketNumber!, { type: 'reply', articleId: reply.id, body: 'Did it help?' })) as Article
    expect(again.inReplyTo).toBe(delivered)
    expect(again.references).toContain(delivered)
    expect(again.references).not.toContain(ours)
    const composed = (await deps.attachments.get(again.rawBlobKey!)).toString('latin1')
    expect(composed).toMatch(new RegExp(`^In-Reply-To:\\s+<${delivered.replace(/[.]/g, '\\.')}>`, 'im'))
    expect(composed).not.toContain(ours)
    // Answering the customer's follow-up: its References (with SES's id) carry on.
    const toFollowUp = (await addAgentArticle(deps, identity, ticketNumber!, { type: 'reply', articleId: answer.articleId!, body: 'Thanks.' })) as Article
    expect(toFollowUp.inReplyTo).toBe('second@customer.example')
    expect(toFollowUp.references).toEqual(['first@customer.example', delivered, 'second@customer.example'])

    // A duplicate queue message: nothing sent twice, nothing recorded twice.
    expect(await send(ticketNumber!, reply.id, 'delivery-2')).toEqual({ batchItemFailures: [] })
    expect(ses.requests).toHaveLength(1)
    expect((await deps.tickets.getThread(ticketNumber!))!.history.filter((entry) => entry.message.includes(`went out as <${delivered}>`))).toHaveLength(1)
  })

  it('a worker that dies after the sent write, before the index: the retry indexes it without sending again', async () => {
    const ses = recordedSes()
    const { ticketNumber } = await ingestRaw(deps, mail({ subject: 'Scanner jammed', from: 'bob@customer.example' }), { recipients: ['support@example.com'] })
    const reply = (await addAgentArticle(deps, identity, ticketNumber!, { type: 'reply', body: 'Open the lid.' })) as Article
    const dying = Object.create(deps.tickets) as Dependencies['tickets']
    dying.save = async () => {
      throw new Error('worker killed')
    }
    expect(await sendThroughSes(ses, dying)(ticketNumber!, reply.id, 'delivery-1')).toEqual({ batchItemFailures: [{ itemIdentifier: 'delivery-1' }] })
    const delivered = `${ses.ids[0]}@eu-west-1.amazonses.com`
    expect((await deps.tickets.getArticle(ticketNumber!, reply.id))!.transmission).toMatchObject({ status: 'sent', deliveredMessageId: delivered })
    expect(await deps.tickets.findByMessageIds([delivered])).toEqual([])

    expect(await sendThroughSes(ses)(ticketNumber!, reply.id, 'delivery-2')).toEqual({ batchItemFailures: [] })
    expect(ses.requests).toHaveLength(1)
    expect(await deps.tickets.findByMessageIds([delivered])).toEqual([{ messageId: delivered, ticketNumber, articleId: reply.id }])
    const answer = await ingestRaw(deps, mail({ subject: 'Re: lid', from: 'bob@customer.example', inReplyTo: delivered }), { recipients: ['support@example.com'] })
    expect(answer).toMatchObject({ action: 'followup', ticketNumber })
  })
})
