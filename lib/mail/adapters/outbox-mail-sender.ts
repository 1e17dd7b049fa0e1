import { mkdir, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { MailNotSentError } from '../errors.ts'
import type { MailSender } from '../ports.ts'

/**
 * Local: every outgoing mail becomes an .eml file in the outbox (with its envelope beside it),
 * named after the mail's id: sending it again rewrites the same file, so the outbox is idempotent.
 */
export class OutboxMailSender implements MailSender {
  readonly idempotent = true
  private readonly folder: string

  constructor(folder: string) {
    this.folder = folder
  }

  async send(message: { raw: Buffer; from: string; recipients: string[]; idempotencyKey: string }): Promise<{ providerMessageId: string }> {
    const name = message.idempotencyKey.replace(/[^A-Za-z0-9._-]/g, '_')
    const base = join(this.folder, name)
    try {
      await mkdir(this.folder, { recursive: true })
      await writeFile(`${base}.envelope.json`, JSON.stringify({ from: message.from, recipients: message.recipients }, null, 2))
      await writeFile(`${base}.eml.tmp`, message.raw)
      await rename(`${base}.eml.tmp`, `${base}.eml`)
    } catch (error) {
      throw new MailNotSentError(`could not write ${base}.eml: ${(error as Error).message}`, { cause: error })
    }
    return { providerMessageId: `outbox:${name}` }
  }
}
