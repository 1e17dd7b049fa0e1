import type { Context } from 'hono'

interface RuntimeEnv {
  /** hono/aws-lambda: the API Gateway event. */
  event?: { requestContext?: { http?: { sourceIp?: string }; identity?: { sourceIp?: string } } }
  /** @hono/node-server: the Node request. */
  incoming?: { socket?: { remoteAddress?: string } }
}

/**
 * The caller's address: shown in session lists, and the key of the login flood limits and the
 * lockout per address. Behind CloudFront, API Gateway sees CloudFront's address, so CloudFront's
 * own CloudFront-Viewer-Address header ("ip:port") comes first there (`behindCloudFront`, the AWS
 * runtime). Anywhere else a client could send that header itself and pick the address it is
 * counted under, so it is ignored and the socket's address is used.
 */
export function clientAddress(c: Context, behindCloudFront: boolean): string | null {
  const viewer = behindCloudFront ? c.req.header('cloudfront-viewer-address') : undefined
  if (viewer) return viewer.replace(/:\d+$/, '')
  const env = c.env as RuntimeEnv | undefined
  return env?.event?.requestContext?.http?.sourceIp ?? env?.event?.requestContext?.identity?.sourceIp ?? env?.incoming?.socket?.remoteAddress ?? null
}
