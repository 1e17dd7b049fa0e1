import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { effectivePreferences, languages, type Language } from '../../lib/auth/preferences.ts'
import { FsBlobStore } from '../../lib/blobs/adapters/fs-blob-store.ts'
import { prepareAgentMail, type AgentMessageBuilder } from '../../lib/mail/agent-mail.ts'
import { assignmentMessage, escalationMessage, notificationMessage, pendingReminderMessage } from '../../lib/mail/agent-notification.ts'
import { notificationTexts } from '../../lib/mail/notification-texts.ts'
import { parseMail } from '../../lib/mail/parse-mail.ts'
import { parseConfig } from '../../lib/platform/config-file.ts'
import { newTicketRecord } from '../../lib/ticket/ticket-rules.ts'

const config = parseConfig(readFileSync('docket.config.yaml', 'utf8'))
const admin = config.agents.find((agent) => agent.login === 'admin')!
const at = new Date('2026-12-24T12:00:00Z')
const ticket = {
  ...newTicketRecord({ number: '2026122410000042', at, title: 'Printer on fire', queue: 'Support', state: 'open', stateType: 'open', owner: 'admin', lock: 'lock' }),
  pendingUntil: '2026-12-24T11:00:00.000Z',
}
const summary = { from: 'Ann Customer <ann@customer.example>', text: 'It smokes.\nPlease help.' }

/** Every key path of a catalog, functions as leaves. */
function keyPaths(value: object, prefix = ''): string[] {
  return Object.entries(value).flatMap(([key, entry]) =>
    typeof entry === 'object' && entry !== null ? keyPaths(entry as object, `${prefix}${key}.`) : [`${prefix}${key}`],
  )
}

describe('notification texts: one catalog per language', () => {
  it('every language has the same keys as English', () => {
    const english = keyPaths(notificationTexts.en).sort()
    for (const language of languages) expect(keyPaths(notificationTexts[language]).sort(), language).toEqual(english)
  })
})

