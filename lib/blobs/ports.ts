export interface BlobInfo {
  key: string
  size: number
  lastModified: Date
  /** As stored with the object (S3's Content-Type; locally the sidecar's), when known. */
  contentType?: string | undefined
  metadata: Record<string, string>
}

/**
 * A browser uploads one object straight to the store (an S3 presigned POST in AWS; locally a form
 * POST to the local server, HMAC-signed the same way): the request must carry exactly `fields`,
 * the file last, to `url`, before `expiresAt`. The store refuses another key, another content
 * type, other metadata and any size but `size`.
 */
export interface PresignedUpload {
  method: 'POST'
  /** Absolute in AWS (the bucket's endpoint); locally a path on the local server's origin. */
  url: string
  fields: Record<string, string>
  expiresAt: string
}

export interface UploadGrant {
  key: string
  contentType: string
  /** The exact size in bytes the upload must have. */
  size: number
  /** Stored with the object (S3 user metadata: ASCII). */
  metadata: Record<string, string>
  expiresInSeconds: number
}

export interface DownloadGrant {
  key: string
  /** Sent as Content-Disposition: attachment with this file name. */
  fileName: string
  /** Sent as the response's Content-Type (a safe one: the caller decides). */
  contentType: string
  expiresInSeconds: number
}

export interface PresignedDownload {
  url: string
  expiresAt: string
}

/** Raw mail, attachments and bodies: S3 in AWS, a folder locally. Keys are opaque and ours. */
export interface BlobStore {
  /** The bucket's name: part of an ingest's identity. */
  readonly bucket: string
  put(key: string, body: Buffer | string, options?: { contentType?: string; metadata?: Record<string, string> }): Promise<void>
  /** Throws a not_found DocketError when the blob does not exist. */
  get(key: string): Promise<Buffer>
  head(key: string): Promise<BlobInfo | undefined>
  delete(key: string): Promise<void>
  list(prefix: string): AsyncIterable<BlobInfo>
  /** A short-lived grant to upload one object (API Gateway and Lambda stop at 6 MB: big files never pass through them). */
  presignUpload(grant: UploadGrant): Promise<PresignedUpload>
  /** A short-lived URL to download one object as an attachment. */
  presignDownload(grant: DownloadGrant): Promise<PresignedDownload>
}
