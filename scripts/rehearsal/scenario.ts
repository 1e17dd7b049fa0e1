import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { LocalCloud } from './local-cloud.ts'

/**
 * The end-to-end loop an admin would try after `cdk deploy`, through the deployed pieces only:
 * the first password set with the CLI (as the README says), mail in through the SES receipt
 * rule's bucket, everything else through the HTTP API and the event sources the templates wire.
 */

export interface StepResult {
  name: string
  ok: boolean
  detail: string
  ms: number
}

const password = 'Rehearsal-Password-1!'

interface Article {
  id: string
  sender: string
  subject: string
  bodyText: string
  messageId: string | null
  attachments: { id: string; name: string; size: number }[]
  transmission: { status: string; error: string | null } | null
}

interface Ticket {
  number: string
  title: string
  articles: Article[]
}

/**
 * Attachments up and down as the API offers them: an upload slot (POST /api/uploads) whose file is
 * POSTed straight to the blob store with the slot's form fields (the S3 presigned POST policy, checked
 * by the local S3), then named by its upload id in the article; downloads follow the presigned URL.
 */
export const attachmentTransfer = {
  async upload(cloud: LocalCloud, token: string, file: { name: string; contentType: string; content: Buffer }) {
    const offer = await cloud.api('POST', '/api/uploads', { headers: auth(token, 'application/json'), body: JSON.stringify({ name: file.name, contentType: file.contentType, size: file.content.length }) })
    const slot = await json<{ uploadId: string; method: 'POST'; url: string; fields: Record<string, string> }>(offer, 'upload slot')
    const form = new FormData()
    for (const [name, value] of Object.entries(slot.fields)) form.append(name, value)
    form.append('file', new Blob([new Uint8Array(file.content)], { type: file.contentType }), file.name)
    const posted = await cloud.fetchUrl(slot.url, { method: 'POST', body: form })
    if (!posted.ok) throw new Error(`upload to the presigned POST failed: ${posted.status} ${await posted.text()}`)
    return { uploadId: slot.uploadId }
  },
  async download(cloud: LocalCloud, token: string, path: string): Promise<Buffer> {
    const response = await cloud.api('GET', path, { headers: auth(token) })
    const location = response.headers.get('location')
    const fetched = async (url: string) => {
      const file = await cloud.fetchUrl(url)
      if (!file.ok) throw new Error(`download from the presigned URL: ${file.status} ${(await file.text()).slice(0, 300)}`)
      return Buffer.from(await file.arrayBuffer())
    }
    if (response.status >= 300 && response.status < 400 && location) return fetched(location)
    if (response.headers.get('content-type')?.includes('application/json')) {
      const { url } = (await response.json()) as { url?: string }
      if (url) return fetched(url)
    }
    if (!response.ok) throw new Error(`download ${path}: ${response.status} ${await response.text()}`)
    return Buffer.from(await response.arrayBuffer())
  },
}

function auth(token: string, contentType?: string): Record<string, string> {
  return { authorization: `Bearer ${token}`, ...(contentType ? { 'content-type': contentType } : {}) }
}

async function json<T>(response: Response, what: string): Promise<T> {
  const text = await response.text()
  if (!response.ok) throw new Error(`${what}: HTTP ${response.status} ${text.slice(0, 400)}`)
  return JSON.parse(text) as T
}

