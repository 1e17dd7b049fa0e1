import { randomUUID } from 'node:crypto'
import { createWriteStream, type WriteStream } from 'node:fs'
import { mkdir, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { SMTPServer, type SMTPServerAddress, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server'
import type { BlobStore } from '../blobs/ports.ts'
import { envelopeRecipientsMetadata } from '../mail/ingest-mail.ts'
import type { DocketConfig } from '../platform/config.ts'
import { ConcurrencyGate } from '../platform/concurrency-gate.ts'
import { newId } from '../platform/ids.ts'
import { WindowCounter } from '../platform/rate-window.ts'
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
  /** Where a mail being received waits once it is larger than fits comfortably in memory (emptied at start). */
  spoolDir: string
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

/** Mail up to this size is received in memory; larger mail goes to a spool file as it arrives. */
const inMemoryBytes = 256 * 1024

/**
 * One mail as it arrives: in memory while small, then in a spool file, and nothing at all once
 * it passes the limit (the rest is only counted), so an oversized stream costs no memory.
 */
class MailSpool {
  bytes = 0
  private failure: Error | undefined
  private chunks: Buffer[] = []
  private file: WriteStream | undefined
  private readonly path: string
  private readonly maxBytes: number

  constructor(dir: string, maxBytes: number) {
    this.path = join(dir, `${randomUUID()}.eml`)
    this.maxBytes = maxBytes
  }

  get oversized(): boolean {
    return this.bytes > this.maxBytes
  }

  /** False when the caller should wait for onDrain before adding more. */
  add(chunk: Buffer): boolean {
    this.bytes += chunk.length
    if (this.oversized) {
      this.chunks = []
      void this.discard()
      return true
    }
    if (!this.file && this.bytes <= inMemoryBytes) {
      this.chunks.push(chunk)
      return true
    }
    if (!this.file) {
      this.file = createWriteStream(this.path, { mode: 0o600 })
      // A write still queued when the spool is discarded fails with ERR_STREAM_DESTROYED; without a
      // listener that error would be thrown from the event loop and take the whole server down.
      this.file.on('error', (error) => (this.failure ??= error))
      for (const held of this.chunks) this.file.write(held)
      this.chunks = []
    }
    return this.file.write(chunk)
  }

  onDrain(resume: () => void): void {
    if (this.file && !this.file.destroyed) this.file.once('drain', resume)
    else resume()
  }

  async contents(): Promise<Buffer> {
    if (!this.file) return Buffer.concat(this.chunks)
    const file = this.file
    await new Promise<void>((resolve, reject) => file.end((error?: Error | null) => (error ? reject(error) : resolve())))
    if (this.failure) throw this.failure
    return readFile(this.path)
  }

  async discard(): Promise<void> {
    this.chunks = []
    if (!this.file) return
    const file = this.file
    this.file = undefined
    file.destroy()
    await new Promise<void>((resolve) => file.once('close', () => resolve()))
    await rm(this.path, { force: true })
  }
}

/** An SMTP answer: smtp-server sends `responseCode` and the message. */
function smtpError(responseCode: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode })
}

/**
 * Flood limits (mail.smtpIntake): at most `maxClients` connections at once (smtp-server answers
 * 421), new connections and mails per client address and minute (421 and 450: a real MTA tries
 * again later). A mail over mail.maxMessageBytes is never buffered: past the limit the rest of
 * the DATA stream is read and dropped, and the answer is 552.
 */
export async function startSmtpServer(options: SmtpInboundOptions): Promise<{ port: number; stop(): Promise<void> }> {
  const { config, logger } = options
  const limits = config.mail.smtpIntake
  const maxBytes = config.mail.maxMessageBytes
  await rm(options.spoolDir, { recursive: true, force: true })
  await mkdir(options.spoolDir, { recursive: true, mode: 0o700 })
  const storing = new ConcurrencyGate(2, limits.maxClients)
  const connections = new WindowCounter(60, limits.connectionsPerMinute)
  const messages = new WindowCounter(60, limits.messagesPerMinute)
  const server = new SMTPServer({
    name: config.system.fqdn,
    banner: 'Docket local mail intake',
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    size: maxBytes,
    maxClients: limits.maxClients,
    // A reverse DNS lookup per connection is a cost a flood chooses; nothing here uses the name.
    disableReverseLookup: true,
    // A stop gives open sessions 2 s to finish (they get "shutting down"), not smtp-server's 30 s.
    closeTimeout: 2000,
    logger: false,
    onConnect(session: SMTPServerSession, callback: (error?: Error | null) => void) {
      const wait = connections.hit(session.remoteAddress, new Date())
      if (wait > 0) return callback(smtpError(421, `4.7.0 too many connections from ${session.remoteAddress}; try again in ${wait} seconds`))
      callback()
    },
    onMailFrom(_address: SMTPServerAddress, session: SMTPServerSession, callback: (error?: Error | null) => void) {
      const wait = messages.hit(session.remoteAddress, new Date())
      if (wait > 0) return callback(smtpError(450, `4.7.1 too many mails from ${session.remoteAddress}; try again in ${wait} seconds`))
      callback()
    },
    onRcptTo(address: SMTPServerAddress, _session: SMTPServerSession, callback: (error?: Error | null) => void) {
      if (acceptsRecipient(config, address.address)) return callback()
      callback(smtpError(550, `5.1.1 <${address.address}>: no such mailbox here`))
    },
    onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback: (error?: Error | null) => void) {
      const spool = new MailSpool(options.spoolDir, maxBytes)
      stream.on('data', (chunk: Buffer) => {
        // Backpressure: a client sending faster than the disk takes it waits.
        if (!spool.add(chunk)) {
          stream.pause()
          spool.onDrain(() => stream.resume())
        }
      })
      stream.on('error', (error) => {
        void spool.discard()
        callback(error)
      })
      stream.on('end', () => {
        if (spool.oversized || stream.sizeExceeded) {
          void spool.discard()
          logger.warn('mail refused: too big', { bytes: spool.bytes, limit: maxBytes, client: session.remoteAddress })
          return callback(smtpError(552, `5.3.4 message too big; the limit is ${maxBytes} bytes`))
        }
        const recipients = session.envelope.rcptTo.map((recipient) => recipient.address)
        const sender = session.envelope.mailFrom ? session.envelope.mailFrom.address : ''
        // Mails are held whole only here, a few at a time, so parallel large mails cannot add up.
        storing
          .run(async () => {
            const raw = await spool.contents()
            const key = await storeRawMail(options.rawMail, raw, { sender, recipients })
            await options.inbound.sendBody(JSON.stringify(s3ObjectCreatedNotification(options.rawMail.bucket, key, raw.length)))
            logger.info('mail accepted', { key, bytes: raw.length, recipients })
          }, () => smtpError(451, '4.3.0 too many mails being stored, try again later'))
          .then(() => callback())
          .catch((error: Error & { responseCode?: number }) => {
            if (error.responseCode === undefined) logger.error('could not store mail; the sender will retry', { error })
            callback(error.responseCode === undefined ? smtpError(451, '4.3.0 temporary storage failure, try again later') : error)
          })
          .finally(() => void spool.discard())
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
