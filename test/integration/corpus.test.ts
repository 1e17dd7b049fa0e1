import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import type { Dependencies } from '../../lib/runtime/dependencies.ts'
import { ingestRaw, testDependencies } from '../support/local-stack.ts'

/**
 * The golden corpus: real mails from OTRS's own test suite, with what OTRS 6.0.41 made of them.
 * Every mail must ingest without error and keep its raw form; sender, subject and attachment names
 * must be at least as good as OTRS's. Where OTRS is wrong, we do better and say so.
 */
const corpus = 'test/fixtures/corpus/otrs'
const files = readdirSync(corpus).filter((file) => /\.(box|eml)$/.test(file)).sort()

interface Outcome {
  title: string
  customer: string
  queue: string
  attachments: string[]
}

function readOutcomes(): Map<string, Outcome> {
  const lines = readFileSync(join(corpus, 'OUTCOMES-otrs-6.0.41.md'), 'utf8').split('\n').filter((line) => line.startsWith('| ') && !line.startsWith('| mail') && !line.startsWith('|---'))
  const outcomes = new Map<string, Outcome>()
  for (const line of lines) {
    const cells = line.split(' | ').map((cell) => cell.replace(/^\| ?| ?\|$/g, '').trim())
    const [file, , , , , queue, , title, customer, , , attachments] = cells
    const names = /\((.*)\)/.exec(attachments ?? '')?.[1] ?? ''
    outcomes.set(file!, {
      title: title!,
      customer: customer!,
      queue: queue!,
      // "file-1"/"file-2" are OTRS's names for body parts; names cut off with "..." are compared no further.
      attachments: names
        .split(/, (?=[^,]+ \d+(?:, |$))/)
        .map((entry) => entry.replace(/ \d+$/, '').trim())
        .filter((name) => name && !/^file-\d+$/.test(name) && !name.endsWith('...')),
    })
  }
  return outcomes
}

const normalize = (text: string) => text.replace(/\s+/g, ' ').trim()
/** OTRS turns some characters of names into "_" ("[Ticket#1] test.eml" → "_Ticket#1__test.eml"): compare letters, digits and dots. */
const nameKey = (name: string) => name.normalize('NFC').replace(/[^\p{L}\p{N}.]/gu, '').toLowerCase()
const sameName = (a: string, b: string) => nameKey(a) === nameKey(b)
/** Identical to an earlier sample but for a Content-Type or X-OTRS-* line: OTRS made a second ticket, Docket says duplicate. */
const duplicates: Record<string, string> = { 'PostMaster-Test19.box': 'PostMaster-Test1.box', 'PostMaster-Test24.box': 'PostMaster-Test1.box', 'PostMaster-Test28.box': 'PostMaster-Test26.box', 'PostMaster-Test5.box': 'EmailParser-PostMaster-Test5.box' }

describe('golden corpus (OTRS sample mails)', () => {
  const outcomes = readOutcomes()
  const ticketOf = new Map<string, string>()
  let deps: Dependencies
  beforeAll(async () => {
    deps = await testDependencies()
  })

  it('has the reference outcomes to compare with', () => {
    expect(outcomes.size).toBeGreaterThanOrEqual(37)
  })

  it.each(files)('%s ingests without error, raw kept, as good as OTRS', async (file) => {
    const raw = readFileSync(join(corpus, file))
    const outcome = await ingestRaw(deps, raw)
    if (duplicates[file]) {
      expect(outcome.action).toBe('duplicate')
      expect(outcome.ticketNumber).toBe(ticketOf.get(duplicates[file]!))
      return
    }
    expect(outcome.action).toBe('created')
    ticketOf.set(file, outcome.ticketNumber!)
    expect((await deps.rawMail.get(outcome.key)).equals(raw)).toBe(true)
    const thread = (await deps.tickets.getThread(outcome.ticketNumber!))!
    const article = thread.articles[0]!
    const expected = outcomes.get(file)
    if (!expected) {
      expect(thread.ticket.title.length).toBeGreaterThan(0)
      return
    }
    // OTRS's report cuts titles at 60 characters.
    expect(normalize(thread.ticket.title).startsWith(normalize(expected.title))).toBe(true)
    expect(thread.ticket.customer).toBe(expected.customer.toLowerCase())
    for (const name of expected.attachments) {
      expect(article.attachments.some((attachment) => sameName(attachment.name, name)), `${file}: attachment ${name} in ${article.attachments.map((a) => a.name).join(', ')}`).toBe(true)
    }
    // The queue depends on the configuration: OTRS's test install knew no address, ours routes
    // support@example.com to Support. Where Docket differs, it is on purpose:
    const queue: Record<string, string> = {
      // OTRS made this bounce a normal ticket; it is a delivery status notification for a mail
      // that is not ours, so Docket files it in Bounces (and marks nobody undeliverable).
      'PostMaster-Test10.box': 'Bounces',
      // Spam (X-Spam-Score above the threshold): OTRS's test install had no spam filter.
      'PostMaster-Test14.box': 'Junk',
      'PostMaster-Test18.box': 'Junk',
      // Addressed to support@example.com, which the demo config routes to Support.
      'PostMaster-Test12.box': 'Support',
      'PostMaster-Test13.box': 'Support',
    }
    expect(thread.ticket.queue).toBe(queue[file] ?? expected.queue)
  })

  it('attachments are stored as blobs under opaque keys, with names, sizes and types', async () => {
    const outcome = await ingestRaw(deps, readFileSync(join(corpus, 'PostMaster-Test12.box')))
    const article = (await deps.tickets.getThread(outcome.ticketNumber!))!.articles[0]!
    expect(article.attachments.map((attachment) => attachment.name)).toEqual(expect.arrayContaining(['attachment-äöüß-utf8.txt', 'Обяснительная.jpg', '2차 보도자료.hwp']))
    for (const attachment of article.attachments) {
      expect(attachment.blobKey).toMatch(/^mail\/[0-9a-f]{64}\/part-\d+$/)
      expect((await deps.attachments.get(attachment.blobKey)).length).toBe(attachment.size)
      expect(attachment.contentType).toMatch(/\//)
    }
  })

  it('inline cid: images are kept with their Content-ID, the HTML body is kept', async () => {
    const outcome = await ingestRaw(deps, readFileSync(join(corpus, 'InlineImage.box')))
    const article = (await deps.tickets.getThread(outcome.ticketNumber!))!.articles[0]!
    expect(article.attachments[0]).toMatchObject({ name: 'test.png', inline: true, contentId: expect.any(String) })
    expect((await deps.attachments.get(article.htmlBlobKey!)).toString()).toContain('cid:')
  })

  it('file names with CR/LF or path parts are cleaned; duplicate names are made unique', async () => {
    for (const file of ['FilenameWithCRLF.box', 'FilenameWithNewline.box', 'DuplicateFilenameSpecialCharacters.box']) {
      const outcome = await ingestRaw(deps, readFileSync(join(corpus, file)))
      const names = (await deps.tickets.getThread(outcome.ticketNumber!))!.articles[0]!.attachments.map((attachment) => attachment.name)
      for (const name of names) expect(name).not.toMatch(/[\r\n/\\]/)
      expect(new Set(names).size).toBe(names.length)
    }
  })
})