function customerMail(fields: { subject: string; body: string; messageId: string; inReplyTo?: string; attachment?: { name: string; content: Buffer } }): string {
  const boundary = `rehearsal-${randomBytes(6).toString('hex')}`
  const headers = [
    'From: Ann Customer <ann@customer.example>',
    'To: support@example.com',
    `Subject: ${fields.subject}`,
    `Message-ID: <${fields.messageId}>`,
    `Date: ${new Date().toUTCString().replace('GMT', '+0000')}`,
    ...(fields.inReplyTo ? [`In-Reply-To: ${fields.inReplyTo}`, `References: ${fields.inReplyTo}`] : []),
    'MIME-Version: 1.0',
  ]
  if (!fields.attachment) return [...headers, 'Content-Type: text/plain; charset=utf-8', '', fields.body, ''].join('\r\n')
  return [
    ...headers,
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    fields.body,
    `--${boundary}`,
    `Content-Type: application/pdf; name="${fields.attachment.name}"`,
    `Content-Disposition: attachment; filename="${fields.attachment.name}"`,
    'Content-Transfer-Encoding: base64',
    '',
    ...(fields.attachment.content.toString('base64').match(/.{1,76}/g) ?? []),
    `--${boundary}--`,
    '',
  ].join('\r\n')
}

