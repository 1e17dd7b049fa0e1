import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { originVerifyHeader, requireCloudFrontOrigin } from '../../lib/api/origin-verify.ts'

const secret = 'x'.repeat(48)

function app(expected: string | undefined) {
  const hono = new Hono()
  hono.use('*', requireCloudFrontOrigin(expected))
  hono.get('/api/health', (c) => c.json({ status: 'ok' }))
  return hono
}

describe('the API answers only requests CloudFront forwarded (issue 15.9)', () => {
  it('refuses a direct call (no header, or a wrong one) with 403', async () => {
    expect((await app(secret).request('/api/health')).status).toBe(403)
    expect((await app(secret).request('/api/health', { headers: { [originVerifyHeader]: 'y'.repeat(48) } })).status).toBe(403)
    expect((await app(secret).request('/api/health', { headers: { [originVerifyHeader]: 'short' } })).status).toBe(403)
    expect(await (await app(secret).request('/api/health')).json()).toMatchObject({ error: { code: 'forbidden' } })
  })

  it('answers what carries CloudFront’s header', async () => {
    expect((await app(secret).request('/api/health', { headers: { [originVerifyHeader]: secret } })).status).toBe(200)
  })

  it('checks nothing where no value is set (the local runtime)', async () => {
    expect((await app(undefined).request('/api/health')).status).toBe(200)
  })
})
