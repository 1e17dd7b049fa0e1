import { request } from 'node:http'

export interface HttpAnswer {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
  ms: number
}

/**
 * One HTTP request from a chosen local address (any of 127.0.0.0/8 reaches a server on
 * 127.0.0.1), so a test can play callers at different client addresses against the real server.
 */
export function httpFrom(localAddress: string, url: string, init: { method?: string; body?: unknown; token?: string } = {}): Promise<HttpAnswer> {
  const started = performance.now()
  const payload = init.body === undefined ? undefined : JSON.stringify(init.body)
  return new Promise((resolve, reject) => {
    const outgoing = request(
      url,
      {
        method: init.method ?? 'GET',
        localAddress,
        // A fresh connection per request: the address is the socket's.
        agent: false,
        headers: {
          ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
          ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
        },
      },
      (response) => {
        let body = ''
        response.setEncoding('utf8')
        response.on('data', (chunk: string) => (body += chunk))
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body, ms: performance.now() - started }))
        response.on('error', reject)
      },
    )
    outgoing.on('error', reject)
    outgoing.end(payload)
  })
}
