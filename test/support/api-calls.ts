/** A JSON caller for the API: the Hono app in process (app.request) or a real server (fetch), the same way. */
export interface ApiAnswer {
  status: number
  headers: Headers
  body: Record<string, unknown> & { error?: { code: string; message: string; field?: string } }
  text: string
}

export interface CallOptions {
  token?: string | undefined
  body?: unknown
  headers?: Record<string, string>
}

type Fetcher = (path: string, init: RequestInit) => Response | Promise<Response>

export function apiCaller(fetcher: Fetcher) {
  return async (method: string, path: string, options: CallOptions = {}): Promise<ApiAnswer> => {
    const response = await fetcher(path, {
      method,
      headers: { 'content-type': 'application/json', ...(options.token ? { authorization: `Bearer ${options.token}` } : {}), ...options.headers },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    })
    const text = await response.text()
    const json = text && response.headers.get('content-type')?.includes('json') ? (JSON.parse(text) as ApiAnswer['body']) : {}
    return { status: response.status, headers: response.headers, body: json, text }
  }
}

/** For a server on a base URL. */
export const httpCaller = (baseUrl: string) => apiCaller((path, init) => fetch(`${baseUrl}${path}`, init))

/**
 * Uploads a file as the web client does: an upload slot from the API, then a multipart POST of
 * the slot's fields and the file to the slot's URL (the local server's blob route, as S3 in AWS).
 * Returns the upload id to name in an article, or the refusal of the slot or of the upload.
 */
export async function uploadFile(
  fetcher: Fetcher,
  token: string,
  file: { name: string; contentType: string; content: Buffer },
  tamper: { size?: number; contentType?: string; fields?: Record<string, string> } = {},
): Promise<{ uploadId: string; slot: ApiAnswer; upload: Response | undefined }> {
  const slot = await apiCaller(fetcher)('POST', '/api/uploads', { token, body: { name: file.name, contentType: file.contentType, size: tamper.size ?? file.content.length } })
  if (slot.status !== 201) return { uploadId: '', slot, upload: undefined }
  const form = new FormData()
  for (const [name, value] of Object.entries({ ...(slot.body.fields as Record<string, string>), ...tamper.fields })) form.append(name, value)
  form.append('file', new Blob([new Uint8Array(file.content)], { type: tamper.contentType ?? file.contentType }), file.name)
  const upload = await fetcher(String(slot.body.url), { method: 'POST', body: form })
  return { uploadId: String(slot.body.uploadId), slot, upload }
}

/** Downloads an attachment as the web client does: the API's short-lived URL, then the file from it. */
export async function downloadAttachment(fetcher: Fetcher, token: string, path: string): Promise<{ link: ApiAnswer; file: Response }> {
  const link = await apiCaller(fetcher)('GET', path, { token })
  if (link.status !== 200) throw new Error(`no download URL for ${path}: ${link.status} ${link.text}`)
  return { link, file: await fetcher(String(link.body.url), { method: 'GET' }) }
}
