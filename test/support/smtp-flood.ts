import { Readable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { createTransport } from 'nodemailer'

/**
 * The oversized-mail attack of issue 13.3: `streams` SMTP clients at once, each sending a mail of
 * `megabytes` MB through nodemailer without SIZE= (the length is unknown to the client: it is a
 * stream, generated as it is sent, never built in memory). Resolves with each stream's SMTP answer
 * code (250 when accepted). Run as a script (`node test/support/smtp-flood.ts <port> <streams> <MB>`)
 * it prints the codes as JSON, so the memory of the server under test is not the clients'.
 */
export async function floodSmtp(port: number, streams: number, megabytes: number, host = '127.0.0.1'): Promise<number[]> {
  return Promise.all(Array.from({ length: streams }, (_, index) => sendOversized(port, host, megabytes, index)))
}

function oversizedMail(megabytes: number, index: number): Readable {
  const header = Buffer.from(
    [`From: Flood <flood${index}@attacker.example>`, 'To: support@example.com', `Subject: big ${index}`, `Message-ID: <flood-${index}-${Date.now()}@attacker.example>`, '', ''].join('\r\n'),
  )
  const line = `${'invoice '.repeat(9)}\r\n`
  const block = Buffer.from(line.repeat(Math.floor(65_536 / line.length)))
  let left = megabytes * 1024 * 1024
  let headerSent = false
  return new Readable({
    read() {
      if (!headerSent) {
        headerSent = true
        this.push(header)
        return
      }
      if (left <= 0) return void this.push(null)
      const chunk = left >= block.length ? block : block.subarray(0, left)
      left -= chunk.length
      this.push(chunk)
    },
  })
}

async function sendOversized(port: number, host: string, megabytes: number, index: number): Promise<number> {
  const transport = createTransport({ host, port, secure: false, ignoreTLS: true, socketTimeout: 120_000 })
  try {
    await transport.sendMail({ envelope: { from: `flood${index}@attacker.example`, to: ['support@example.com'] }, raw: oversizedMail(megabytes, index) })
    return 250
  } catch (error) {
    return Number((error as { responseCode?: number }).responseCode ?? 0)
  } finally {
    transport.close()
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [port, streams, megabytes] = process.argv.slice(2).map(Number)
  process.stdout.write(`${JSON.stringify(await floodSmtp(port!, streams!, megabytes!))}\n`)
}