export async function runScenario(cloud: LocalCloud, options: { projectRoot: string; node: string; say: (line: string) => void }): Promise<StepResult[]> {
  const steps: StepResult[] = []
  const step = async (name: string, work: () => Promise<string>): Promise<boolean> => {
    const started = performance.now()
    const problemsBefore = cloud.problems.length
    try {
      const detail = await work()
      const fresh = cloud.problems.slice(problemsBefore)
      const ok = fresh.length === 0
      steps.push({ name, ok, detail: ok ? detail : `${detail}; ${fresh.length} problem(s) below`, ms: performance.now() - started })
    } catch (error) {
      cloud.problem('scenario', undefined, `${name}: ${(error as Error).message}`)
      steps.push({ name, ok: false, detail: (error as Error).message, ms: performance.now() - started })
    }
    const last = steps.at(-1)!
    options.say(`  ${last.ok ? '✓' : '✗'} ${name} (${(last.ms / 1000).toFixed(1)} s): ${last.detail}`)
    return last.ok
  }

  const word = `rehearsal${randomBytes(4).toString('hex')}`
  const subject = `Printer on fire ${word}`
  const mailAttachment = { name: 'invoice.pdf', content: randomBytes(48 * 1024) }
  const replyAttachment = { name: 'instructions.txt', contentType: 'text/plain', content: Buffer.from(`Step 1: unplug it. ${word}\n`.repeat(200)) }
  let token = ''
  let ticket: Ticket | undefined
  let sentSubject = ''
  let sentMessageId = ''
  let sentMail: LocalCloud['sent'][number] | undefined

  const ready = await step('admin sets the first password (docket agent password --table, against the deployed table)', async () => {
    // The config as deployed: the JSON synth writes into every bundle (issue 15.3).
    const config = cloud.functions.map((fn) => join(fn.sandbox.taskRoot, 'docket.config.json')).find((file) => existsSync(file)) ?? join(options.projectRoot, 'docket.config.yaml')
    const result = spawnSync(options.node, ['bin/docket.js', 'agent', 'password', 'admin', '--password', password, '--table', cloud.tableName()], {
      cwd: options.projectRoot,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DOCKET_DYNAMODB_ENDPOINT: cloud.dynamoDbLocal, DOCKET_CONFIG: config, DOCKET_LOG_LEVEL: 'ERROR' },
      encoding: 'utf8',
      timeout: 120_000,
    })
    if (result.status !== 0) throw new Error(`the CLI failed (${result.signal ? `killed by ${result.signal}` : `exit ${result.status}`}): ${result.stderr || result.stdout}`)
    return result.stdout.trim()
  })
  if (!ready) return steps

  await step('customer mail → ticket (SES receipt rule → raw-mail bucket → S3 notification → queue → intake function)', async () => {
    const key = await cloud.receiveMail(customerMail({ subject, body: `Hello, the printer is on fire. ${word}`, messageId: `${word}.1@customer.example`, attachment: mailAttachment }))
    await cloud.settle()
    const login = await json<{ token: string }>(await cloud.api('POST', '/api/auth/login', { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: 'admin', password }) }), 'login')
    token = login.token
    const list = await json<{ items: { number: string; title: string }[] }>(await cloud.api('GET', '/api/tickets?limit=500', { headers: auth(token) }), 'ticket list')
    const found = list.items.find((item) => item.title.includes(word))
    if (!found) throw new Error(`no ticket titled "${subject}" in the open view (${list.items.length} tickets) after the mail ${key}`)
    ticket = await json<Ticket>(await cloud.api('GET', `/api/tickets/${found.number}`, { headers: auth(token) }), 'ticket')
    const article = ticket.articles[0]
    if (article?.attachments[0]?.name !== mailAttachment.name) throw new Error(`the customer article has no ${mailAttachment.name}: ${JSON.stringify(article?.attachments)}`)
    return `ticket ${ticket.number} "${ticket.title}", ${ticket.articles.length} article(s), ${mailAttachment.name} stored`
  })
  if (!ticket) return steps

  await step('agent reply with an attachment (HTTP API → table → stream → outbox relay → outbound queue → send function → SES)', async () => {
    const upload = await attachmentTransfer.upload(cloud, token, replyAttachment)
    const created = await json<Article>(
      await cloud.api('POST', `/api/tickets/${ticket!.number}/articles`, {
        headers: auth(token, 'application/json'),
        body: JSON.stringify({ type: 'reply', body: `Please unplug it. ${word}`, attachments: [{ uploadId: upload.uploadId }] }),
      }),
      'reply',
    )
    await cloud.settle()
    const mail = cloud.sent.find((entry) => entry.destinations.includes('ann@customer.example') && entry.raw?.includes('Please unplug it'))
    if (!mail) throw new Error(`SES got no reply to ann@customer.example on ticket ${ticket!.number} (${cloud.sent.length} sends: ${cloud.sent.map((entry) => entry.destinations.join(',')).join('; ')})`)
    const head = mail.raw!.split(/\r?\n\r?\n/)[0]!.replace(/\r?\n\s+/g, ' ')
    sentMail = mail
    sentSubject = /^Subject:\s*(.*)$/im.exec(head)?.[1] ?? ''
    sentMessageId = /^Message-ID:\s*(.*)$/im.exec(head)?.[1]?.trim() ?? ''
    if (!mail.raw!.includes(replyAttachment.name)) throw new Error(`the sent mail does not carry ${replyAttachment.name}`)
    ticket = await json<Ticket>(await cloud.api('GET', `/api/tickets/${ticket!.number}`, { headers: auth(token) }), 'ticket')
    const reply = ticket.articles.find((article) => article.id === created.id)
    if (reply?.transmission?.status !== 'sent') throw new Error(`the reply's transmission is ${JSON.stringify(reply?.transmission)}, not sent`)
    return `SES took "${sentSubject}" from ${mail.from} (configuration set ${mail.configurationSet ?? 'none'}), SES message id ${mail.messageId}`
  })

  await step('customer follow-up lands on the same ticket', async () => {
    if (!sentSubject) throw new Error('no reply was sent to answer')
    await cloud.receiveMail(customerMail({ subject: `Re: ${sentSubject}`, body: `It is still burning. ${word}`, messageId: `${word}.2@customer.example`, inReplyTo: sentMessageId }))
    await cloud.settle()
    const after = await json<Ticket>(await cloud.api('GET', `/api/tickets/${ticket!.number}`, { headers: auth(token) }), 'ticket')
    const followUp = after.articles.find((article) => article.bodyText.includes('still burning'))
    if (!followUp) throw new Error(`ticket ${ticket!.number} has no follow-up article (${after.articles.length} articles)`)
    ticket = after
    return `${after.articles.length} articles on ticket ${after.number}`
  })

  await step('timed jobs (every EventBridge schedule, with its target input)', async () => {
    const results = await cloud.runSchedules()
    await cloud.settle()
    const failed = results.filter((result) => !result.ok)
    if (results.length === 0) throw new Error('the templates schedule nothing')
    if (failed.length > 0) throw new Error(`${failed.map((result) => `${result.rule}: ${String(result.value)}`).join('; ')}`)
    return results.map((result) => `${result.rule.replace(/[A-F0-9]{8}$/, '')} ${result.expression}`).join(', ')
  })

  await step('search (stream → indexer → OpenSearch; HTTP API → OpenSearch)', async () => {
    const answer = await json<{ items?: { number: string }[]; hits?: { number: string }[] }>(await cloud.api('GET', `/api/search?q=${word}`, { headers: auth(token) }), 'search')
    const hits = answer.items ?? answer.hits ?? []
    if (!hits.some((hit) => hit.number === ticket!.number)) throw new Error(`searching "${word}" did not find ticket ${ticket!.number}: ${JSON.stringify(answer).slice(0, 300)}`)
    return `"${word}" finds ticket ${ticket!.number}`
  })

  await step('attachments down (the customer\'s from the mail, the agent\'s upload)', async () => {
    const checks: string[] = []
    for (const [article, expected] of [
      [ticket!.articles.find((entry) => entry.attachments.some((attachment) => attachment.name === mailAttachment.name)), mailAttachment.content],
      [ticket!.articles.find((entry) => entry.attachments.some((attachment) => attachment.name === replyAttachment.name)), replyAttachment.content],
    ] as const) {
      const attachment = article?.attachments.find((entry) => entry.size === expected.length) ?? article?.attachments[0]
      if (!article || !attachment) throw new Error('an article with the attachment is missing')
      const bytes = await attachmentTransfer.download(cloud, token, `/api/tickets/${ticket!.number}/articles/${article.id}/attachments/${attachment.id}`)
      if (!bytes.equals(expected)) throw new Error(`${attachment.name}: ${bytes.length} bytes came back, not the ${expected.length} that went up`)
      checks.push(`${attachment.name} ${bytes.length} bytes`)
    }
    return `${checks.join(', ')} identical`
  })

  await step('a bounce comes back (SES configuration set → SNS → feedback queue → feedback function)', async () => {
    if (!sentMail?.configurationSet) throw new Error('the reply was sent without a configuration set: SES would report nothing')
    const now = new Date().toISOString()
    const head = sentMail.raw!.split(/\r?\n\r?\n/)[0]!.replace(/\r?\n\s+/g, ' ')
    const headers = head.split(/\r?\n/).map((line) => ({ name: line.slice(0, line.indexOf(':')), value: line.slice(line.indexOf(':') + 1).trim() }))
    const published = cloud.publishSesEvent(sentMail.configurationSet, {
      eventType: 'Bounce',
      bounce: {
        bounceType: 'Permanent',
        bounceSubType: 'General',
        bouncedRecipients: [{ emailAddress: 'ann@customer.example', action: 'failed', status: '5.1.1', diagnosticCode: 'smtp; 550 5.1.1 user unknown' }],
        timestamp: now,
        feedbackId: `0100019${randomBytes(8).toString('hex')}-000000`,
        reportingMTA: 'dsn; a1-2.smtp-out.amazonses.com',
      },
      mail: {
        timestamp: now,
        source: sentMail.from,
        sendingAccountId: cloud.assembly.stacks[0]!.account,
        messageId: sentMail.messageId,
        destination: sentMail.destinations,
        headersTruncated: false,
        headers,
        commonHeaders: { from: [sentMail.from], to: sentMail.destinations, subject: sentSubject },
        tags: { 'ses:configuration-set': [sentMail.configurationSet] },
      },
    } as { eventType: string })
    if (published === 0) throw new Error(`configuration set ${sentMail.configurationSet} publishes bounces nowhere`)
    await cloud.settle()
    const after = await json<Ticket>(await cloud.api('GET', `/api/tickets/${ticket!.number}`, { headers: auth(token) }), 'ticket')
    if (!/bounce/i.test(JSON.stringify(after.articles))) throw new Error(`ticket ${after.number} shows no bounce after the feedback`)
    return `recorded on ticket ${after.number}`
  })
  return steps
}
