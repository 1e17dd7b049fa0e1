import { spawnSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse } from 'csv-parse/sync'
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest'
import { createApiApp } from '../../lib/api/app.ts'
import { provisionAgentPasswords } from '../../lib/auth/auth-service.ts'
import type { Dependencies } from '../../lib/runtime/dependencies.ts'
import { demoPassword, ingestRaw, mail, testDependenciesWithConfig } from '../support/local-stack.ts'

interface Person {
  email: string
  firstName: string
  lastName: string
  name: string
  customerId: string
  companyName: string
  city: string
  valid: boolean
}
interface PageOf<T> {
  items: T[]
  next: string | null
}
interface ErrorBody {
  error: { code: string; message: string; field?: string }
}

const docket = (args: string[], env: Record<string, string>) =>
  spawnSync(process.execPath, ['bin/docket.js', ...args], { encoding: 'utf8', env: { ...process.env, DOCKET_LOG_LEVEL: 'ERROR', ...env }, timeout: 120_000 })

/**
 * Issue 14.2, customers are records: customer users and companies through the API app and the
 * command line, against DynamoDB Local. Agents: admin (all), sales (no customer right), and
 * keeper, whose role has manageCustomers but no queue.
 */
describe('customer users and companies', () => {
  let deps: Dependencies
  let app: ReturnType<typeof createApiApp>
  let tableName: string
  const tokens: Record<string, string> = {}

  const call = async <T = Record<string, unknown>>(method: string, path: string, options: { as?: string; body?: unknown } = {}) => {
    const response = await app.request(path, {
      method,
      headers: { authorization: `Bearer ${tokens[options.as ?? 'admin']}`, 'content-type': 'application/json' },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    })
    return { status: response.status, body: (await response.json()) as T }
  }
  const search = async (text: string, extra = '') => (await call<PageOf<Person>>('GET', `/api/customers?search=${encodeURIComponent(text)}${extra}`)).body.items.map((person) => person.email)
  const login = async (name: string) =>
    ((await (await app.request('/api/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: name, password: demoPassword }) })).json()) as { token: string }).token

  beforeAll(async () => {
    tableName = `cust-${randomUUID()}`
    deps = await testDependenciesWithConfig(
      (yaml) =>
        yaml
          .replace('roles:\n', 'roles:\n  - name: Customer keeper\n    groups: {}\n    manageCustomers: true\n')
          .replace(
            'agents:\n',
            'agents:\n  - login: keeper\n    firstName: Kim\n    lastName: Keeper\n    email: kim.keeper@example.com\n    roles: [Customer keeper]\n',
          ),
      { tableName },
    )
    await provisionAgentPasswords(deps, demoPassword)
    app = createApiApp(deps)
    for (const name of ['admin', 'sales', 'keeper']) tokens[name] = await login(name)
    await ingestRaw(deps, mail({ subject: 'printer broken', from: 'Ann Customer <ann@customer.example>' }))
  })

  it('mail from an unknown address makes a customer user, linked to its company and found by the search', async () => {
    const ann = await call<Person>('GET', '/api/customers/ann%40customer.example')
    expect(ann.status).toBe(200)
    expect(ann.body).toMatchObject({ email: 'ann@customer.example', firstName: 'Ann', lastName: 'Customer', customerId: 'customer.example', valid: true })
    expect(await search('ann')).toEqual(['ann@customer.example'])
    expect(await search('CUSTOMER.ex')).toEqual(['ann@customer.example'])
    const members = await call<PageOf<Person>>('GET', '/api/companies/customer.example/customers')
    expect(members.body.items.map((person) => person.email)).toEqual(['ann@customer.example'])
  })

  it('PUT adds (201) and changes (200) a customer user; 400 names the field; 404 for an unknown one', async () => {
    const added = await call<Person>('PUT', '/api/customers/Juergen.Mueller%40Example.org', { body: { firstName: 'Jürgen', lastName: 'Müller', city: 'Köln', phone: '+49 221 1' } })
    expect(added.status).toBe(201)
    expect(added.body).toMatchObject({ email: 'juergen.mueller@example.org', name: 'Jürgen Müller', customerId: 'example.org', city: 'Köln' })
    const changed = await call<Person>('PUT', '/api/customers/juergen.mueller%40example.org', { body: { firstName: 'Jürgen', lastName: 'Müller', city: 'Bonn', customerId: 'ACME' } })
    expect(changed.status).toBe(200)
    expect(changed.body).toMatchObject({ city: 'Bonn', customerId: 'ACME', phone: '' })
    const missing = await call<ErrorBody>('PUT', '/api/customers/x%40example.org', { body: { lastName: 'Nameless' } })
    expect(missing.status).toBe(400)
    expect(missing.body.error.field).toBe('body.firstName')
    const badAddress = await call<ErrorBody>('PUT', '/api/customers/not-an-address', { body: { firstName: 'X' } })
    expect(badAddress.status).toBe(400)
    expect(badAddress.body.error.field).toBe('path.email')
    const unknownField = await call<ErrorBody>('PUT', '/api/customers/y%40example.org', { body: { firstName: 'Y', shoeSize: 44 } })
    expect(unknownField.status).toBe(400)
    expect((await call<ErrorBody>('GET', '/api/customers/nobody%40nowhere.example')).status).toBe(404)
    expect((await call<ErrorBody>('GET', '/api/companies/nowhere.example')).status).toBe(404)
  })

  it('only admins and roles with manageCustomers change customers; every agent reads them; /api/me says who may', async () => {
    const refused = await call<ErrorBody>('PUT', '/api/customers/sam%40example.net', { as: 'sales', body: { firstName: 'Sam' } })
    expect(refused.status).toBe(403)
    expect((await call<ErrorBody>('PUT', '/api/companies/example.net', { as: 'sales', body: { name: 'Example Net' } })).status).toBe(403)
    expect((await call('PUT', '/api/customers/sam%40example.net', { as: 'keeper', body: { firstName: 'Sam' } })).status).toBe(201)
    expect((await call('GET', '/api/customers/sam%40example.net', { as: 'sales' })).status).toBe(200)
    expect((await call<{ manageCustomers: boolean }>('GET', '/api/me', { as: 'sales' })).body.manageCustomers).toBe(false)
    expect((await call<{ manageCustomers: boolean }>('GET', '/api/me', { as: 'keeper' })).body.manageCustomers).toBe(true)
    expect((await call<{ manageCustomers: boolean }>('GET', '/api/me')).body.manageCustomers).toBe(true)
  })

  it('search: prefix of first or last name, email, CustomerID or company name, any case and accents; all words must match', async () => {
    await call('PUT', '/api/customers/bea.lee%40acme.example', { body: { firstName: 'Bea', lastName: 'Lee', customerId: 'ACME-1' } })
    await call('PUT', '/api/customers/bob.lee%40acme.example', { body: { firstName: 'Bob', lastName: 'Lee', customerId: 'ACME-1', valid: false } })
    const company = await call('PUT', '/api/companies/ACME-1', { body: { name: 'Widget Works', city: 'Delft', url: 'https://acme.example' } })
    expect(company.status).toBe(201)
    expect(await search('muel')).toEqual(['juergen.mueller@example.org'])
    expect(await search('MÜLL')).toEqual(['juergen.mueller@example.org'])
    expect(await search('jurg')).toEqual(['juergen.mueller@example.org'])
    expect((await search('lee')).sort()).toEqual(['bea.lee@acme.example', 'bob.lee@acme.example'])
    expect(await search('lee be')).toEqual(['bea.lee@acme.example'])
    expect(await search('lee', '&valid=valid')).toEqual(['bea.lee@acme.example'])
    // The company's name, written into its customer users when the company was added after them.
    expect((await search('widget')).sort()).toEqual(['bea.lee@acme.example', 'bob.lee@acme.example'])
    expect((await search('acme-')).sort()).toEqual(['bea.lee@acme.example', 'bob.lee@acme.example'])
    expect((await call<PageOf<{ customerId: string }>>('GET', '/api/companies?search=widg')).body.items.map((c) => c.customerId)).toEqual(['ACME-1'])
    expect((await call<PageOf<{ customerId: string }>>('GET', '/api/companies?search=acme')).body.items.map((c) => c.customerId)).toEqual(['ACME-1'])
    const tooShort = await call<ErrorBody>('GET', '/api/customers?search=a')
    expect(tooShort.status).toBe(400)
    expect(tooShort.body.error.field).toBe('query.search')
    // A rename: the users are found by the new name only.
    await call('PUT', '/api/companies/ACME-1', { body: { name: 'Gadget Guild' } })
    expect(await search('widget')).toEqual([])
    expect((await search('gadget')).sort()).toEqual(['bea.lee@acme.example', 'bob.lee@acme.example'])
    expect((await call<Person>('GET', '/api/customers/bea.lee%40acme.example')).body.companyName).toBe('Gadget Guild')
  })

  it('pages with next: no record twice (even when several of its tokens match), none left out', async () => {
    // "lee" matches Bea and Bob by last name and by the address's local part: each is listed once.
    const seen: string[] = []
    let cursor: string | null = null
    let pages = 0
    do {
      const page: PageOf<Person> = (await call<PageOf<Person>>('GET', `/api/customers?search=lee&limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)).body
      expect(page.items.length).toBeLessThanOrEqual(1)
      seen.push(...page.items.map((person) => person.email))
      cursor = page.next
      expect(++pages).toBeLessThan(20)
    } while (cursor)
    expect(seen.sort()).toEqual(['bea.lee@acme.example', 'bob.lee@acme.example'])
    const all = (await call<PageOf<Person>>('GET', '/api/customers?limit=100')).body.items.map((person) => person.email)
    expect(new Set(all).size).toBe(all.length)
    expect(all).toEqual(expect.arrayContaining(['ann@customer.example', 'bea.lee@acme.example', 'juergen.mueller@example.org', 'sam@example.net']))
    expect((await call<ErrorBody>('GET', '/api/customers?search=lee&cursor=garbage')).status).toBe(400)
  })

  it('customer users of older versions (a name only, no search items) become searchable by a reindex', async () => {
    const { PutCommand } = await import('@aws-sdk/lib-dynamodb')
    const { createDocumentClient } = await import('../../lib/store/dynamodb-client.ts')
    const { keys } = await import('../../lib/store/keys.ts')
    const { reindexCustomerUsers } = await import('../../lib/customers/customer-directory.ts')
    const documents = createDocumentClient({ region: deps.settings.region, endpoint: deps.settings.dynamodbEndpoint })
    await documents.send(
      new PutCommand({
        TableName: tableName,
        Item: { ...keys.customer('olga@legacy.example'), entity: 'customer', email: 'olga@legacy.example', name: 'Olga Oldtimer', customerId: 'legacy.example', createdAt: '2026-01-02T03:04:05.000Z' },
      }),
    )
    expect(await search('oldtimer')).toEqual([])
    const first = await reindexCustomerUsers(deps)
    expect(first.reindexed).toBe(1)
    expect(await search('oldtimer')).toEqual(['olga@legacy.example'])
    expect((await call<PageOf<Person>>('GET', '/api/companies/legacy.example/customers')).body.items.map((person) => person.email)).toEqual(['olga@legacy.example'])
    expect((await call<Person>('GET', '/api/customers/olga%40legacy.example')).body).toMatchObject({ firstName: 'Olga', lastName: 'Oldtimer', createdAt: '2026-01-02T03:04:05.000Z' })
    expect((await reindexCustomerUsers(deps)).reindexed).toBe(0)
  })

  describe('command line', () => {
    let dir: string
    let env: Record<string, string>
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'docket-customers-'))
      env = { DOCKET_DATA_DIR: dir, DOCKET_DYNAMODB_ENDPOINT: inject('dynamodbEndpoint'), DOCKET_TABLE_NAME: tableName }
    })
    afterAll(() => rm(dir, { recursive: true, force: true }))

    it("imports OTRS's CSV export: a bad row is reported by its line, the rest imported; a re-import updates, never duplicates", async () => {
      const companies = join(dir, 'companies.csv')
      await writeFile(companies, ['CustomerID,CustomerCompanyName,CustomerCompanyCity,ValidID', 'globex,"Globex, Corp",Springfield,1', ',No Id,Nowhere,1', ''].join('\n'))
      const companyRun = docket(['companies', 'import', companies], env)
      expect(JSON.parse(companyRun.stdout.trim())).toEqual({ imported: 1, updated: 0, failed: [{ line: 3, error: 'customerId: is empty' }] })

      const users = join(dir, 'users.csv')
      await writeFile(
        users,
        [
          'UserLogin,UserEmail,UserFirstname,UserLastname,UserCustomerID,UserPhone,UserStreet,UserComment,ValidID,UserTitle',
          'homer,homer@globex.example,Homer,Simpson,globex,555-1,"742 Evergreen Terrace, Springfield","Likes donuts,',
          'and naps",1,Mr.',
          'marge,marge@globex.example,,Simpson,globex,,,,1,',
          'bart,not-an-address,Bart,Simpson,globex,,,,1,',
          'lisa,lisa@globex.example,Lisa,Simpson,globex,,,,2,',
          '',
        ].join('\r\n'),
      )
      const first = docket(['customers', 'import', users], env)
      expect(first.stderr).toContain('ignored columns: UserTitle')
      const result = JSON.parse(first.stdout.trim()) as { imported: number; updated: number; failed: { line: number; error: string }[] }
      expect(result.imported).toBe(2)
      expect(result.updated).toBe(0)
      expect(result.failed.map((failure) => failure.line)).toEqual([4, 5])
      expect(result.failed[0]!.error).toContain('firstName')
      expect(result.failed[1]!.error).toContain('email')
      expect(first.status).toBe(1)

      const homer = await call<Person & { street: string; comment: string; phone: string }>('GET', '/api/customers/homer%40globex.example')
      expect(homer.body).toMatchObject({ firstName: 'Homer', street: '742 Evergreen Terrace, Springfield', comment: 'Likes donuts,\nand naps', companyName: 'Globex, Corp', valid: true })
      expect((await call<Person>('GET', '/api/customers/lisa%40globex.example')).body.valid).toBe(false)
      expect(await search('globex')).toEqual(expect.arrayContaining(['homer@globex.example', 'lisa@globex.example']))

      const again = docket(['customers', 'import', users], env)
      expect(JSON.parse(again.stdout.trim())).toMatchObject({ imported: 0, updated: 2 })
      expect((await search('homer'))).toEqual(['homer@globex.example'])
      const members = (await call<PageOf<Person>>('GET', '/api/companies/globex/customers')).body.items.map((person) => person.email)
      expect(members).toEqual(['homer@globex.example', 'lisa@globex.example'])
    }, 240_000)

    it('exports CSV with the API field names, which imports again as it is', async () => {
      const out = join(dir, 'export.csv')
      const run = docket(['customers', 'export', out], env)
      expect(run.status, run.stderr).toBe(0)
      const rows = parse(await readFile(out, 'utf8'), { columns: true }) as Record<string, string>[]
      expect(Object.keys(rows[0]!)).toEqual(['email', 'firstName', 'lastName', 'customerId', 'phone', 'mobile', 'street', 'zip', 'city', 'country', 'comment', 'valid'])
      expect(rows.find((row) => row.email === 'homer@globex.example')).toMatchObject({ street: '742 Evergreen Terrace, Springfield', comment: 'Likes donuts,\nand naps', valid: 'true' })
      const reimport = docket(['customers', 'import', out], env)
      expect(JSON.parse(reimport.stdout.trim())).toEqual({ imported: 0, updated: rows.length, failed: [] })
      const companies = docket(['companies', 'export'], env)
      expect(companies.stdout.split('\n')[0]).toBe('customerId,name,street,zip,city,country,url,comment,valid')
      expect(companies.stdout).toContain('globex,"Globex, Corp"')
    }, 240_000)
  })
})
