export interface SentMail {
  providerMessageId: string
  deliveredMessageId?: string | undefined
}

/** Sends a finished MIME message: SES in AWS; the outbox folder or an SMTP relay locally. */
export interface MailSender {
  /**
   * True when sending the same `idempotencyKey` twice delivers once (the outbox folder: one file
   * per key). SES and SMTP have no such key: a second send is a second mail.
   */
  readonly idempotent: boolean
  /**
   * Throws MailNotSentError when the provider certainly did not take the mail; any other error leaves it open.
   * `deliveredMessageId`: the Message-ID the recipients got, when the provider replaced ours (SES
   * does); absent when the mail went out with the Message-ID we composed (the outbox, SMTP).
   */
  send(message: { raw: Buffer; from: string; recipients: string[]; idempotencyKey: string }): Promise<SentMail>
}

export interface AddressStatus {
  address: string
  undeliverable: boolean
  reason: string | null
  since: string | null
  bounces: number
}

/** What the mail channel remembers across mails: loop caps and undeliverable addresses. */
export interface MailStateStore {
  /** Counts one auto response to `address` today, unless the cap is reached (then false). */
  reserveAutoResponse(address: string, at: Date, perDay: number): Promise<boolean>
  /**
   * Marks `address` undeliverable and counts the bounce. With `reportId` (the report that says so),
   * the same report counts once however often it is applied; false when it was counted before.
   */
  markUndeliverable(address: string, reason: string, at: Date, reportId?: string): Promise<boolean>
  addressStatus(address: string): Promise<AddressStatus | undefined>
}