describe('a rendered mail per event in each language (OTRS 6 default notifications)', () => {
  const root = mkdtempSync(join(tmpdir(), 'docket-notification-texts-'))
  afterAll(() => rmSync(root, { recursive: true, force: true }))
  const deps = {
    config,
    attachments: new FsBlobStore(root, 'attachments'),
    agents: { getPreferences: () => Promise.reject(new Error('the preferences are passed in')) },
  }

  const events: Record<string, AgentMessageBuilder> = {
    'new ticket': notificationMessage('new-ticket', ticket, summary),
    'follow-up (locked)': notificationMessage('follow-up', ticket, summary),
    'follow-up (unlocked)': notificationMessage('follow-up', { ...ticket, lock: 'unlock' }, summary),
    'follow-up, owner away': notificationMessage('owner-away', { ...ticket, lock: 'unlock' }, summary),
    'owner update': assignmentMessage('owner', ticket, 'Admin Agent', 'Sam Sales', 'please call her'),
    'responsible update': assignmentMessage('responsible', ticket, 'Admin Agent', 'Sam Sales', undefined),
    'pending reminder': pendingReminderMessage(ticket, 2),
    escalation: escalationMessage(ticket, 'Gold', [{ kind: 'firstResponse', due: '2026-12-24T10:00:00.000Z' }], 4),
  }

  const expected: Record<string, Record<Language, { subject: string; body: string[] }>> = {
    'new ticket': {
      en: { subject: 'Ticket Created: Printer on fire', body: ['Hi Admin,', 'ticket [2026122410000042] has been created in queue Support.', 'Ann Customer <ann@customer.example> wrote:', 'It smokes.'] },
      de: { subject: 'Ticket erstellt: Printer on fire', body: ['Hallo Admin,', 'das Ticket [2026122410000042] wurde in der Queue Support erstellt.', 'Ann Customer <ann@customer.example> schrieb:'] },
      nl: { subject: 'Ticket aangemaakt: Printer on fire', body: ['Hallo Admin,', 'ticket [2026122410000042] is aangemaakt in wachtrij Support.', 'Ann Customer <ann@customer.example> schreef:'] },
    },
    'follow-up (locked)': {
      en: { subject: 'Locked Ticket Follow-Up: Printer on fire', body: ['the locked ticket [2026122410000042] received a follow-up.', 'Please help.'] },
      de: { subject: 'Nachfrage zu gesperrtem Ticket: Printer on fire', body: ['zum gesperrten Ticket [2026122410000042] gibt es eine Nachfrage.'] },
      nl: { subject: 'Vervolgbericht op vergrendeld ticket: Printer on fire', body: ['het vergrendelde ticket [2026122410000042] heeft een vervolgbericht ontvangen.'] },
    },
    'follow-up (unlocked)': {
      en: { subject: 'Unlocked Ticket Follow-Up: Printer on fire', body: ['the unlocked ticket [2026122410000042] received a follow-up.'] },
      de: { subject: 'Nachfrage zu freigegebenem Ticket: Printer on fire', body: ['zum freigegebenen Ticket [2026122410000042] gibt es eine Nachfrage.'] },
      nl: { subject: 'Vervolgbericht op vrijgegeven ticket: Printer on fire', body: ['het vrijgegeven ticket [2026122410000042] heeft een vervolgbericht ontvangen.'] },
    },
    'follow-up, owner away': {
      en: { subject: 'Unlocked Ticket Follow-Up: Printer on fire', body: ['Its owner admin is out of office'] },
      de: { subject: 'Nachfrage zu freigegebenem Ticket: Printer on fire', body: ['Der Besitzer admin ist abwesend'] },
      nl: { subject: 'Vervolgbericht op vrijgegeven ticket: Printer on fire', body: ['De eigenaar admin is afwezig'] },
    },
    'owner update': {
      en: { subject: 'Ticket Owner Update to Admin Agent: Printer on fire', body: ['the owner of ticket [2026122410000042] has been updated to Admin Agent by Sam Sales.', 'Comment:', 'please call her'] },
      de: { subject: 'Ticket-Besitzer geändert auf Admin Agent: Printer on fire', body: ['der Besitzer des Tickets [2026122410000042] wurde von Sam Sales auf Admin Agent geändert.', 'Kommentar:'] },
      nl: { subject: 'Eigenaar van ticket gewijzigd naar Admin Agent: Printer on fire', body: ['de eigenaar van ticket [2026122410000042] is door Sam Sales gewijzigd naar Admin Agent.', 'Opmerking:'] },
    },
    'responsible update': {
      en: { subject: 'Ticket Responsible Update to Admin Agent: Printer on fire', body: ['the responsible agent of ticket [2026122410000042] has been updated to Admin Agent by Sam Sales.'] },
      de: { subject: 'Ticket-Verantwortlicher geändert auf Admin Agent: Printer on fire', body: ['der Verantwortliche des Tickets [2026122410000042] wurde von Sam Sales auf Admin Agent geändert.'] },
      nl: { subject: 'Verantwoordelijke van ticket gewijzigd naar Admin Agent: Printer on fire', body: ['de verantwoordelijke van ticket [2026122410000042] is door Sam Sales gewijzigd naar Admin Agent.'] },
    },
    'pending reminder': {
      en: { subject: 'Reminder Reached: Printer on fire', body: ['the ticket [2026122410000042] has reached its reminder time (2026-12-24T11:00:00.000Z).', 'This is reminder 2'] },
      de: { subject: 'Erinnerungszeit erreicht: Printer on fire', body: ['das Ticket [2026122410000042] hat seine Erinnerungszeit erreicht', 'Dies ist Erinnerung 2'] },
      nl: { subject: 'Herinneringstijd bereikt: Printer on fire', body: ['ticket [2026122410000042] heeft zijn herinneringstijd bereikt', 'Dit is herinnering 2'] },
    },
    escalation: {
      en: { subject: 'Ticket Escalation! (Printer on fire)', body: ['ticket [2026122410000042] is escalated!', 'Reached: first response time (2026-12-24T10:00:00.000Z) of SLA "Gold".', 'Its priority was raised to 4.'] },
      de: { subject: 'Ticket-Eskalation! (Printer on fire)', body: ['das Ticket [2026122410000042] ist eskaliert!', 'Erreicht: Reaktionszeit', 'Seine Priorität wurde auf 4 erhöht.'] },
      nl: { subject: 'Ticket-escalatie! (Printer on fire)', body: ['ticket [2026122410000042] is geëscaleerd!', 'Bereikt: eerste reactietijd', 'De prioriteit is verhoogd naar 4.'] },
    },
  }

  const cases = Object.keys(events).flatMap((event) => languages.map((language) => ({ event, language })))

  it.each(cases)('$event in $language', async ({ event, language }) => {
    const preferences = new Map([[admin.login, { ...effectivePreferences(config, admin), language }]])
    const mails = await prepareAgentMail(deps, ticket, [admin], events[event]!, at, preferences)
    expect(mails).toHaveLength(1)
    const parsed = await parseMail(await deps.attachments.get(mails[0]!.rawBlobKey))
    const { subject, body } = expected[event]![language]
    expect(mails[0]!.subject).toBe(`[${config.ticket.hook}${ticket.number}] ${subject}`)
    expect(mails[0]!.recipients).toEqual([admin.email])
    const text = parsed.text
    expect(parsed.to.map((address) => address.address)).toEqual([admin.email])
    for (const line of body) expect(text).toContain(line)
    expect(text).toContain(`/tickets/${ticket.number}`)
  })
})
