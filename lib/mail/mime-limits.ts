import { Splitter } from '@zone-eu/mailsplit'
import { Readable } from 'node:stream'

/**
 * Parser limits, checked by walking the MIME structure once before the full parse. A mail beyond
 * them is not parsed in full (a 0.3 MB mail can cost seconds of CPU without caps): its raw form
 * is kept and the ticket says why.
 */
export interface MimeLimits {
  /** Parts (MIME nodes) in the whole mail, embedded messages included. */
  maxParts: number
  /** Multipart / message nesting depth. */
  maxDepth: number
  /** Header block of one part, in bytes. */
  maxHeaderBytes: number
}

export const defaultMimeLimits: MimeLimits = { maxParts: 500, maxDepth: 30, maxHeaderBytes: 2 * 1024 * 1024 }

export interface MimeShape {
  parts: number
  depth: number
  /** Why the mail is beyond the limits, or null. */
  exceeded: string | null
}

export async function inspectMime(raw: Buffer, limits: MimeLimits = defaultMimeLimits): Promise<MimeShape> {
  const splitter = new Splitter({ maxHeadSize: limits.maxHeaderBytes })
  let parts = 0
  let depth = 0
  return new Promise<MimeShape>((resolve) => {
    let settled = false
    const finish = (exceeded: string | null) => {
      if (settled) return
      settled = true
      source.unpipe(splitter)
      source.destroy()
      splitter.destroy()
      resolve({ parts, depth, exceeded })
    }
    splitter.on('data', (chunk: { type: string; parentNode?: unknown }) => {
      if (chunk.type !== 'node') return
      parts += 1
      let level = 0
      for (let node = chunk.parentNode as { parentNode?: unknown } | false | undefined; node; node = node.parentNode as typeof node) level += 1
      depth = Math.max(depth, level)
      if (parts > limits.maxParts) finish(`more than ${limits.maxParts} MIME parts`)
      else if (depth > limits.maxDepth) finish(`MIME nesting deeper than ${limits.maxDepth} levels`)
    })
    const events = splitter as unknown as NodeJS.EventEmitter
    events.on('error', (error: Error) => finish(/header size/i.test(error.message) ? `a header block larger than ${limits.maxHeaderBytes} bytes` : `unreadable MIME structure (${error.message})`))
    events.on('end', () => finish(null))
    const source = Readable.from([raw])
    source.pipe(splitter)
  })
}
