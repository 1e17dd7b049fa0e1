import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { FsBlobStore } from '../../lib/blobs/adapters/fs-blob-store.ts'
import { BlobUrlRefused, LocalUrlSigner } from '../../lib/blobs/local-url-signer.ts'
import type { Clock } from '../../lib/platform/clock.ts'

/**
 * Issue 15.4: the local server's presigned URLs, the stand-in for S3's. A grant is one operation
 * on one object of one bucket, expires, and any change to it is refused; an upload must carry
 * exactly the granted fields and a file of exactly the granted size.
 */
const key = new Uint8Array(32).fill(7)
const movableClock = (iso: string): Clock & { advance(seconds: number): void } => {
  let now = Date.parse(iso)
  return { now: () => new Date(now), advance: (seconds) => void (now += seconds * 1000) }
}

describe('LocalUrlSigner', () => {
  const grant = { op: 'download' as const, bucket: 'docket-attachments', key: 'mail/abc/part-1', contentType: 'application/octet-stream', fileName: 'a.pdf', expires: 0 }

  it('verifies its own grant until it expires, then refuses it', async () => {
    const clock = movableClock('2026-12-07T10:00:00Z')
    const signer = new LocalUrlSigner(async () => key, clock)
    const token = await signer.sign({ ...grant, expires: signer.expiresIn(60) })
    expect(await signer.verify(token, { op: 'download', bucket: 'docket-attachments' })).toMatchObject({ key: 'mail/abc/part-1', fileName: 'a.pdf' })
    clock.advance(59)
    await expect(signer.verify(token, { op: 'download', bucket: 'docket-attachments' })).resolves.toBeDefined()
    clock.advance(1)
    await expect(signer.verify(token, { op: 'download', bucket: 'docket-attachments' })).rejects.toThrow('the URL has expired')
  })

  it('refuses a tampered grant, a tampered signature, another key, and a grant used for another operation or bucket', async () => {
    const signer = new LocalUrlSigner(async () => key)
    const token = await signer.sign({ ...grant, expires: signer.expiresIn(60) })
    const [payload, signature] = token.split('.') as [string, string]
    const otherObject = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), key: 'mail/other/part-1' })).toString('base64url')
    const expected = { op: 'download' as const, bucket: 'docket-attachments' }
    await expect(signer.verify(`${otherObject}.${signature}`, expected)).rejects.toThrow('the signature does not match')
    const flipped = signature.slice(0, -2) + (signature.endsWith('AA') ? 'BB' : 'AA')
    await expect(signer.verify(`${payload}.${flipped}`, expected)).rejects.toThrow('the signature does not match')
    await expect(signer.verify(payload, expected)).rejects.toThrow('the URL is not signed')
    await expect(new LocalUrlSigner(async () => new Uint8Array(32).fill(8)).verify(token, expected)).rejects.toThrow('the signature does not match')
    await expect(signer.verify(token, { op: 'upload', bucket: 'docket-attachments' })).rejects.toThrow('grants no upload')
    await expect(signer.verify(token, { op: 'download', bucket: 'docket-raw-mail' })).rejects.toThrow('grants no download in docket-raw-mail')
  })
})

describe('FsBlobStore presigned uploads and downloads', () => {
  const root = mkdtempSync(join(tmpdir(), 'docket-blob-urls-'))
  afterAll(() => rmSync(root, { recursive: true, force: true }))
  const clock = movableClock('2026-12-07T10:00:00Z')
  const store = new FsBlobStore(root, 'docket-attachments', new LocalUrlSigner(async () => key, clock))
  const slot = () => store.presignUpload({ key: 'uploads/one', contentType: 'application/pdf', size: 5, metadata: { 'uploaded-by': 'ann', 'file-name': 'a%20b.pdf' }, expiresInSeconds: 900 })

  it('an upload slot names the key, type, metadata and expiry, as an S3 presigned POST does', async () => {
    const upload = await slot()
    expect(upload).toMatchObject({ method: 'POST', url: '/blobs/docket-attachments/upload', expiresAt: '2026-12-07T10:15:00.000Z' })
    expect(upload.fields).toMatchObject({ key: 'uploads/one', 'Content-Type': 'application/pdf', 'x-amz-meta-uploaded-by': 'ann', 'x-amz-meta-file-name': 'a%20b.pdf' })
  })

  it('refuses another content type, another key, other metadata, an extra field and another size; takes the exact upload', async () => {
    const { fields } = await slot()
    const refusal = (attempt: Promise<void>) => attempt.then(() => undefined, (error: unknown) => (error instanceof BlobUrlRefused ? `${error.status} ${error.message}` : String(error)))
    expect(await refusal(store.acceptSignedUpload({ ...fields, 'Content-Type': 'text/html' }, Buffer.from('12345')))).toMatch(/^403 .*Content-Type/)
    expect(await refusal(store.acceptSignedUpload({ ...fields, key: 'outbound/1/evil' }, Buffer.from('12345')))).toMatch(/^403 .*key/)
    expect(await refusal(store.acceptSignedUpload({ ...fields, 'x-amz-meta-uploaded-by': 'mallory' }, Buffer.from('12345')))).toMatch(/^403 .*uploaded-by/)
    expect(await refusal(store.acceptSignedUpload({ ...fields, acl: 'public-read' }, Buffer.from('12345')))).toMatch(/^403 .*extra field "acl"/)
    expect(await refusal(store.acceptSignedUpload(fields, Buffer.from('123456')))).toBe('400 the file must have 5 bytes; it has 6')
    expect(await refusal(store.acceptSignedUpload(fields, Buffer.from('1234')))).toBe('400 the file must have 5 bytes; it has 4')
    expect(await store.head('uploads/one')).toBeUndefined()
    await store.acceptSignedUpload(fields, Buffer.from('12345'))
    expect(await store.head('uploads/one')).toMatchObject({ size: 5, contentType: 'application/pdf', metadata: { 'uploaded-by': 'ann', 'file-name': 'a%20b.pdf' } })
  })

  it('refuses an expired upload slot', async () => {
    const { fields } = await slot()
    clock.advance(900)
    await expect(store.acceptSignedUpload(fields, Buffer.from('12345'))).rejects.toThrow('the URL has expired')
  })

  it('a download URL serves its one object as the type and name granted, until it expires; an upload grant does not download', async () => {
    await store.put('mail/x/part-1', '<script>alert(1)</script>', { contentType: 'text/html' })
    const download = await store.presignDownload({ key: 'mail/x/part-1', fileName: 'page.html', contentType: 'application/octet-stream', expiresInSeconds: 60 })
    const token = new URLSearchParams(download.url.split('?')[1]).get('grant')!
    expect(download.url.startsWith('/blobs/docket-attachments/download?grant=')).toBe(true)
    expect(await store.openSignedDownload(token)).toMatchObject({ contentType: 'application/octet-stream', fileName: 'page.html', body: Buffer.from('<script>alert(1)</script>') })
    const { fields } = await slot()
    await expect(store.openSignedDownload(fields.grant!)).rejects.toThrow('grants no download')
    clock.advance(60)
    await expect(store.openSignedDownload(token)).rejects.toThrow('the URL has expired')
  })

  it('a store without a signer has no URLs (only the local runtime wires one)', async () => {
    await expect(new FsBlobStore(root, 'plain').presignDownload({ key: 'k', fileName: 'f', contentType: 'application/octet-stream', expiresInSeconds: 60 })).rejects.toThrow(/no URL signer/)
  })
})
