import { SMTPServer, type SMTPServerAddress, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server'
import type { BlobStore } from '../blobs/ports.ts'
import { envelopeRecipientsMetadata } from '../mail/ingest-mail.ts'
import type { DocketConfig } from '../platform/config.ts'
import { newId } from '../platform/ids.ts'
import type { DocketLogger } from '../platform/logger.ts'
import type { FsWorkQueue } from '../queue/adapters/fs-work-queue.ts'
import { s3ObjectCreatedNotification } from './aws-events.ts'

/**
 * The local stand-in for SES receiving: a real SMTP server. Like SES → S3 → SQS, it stores the
 * raw mail first (fsynced), then queues the "object created" notification, and only then answers
 * 250, so an accepted mail is never lost. Unknown recipients get 550, oversize mail 552.
 */
export interface SmtpInboundOptions {
  host: string
  port: number
  config: DocketConfig
  rawMail: BlobStore
  inbound: FsWorkQueue<unknown>
  logger: DocketLogger
}

/** Raw mail keys are dated, so an operator can replay a day (`docket mail replay --from … --to …`). */
export function rawMailKey(at: Date, id = newId(at)): string {
  const day = at.toISOString().slice(0, 10).replace(/-/g, '/')
  return `raw/${day}/${id}.eml`
}

export function acceptsRecipient(config: DocketConfig, address: string): boolean {
  const lower = address.toLowerCase()
  if (config.mail.addresses.some((candidate) => candidate.address.toLowerCase() === lower)) return true
  const domain = lower.split('@')[1]
  return domain !== undefined && config.mail.catchAllDomains.some((candidate) => candidate.toLowerCase() === domain)
}

/** Stores one raw mail and queues its notification: the shared path of SMTP and `docket mail ingest`. */
export async function storeRawMail(rawMail: BlobStore, raw: Buffer, envelope: { sender?: string; recipients: string[] }, at = new Date()): Promise<string> {
  const key = rawMailKey(at)
  await rawMail.put(key, raw, {
    contentType: 'message/rfc822',
    metadata: { [envelopeRecipientsMetadata]: envelope.recipients.join(','), 'envelope-sender': envelope.sender ?? '' },
  })
  return key
}

export async function startSmtpServer(options: SmtpInboundOptions): Promise<{ port: number; stop(): Promise<void> }> {
  const { config, logger } = options
  const server = new SMTPServer({
    name: config.system.fqdn,
    banner: 'Docket local mail intake',
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    size: config.mail.maxMessageBytes,
    logger: false,
    onRcptTo(address: SMTPServerAddress, _session: SMTPServerSession, callback: (error?: Error | null) => void) {
      if (acceptsRecipient(config, address.address)) return callback()
      const error = new Error(`5.1.1 <${address.address}>: no such mailbox here`) as Error & { responseCode: number }
      error.responseCode = 550
      callback(error)
    },
    onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback: (error?: Error | null) => void) {
      const chunks: Buffer[] = []
      stream.on('data', (chunk: Buffer) => chunks.push(chunk))
      stream.on('error', (error) => callback(error))
      stream.on('end', () => {
        if (stream.sizeExceeded) {
          const error = new Error(`5.3.4 message too big; the limit is ${config.mail.maxMessageBytes} bytes`) as Error & { responseCode: number }
          error.responseCode = 552
          return callback(error)
        }
        const raw = Buffer.concat(chunks)
        const recipients = session.envelope.rcptTo.map((recipient) => recipient.address)
        const sender = session.envelope.mailFrom ? session.envelope.mailFrom.address : ''
        storeRawMail(options.rawMail, raw, { sender, recipients })
          .then(async (key) => {
            await options.inbound.sendBody(JSON.stringify(s3ObjectCreatedNotification(options.rawMail.bucket, key, raw.length)))
            logger.info('mail accepted', { key, bytes: raw.length, recipients })
            callback()
          })
          .catch((error: Error) => {
            logger.error('could not store mail; the sender will retry', { error })
            const temporary = new Error('4.3.0 temporary storage failure, try again later') as Error & { responseCode: number }
            temporary.responseCode = 451
            callback(temporary)
          })
      })
    },
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, options.host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  server.on('error', (error) => logger.error('SMTP server error', { error }))
  const address = server.server.address()
  return {
    port: typeof address === 'object' && address ? address.port : options.port,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
