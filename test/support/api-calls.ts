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
