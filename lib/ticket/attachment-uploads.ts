import { randomBytes } from 'node:crypto'
import type { AgentIdentity } from '../auth/auth-service.ts'
import type { BlobStore, PresignedDownload, PresignedUpload } from '../blobs/ports.ts'
import type { DocketConfig } from '../platform/config.ts'
import { invalidRequest } from '../platform/errors.ts'
import type { UploadedAttachment } from './agent-article.ts'

/**
 * Agents' files never pass through the API (API Gateway and Lambda stop at 6 MB, ~4.4 MB of
 * base64): the agent asks for an upload slot, uploads the file straight to the blob store with
 * the presigned POST it gets, and names the upload's id when sending the article. The slot binds
 * the object's key, size, content type, uploader and file name; the store refuses anything else.
 * An upload is used once: the article keeps its own copy and the upload is deleted (abandoned
 * uploads expire by the bucket's lifecycle rule in AWS).
 */
export interface AttachmentUploadDeps {
  config: DocketConfig
  attachments: BlobStore
}

/** How long an upload slot and a download URL stay valid. */
export const uploadSlotSeconds = 15 * 60
export const downloadUrlSeconds = 60

const uploadPrefix = 'uploads/'
export const uploadKey = (uploadId: string) => `${uploadPrefix}${uploadId}`
/** 144 random bits, base64url: not guessable, and safe in a key and a URL. */
const newUploadId = () => randomBytes(18).toString('base64url')
export const uploadIdPattern = /^[A-Za-z0-9_-]{24}$/

export interface UploadSlotRequest {
  name: string
  contentType: string
  size: number
}

export interface UploadSlot extends PresignedUpload {
  uploadId: string
}

export async function createUploadSlot(deps: AttachmentUploadDeps, identity: AgentIdentity, request: UploadSlotRequest): Promise<UploadSlot> {
  const { maxFileBytes } = deps.config.attachments
  if (request.size > maxFileBytes) throw invalidRequest(`a file may have ${formatMiB(maxFileBytes)}; this one has ${formatMiB(request.size)}`, 'body.size')
  const uploadId = newUploadId()
  const upload = await deps.attachments.presignUpload({
    key: uploadKey(uploadId),
    contentType: request.contentType,
    size: request.size,
    // S3 user metadata is ASCII: the name goes percent-encoded.
    metadata: { 'uploaded-by': identity.login, 'file-name': encodeURIComponent(request.name) },
    expiresInSeconds: uploadSlotSeconds,
  })
  return { uploadId, ...upload }
}

/**
 * The files of uploads the agent made, for an article: each must exist, be this agent's, and
 * all together stay within the article limit. Someone else's upload answers as a missing one.
 */
export async function takeUploads(deps: AttachmentUploadDeps, identity: AgentIdentity, uploadIds: string[], field = 'body.attachments'): Promise<UploadedAttachment[]> {
  if (new Set(uploadIds).size !== uploadIds.length) throw invalidRequest('an upload is named twice', field)
  const infos = await Promise.all(
    uploadIds.map(async (uploadId) => {
      const info = uploadIdPattern.test(uploadId) ? await deps.attachments.head(uploadKey(uploadId)) : undefined
      if (!info || info.metadata['uploaded-by'] !== identity.login) {
        throw invalidRequest(`there is no upload ${uploadId}: it was not uploaded yet, was used already, or its slot expired; ask for a new one (POST /api/uploads)`, field)
      }
      return { uploadId, info }
    }),
  )
  const total = infos.reduce((sum, { info }) => sum + info.size, 0)
  const { maxFileBytes, maxArticleBytes } = deps.config.attachments
  const tooBig = infos.find(({ info }) => info.size > maxFileBytes)
  if (tooBig) throw invalidRequest(`a file may have ${formatMiB(maxFileBytes)}; upload ${tooBig.uploadId} has ${formatMiB(tooBig.info.size)}`, field)
  if (total > maxArticleBytes) throw invalidRequest(`attachments may have ${formatMiB(maxArticleBytes)} together; these have ${formatMiB(total)}`, field)
  return Promise.all(
    infos.map(async ({ uploadId, info }) => ({
      name: decodeFileName(info.metadata['file-name'], uploadId),
      contentType: info.contentType ?? 'application/octet-stream',
      content: await deps.attachments.get(uploadKey(uploadId)),
    })),
  )
}

/** After the article is stored: the uploads are used up. */
export async function discardUploads(deps: AttachmentUploadDeps, uploadIds: string[]): Promise<void> {
  await Promise.all(uploadIds.map((uploadId) => deps.attachments.delete(uploadKey(uploadId))))
}

/**
 * A download URL of a stored attachment, valid for a minute: always a download with the file's
 * name, and always application/octet-stream, so no file (an HTML attachment above all) is ever
 * rendered by a browser, in our origin or the bucket's.
 */
export function attachmentDownloadUrl(deps: Pick<AttachmentUploadDeps, 'attachments'>, attachment: { blobKey: string; name: string }): Promise<PresignedDownload> {
  return deps.attachments.presignDownload({ key: attachment.blobKey, fileName: attachment.name, contentType: 'application/octet-stream', expiresInSeconds: downloadUrlSeconds })
}

function decodeFileName(encoded: string | undefined, uploadId: string): string {
  try {
    return encoded ? decodeURIComponent(encoded) : uploadId
  } catch {
    return uploadId
  }
}

const formatMiB = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`
