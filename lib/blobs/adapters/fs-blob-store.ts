import { mkdir, open, readFile, readdir, rename, rm, stat } from 'node:fs/promises'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { randomUUID } from 'node:crypto'
import { notFound } from '../../platform/errors.ts'
import type { BlobInfo, BlobStore } from '../ports.ts'

/**
 * Local blob store: one folder per bucket, objects under `objects/`, metadata beside them under
 * `meta/`. Writes are atomic (temp file + rename) and fsynced: raw mail must be on disk before the
 * SMTP server says 250.
 */
export class FsBlobStore implements BlobStore {
  readonly bucket: string
  private readonly root: string

  constructor(root: string, bucket: string) {
    this.bucket = bucket
    this.root = resolve(root, bucket)
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
      const meta = await readFile(this.metaPath(key), 'utf8').then((text) => JSON.parse(text) as { metadata?: Record<string, string> }, () => ({ metadata: {} }))
      return { key, size: info.size, lastModified: info.mtime, metadata: meta.metadata ?? {} }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw error
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.objectPath(key), { force: true })
    await rm(this.metaPath(key), { force: true })
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
