import * as z from 'zod'

/**
 * Customer users and customer companies (OTRS Admin → Customer User / Customer): the records the
 * customer information center, the customer search and every customer field of the client use.
 * Part of the OpenAPI document at /api/openapi.json.
 */

const text = (max: number) => z.string().trim().max(max).default('')

/** The address a customer user logs in and is mailed with (OTRS UserLogin = UserEmail here). */
export const customerEmail = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.email({ message: 'must be an email address such as ann@customer.example' }).max(320))

export const customerIdText = z.string().trim().min(1, 'must not be empty').max(150).regex(/^[^\s/]+$/, 'must have no spaces or "/"')

/** What an agent (or an import) sets on a customer user; the email is the path's key. */
export const CustomerUserInputSchema = z
  .strictObject({
    firstName: z.string().trim().min(1, 'is required').max(100),
    lastName: text(100),
    customerId: customerIdText.optional().meta({ description: "The company (OTRS CustomerID). Default: the mail domain, or the address for free-mail domains." }),
    phone: text(100),
    mobile: text(100),
    street: text(200),
    zip: text(50),
    city: text(100),
    country: text(100),
    comment: text(2000),
    valid: z.boolean().default(true).meta({ description: 'OTRS ValidID: false hides the customer user from the autocomplete.' }),
  })
  .meta({ id: 'CustomerUserInput' })

export const CustomerUserSchema = z
  .object({
    email: z.string(),
    firstName: z.string(),
    lastName: z.string(),
    /** "First Last", or the address when both are empty. */
    name: z.string(),
    customerId: z.string().meta({ description: 'The company (OTRS CustomerID).' }),
    companyName: z.string().meta({ description: "The company's name, when the company is a record." }),
    phone: z.string(),
    mobile: z.string(),
    street: z.string(),
    zip: z.string(),
    city: z.string(),
    country: z.string(),
    comment: z.string(),
    valid: z.boolean(),
    createdAt: z.string().meta({ description: 'When the customer user was created (by their first mail, an agent or an import).' }),
    changedAt: z.string(),
  })
  .meta({ id: 'CustomerUser' })

export const CompanyInputSchema = z
  .strictObject({
    name: z.string().trim().min(1, 'is required').max(200),
    street: text(200),
    zip: text(50),
    city: text(100),
    country: text(100),
    url: text(500),
    comment: text(2000),
    valid: z.boolean().default(true),
  })
  .meta({ id: 'CompanyInput' })

export const CompanySchema = z
  .object({
    customerId: z.string(),
    name: z.string(),
    street: z.string(),
    zip: z.string(),
    city: z.string(),
    country: z.string(),
    url: z.string(),
    comment: z.string(),
    valid: z.boolean(),
    createdAt: z.string(),
    changedAt: z.string(),
  })
  .meta({ id: 'Company' })

export const DirectorySearchQuerySchema = z.strictObject({
  search: z
    .string()
    .max(200)
    .default('')
    .meta({ description: 'Prefix of a name, email, CustomerID or company name, any case; several words must all match. Empty: every record, by name.' }),
  limit: z.coerce.number().int().min(1).max(100).default(20).meta({ description: 'Page size, at most 100.' }),
  cursor: z.string().max(4000).optional().meta({ description: 'The `next` of the previous page, with the same search.' }),
  valid: z.enum(['all', 'valid']).default('all').meta({ description: 'valid: only valid records (the autocomplete).' }),
})

export const CustomerUserPageSchema = z.object({ items: z.array(CustomerUserSchema), next: z.string().nullable() }).meta({ id: 'CustomerUserPage' })
export const CompanyPageSchema = z.object({ items: z.array(CompanySchema), next: z.string().nullable() }).meta({ id: 'CompanyPage' })

export type CustomerUserInput = z.input<typeof CustomerUserInputSchema>
export type CustomerUserFields = z.output<typeof CustomerUserInputSchema>
export type CustomerUserRecord = z.output<typeof CustomerUserSchema>
export type CompanyInput = z.input<typeof CompanyInputSchema>
export type CompanyFields = z.output<typeof CompanyInputSchema>
export type CompanyRecord = z.output<typeof CompanySchema>

/** The result line of `docket customers import` / `docket companies import`. */
export interface ImportResult {
  imported: number
  updated: number
  failed: { line: number; error: string }[]
}
