import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LocalUrlSigner } from '../../lib/blobs/local-url-signer.ts'
import { downloadAttachment, httpCaller, uploadFile } from '../support/api-calls.ts'
import { apiLogin, mail, sendMail, startTestRuntime, waitFor } from '../support/local-stack.ts'

/**
 * Issue 15.4: attachments never pass through the API (API Gateway and Lambda stop at 6 MB). An
 * agent uploads to a presigned URL and names the upload; downloads are short-lived presigned
 * URLs. Locally the server signs its own URLs, in the same API shape as S3's in AWS.
 */
const mib = 1024 * 1024
const sha256 = (bytes: Buffer | ArrayBuffer) => createHash('sha256').update(Buffer.from(bytes as ArrayBuffer)).digest('hex')

describe('attachments through presigned URLs (local server)', () => {
  let runtime: Awaited<ReturnType<typeof startTestRuntime>>
  let admin: string
  let sales: string
  let call: ReturnType<typeof httpCaller>
  const fetcher = (path: string, init: RequestInit) => fetch(new URL(path, runtime.httpUrl), init)

  beforeAll(async () => {
    runtime = await startTestRuntime()
    call = httpCaller(runtime.httpUrl)
    ;[admin, sales] = await Promise.all([apiLogin(runtime.httpUrl), apiLogin(runtime.httpUrl, 'sales')])
  })
  afterAll(() => runtime?.cleanup())

  const customerMail = async (subject: string, raw?: Buffer) => {
    const messageId = `${randomUUID()}@customer.example`
    await sendMail(runtime.smtpPort, raw ?? mail({ subject, messageId }), { from: 'ann@customer.example', to: ['support@example.com'] })
    const hit = await waitFor(async () => (await runtime.deps.tickets.findByMessageIds([messageId]))[0], `the ticket of "${subject}"`, 60_000)
    return hit.ticketNumber
  }

  it('a 25 MiB file: upload slot → upload → reply with it → download byte-identical; the upload is used once', async () => {
    const number = await customerMail('Please send the firmware')
    const content = randomBytes(25 * mib)
    const uploaded = await uploadFile(fetcher, admin, { name: 'firmware 2.1.bin', contentType: 'application/octet-stream', content })
    expect(uploaded.slot.status).toBe(201)
    expect(uploaded.slot.body).toMatchObject({ method: 'POST', url: '/blobs/docket-attachments/upload' })
    expect(uploaded.upload?.status).toBe(204)

    const reply = await call('POST', `/api/tickets/${number}/articles`, { token: admin, body: { type: 'reply', body: 'Here it is.', attachments: [{ uploadId: uploaded.uploadId }] } })
    expect(reply.status).toBe(201)
    expect(reply.body.attachments).toEqual([expect.objectContaining({ id: '1', name: 'firmware 2.1.bin', size: 25 * mib, contentType: 'application/octet-stream' })])

    const { link, file } = await downloadAttachment(fetcher, admin, `/api/tickets/${number}/articles/${String(reply.body.id)}/attachments/1`)
    expect(link.body.url).toMatch(/^\/blobs\/docket-attachments\/download\?grant=/)
    expect(Date.parse(String(link.body.expiresAt)) - Date.now()).toBeLessThanOrEqual(60_000)
    expect(file.status).toBe(200)
    expect(file.headers.get('content-type')).toBe('application/octet-stream')
    expect(file.headers.get('content-disposition')).toBe('attachment; filename="firmware 2.1.bin"')
    expect(sha256(await file.arrayBuffer())).toBe(sha256(content))

    // Used up: the article has its own copy; naming the upload again is refused.
    const again = await call('POST', `/api/tickets/${number}/articles`, { token: admin, body: { type: 'note', body: 'Again', attachments: [{ uploadId: uploaded.uploadId }] } })
    expect(again.status).toBe(400)
    expect(again.body.error).toMatchObject({ field: 'body.attachments' })
  }, 180_000)

  it('302 to the file with ?redirect=true; an HTML attachment is only ever a download of type application/octet-stream', async () => {
    const number = await customerMail('An HTML page')
    const html = Buffer.from('<html><script>fetch("/api/me")</script></html>')
    const uploaded = await uploadFile(fetcher, admin, { name: 'page.html', contentType: 'text/html', content: html })
    const note = await call('POST', `/api/tickets/${number}/articles`, { token: admin, body: { type: 'note', body: 'See the page', attachments: [{ uploadId: uploaded.uploadId }] } })
    expect(note.body.attachments).toEqual([expect.objectContaining({ name: 'page.html', contentType: 'text/html' })])
    const redirect = await fetcher(`/api/tickets/${number}/articles/${String(note.body.id)}/attachments/1?redirect=true`, { headers: { authorization: `Bearer ${admin}` }, redirect: 'manual' })
    expect(redirect.status).toBe(302)
    const file = await fetcher(redirect.headers.get('location')!, {})
    expect(file.headers.get('content-type')).toBe('application/octet-stream')
    expect(file.headers.get('content-disposition')).toMatch(/^attachment; filename="page.html"/)
    expect(file.headers.get('x-content-type-options')).toBe('nosniff')
    expect(file.headers.get('content-security-policy')).toBe("default-src 'none'; sandbox")
    expect(Buffer.from(await file.arrayBuffer()).equals(html)).toBe(true)
  })

  it('refuses a slot over the limit, an upload of another content type or size, and another agent\'s upload', async () => {
    const over = await call('POST', '/api/uploads', { token: admin, body: { name: 'huge.iso', contentType: 'application/octet-stream', size: 25 * mib + 1 } })
    expect(over.status).toBe(400)
    expect(over.body.error).toMatchObject({ code: 'invalid_request', field: 'body.size' })
    const badType = await call('POST', '/api/uploads', { token: admin, body: { name: 'a.txt', contentType: 'text/plain; charset=utf-8', size: 1 } })
    expect(badType.body.error).toMatchObject({ field: 'body.contentType' })

    const content = Buffer.from('%PDF-1.7 a small pdf')
    const asHtml = await uploadFile(fetcher, admin, { name: 'a.pdf', contentType: 'application/pdf', content }, { fields: { 'Content-Type': 'text/html' } })
    expect(asHtml.upload?.status).toBe(403)
    const larger = await uploadFile(fetcher, admin, { name: 'a.pdf', contentType: 'application/pdf', content: Buffer.concat([content, Buffer.from('more')]) }, { size: content.length })
    expect(larger.upload?.status).toBe(400)
    const otherKey = await uploadFile(fetcher, admin, { name: 'a.pdf', contentType: 'application/pdf', content }, { fields: { key: 'outbound/1/part-1' } })
    expect(otherKey.upload?.status).toBe(403)
    // Nothing was stored by the refused uploads: naming them is refused too.
    const number = await customerMail('Refused uploads')
    for (const uploadId of [asHtml.uploadId, larger.uploadId]) {
      const answer = await call('POST', `/api/tickets/${number}/articles`, { token: admin, body: { type: 'note', body: 'x', attachments: [{ uploadId }] } })
      expect(answer.status).toBe(400)
    }

    const admins = await uploadFile(fetcher, admin, { name: 'a.pdf', contentType: 'application/pdf', content })
    expect(admins.upload?.status).toBe(204)
    const stolen = await call('POST', `/api/tickets/${number}/articles`, { token: sales, body: { type: 'note', body: 'x', attachments: [{ uploadId: admins.uploadId }] } })
    expect(stolen.status).toBe(400)
    expect(stolen.body.error?.message).toContain(`there is no upload ${admins.uploadId}`)
  })

  it('refuses a tampered or expired download URL and a tampered upload grant', async () => {
    const number = await customerMail('Tamper')
    const uploaded = await uploadFile(fetcher, admin, { name: 'a.txt', contentType: 'text/plain', content: Buffer.from('secret') })
    const note = await call('POST', `/api/tickets/${number}/articles`, { token: admin, body: { type: 'note', body: 'x', attachments: [{ uploadId: uploaded.uploadId }] } })
    const { link } = await downloadAttachment(fetcher, admin, `/api/tickets/${number}/articles/${String(note.body.id)}/attachments/1`)
    const url = new URL(String(link.body.url), runtime.httpUrl)
    const [payload, signature] = url.searchParams.get('grant')!.split('.') as [string, string]
    const grant = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>

    const longer = Buffer.from(JSON.stringify({ ...grant, expires: Number(grant.expires) + 86_400 })).toString('base64url')
    const tampered = await fetcher(`/blobs/docket-attachments/download?grant=${longer}.${signature}`, {})
    expect(tampered.status).toBe(403)
    expect(await tampered.text()).toContain('the signature does not match')
    const otherObject = Buffer.from(JSON.stringify({ ...grant, key: 'outbound/whatever.eml' })).toString('base64url')
    expect((await fetcher(`/blobs/docket-attachments/download?grant=${otherObject}.${signature}`, {})).status).toBe(403)
    expect((await fetcher(`/blobs/docket-attachments/download?grant=${payload}`, {})).status).toBe(403)

    // Signed with the server's own key, but expired a second ago.
    const key = Buffer.from((JSON.parse(await readFile(join(runtime.deps.settings.dataDir, 'blob-url-key.json'), 'utf8')) as { blobUrlKey: string }).blobUrlKey, 'base64')
    const expired = await new LocalUrlSigner(async () => key).sign({ ...(grant as unknown as Parameters<LocalUrlSigner['sign']>[0]), expires: Math.floor(Date.now() / 1000) - 1 })
    const late = await fetcher(`/blobs/docket-attachments/download?grant=${expired}`, {})
    expect(late.status).toBe(403)
    expect(await late.text()).toContain('the URL has expired')

    const slot = await call('POST', '/api/uploads', { token: admin, body: { name: 'b.txt', contentType: 'text/plain', size: 3 } })
    const fields = slot.body.fields as Record<string, string>
    const [uploadPayload, uploadSignature] = fields.grant!.split('.') as [string, string]
    const bigger = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(uploadPayload, 'base64url').toString('utf8')), size: 4 })).toString('base64url')
    const form = new FormData()
    for (const [name, value] of Object.entries({ ...fields, grant: `${bigger}.${uploadSignature}` })) form.append(name, value)
    form.append('file', new Blob(['abcd']), 'b.txt')
    expect((await fetcher(String(slot.body.url), { method: 'POST', body: form })).status).toBe(403)
  })

  it('an inbound mail of ~40 MB (SES\'s limit) keeps its attachment, downloadable byte-identical', async () => {
    const content = randomBytes(29 * mib)
    const messageId = `${randomUUID()}@customer.example`
    const base64 = content.toString('base64').replace(/.{76}/g, '$&\r\n')
    const raw = Buffer.from(
      [
        'From: Ann Customer <ann@customer.example>',
        'To: support@example.com',
        'Subject: The log archive',
        `Message-ID: <${messageId}>`,
        'Date: Mon, 07 Dec 2026 09:00:00 +0000',
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed; boundary="b1"',
        '',
        '--b1',
        'Content-Type: text/plain; charset=utf-8',
        '',
        'The logs are attached.',
        '--b1',
        'Content-Type: application/gzip; name="logs.tar.gz"',
        'Content-Disposition: attachment; filename="logs.tar.gz"',
        'Content-Transfer-Encoding: base64',
        '',
        base64,
        '--b1--',
        '',
      ].join('\r\n'),
    )
    expect(raw.length).toBeGreaterThan(39 * 1000 * 1000)
    expect(raw.length).toBeLessThan(40 * mib)
    await sendMail(runtime.smtpPort, raw, { from: 'ann@customer.example', to: ['support@example.com'] })
    const hit = await waitFor(async () => (await runtime.deps.tickets.findByMessageIds([messageId]))[0], 'the ticket of the big mail', 120_000)
    const ticket = await call('GET', `/api/tickets/${hit.ticketNumber}`, { token: admin })
    const article = (ticket.body.articles as { id: string; attachments: { id: string; name: string; size: number }[] }[]).find((candidate) => candidate.id === hit.articleId)!
    const attachment = article.attachments.find((candidate) => candidate.name === 'logs.tar.gz')!
    expect(attachment.size).toBe(29 * mib)
    const { file } = await downloadAttachment(fetcher, admin, `/api/tickets/${hit.ticketNumber}/articles/${article.id}/attachments/${attachment.id}`)
    expect(sha256(await file.arrayBuffer())).toBe(sha256(content))
  }, 240_000)
})
