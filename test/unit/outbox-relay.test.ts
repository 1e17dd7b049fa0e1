import { marshall } from '@aws-sdk/util-dynamodb'
import type { DynamoDBRecord } from 'aws-lambda'
import { describe, expect, it } from 'vitest'
import { outboundMessageFor } from '../../lib/mail/outbox-relay.ts'

const record = (eventName: 'INSERT' | 'MODIFY' | 'REMOVE', next?: object, previous?: object): DynamoDBRecord => ({
  eventName,
  dynamodb: {
    ...(next ? { NewImage: marshall(next, { removeUndefinedValues: true }) as never } : {}),
    ...(previous ? { OldImage: marshall(previous, { removeUndefinedValues: true }) as never } : {}),
  },
})
const article = (status: string, attempts = 0) => ({ entity: 'article', id: 'A1', ticketNumber: '2026112342000001', transmission: { status, attempts }, dynamicFields: {} })

describe('outbox relay (transactional outbox)', () => {
  it('queues a mail when it becomes queued, never for the sender\'s own bookkeeping', () => {
    expect(outboundMessageFor(record('INSERT', article('queued')))).toEqual({ kind: 'send-article', ticketNumber: '2026112342000001', articleId: 'A1' })
    expect(outboundMessageFor(record('MODIFY', article('queued', 1), article('queued', 0)))).toBeNull()
    expect(outboundMessageFor(record('MODIFY', article('sent', 1), article('queued', 1)))).toBeNull()
    expect(outboundMessageFor(record('MODIFY', article('queued', 2), article('failed', 2)))).toEqual(expect.objectContaining({ kind: 'send-article' }))
    expect(outboundMessageFor(record('INSERT', { entity: 'outbound-mail', id: 'M1', status: 'queued' }))).toEqual({ kind: 'send-mail', outboundMailId: 'M1' })
    expect(outboundMessageFor(record('INSERT', { entity: 'ticket', number: '1' }))).toBeNull()
    expect(outboundMessageFor(record('REMOVE', undefined, article('queued')))).toBeNull()
    expect(outboundMessageFor(record('INSERT', { entity: 'article', id: 'A2', transmission: null }))).toBeNull()
  })
})
