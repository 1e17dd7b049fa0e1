import { rm } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { startLocalRuntime } from '../../lib/local/start-local.ts'
import { createLogger } from '../../lib/platform/logger.ts'
import { apiLogin, demoPassword, mail, sendMail, testSettings, waitFor } from '../support/local-stack.ts'

describe('restart', () => {
  it('data survives a restart (DynamoDB Local on disk in the data dir)', async () => {
    // No endpoint: the runtime starts its own DynamoDB Local on disk, as `npm start` does.
    const settings = await testSettings({ dynamodbEndpoint: undefined })
    const logger = createLogger('ERROR')
    const first = await startLocalRuntime(settings, { logger, writeRuntimeFile: false })
    let number: string
    try {
      await sendMail(first.smtpPort, mail({ subject: 'remember me' }), { from: 'ann@customer.example', to: ['support@example.com'] })
      const token = await apiLogin(first.httpUrl)
      number = await waitFor(async () => {
        const body = (await (await fetch(`${first.httpUrl}/api/tickets?queue=Support`, { headers: { authorization: `Bearer ${token}` } })).json()) as { items: { number: string }[] }
        return body.items[0]?.number
      }, 'the ticket')
    } finally {
      await first.stop()
    }
    // A different demo password on the second start must not change the first one.
    const second = await startLocalRuntime({ ...settings, demoPassword: 'Another-Password-2!' }, { logger, writeRuntimeFile: false })
    try {
      expect(second.provisioned).toEqual([])
      const token = await apiLogin(second.httpUrl, 'admin', demoPassword)
      const detail = (await (await fetch(`${second.httpUrl}/api/tickets/${number}`, { headers: { authorization: `Bearer ${token}` } })).json()) as { title: string; articles: unknown[] }
      expect(detail.title).toBe('remember me')
      // The customer's mail and the Support queue's auto response.
      expect(detail.articles).toHaveLength(2)
    } finally {
      await second.stop()
      await rm(settings.dataDir, { recursive: true, force: true })
    }
  }, 120_000)
})
