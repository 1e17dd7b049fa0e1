import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3'
import { createPresignedPost } from '@aws-sdk/s3-presigned-post'
import { getSignedUrl } from '@aws-sdk/s3-request-presigner'
import { contentDisposition } from '../content-disposition.ts'
import { notFound } from '../../platform/errors.ts'
import type { BlobInfo, BlobStore, DownloadGrant, PresignedDownload, PresignedUpload, UploadGrant } from '../ports.ts'

export class S3BlobStore implements BlobStore {
  readonly bucket: string
  private readonly client: S3Client

  constructor(client: S3Client, bucket: string) {
    this.client = client
    this.bucket = bucket
  }

  async put(key: string, body: Buffer | string, options: { contentType?: string; metadata?: Record<string, string> } = {}): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: body,
        ContentType: options.contentType ?? 'application/octet-stream',
        Metadata: options.metadata,
      }),
    )
  }

  async get(key: string): Promise<Buffer> {
    try {
      const result = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }))
      return Buffer.from(await result.Body!.transformToByteArray())
    } catch (error) {
      if (error instanceof NoSuchKey) throw notFound(`blob ${this.bucket}/${key}`)
      throw error
    }
  }

  async head(key: string): Promise<BlobInfo | undefined> {
    try {
      const result = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }))
      return { key, size: result.ContentLength ?? 0, lastModified: result.LastModified ?? new Date(0), contentType: result.ContentType, metadata: result.Metadata ?? {} }
    } catch (error) {
      if (error instanceof NotFound || (error as Error).name === 'NotFound') return undefined
      throw error
    }
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }))
  }

  /**
   * A presigned POST, not a presigned PUT: its policy makes S3 itself enforce the size
   * (`content-length-range`, here exactly the size the API checked), the Content-Type and the
   * metadata of the one key, condition by condition, whatever the client sends. A presigned PUT
   * enforces a size only if Content-Length is among the signed headers, which the SDK's presigner
   * does not do by default; the POST policy states every rule in one document a test can read.
   */
  async presignUpload(grant: UploadGrant): Promise<PresignedUpload> {
    const metadataFields = Object.fromEntries(Object.entries(grant.metadata).map(([name, value]) => [`x-amz-meta-${name}`, value]))
    const signedAt = Date.now()
    const post = await createPresignedPost(this.client, {
      Bucket: this.bucket,
      Key: grant.key,
      // Every field becomes an exact-match condition of the policy (key, Content-Type, metadata).
      Fields: { 'Content-Type': grant.contentType, ...metadataFields },
      Conditions: [['content-length-range', grant.size, grant.size]],
      Expires: grant.expiresInSeconds,
    })
    return { method: 'POST', url: post.url, fields: post.fields, expiresAt: new Date(signedAt + grant.expiresInSeconds * 1000).toISOString() }
  }

  /** A presigned GET that answers as a download of the file name, with the content type given (never the stored one). */
  async presignDownload(grant: DownloadGrant): Promise<PresignedDownload> {
    const signedAt = Date.now()
    const command = new GetObjectCommand({
      Bucket: this.bucket,
      Key: grant.key,
      ResponseContentDisposition: contentDisposition(grant.fileName),
      ResponseContentType: grant.contentType,
    })
    const url = await getSignedUrl(this.client, command, { expiresIn: grant.expiresInSeconds })
    return { url, expiresAt: new Date(signedAt + grant.expiresInSeconds * 1000).toISOString() }
  }

  async *list(prefix: string): AsyncIterable<BlobInfo> {
    let token: string | undefined
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }))
      for (const object of page.Contents ?? []) {
        yield { key: object.Key!, size: object.Size ?? 0, lastModified: object.LastModified ?? new Date(0), metadata: {} }
      }
      token = page.NextContinuationToken
    } while (token)
  }
}
