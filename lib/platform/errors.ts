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

const statusByCode: Record<ErrorCode, number> = {
  invalid_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  invalid_config: 500,
  unavailable: 503,
}

export class DocketError extends Error {
  readonly code: ErrorCode
  /** The input field at fault, e.g. "body.state", when there is one. */
  readonly field: string | undefined

  constructor(code: ErrorCode, message: string, field?: string) {
    super(message)
    this.name = 'DocketError'
    this.code = code
    this.field = field
  }

  get status(): number {
    return statusByCode[this.code]
  }
}

export const notFound = (what: string) => new DocketError('not_found', `${what} was not found`)
export const forbidden = (message: string) => new DocketError('forbidden', message)
export const conflict = (message: string) => new DocketError('conflict', message)
export const invalidRequest = (message: string, field?: string) => new DocketError('invalid_request', message, field)
