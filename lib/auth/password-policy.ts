import type { PasswordPolicy } from '../../schemas/config.ts'
import { invalidRequest } from '../platform/errors.ts'

/** One rule of `auth.passwordPolicy` a password breaks, named by its config key. */
export interface PolicyViolation {
  rule: keyof PasswordPolicy
  message: string
}

/** The rules of the policy the password breaks (none: it is acceptable). Pure. */
export function checkPasswordPolicy(policy: PasswordPolicy, password: string): PolicyViolation[] {
  const violations: PolicyViolation[] = []
  // Code points, not UTF-16 units: "€" or an emoji is one character to the agent.
  if ([...password].length < policy.minLength) violations.push({ rule: 'minLength', message: `at least ${policy.minLength} characters` })
  if (policy.requireUpper && !/\p{Lu}/u.test(password)) violations.push({ rule: 'requireUpper', message: 'an upper-case letter' })
  if (policy.requireLower && !/\p{Ll}/u.test(password)) violations.push({ rule: 'requireLower', message: 'a lower-case letter' })
  if (policy.requireDigit && !/\p{Nd}/u.test(password)) violations.push({ rule: 'requireDigit', message: 'a digit' })
  if (policy.requirePunctuation && !/[^\p{L}\p{N}\s]/u.test(password)) violations.push({ rule: 'requirePunctuation', message: 'a punctuation character such as "-" or "!"' })
  return violations
}

/** "needs at least 10 characters (minLength), a digit (requireDigit)": what to fix, and which rule says so. */
export function describeViolations(violations: PolicyViolation[]): string {
  return `the password policy needs ${violations.map((violation) => `${violation.message} (auth.passwordPolicy.${violation.rule})`).join(', ')}`
}

/** A 400 naming the field and every rule the new password breaks. */
export function assertPasswordPolicy(policy: PasswordPolicy, password: string, field: string): void {
  const violations = checkPasswordPolicy(policy, password)
  if (violations.length > 0) throw invalidRequest(describeViolations(violations), field)
}
