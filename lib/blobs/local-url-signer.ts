import { createHmac, timingSafeEqual } from 'node:crypto'
import { systemClock, type Clock } from '../platform/clock.ts'

/**
 * The local stand-in for S3's request signing: the local server hands out and checks its own
 * short-lived URLs, so the API answers in the same shape as in AWS (an upload slot, a download
 * URL). A grant names one operation on one object of one bucket, with what S3's policy would
 * hold (content type, exact size and metadata for an upload; the file name and the response's
 * content type for a download), and expires. It is HMAC-SHA256-signed with a key of the data dir;
 * any change to a byte of it, or a grant used for another object or operation, is refused.
 */
export interface LocalBlobGrant {
  op: 'upload' | 'download'
  bucket: string
  key: string
  contentType: string
  /** Upload: the exact size in bytes. */
  size?: number
  /** Upload: the object's metadata, sent as `x-amz-meta-*` form fields (as to S3). */
  metadata?: Record<string, string>
  /** Download: the Content-Disposition file name. */
  fileName?: string
  /** Seconds since the epoch. */
  expires: number
}

/** Why a signed URL was refused: 403 (or 400 for a wrong size, as S3's EntityTooLarge/Small). */
export class BlobUrlRefused extends Error {
  readonly status: 400 | 403
  constructor(message: string, status: 400 | 403 = 403) {
    super(message)
    this.name = 'BlobUrlRefused'
    this.status = status
  }
}

export class LocalUrlSigner {
  private readonly key: () => Promise<Uint8Array>
  private readonly clock: Clock

  constructor(key: () => Promise<Uint8Array>, clock: Clock = systemClock) {
    this.key = key
    this.clock = clock
  }

  /** Seconds since the epoch, `seconds` from now. */
  expiresIn(seconds: number): number {
    return Math.floor(this.clock.now().getTime() / 1000) + seconds
  }

  /** `<payload>.<signature>`, both base64url: what the local URLs carry. */
  async sign(grant: LocalBlobGrant): Promise<string> {
    const payload = Buffer.from(JSON.stringify(grant), 'utf8').toString('base64url')
    return `${payload}.${await this.mac(payload)}`
  }

  /** The grant, if the token is intact, unexpired and for this operation on this bucket; else throws BlobUrlRefused. */
  async verify(token: string, expected: { op: LocalBlobGrant['op']; bucket: string }): Promise<LocalBlobGrant> {
    const [payload, signature, extra] = token.split('.')
    if (!payload || !signature || extra !== undefined) throw new BlobUrlRefused('the URL is not signed')
    const wanted = Buffer.from(await this.mac(payload), 'base64url')
    const given = Buffer.from(signature, 'base64url')
    if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) throw new BlobUrlRefused('the signature does not match')
    let grant: LocalBlobGrant
    try {
      grant = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as LocalBlobGrant
    } catch {
      throw new BlobUrlRefused('the URL is not signed')
    }
    if (grant.op !== expected.op || grant.bucket !== expected.bucket) throw new BlobUrlRefused(`the URL grants no ${expected.op} in ${expected.bucket}`)
    if (!(grant.expires * 1000 > this.clock.now().getTime())) throw new BlobUrlRefused('the URL has expired')
    return grant
  }

  private async mac(payload: string): Promise<string> {
    return createHmac('sha256', await this.key())
      .update(`docket-blob-url\0${payload}`)
      .digest('base64url')
  }
}

/** The path of the local server's blob routes (lib/local/blob-routes.ts). */
export const localBlobPath = (bucket: string, op: LocalBlobGrant['op']) => `/blobs/${encodeURIComponent(bucket)}/${op}`
