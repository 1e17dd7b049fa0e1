import { serve, type ServerType } from '@hono/node-server'
import { serveStatic } from '@hono/node-server/serve-static'
import { Hono } from 'hono'
import { existsSync } from 'node:fs'
import { join, relative } from 'node:path'
import type { ApiApp } from '../api/app.ts'

const placeholderPage = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Docket</title></head>
<body><h1>Docket</h1><p>The web client is not built. Run <code>npm run build:web</code>, or use the API under <a href="/api/openapi.json">/api</a>.</p></body></html>`

/** One HTTP server for the API and the web client (the local stand-in for API Gateway + CloudFront). */
export function createLocalHttpApp(api: ApiApp, webRoot: string): Hono {
  const app = new Hono()
  app.route('/', api)
  const built = existsSync(join(webRoot, 'index.html'))
  if (built) {
    const root = relative(process.cwd(), webRoot) || '.'
    app.use('/assets/*', serveStatic({ root, onFound: (_path, c) => c.header('Cache-Control', 'public, max-age=31536000, immutable') }))
    app.use('*', serveStatic({ root }))
    // SPA routing: every client route is served the client.
    app.get('*', serveStatic({ root, path: 'index.html' }))
  } else {
    app.get('*', (c) => c.html(placeholderPage))
  }
  return app
}

export async function startHttpServer(app: Hono, host: string, port: number): Promise<{ port: number; stop(): Promise<void> }> {
  let server: ServerType | undefined
  const boundPort = await new Promise<number>((resolve, reject) => {
    server = serve({ fetch: app.fetch, hostname: host, port }, (info) => resolve(info.port))
    server.once('error', reject)
  })
  return {
    port: boundPort,
    stop: () => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())),
  }
}
