import type { Context } from 'hono'

interface RuntimeEnv {
  /** hono/aws-lambda: the API Gateway event. */
  event?: { requestContext?: { http?: { sourceIp?: string }; identity?: { sourceIp?: string } } }
  /** @hono/node-server: the Node request. */
  incoming?: { socket?: { remoteAddress?: string } }
}

/**
 * The caller's address, shown in session lists (never used for a security decision). Behind
 * CloudFront, API Gateway sees CloudFront's address, so CloudFront's own CloudFront-Viewer-Address
 * header ("ip:port") comes first when the distribution forwards it.
 */
export function clientAddress(c: Context): string | null {
  const viewer = c.req.header('cloudfront-viewer-address')
  if (viewer) return viewer.replace(/:\d+$/, '')
  const env = c.env as RuntimeEnv | undefined
  return env?.event?.requestContext?.http?.sourceIp ?? env?.event?.requestContext?.identity?.sourceIp ?? env?.incoming?.socket?.remoteAddress ?? null
}
