import type { Language } from '../auth/preferences.ts'
import type { EscalationKind } from '../ticket/model.ts'

/**
 * The wording of system mails to agents and of the lines Docket writes into articles, one catalog
 * per language (en/de/nl, the languages an agent may choose). The notification texts follow OTRS 6's
 * default ticket notifications ("Ticket create notification", "Ticket follow-up notification
 * (unlocked/locked)", "Ticket owner update", "Ticket responsible update", "Ticket pending reminder",
 * "Ticket escalation") and their German and Dutch translations, so agents moving from OTRS read
 * what they know. Every language has the same keys (the type says so, a unit test checks it).
 */
export interface NotificationTexts {
  /** "Hi Ann," — the first line of every mail to an agent. */
  greeting: (firstName: string) => string
  /** "Ann Customer wrote:" above the first lines of the customer's text. */
  wrote: (who: string) => string
  /** The last line: where the ticket opens in the web client. */
  link: (url: string) => string
  newTicket: { subject: (title: string) => string; body: (number: string, queue: string) => string }
  followUpUnlocked: { subject: (title: string) => string; body: (number: string) => string }
  followUpLocked: { subject: (title: string) => string; body: (number: string) => string }
  /** The follow-up went to the queue because the owner is out of office (the ticket was unlocked for them). */
  ownerAway: (owner: string) => string
  ownerUpdate: { subject: (name: string, title: string) => string; body: (number: string, name: string, by: string) => string }
  responsibleUpdate: { subject: (name: string, title: string) => string; body: (number: string, name: string, by: string) => string }
  /** "Comment:" above the note given with an owner or responsible change. */
  comment: string
  pendingReminder: { subject: (title: string) => string; body: (number: string, at: string) => string; repeat: (count: number) => string }
  escalation: {
    subject: (title: string) => string
    body: (number: string) => string
    /** "First response time (due …) of SLA "Gold"". */
    reached: (what: string, sla: string) => string
    priorityRaised: (priority: number) => string
  }
  /** Names of the escalation deadlines, as OTRS shows them. */
  deadline: Record<EscalationKind, string>
  /** The quote line above a quoted article: "On 2026-12-07 21:30 UTC, Ann <ann@example.com> wrote:". */
  quoteLine: (date: string, from: string) => string
}

const en: NotificationTexts = {
  greeting: (firstName) => `Hi ${firstName},`,
  wrote: (who) => `${who} wrote:`,
  link: (url) => url,
  newTicket: { subject: (title) => `Ticket Created: ${title}`, body: (number, queue) => `ticket [${number}] has been created in queue ${queue}.` },
  followUpUnlocked: { subject: (title) => `Unlocked Ticket Follow-Up: ${title}`, body: (number) => `the unlocked ticket [${number}] received a follow-up.` },
  followUpLocked: { subject: (title) => `Locked Ticket Follow-Up: ${title}`, body: (number) => `the locked ticket [${number}] received a follow-up.` },
  ownerAway: (owner) => `Its owner ${owner} is out of office, so the ticket was unlocked for the queue's agents.`,
  ownerUpdate: {
    subject: (name, title) => `Ticket Owner Update to ${name}: ${title}`,
    body: (number, name, by) => `the owner of ticket [${number}] has been updated to ${name} by ${by}.`,
  },
  responsibleUpdate: {
    subject: (name, title) => `Ticket Responsible Update to ${name}: ${title}`,
    body: (number, name, by) => `the responsible agent of ticket [${number}] has been updated to ${name} by ${by}.`,
  },
  comment: 'Comment:',
  pendingReminder: {
    subject: (title) => `Reminder Reached: ${title}`,
    body: (number, at) => `the ticket [${number}] has reached its reminder time (${at}).`,
    repeat: (count) => (count > 1 ? `This is reminder ${count}; the next follows in 24 hours unless the ticket is handled.` : 'Another reminder follows every 24 hours until the ticket is handled.'),
  },
  escalation: {
    subject: (title) => `Ticket Escalation! (${title})`,
    body: (number) => `ticket [${number}] is escalated!`,
    reached: (what, sla) => `Reached: ${what} of SLA "${sla}".`,
    priorityRaised: (priority) => `Its priority was raised to ${priority}.`,
  },
  deadline: { firstResponse: 'first response time', update: 'update time', solution: 'solution time' },
  quoteLine: (date, from) => `On ${date} UTC, ${from} wrote:`,
}

