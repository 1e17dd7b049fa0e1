import { mkdirSync } from 'node:fs'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { demoPassword } from './local-stack.ts'

/**
 * Debian's Chromium (installed by .ci/run), never a downloaded browser. IsolateSandboxedIframes is
 * switched off only so that Playwright sees the network requests of the sandboxed article frame
 * (in its own process it is invisible to page.route); the frame stays sandboxed and under its CSP.
 */
export const chromiumPath = '/usr/bin/chromium'
export const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-features=IsolateSandboxedIframes',
]

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath, args: chromiumArgs })
}

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
