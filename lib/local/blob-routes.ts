import type { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import type { FsBlobStore } from '../blobs/adapters/fs-blob-store.ts'
import { contentDisposition } from '../blobs/content-disposition.ts'
import { BlobUrlRefused } from '../blobs/local-url-signer.ts'
import { DocketError } from '../platform/errors.ts'

/** Above the largest file the config allows (40 MiB), plus the form's fields. */
const maxUploadBody = 41 * 1024 * 1024

/**
 * The local stand-in for S3's presigned URLs: uploads (a multipart form POST, as to S3) and
 * downloads, each checked against the grant the store signed (lib/blobs/local-url-signer.ts).
 */
export function registerBlobRoutes(app: Hono, stores: FsBlobStore[]): void {
  const storeOf = (bucket: string) => stores.find((store) => store.bucket === bucket)
  const refused = (error: unknown) => {
    if (error instanceof BlobUrlRefused) return { status: error.status, code: error.status === 400 ? 'invalid_request' : 'forbidden', message: error.message }
    if (error instanceof DocketError && error.code === 'not_found') return { status: 404 as const, code: 'not_found', message: 'no such object' }
    throw error
  }

  app.post(
    '/blobs/:bucket/upload',
    bodyLimit({ maxSize: maxUploadBody, onError: (c) => c.json({ error: { code: 'invalid_request', message: 'the upload is larger than any file may be' } }, 413) }),
    async (c) => {
      const store = storeOf(c.req.param('bucket'))
      if (!store) return c.json({ error: { code: 'not_found', message: 'no such bucket' } }, 404)
      const form = await c.req.parseBody().catch(() => undefined)
      if (!form) return c.json({ error: { code: 'invalid_request', message: 'send multipart/form-data' } }, 400)
      const { file, ...rest } = form
      if (file === undefined || Array.isArray(file)) return c.json({ error: { code: 'invalid_request', message: 'send one field "file", last' } }, 400)
      const fields: Record<string, string> = {}
      for (const [name, value] of Object.entries(rest)) {
        if (typeof value !== 'string') return c.json({ error: { code: 'forbidden', message: `Invalid according to Policy: extra field "${name}"` } }, 403)
        fields[name] = value
      }
      const bytes = typeof file === 'string' ? Buffer.from(file, 'utf8') : Buffer.from(await file.arrayBuffer())
      try {
        await store.acceptSignedUpload(fields, bytes)
      } catch (error) {
        const answer = refused(error)
        return c.json({ error: { code: answer.code, message: answer.message } }, answer.status)
      }
      return c.body(null, 204)
    },
  )

  app.get('/blobs/:bucket/download', async (c) => {
    const store = storeOf(c.req.param('bucket'))
    if (!store) return c.json({ error: { code: 'not_found', message: 'no such bucket' } }, 404)
    try {
      const file = await store.openSignedDownload(c.req.query('grant') ?? '')
      return c.body(new Uint8Array(file.body), 200, {
        'Content-Type': file.contentType,
        'Content-Disposition': contentDisposition(file.fileName),
        'X-Content-Type-Options': 'nosniff',
        'Content-Security-Policy': "default-src 'none'; sandbox",
        'Cache-Control': 'private, no-store',
      })
    } catch (error) {
      const answer = refused(error)
      return c.json({ error: { code: answer.code, message: answer.message } }, answer.status)
    }
  })
}
