import { mkdir, open, readFile, readdir, rename, rm, stat } from 'node:fs/promises'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { randomUUID } from 'node:crypto'
import { notFound } from '../../platform/errors.ts'
import { BlobUrlRefused, localBlobPath, type LocalUrlSigner } from '../local-url-signer.ts'
import type { BlobInfo, BlobStore, DownloadGrant, PresignedDownload, PresignedUpload, UploadGrant } from '../ports.ts'

/**
 * Local blob store: one folder per bucket, objects under `objects/`, metadata beside them under
 * `meta/`. Writes are atomic (temp file + rename) and fsynced: raw mail must be on disk before the
 * SMTP server says 250. Presigned URLs point at the local server's blob routes, signed by `signer`.
 */
export class FsBlobStore implements BlobStore {
  readonly bucket: string
  private readonly root: string
  private readonly signer: LocalUrlSigner | undefined

  constructor(root: string, bucket: string, signer?: LocalUrlSigner) {
    this.bucket = bucket
    this.root = resolve(root, bucket)
    this.signer = signer
  }

  private objectPath(key: string): string {
    const path = resolve(this.root, 'objects', key)
    if (!path.startsWith(resolve(this.root, 'objects') + sep) || key.includes('\0')) {
      throw new Error(`blob key "${key}" leaves the store`)
    }
    return path
  }

  private metaPath(key: string): string {
    return join(this.root, 'meta', relative(join(this.root, 'objects'), this.objectPath(key)) + '.json')
  }

  async put(key: string, body: Buffer | string, options: { contentType?: string; metadata?: Record<string, string> } = {}): Promise<void> {
    await writeDurably(this.objectPath(key), body)
    // Metadata (the envelope of a raw mail) gets a sidecar file; most blobs have none and save the fsync.
    if (options.metadata && Object.keys(options.metadata).length > 0) {
      await writeDurably(this.metaPath(key), JSON.stringify({ contentType: options.contentType ?? 'application/octet-stream', metadata: options.metadata }))
    }
  }

  async get(key: string): Promise<Buffer> {
    try {
      return await readFile(this.objectPath(key))
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw notFound(`blob ${this.bucket}/${key}`)
      throw error
    }
  }

  async head(key: string): Promise<BlobInfo | undefined> {
    try {
      const info = await stat(this.objectPath(key))
      const meta = await readFile(this.metaPath(key), 'utf8').then(
        (text) => JSON.parse(text) as { contentType?: string; metadata?: Record<string, string> },
        () => ({ contentType: undefined, metadata: {} }),
      )
      return { key, size: info.size, lastModified: info.mtime, contentType: meta.contentType, metadata: meta.metadata ?? {} }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw error
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.objectPath(key), { force: true })
    await rm(this.metaPath(key), { force: true })
  }

  async presignUpload(grant: UploadGrant): Promise<PresignedUpload> {
    const signer = this.requireSigner()
    const expires = signer.expiresIn(grant.expiresInSeconds)
    const token = await signer.sign({ op: 'upload', bucket: this.bucket, key: grant.key, contentType: grant.contentType, size: grant.size, metadata: grant.metadata, expires })
    const metadataFields = Object.fromEntries(Object.entries(grant.metadata).map(([name, value]) => [`x-amz-meta-${name}`, value]))
    return {
      method: 'POST',
      url: localBlobPath(this.bucket, 'upload'),
      fields: { key: grant.key, 'Content-Type': grant.contentType, ...metadataFields, grant: token },
      expiresAt: new Date(expires * 1000).toISOString(),
    }
  }

  async presignDownload(grant: DownloadGrant): Promise<PresignedDownload> {
    const signer = this.requireSigner()
    const expires = signer.expiresIn(grant.expiresInSeconds)
    const token = await signer.sign({ op: 'download', bucket: this.bucket, key: grant.key, contentType: grant.contentType, fileName: grant.fileName, expires })
    return { url: `${localBlobPath(this.bucket, 'download')}?grant=${token}`, expiresAt: new Date(expires * 1000).toISOString() }
  }

  /**
   * The local server's side of a presigned POST (lib/local/blob-routes.ts), checked as S3 checks
   * its policy: a valid unexpired grant for an upload here, exactly the fields it names (key,
   * Content-Type, metadata) and no others, and a file of exactly the size granted.
   */
  async acceptSignedUpload(fields: Record<string, string>, file: Buffer): Promise<void> {
    const token = fields.grant ?? ''
    const grant = await this.requireSigner().verify(token, { op: 'upload', bucket: this.bucket })
    const metadata = grant.metadata ?? {}
    const expected: Record<string, string> = { key: grant.key, 'Content-Type': grant.contentType, grant: token }
    for (const [name, value] of Object.entries(metadata)) expected[`x-amz-meta-${name}`] = value
    for (const name of new Set([...Object.keys(expected), ...Object.keys(fields)])) {
      if (fields[name] !== expected[name]) throw new BlobUrlRefused(`Invalid according to Policy: ${name in expected ? `field "${name}" must be "${expected[name]}"` : `extra field "${name}"`}`)
    }
    if (file.length !== grant.size) throw new BlobUrlRefused(`the file must have ${grant.size} bytes; it has ${file.length}`, 400)
    await this.put(grant.key, file, { contentType: grant.contentType, metadata })
  }

  /** The local server's side of a presigned GET: the file, and how to answer with it. */
  async openSignedDownload(token: string): Promise<{ body: Buffer; contentType: string; fileName: string }> {
    const grant = await this.requireSigner().verify(token, { op: 'download', bucket: this.bucket })
    return { body: await this.get(grant.key), contentType: grant.contentType, fileName: grant.fileName ?? grant.key }
  }

  private requireSigner(): LocalUrlSigner {
    if (!this.signer) throw new Error(`blob store ${this.bucket} has no URL signer: presigned URLs need the local server (lib/runtime/dependencies.ts)`)
    return this.signer
  }

  async *list(prefix: string): AsyncIterable<BlobInfo> {
    const objects = join(this.root, 'objects')
    const walk = async function* (dir: string): AsyncIterable<string> {
      const entries = await readdir(dir, { withFileTypes: true }).catch(() => [])
      for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
        const path = join(dir, entry.name)
        if (entry.isDirectory()) yield* walk(path)
        else if (!entry.name.includes('.tmp-')) yield relative(objects, path).split(sep).join('/')
      }
    }
    for await (const key of walk(objects)) {
      if (!key.startsWith(prefix)) continue
      const info = await this.head(key)
      if (info) yield info
    }
  }
}

async function writeDurably(path: string, body: Buffer | string): Promise<void> {
  await mkdir(dirname(path), { recursive: true })
  const temp = `${path}.tmp-${randomUUID()}`
  const handle = await open(temp, 'w')
  try {
    await handle.writeFile(body)
    await handle.sync()
  } finally {
    await handle.close()
  }
  await rename(temp, path)
}
