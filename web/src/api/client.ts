/**
 * The one way the client talks to the API: JSON over fetch with the session's bearer token.
 * Any 401 outside the login call ends the session (the token expired or was revoked): the app
 * shows the login form with a message and returns to the same route afterwards.
 */
const sessionKey = 'docket.session'

export interface Session {
  token: string
  expiresAt: string
  /** The agent's role requires TOTP and they have none: this session may only enrol. */
  totpEnrolmentRequired?: boolean
}

export class ApiError extends Error {
  readonly status: number
  readonly code: string
  readonly field: string | undefined
  constructor(status: number, code: string, message: string, field?: string) {
    super(message)
    this.status = status
    this.code = code
    this.field = field
  }
}

let session: Session | null = readSession()
const expiryListeners = new Set<() => void>()

function readSession(): Session | null {
  try {
    const stored = JSON.parse(sessionStorage.getItem(sessionKey) ?? 'null') as Session | null
    if (stored && typeof stored.token === 'string' && Date.parse(stored.expiresAt) > Date.now()) return stored
  } catch {
    // a broken entry is no session
  }
  return null
}

export function currentSession(): Session | null {
  return session
}

export function setSession(next: Session | null): void {
  session = next
  if (next) sessionStorage.setItem(sessionKey, JSON.stringify(next))
  else sessionStorage.removeItem(sessionKey)
}

/** Called when the API refuses the token (401): the session is over. */
export function onSessionExpired(listener: () => void): () => void {
  expiryListeners.add(listener)
  return () => expiryListeners.delete(listener)
}

function expire(): void {
  if (!session) return
  setSession(null)
  for (const listener of expiryListeners) listener()
}

async function errorOf(response: Response): Promise<ApiError> {
  let code = `http_${response.status}`
  let message = response.statusText || `HTTP ${response.status}`
  let field: string | undefined
  try {
    const body = (await response.json()) as { error?: { code?: string; message?: string; field?: string } }
    if (body.error) {
      code = body.error.code ?? code
      message = body.error.message ?? message
      field = body.error.field
    }
  } catch {
    // not JSON: keep the status text
  }
  return new ApiError(response.status, code, message, field)
}

type Query = Record<string, string | number | boolean | undefined | null>

export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== null && value !== '') params.set(key, String(value))
  const text = params.toString()
  return text ? `${path}?${text}` : path
}

export async function request(method: string, path: string, options: { body?: unknown; signal?: AbortSignal; auth?: boolean } = {}): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json' }
  if (options.body !== undefined) headers['content-type'] = 'application/json'
  if (options.auth !== false && session) headers.authorization = `Bearer ${session.token}`
  const response = await fetch(path, {
    method,
    headers,
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    credentials: 'omit',
    cache: 'no-store',
  })
  if (response.status === 401 && options.auth !== false) {
    const error = await errorOf(response)
    expire()
    throw error
  }
  if (!response.ok) throw await errorOf(response)
  return response
}

export async function api<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const response = await request(method, path, { ...(body !== undefined ? { body } : {}), ...(signal ? { signal } : {}) })
  if (response.status === 204) return undefined as T
  return (await response.json()) as T
}

export const get = <T>(path: string, query?: Query, signal?: AbortSignal) => api<T>('GET', withQuery(path, query), undefined, signal)

/**
 * Reads started before the screen that needs them has loaded (its code is a separate chunk): at
 * start-up the client asks for the data of the route it opens while it fetches the route's code,
 * instead of one after the other. A screen takes a prefetched answer once, else asks itself.
 */
const prefetched = new Map<string, Promise<unknown>>()

export function prefetch(path: string, query?: Query): void {
  const url = withQuery(path, query)
  if (prefetched.has(url)) return
  const pending = api<unknown>('GET', url)
  pending.catch(() => undefined)
  prefetched.set(url, pending)
}

export function getPrefetched<T>(path: string, query?: Query, signal?: AbortSignal): Promise<T> {
  const url = withQuery(path, query)
  const pending = prefetched.get(url)
  if (pending) {
    prefetched.delete(url)
    return pending as Promise<T>
  }
  return api<T>('GET', url, undefined, signal)
}

/** POST /api/auth/login; with `totp` when the account asks for a second factor (401 totp_required). */
export async function login(loginName: string, password: string, totp?: string): Promise<Session> {
  const response = await request('POST', '/api/auth/login', { body: { login: loginName, password, ...(totp ? { totp } : {}) }, auth: false })
  const created = (await response.json()) as Session
  setSession(created)
  return created
}

export async function logout(): Promise<void> {
  try {
    if (session) await request('POST', '/api/auth/logout')
  } finally {
    setSession(null)
  }
}

/**
 * Downloads an attachment: the API answers with a short-lived URL of the file in the blob store
 * (S3 in AWS; the API's own origin locally), which answers as a download with the file's name.
 * The file never passes through the API (it stops at 6 MB in AWS), nor through a blob URL in memory.
 */
export async function download(path: string, fileName: string): Promise<void> {
  const { url } = await api<{ url: string }>('GET', path)
  const anchor = document.createElement('a')
  anchor.href = url
  anchor.download = fileName
  anchor.rel = 'noopener'
  document.body.append(anchor)
  anchor.click()
  anchor.remove()
}

/** A file the blob store refused (expired slot, changed file): the message names it. */
export class UploadError extends Error {
  readonly fileName: string
  readonly status: number
  constructor(fileName: string, status: number) {
    super(`upload of ${fileName} failed (HTTP ${status})`)
    this.fileName = fileName
    this.status = status
  }
}

interface UploadSlot {
  uploadId: string
  url: string
  fields: Record<string, string>
}

const mediaType = /^[\w!#$&^.+-]+\/[\w!#$&^.+-]+$/

/**
 * Uploads files straight to the blob store, one upload slot of the API each (an S3 presigned
 * POST in AWS): the slot's fields, then the file last. Returns the upload ids to name in the article.
 */
export async function uploadFiles(files: File[]): Promise<{ uploadId: string }[]> {
  const uploaded: { uploadId: string }[] = []
  for (const file of files) {
    const contentType = mediaType.test(file.type) ? file.type : 'application/octet-stream'
    const slot = await api<UploadSlot>('POST', '/api/uploads', { name: file.name, contentType, size: file.size })
    const form = new FormData()
    for (const [name, value] of Object.entries(slot.fields)) form.append(name, value)
    form.append('file', file)
    const response = await fetch(slot.url, { method: 'POST', body: form, credentials: 'omit', cache: 'no-store' })
    if (!response.ok) throw new UploadError(file.name, response.status)
    uploaded.push({ uploadId: slot.uploadId })
  }
  return uploaded
}

export async function getText(path: string): Promise<string> {
  return (await request('GET', path)).text()
}

export const ticketPath = (number: string) => `/api/tickets/${encodeURIComponent(number)}`
