import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium, logIn, screenshot } from '../support/browser.ts'
import { apiLogin, mail, sendMail, startTestRuntime, waitFor } from '../support/local-stack.ts'

/**
 * Issue 14.2 in Chromium against the real local runtime: an admin adds and edits customer users
 * and a customer (Admin → Customer User / Customer), the customer search finds people and
 * companies as they type, the information center shows a company with its users and tickets, and
 * the To field of a reply suggests customer users.
 */
let runtime: Awaited<ReturnType<typeof startTestRuntime>>
let browser: Browser
let token: string

beforeAll(async () => {
  ;[runtime, browser] = await Promise.all([startTestRuntime(), launchChromium()])
  token = await apiLogin(runtime.httpUrl)
})
afterAll(async () => {
  await browser?.close()
  await runtime?.cleanup()
})

const api = async <T>(path: string, init: RequestInit = {}): Promise<T> => {
  const response = await fetch(`${runtime.httpUrl}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers } })
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`)
  return (await response.json()) as T
}

async function newLoggedInPage(): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 } })
  await page.goto(`${runtime.httpUrl}/`)
  await logIn(page)
  await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor()
  return page
}

describe('customer administration and search', () => {
  it('adds a customer and a customer user, edits one, and finds them as the agent types', async () => {
    const page = await newLoggedInPage()
    await page.goto(`${runtime.httpUrl}/admin/customers`)
    await page.getByRole('heading', { name: 'Customers', level: 1 }).waitFor()
    await page.getByRole('button', { name: 'Add customer' }).click()
    const companyDialog = page.getByRole('dialog', { name: 'Add customer' })
    await companyDialog.getByLabel('CustomerID').fill('annco.example')
    await companyDialog.getByLabel('Name').fill('Annco Printing')
    await companyDialog.getByLabel('City').fill('Utrecht')
    await companyDialog.getByRole('button', { name: 'Save' }).click()
    await page.getByText('Customer annco.example saved.').waitFor()
    await page.getByRole('link', { name: 'Annco Printing' }).waitFor()

    await page.getByRole('link', { name: 'Customer users' }).click()
    await page.getByRole('heading', { name: 'Customer users', level: 1 }).waitFor()
    for (const [email, first, last] of [
      ['ann@annco.example', 'Ann', 'Andersen'],
      ['annie@annco.example', 'Annie', 'Berg'],
      ['zoe@elsewhere.example', 'Zoë', 'Zwart'],
    ] as const) {
      await page.getByRole('button', { name: 'Add customer user' }).click()
      const dialog = page.getByRole('dialog', { name: 'Add customer user' })
      await dialog.getByLabel('Email').fill(email)
      await dialog.getByLabel('First name').fill(first)
      await dialog.getByLabel('Last name').fill(last)
      if (email.endsWith('annco.example')) await dialog.getByLabel('CustomerID').fill('annco.example')
      await dialog.getByRole('button', { name: 'Save' }).click()
      await page.getByText(`Customer user ${email} saved.`).waitFor()
    }
    // Search as you type, any case: "ZWA" finds Zoë only.
    await page.getByLabel('Search', { exact: true }).fill('ZWA')
    const table = page.getByRole('table', { name: 'Customer users' })
    await table.getByRole('link', { name: 'Zoë Zwart' }).waitFor()
    await waitFor(async () => ((await table.getByRole('row').count()) === 2 ? true : undefined), 'one row under the header')
    await page.getByRole('button', { name: 'Edit: zoe@elsewhere.example' }).click()
    const edit = page.getByRole('dialog', { name: 'Edit customer user' })
    expect(await edit.getByLabel('Email').inputValue()).toBe('zoe@elsewhere.example')
    await edit.getByLabel('Phone').fill('+31 30 123 4567')
    await edit.getByRole('button', { name: 'Save' }).click()
    await page.getByText('Customer user zoe@elsewhere.example saved.').waitFor()
    const searchBox = page.getByLabel('Search', { exact: true })
    await searchBox.click()
    await searchBox.press('Control+a')
    await searchBox.press('Backspace')
    await table.getByRole('link', { name: 'Ann Andersen' }).waitFor()
    await screenshot(page, 'admin-customer-users')
    expect((await api<{ phone: string }>('/api/customers/zoe%40elsewhere.example')).phone).toBe('+31 30 123 4567')

    // The customer search (top bar "Customers"): "Ann" finds people and the company, not an empty page.
    await page.getByRole('navigation').getByRole('link', { name: 'Customers' }).click()
    await page.getByLabel('Search customer users and customers').fill('Ann')
    const users = page.getByRole('region', { name: 'Customer users' })
    const companies = page.getByRole('region', { name: 'Customers', exact: true })
    await users.getByRole('link', { name: 'Ann Andersen' }).waitFor()
    await users.getByRole('link', { name: 'Annie Berg' }).waitFor()
    await companies.getByRole('link', { name: 'Annco Printing' }).waitFor()
    expect(await users.getByText('Zoë Zwart').count()).toBe(0)
    await screenshot(page, 'customer-search')
    await page.close()
  })

  it("the information center shows a company's data, its customer users and their tickets; a reply's To suggests customer users", async () => {
    await sendMail(runtime.smtpPort, mail({ subject: 'Toner smeared', from: 'Ann Andersen <ann@annco.example>', to: 'support@example.com' }), { from: 'ann@annco.example', to: ['support@example.com'] })
    const ticket = await waitFor(async () => (await api<{ items: { number: string; title: string }[] }>('/api/customers/ann%40annco.example/tickets')).items.find((item) => item.title === 'Toner smeared'), 'the mailed ticket')
    const page = await newLoggedInPage()
    await page.goto(`${runtime.httpUrl}/companies/annco.example`)
    await page.getByRole('heading', { name: 'Customer: Annco Printing', level: 1 }).waitFor()
    await page.getByText('Utrecht').waitFor()
    const members = page.getByRole('region', { name: 'Customer users of this customer' })
    await members.getByRole('link', { name: 'Ann Andersen' }).waitFor()
    await members.getByRole('link', { name: 'Annie Berg' }).waitFor()
    await page.getByRole('tab', { name: 'Open (1)' }).waitFor()
    await page.getByRole('link', { name: 'Toner smeared' }).waitFor()
    await screenshot(page, 'customer-information-center')

    await members.getByRole('link', { name: 'Ann Andersen' }).click()
    await page.getByRole('heading', { name: 'Customer: Ann Andersen', level: 1 }).waitFor()
    await page.getByRole('link', { name: 'Annco Printing (annco.example)' }).waitFor()
    await page.getByRole('link', { name: 'Toner smeared' }).waitFor()
    await screenshot(page, 'customer-user')

    // Reply: the To field suggests customer users by name; picking one adds "Name <address>, ".
    await page.goto(`${runtime.httpUrl}/tickets/${ticket.number}`)
    await page.getByRole('heading', { name: 'Toner smeared', level: 1 }).waitFor()
    await page.keyboard.press('r')
    const compose = page.getByRole('dialog', { name: `Reply · ${ticket.number}` })
    const cc = compose.getByRole('combobox', { name: 'Cc' })
    await cc.fill('zwa')
    const option = compose.getByRole('option', { name: /Zoë Zwart/ })
    await option.waitFor()
    await screenshot(page, 'compose-autocomplete')
    await cc.press('ArrowDown')
    await cc.press('Enter')
    expect(await cc.inputValue()).toBe('Zoë Zwart <zoe@elsewhere.example>, ')
    await page.close()
  })
})