const de: NotificationTexts = {
  greeting: (firstName) => `Hallo ${firstName},`,
  wrote: (who) => `${who} schrieb:`,
  link: (url) => url,
  newTicket: { subject: (title) => `Ticket erstellt: ${title}`, body: (number, queue) => `das Ticket [${number}] wurde in der Queue ${queue} erstellt.` },
  followUpUnlocked: { subject: (title) => `Nachfrage zu freigegebenem Ticket: ${title}`, body: (number) => `zum freigegebenen Ticket [${number}] gibt es eine Nachfrage.` },
  followUpLocked: { subject: (title) => `Nachfrage zu gesperrtem Ticket: ${title}`, body: (number) => `zum gesperrten Ticket [${number}] gibt es eine Nachfrage.` },
  ownerAway: (owner) => `Der Besitzer ${owner} ist abwesend, daher wurde das Ticket für die Agenten der Queue freigegeben.`,
  ownerUpdate: {
    subject: (name, title) => `Ticket-Besitzer geändert auf ${name}: ${title}`,
    body: (number, name, by) => `der Besitzer des Tickets [${number}] wurde von ${by} auf ${name} geändert.`,
  },
  responsibleUpdate: {
    subject: (name, title) => `Ticket-Verantwortlicher geändert auf ${name}: ${title}`,
    body: (number, name, by) => `der Verantwortliche des Tickets [${number}] wurde von ${by} auf ${name} geändert.`,
  },
  comment: 'Kommentar:',
  pendingReminder: {
    subject: (title) => `Erinnerungszeit erreicht: ${title}`,
    body: (number, at) => `das Ticket [${number}] hat seine Erinnerungszeit erreicht (${at}).`,
    repeat: (count) =>
      count > 1
        ? `Dies ist Erinnerung ${count}; die nächste folgt in 24 Stunden, falls das Ticket nicht bearbeitet wird.`
        : 'Alle 24 Stunden folgt eine weitere Erinnerung, bis das Ticket bearbeitet ist.',
  },
  escalation: {
    subject: (title) => `Ticket-Eskalation! (${title})`,
    body: (number) => `das Ticket [${number}] ist eskaliert!`,
    reached: (what, sla) => `Erreicht: ${what} des SLA "${sla}".`,
    priorityRaised: (priority) => `Seine Priorität wurde auf ${priority} erhöht.`,
  },
  deadline: { firstResponse: 'Reaktionszeit', update: 'Aktualisierungszeit', solution: 'Lösungszeit' },
  quoteLine: (date, from) => `Am ${date} UTC schrieb ${from}:`,
}

const nl: NotificationTexts = {
  greeting: (firstName) => `Hallo ${firstName},`,
  wrote: (who) => `${who} schreef:`,
  link: (url) => url,
  newTicket: { subject: (title) => `Ticket aangemaakt: ${title}`, body: (number, queue) => `ticket [${number}] is aangemaakt in wachtrij ${queue}.` },
  followUpUnlocked: { subject: (title) => `Vervolgbericht op vrijgegeven ticket: ${title}`, body: (number) => `het vrijgegeven ticket [${number}] heeft een vervolgbericht ontvangen.` },
  followUpLocked: { subject: (title) => `Vervolgbericht op vergrendeld ticket: ${title}`, body: (number) => `het vergrendelde ticket [${number}] heeft een vervolgbericht ontvangen.` },
  ownerAway: (owner) => `De eigenaar ${owner} is afwezig, daarom is het ticket vrijgegeven voor de behandelaars van de wachtrij.`,
  ownerUpdate: {
    subject: (name, title) => `Eigenaar van ticket gewijzigd naar ${name}: ${title}`,
    body: (number, name, by) => `de eigenaar van ticket [${number}] is door ${by} gewijzigd naar ${name}.`,
  },
  responsibleUpdate: {
    subject: (name, title) => `Verantwoordelijke van ticket gewijzigd naar ${name}: ${title}`,
    body: (number, name, by) => `de verantwoordelijke van ticket [${number}] is door ${by} gewijzigd naar ${name}.`,
  },
  comment: 'Opmerking:',
  pendingReminder: {
    subject: (title) => `Herinneringstijd bereikt: ${title}`,
    body: (number, at) => `ticket [${number}] heeft zijn herinneringstijd bereikt (${at}).`,
    repeat: (count) =>
      count > 1
        ? `Dit is herinnering ${count}; de volgende volgt over 24 uur, tenzij het ticket wordt behandeld.`
        : 'Elke 24 uur volgt een nieuwe herinnering, totdat het ticket is behandeld.',
  },
  escalation: {
    subject: (title) => `Ticket-escalatie! (${title})`,
    body: (number) => `ticket [${number}] is geëscaleerd!`,
    reached: (what, sla) => `Bereikt: ${what} van SLA "${sla}".`,
    priorityRaised: (priority) => `De prioriteit is verhoogd naar ${priority}.`,
  },
  deadline: { firstResponse: 'eerste reactietijd', update: 'bijwerktijd', solution: 'oplostijd' },
  quoteLine: (date, from) => `Op ${date} UTC schreef ${from}:`,
}

export const notificationTexts: Readonly<Record<Language, NotificationTexts>> = { en, de, nl }

/** The catalog of a language; an unknown one (a dropped language in stored data) falls back to English. */
export function textsFor(language: string | undefined): NotificationTexts {
  return notificationTexts[language as Language] ?? en
}

/** The first lines of a customer's text for a notification (OTRS quotes the first 30 lines). */
export function firstLines(text: string, count = 30): string {
  const lines = text.replace(/\r\n/g, '\n').trimEnd().split('\n')
  const shown = lines.slice(0, count).join('\n')
  const clipped = shown.length > 2000 ? `${shown.slice(0, 2000)}…` : shown
  return lines.length > count && clipped === shown ? `${clipped}\n[…]` : clipped
}
