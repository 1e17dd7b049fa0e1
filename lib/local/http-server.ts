import { serve, type ServerType } from '@hono/node-server'
import { Hono, type Context } from 'hono'
import { existsSync } from 'node:fs'
import { readFile, stat } from 'node:fs/promises'
import { extname, join, resolve, sep } from 'node:path'
import type { ApiApp } from '../api/app.ts'
import type { FsBlobStore } from '../blobs/adapters/fs-blob-store.ts'
import { registerBlobRoutes } from './blob-routes.ts'

const placeholderPage = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Docket</title></head>
<body><h1>Docket</h1><p>The web client is not built. Run <code>npm run build:web</code>, or use the API under <a href="/api/openapi.json">/api</a>.</p></body></html>`

/**
 * The web client's Content-Security-Policy. No inline script anywhere. Customer HTML is shown
 * only in a sandboxed srcdoc iframe (no scripts, opaque origin) that carries its own, stricter
 * CSP; a srcdoc document also inherits this one, so this policy must allow what that frame may
 * load: inline styles of the mail, and remote images once the agent asked for them (the frame's
 * own policy allows only data: images until then). The client itself renders no customer markup.
 */
export const webClientContentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob: https: http:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "frame-src 'self' about: blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ')

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
}

const securityHeaders = {
  'Content-Security-Policy': webClientContentSecurityPolicy,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'strict-origin-when-cross-origin',
}

/**
 * Serves the built client from `webRoot`: files with their content types; hashed files under
 * /assets/ cached for a year (their names change with their content); index.html never cached,
 * and returned for every other GET that is not /api (client-side routes such as /tickets/…).
 */
function serveClient(webRoot: string) {
  const root = resolve(webRoot)
  const indexFile = join(root, 'index.html')
  return async (c: Context) => {
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') return c.text('Method Not Allowed', 405)
    let path: string
    try {
      path = decodeURIComponent(new URL(c.req.url).pathname)
    } catch {
      return c.text('Bad Request', 400)
    }
    const candidate = resolve(root, `.${path}`)
    const inside = candidate === root || candidate.startsWith(root + sep)
    let file = indexFile
    if (inside && candidate !== root && extname(candidate) !== '') {
      const found = await stat(candidate).catch(() => undefined)
      if (found?.isFile()) file = candidate
      // A missing asset is a 404, not the client: a stale chunk must fail loudly, not parse HTML as JS.
      else if (path.startsWith('/assets/')) return c.text('Not Found', 404, securityHeaders)
    }
    const body = await readFile(file)
    const immutable = file !== indexFile && path.startsWith('/assets/')
    return c.body(new Uint8Array(body), 200, {
      ...securityHeaders,
      'Content-Type': contentTypes[extname(file)] ?? 'application/octet-stream',
      'Cache-Control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    })
  }
}

/**
 * One HTTP server for the API, the web client and the blob store's presigned URLs (the local
 * stand-in for API Gateway + CloudFront + S3).
 */
export function createLocalHttpApp(api: ApiApp, webRoot: string, blobStores: FsBlobStore[] = []): Hono {
  const app = new Hono()
  registerBlobRoutes(app, blobStores)
  app.route('/', api)
  // Unknown /api paths answer as the API does (JSON 404), never with the client's page.
  app.all('/api/*', (c) => c.json({ error: { code: 'not_found', message: `no API route ${c.req.method} ${c.req.path}` } }, 404))
  if (existsSync(join(webRoot, 'index.html'))) app.all('*', serveClient(webRoot))
  else app.get('*', (c) => c.html(placeholderPage))
  return app
}

export async function startHttpServer(app: Hono, host: string, port: number): Promise<{ port: number; stop(graceMs?: number): Promise<void> }> {
  let server: ServerType | undefined
  const boundPort = await new Promise<number>((resolve, reject) => {
    server = serve({ fetch: app.fetch, hostname: host, port }, (info) => resolve(info.port))
    server.once('error', reject)
  })
  return {
    port: boundPort,
    // Idle keep-alive connections close at once; requests still running get `graceMs` to finish, then are cut.
    stop: (graceMs = 2000) =>
      new Promise<void>((resolve) => {
        if (!server) return resolve()
        const open = server
        open.close(() => resolve())
        if ('closeAllConnections' in open) setTimeout(() => open.closeAllConnections(), graceMs).unref()
      }),
  }
}
