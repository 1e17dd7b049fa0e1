import { S3Client } from '@aws-sdk/client-s3'
import { createHmac } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { S3BlobStore } from '../../lib/blobs/adapters/s3-blob-store.ts'
import type { AgentIdentity } from '../../lib/auth/auth-service.ts'
import { parseConfig } from '../../lib/platform/config-file.ts'
import { attachmentDownloadUrl, createUploadSlot } from '../../lib/ticket/attachment-uploads.ts'

/**
 * Contract of the S3 presigned requests (issue 15.4): what a browser gets to upload to and
 * download from the attachments bucket. Presigning is local to the SDK (no request is made), so
 * the exact policy, fields, signed query and signature are checked here.
 */
const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' }
const client = new S3Client({ region: 'eu-west-1', credentials })
const store = new S3BlobStore(client, 'docket-attachments-abc')
const config = parseConfig(readFileSync('docket.config.yaml', 'utf8'))
const identity = { login: 'ann' } as AgentIdentity

/** SigV4 of a POST policy: HMAC chain over date, region, service, then the base64 policy itself. */
function policySignature(policy: string, shortDate: string): string {
  const hmac = (keyBytes: Buffer | string, data: string) => createHmac('sha256', keyBytes).update(data).digest()
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${credentials.secretAccessKey}`, shortDate), 'eu-west-1'), 's3'), 'aws4_request')
  return createHmac('sha256', signingKey).update(policy).digest('hex')
}

describe('S3 presigned upload (POST policy)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(new Date('2026-12-07T10:00:00Z'))
  })
  afterEach(() => vi.useRealTimers())

  it('binds the one key, exact size, Content-Type and uploader for 15 minutes, signed over the policy', async () => {
    const slot = await createUploadSlot({ config, attachments: store }, identity, { name: 'Angebot März.pdf', contentType: 'application/pdf', size: 26_214_400 })
    expect(slot.uploadId).toMatch(/^[A-Za-z0-9_-]{24}$/)
    expect(slot).toMatchObject({ method: 'POST', url: 'https://docket-attachments-abc.s3.eu-west-1.amazonaws.com/', expiresAt: '2026-12-07T10:15:00.000Z' })
    const { Policy: policy, 'X-Amz-Signature': signature, ...fields } = slot.fields
    expect(fields).toEqual({
      key: `uploads/${slot.uploadId}`,
      bucket: 'docket-attachments-abc',
      'Content-Type': 'application/pdf',
      'x-amz-meta-uploaded-by': 'ann',
      'x-amz-meta-file-name': 'Angebot%20M%C3%A4rz.pdf',
      'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
      'X-Amz-Credential': 'AKIDEXAMPLE/20261207/eu-west-1/s3/aws4_request',
      'X-Amz-Date': '20261207T100000Z',
    })
    const document = JSON.parse(Buffer.from(policy!, 'base64').toString('utf8')) as { expiration: string; conditions: unknown[] }
    expect(document.expiration).toBe('2026-12-07T10:15:00Z')
    // Every condition is exact: no "starts-with" that would let the client pick a key or a type.
    expect(document.conditions).toEqual(
      expect.arrayContaining([
        ['content-length-range', 26_214_400, 26_214_400],
        { key: `uploads/${slot.uploadId}` },
        { bucket: 'docket-attachments-abc' },
        { 'Content-Type': 'application/pdf' },
        { 'x-amz-meta-uploaded-by': 'ann' },
        { 'x-amz-meta-file-name': 'Angebot%20M%C3%A4rz.pdf' },
        { 'X-Amz-Algorithm': 'AWS4-HMAC-SHA256' },
        { 'X-Amz-Credential': 'AKIDEXAMPLE/20261207/eu-west-1/s3/aws4_request' },
        { 'X-Amz-Date': '20261207T100000Z' },
      ]),
    )
    expect(document.conditions).toHaveLength(9)
    expect(JSON.stringify(document.conditions)).not.toContain('starts-with')
    expect(signature).toBe(policySignature(policy!, '20261207'))
  })

  it("with a Lambda role's temporary credentials, the session token is a field and a condition too", async () => {
    const lambdaLike = new S3BlobStore(new S3Client({ region: 'eu-west-1', credentials: { ...credentials, sessionToken: 'FwoGZXIvYXdzEXAMPLE' } }), 'docket-attachments-abc')
    const slot = await createUploadSlot({ config, attachments: lambdaLike }, identity, { name: 'a.txt', contentType: 'text/plain', size: 3 })
    expect(slot.fields['X-Amz-Security-Token']).toBe('FwoGZXIvYXdzEXAMPLE')
    const document = JSON.parse(Buffer.from(slot.fields.Policy!, 'base64').toString('utf8')) as { conditions: unknown[] }
    expect(document.conditions).toContainEqual({ 'X-Amz-Security-Token': 'FwoGZXIvYXdzEXAMPLE' })
  })

  it('refuses a slot over the configured file limit before anything is signed', async () => {
    await expect(createUploadSlot({ config, attachments: store }, identity, { name: 'big.iso', contentType: 'application/octet-stream', size: 25 * 1024 * 1024 + 1 })).rejects.toMatchObject({
      code: 'invalid_request',
      field: 'body.size',
    })
  })
})

describe('S3 presigned download (GET)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(new Date('2026-12-07T10:00:00Z'))
  })
  afterEach(() => vi.useRealTimers())

  it('one object, one minute, signed host only, answered as an octet-stream download of the file name', async () => {
    const download = await attachmentDownloadUrl({ attachments: store }, { blobKey: 'mail/3f2a/part-1', name: 'report "final".html' })
    expect(download.expiresAt).toBe('2026-12-07T10:01:00.000Z')
    const url = new URL(download.url)
    expect(`${url.origin}${url.pathname}`).toBe('https://docket-attachments-abc.s3.eu-west-1.amazonaws.com/mail/3f2a/part-1')
    expect(Object.fromEntries(url.searchParams)).toEqual({
      'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
      'X-Amz-Content-Sha256': 'UNSIGNED-PAYLOAD',
      'X-Amz-Credential': 'AKIDEXAMPLE/20261207/eu-west-1/s3/aws4_request',
      'X-Amz-Date': '20261207T100000Z',
      'X-Amz-Expires': '60',
      'X-Amz-Signature': expect.stringMatching(/^[0-9a-f]{64}$/),
      'X-Amz-SignedHeaders': 'host',
      'response-content-disposition': `attachment; filename="report _final_.html"; filename*=UTF-8''report%20%22final%22.html`,
      'response-content-type': 'application/octet-stream',
      // The SDK's default response checksum validation: S3 answers with the object's checksum headers too.
      'x-amz-checksum-mode': 'ENABLED',
      'x-id': 'GetObject',
    })
  })
})
