export interface BlobInfo {
  key: string
  size: number
  lastModified: Date
  metadata: Record<string, string>
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
}
