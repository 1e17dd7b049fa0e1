import { Logger } from '@aws-lambda-powertools/logger'

/**
 * Structured JSON logs (Powertools), the same in Lambda and locally. Child loggers carry the
 * ticket number so a ticket's whole story can be found with one filter.
 */
export type DocketLogger = Logger

export function createLogger(level: string = 'INFO', serviceName = 'docket'): DocketLogger {
  return new Logger({ serviceName, logLevel: level as 'INFO' })
}
