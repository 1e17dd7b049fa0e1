import { DocketError } from '../platform/errors.ts'

/** Another writer changed the ticket since we read it: re-read and try again. */
export class ConcurrentUpdateError extends DocketError {
  constructor(number: string) {
    super('conflict', `ticket ${number} was changed by someone else at the same moment; reload it and try again`)
  }
}

/** This mail (same stored object or same content) was already ingested. */
export class DuplicateIngestError extends Error {
  constructor() {
    super('mail was already ingested')
    this.name = 'DuplicateIngestError'
  }
}
