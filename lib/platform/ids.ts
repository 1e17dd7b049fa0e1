import { monotonicFactory } from 'ulid'

const nextUlid = monotonicFactory()

/** Time-ordered unique ids (ULID): sort keys of articles and history sort by creation. */
export const newId = (at: Date = new Date()): string => nextUlid(at.getTime())
