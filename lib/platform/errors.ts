/**
 * Typed errors with stable codes. The API maps them to HTTP in one place (lib/api/error-response.ts);
 * messages say what was wrong and what to do.
 */
export type ErrorCode =
  | 'invalid_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'invalid_config'
  | 'unavailable'
  /** Too many failed logins for this login name: try again after Retry-After seconds. */
  | 'locked'
  /** Too many login attempts from this address or from everyone, or every password check slot is busy: try again after Retry-After seconds. */
  | 'rate_limited'
  /** The password was right; this agent also needs a TOTP code (send it as `totp`). */
  | 'totp_required'
  /** The TOTP or recovery code was wrong, expired or already used. */
  | 'totp_invalid'
  /** The agent's role requires TOTP and they have not enrolled: the session may only enrol. */
  | 'totp_enrolment_required'
  /** The work took longer than its time limit and was stopped (a search): narrow it and try again. */
  | 'timeout'

const statusByCode: Record<ErrorCode, number> = {
  invalid_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  invalid_config: 500,
  unavailable: 503,
  locked: 429,
  rate_limited: 429,
  totp_required: 401,
  totp_invalid: 401,
  totp_enrolment_required: 403,
  timeout: 503,
}

export class DocketError extends Error {
  readonly code: ErrorCode
  /** The input field at fault, e.g. "body.state", when there is one. */
  readonly field: string | undefined
  /** When to try again (a lock, a rate limit): sent as Retry-After. */
  readonly retryAfterSeconds: number | undefined

  constructor(code: ErrorCode, message: string, field?: string, retryAfterSeconds?: number) {
    super(message)
    this.name = 'DocketError'
    this.code = code
    this.field = field
    this.retryAfterSeconds = retryAfterSeconds
  }

  get status(): number {
    return statusByCode[this.code]
  }
}

export const notFound = (what: string) => new DocketError('not_found', `${what} was not found`)
export const forbidden = (message: string) => new DocketError('forbidden', message)
export const conflict = (message: string) => new DocketError('conflict', message)
export const invalidRequest = (message: string, field?: string) => new DocketError('invalid_request', message, field)

/** A search stopped at its time limit: 503 with the message an agent (or a script) acts on. */
export const searchTimedOut = (limitMs: number) =>
  new DocketError(
    'timeout',
    `the search took longer than ${limitMs / 1000} s and was stopped; narrow it (fewer or longer words, a queue, state or time filter) and try again`,
    undefined,
    5,
  )
