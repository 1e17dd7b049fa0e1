import { describe, expect, it } from 'vitest'
import { exportRow, mapHeader, mapRow, parseValid } from '../../lib/customers/csv-columns.ts'
import { companyTokens, customerUserTokens, listingToken, lookupWord, matchesAll, normalizeSearchText, queryWords, sortName, tokenPartition } from '../../lib/customers/search-tokens.ts'

describe('customer search rules', () => {
  it('normalizes case, accents and spaces the same way for records and queries', () => {
    expect(normalizeSearchText('  Jürgen   MÜLLER ')).toBe('jurgen muller')
    expect(normalizeSearchText('Ånne-Marie Ørsted')).toBe('anne-marie ørsted')
    expect(queryWords('Ann,  SMITH ann')).toEqual(['ann', 'smith'])
  })

  it('looks up the longest word, and only from two characters on', () => {
    expect(lookupWord(['ann', 'smith'])).toBe('smith')
    expect(lookupWord(['a'])).toBeUndefined()
    expect(lookupWord([])).toBeUndefined()
    expect(tokenPartition('smith')).toBe('sm')
  })

  it("finds a customer user by first and last name (and their parts), the address, its local part's words, the domain, CustomerID and company name", () => {
    const tokens = customerUserTokens({ email: 'anne.lee@acme.example', firstName: 'Anne-Marie', lastName: 'Lee', customerId: 'ACME-1', companyName: 'Widget Works' })
    expect(tokens).toEqual([...tokens].sort())
    for (const query of ['anne', 'marie', 'lee', 'anne.lee@', 'acme.ex', 'acme-1', 'widget', 'works']) expect(matchesAll(tokens, queryWords(query)), query).toBe(true)
    expect(matchesAll(tokens, queryWords('Lee Wid'))).toBe(true)
    expect(matchesAll(tokens, queryWords('Lee Gadget'))).toBe(false)
    expect(tokens.every((token) => token.length >= 2)).toBe(true)
  })

  it('lists a record once, at the first token a word prefixes (no repeats across pages)', () => {
    const tokens = customerUserTokens({ email: 'lee@x.example', firstName: 'Lee', lastName: 'Leeson', customerId: 'x.example', companyName: '' })
    expect(listingToken(tokens, 'lee')).toBe('lee')
    expect(listingToken(tokens, 'lees')).toBe('leeson')
    expect(listingToken(tokens, 'zz')).toBeUndefined()
  })

  it('finds a company by name words and CustomerID; sorts the empty search by name', () => {
    expect(companyTokens({ customerId: 'globex', name: 'Globex Corp' })).toEqual(['corp', 'globex'])
    expect(sortName('Lee', 'Bea', 'bea@x')).toBe('lee bea bea@x')
    expect(sortName('', '')).toBe('~')
  })
})

describe('customer CSV columns', () => {
  it("reads OTRS's export names and the API's names in any case; other columns are ignored and named", () => {
    const otrs = mapHeader('customers', ['UserLogin', 'UserEmail', 'UserFirstname', 'userlastname', 'UserCustomerID', 'ValidID', 'UserTitle'])
    expect(otrs.fields).toEqual(['login', 'email', 'firstName', 'lastName', 'customerId', 'valid', null])
    expect(otrs.ignored).toEqual(['UserTitle'])
    expect(mapHeader('companies', ['\uFEFFCustomerID', 'CustomerCompanyName', 'CustomerCompanyZIP', 'CustomerCompanyURL']).fields).toEqual(['customerId', 'name', 'zip', 'url'])
    expect(mapHeader('customers', ['email', 'firstName', 'lastName']).fields).toEqual(['email', 'firstName', 'lastName'])
  })

  it('refuses a header without the key column or with a field twice', () => {
    expect(() => mapHeader('customers', ['UserFirstname'])).toThrow(/email column/)
    expect(() => mapHeader('companies', ['name'])).toThrow(/customerId column/)
    expect(() => mapHeader('customers', ['email', 'UserEmail'])).toThrow(/second time/)
  })

  it('maps a row to the key and the fields; empty cells are left out; the login stands in for a missing email', () => {
    const mapping = mapHeader('customers', ['UserLogin', 'UserEmail', 'UserFirstname', 'UserPhone', 'ValidID'])
    expect(mapRow('customers', mapping, ['ann', 'Ann@X.example', 'Ann', '', '2'])).toEqual({ key: 'Ann@X.example', fields: { firstName: 'Ann', valid: false } })
    expect(mapRow('customers', mapping, ['bob@x.example', '', 'Bob', '1', ''])).toEqual({ key: 'bob@x.example', fields: { firstName: 'Bob', phone: '1' } })
    expect(() => mapRow('customers', mapping, ['carl', '', 'Carl', '', ''])).toThrow(/not an address/)
    expect(() => mapRow('companies', mapHeader('companies', ['CustomerID', 'name']), ['', 'X'])).toThrow('customerId: is empty')
  })

  it('reads ValidID (1 valid, 2 invalid, 3 invalid-temporarily) and words', () => {
    expect(['1', '', 'valid', 'TRUE'].map(parseValid)).toEqual([true, true, true, true])
    expect(['2', '3', 'invalid', 'false', '0'].map(parseValid)).toEqual([false, false, false, false, false])
    expect(() => parseValid('maybe')).toThrow(/ValidID/)
  })

  it('exports the API names in order', () => {
    expect(exportRow('companies', { customerId: 'g', name: 'G, Inc', valid: true, url: '' })).toEqual(['g', 'G, Inc', '', '', '', '', '', '', 'true'])
  })
})
