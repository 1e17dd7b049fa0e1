import { chromium, type Browser } from 'playwright-core'

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
