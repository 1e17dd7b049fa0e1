/** Sends a finished MIME message: SES in AWS; the outbox folder or an SMTP relay locally. */
export interface MailSender {
  send(message: { raw: Buffer; from: string; recipients: string[] }): Promise<{ providerMessageId: string }>
}

export type AutoResponseReservation = 'granted' | 'address-limit' | 'ticket-limit'

export interface AddressStatus {
  address: string
  undeliverable: boolean
  reason: string | null
  since: string | null
  bounces: number
}

/** What the mail channel remembers across mails: loop caps and undeliverable addresses. */
export interface MailStateStore {
  /** Counts one auto response to `address` on `ticketNumber`, unless a cap is reached. */
  reserveAutoResponse(address: string, ticketNumber: string, at: Date, limits: { perAddressPerDay: number; perTicketPer10Minutes: number }): Promise<AutoResponseReservation>
  markUndeliverable(address: string, reason: string, at: Date): Promise<void>
  addressStatus(address: string): Promise<AddressStatus | undefined>
}
