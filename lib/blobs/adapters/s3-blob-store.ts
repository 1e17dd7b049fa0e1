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
import { notFound } from '../../platform/errors.ts'
import type { BlobInfo, BlobStore } from '../ports.ts'

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
      return { key, size: result.ContentLength ?? 0, lastModified: result.LastModified ?? new Date(0), metadata: result.Metadata ?? {} }
    } catch (error) {
      if (error instanceof NotFound || (error as Error).name === 'NotFound') return undefined
      throw error
    }
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }))
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
