import { mkdir, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { newId } from '../../platform/ids.ts'
import type { MailSender } from '../ports.ts'

/** Local: every outgoing mail becomes an .eml file in the outbox (with its envelope beside it). */
export class OutboxMailSender implements MailSender {
  private readonly folder: string

  constructor(folder: string) {
    this.folder = folder
  }

  async send(message: { raw: Buffer; from: string; recipients: string[] }): Promise<{ providerMessageId: string }> {
    await mkdir(this.folder, { recursive: true })
    const id = newId()
    const base = join(this.folder, `${new Date().toISOString().replace(/[:.]/g, '-')}-${id}`)
    await writeFile(`${base}.envelope.json`, JSON.stringify({ from: message.from, recipients: message.recipients }, null, 2))
    await writeFile(`${base}.eml.tmp`, message.raw)
    await rename(`${base}.eml.tmp`, `${base}.eml`)
    return { providerMessageId: `outbox:${id}` }
  }
}
