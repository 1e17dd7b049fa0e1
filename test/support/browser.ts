import { mkdirSync } from 'node:fs'
import type { BrowserContext, Page } from 'playwright-core'
import { demoPassword } from './local-stack.ts'

export { chromiumArgs, chromiumPath, launchChromium } from './chromium.ts'

export const artifactsDir = 'test/artifacts'

/** Screenshots of the main screens go to test/artifacts/ (not committed) for people to look at. */
export async function screenshot(page: Page, name: string, fullPage = false): Promise<string> {
  mkdirSync(artifactsDir, { recursive: true })
  const path = `${artifactsDir}/${name}.png`
  await page.screenshot({ path, fullPage })
  return path
}

/** Every request that is not to the local server is aborted and recorded. */
export async function blockRemoteRequests(context: BrowserContext): Promise<string[]> {
  const remote: string[] = []
  await context.route(
    (url) => url.protocol !== 'data:' && url.protocol !== 'blob:' && url.hostname !== '127.0.0.1',
    (route) => {
      remote.push(route.request().url())
      return route.abort()
    },
  )
  return remote
}

export async function logIn(page: Page, login = 'admin', password = demoPassword): Promise<void> {
  await page.getByLabel('Login', { exact: true }).fill(login)
  await page.getByLabel('Password', { exact: true }).fill(password)
  await page.getByRole('button', { name: 'Log in' }).click()
}
