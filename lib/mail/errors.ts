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

/**
 * The provider refused the mail for now: sending rate or daily quota reached, sending paused.
 * Nothing went out (a MailNotSentError), and the same send will work once the provider lets us:
 * retried with a growing delay rather than at once.
 */
export class MailSendThrottledError extends MailNotSentError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'MailSendThrottledError'
  }
}

/** Another attempt holds this mail right now (its lease runs): try again later, when it has finished. */
export class SendInFlightError extends Error {
  constructor(what: string, leaseUntil: string) {
    super(`${what} is being sent by another attempt until ${leaseUntil}; retried later`)
    this.name = 'SendInFlightError'
  }
}

/**
 * A mail of a batch not started because the invocation would end before it could finish: handed
 * back to the queue (a partial batch failure) and taken by a later invocation, instead of a
 * timeout that would fail the mails already ingested along with it.
 */
export class MailNotStartedError extends Error {
  constructor(key: string, remainingMs: number, neededMs: number) {
    super(`mail ${key} not started: ${remainingMs} ms left in this invocation, ~${neededMs} ms needed; retried by a later one`)
    this.name = 'MailNotStartedError'
  }
}
