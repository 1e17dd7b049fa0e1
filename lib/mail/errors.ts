/**
 * The provider refused the mail before taking it (rejected address, unverified sender, throttled,
 * connection refused): nothing went out, so sending again is safe. Mail adapters throw this; any
 * other error from a send leaves open whether the provider took the mail.
 */
export class MailNotSentError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'MailNotSentError'
  }
}

/** Another attempt holds this mail right now (its lease runs): try again later, when it has finished. */
export class SendInFlightError extends Error {
  constructor(what: string, leaseUntil: string) {
    super(`${what} is being sent by another attempt until ${leaseUntil}; retried later`)
    this.name = 'SendInFlightError'
  }
}
