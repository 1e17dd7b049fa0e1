import { followUpByReferences, followUpBySubject } from './follow-up.ts'
import type { PostmasterFilter } from './pipeline.ts'
import { routeByRecipient } from './route-by-recipient.ts'
import { spamScore } from './spam-score.ts'

/** The postmaster's filters, in the order they run. */
export const postmasterFilters: readonly PostmasterFilter[] = [routeByRecipient, spamScore, followUpBySubject, followUpByReferences]
