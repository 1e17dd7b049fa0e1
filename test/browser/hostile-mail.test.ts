/// <reference lib="dom" />
// (page.evaluate callbacks run in the browser: they need the DOM types.)
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { blockRemoteRequests, launchChromium, logIn, screenshot } from '../support/browser.ts'
import { apiLogin, sendMail, startTestRuntime, waitFor } from '../support/local-stack.ts'

/**
 * Point 5 of issue 7: customer mail that tries every trick is shown in the ticket zoom without
 * running a line of script and without a single request leaving the machine until the agent
 * clicks "Show images". Two independent witnesses for requests: Playwright routes (every
 * non-127.0.0.1 request aborted and counted) and a tracker server on 127.0.0.1 that the mail
 * points at too (another origin to the page, so "remote" for every policy, and it counts hits
 * whatever Playwright can see).
 */
let runtime: Awaited<ReturnType<typeof startTestRuntime>>
let browser: Browser
let tracker: Server
const trackerHits: string[] = []
let trackerBase = ''

beforeAll(async () => {
  tracker = createServer((request, response) => {
    trackerHits.push(request.url ?? '')
    response.writeHead(200, { 'content-type': 'image/png' }).end()
  })
  await new Promise<void>((resolve) => tracker.listen(0, '127.0.0.1', resolve))
  trackerBase = `http://127.0.0.1:${(tracker.address() as AddressInfo).port}`
  ;[runtime, browser] = await Promise.all([startTestRuntime(), launchChromium()])
})
afterAll(async () => {
  await browser?.close()
  await runtime?.cleanup()
  await new Promise((resolve) => tracker?.close(resolve))
})

function hostileHtml(): string {
  return [
    '<html><head>',
    `<meta http-equiv="refresh" content="0;url=${trackerBase}/meta-refresh">`,
    `<link rel="stylesheet" href="${trackerBase}/linked.css"><link rel="stylesheet" href="http://evil.example/linked.css">`,
    `<style>@import url(${trackerBase}/imported.css); body { background: url(${trackerBase}/style-background.png) }</style>`,
    '<script>window.__pwned = "head script"; alert("head script")</script>',
    '</head><body onload="window.__pwned=\'body onload\'">',
    '<p>Dear support, <b>my printer</b> is broken.</p>',
    '<script>window.__pwned = "body script"; alert("body script")</script>',
    '<img src="x" onerror="window.__pwned=\'img onerror\';alert(\'onerror\')">',
    '<div onmouseover="window.__pwned=\'mouseover\'">hover me</div>',
    '<a id="js-link" href="javascript:window.__pwned=\'js link\';alert(\'js link\')">click me</a>',
    '<a href="jav&#x09;ascript:alert(\'entity js link\')">entity link</a>',
    '<svg width="10" height="10" onload="window.__pwned=\'svg onload\'"><script>window.__pwned="svg script"</script><image href="http://evil.example/svg.png"/></svg>',
    `<iframe src="${trackerBase}/iframe"></iframe><iframe srcdoc="<script>parent.__pwned='srcdoc'</script>"></iframe>`,
    `<object data="${trackerBase}/object"></object><embed src="${trackerBase}/embed">`,
    `<form action="${trackerBase}/form" method="post"><input name="q" value="x"><button id="hostile-submit">Send</button></form>`,
    `<p style="background-image:url(${trackerBase}/inline-style.png)">styled</p>`,
    `<img src="${trackerBase}/tracking-pixel.png" width="1" height="1"><img src="http://tracker.evil.example/pixel.gif">`,
    '<base href="http://evil.example/">',
    '</body></html>',
  ].join('\n')
}

function hostileMail(): string {
  const boundary = 'hostile-boundary'
  return [
    'From: "<script>alert(\'name\')</script>" <mallory@attacker.example>',
    'To: support@example.com',
    'Subject: <img src=x onerror=alert(1)> <script>window.__pwned="subject"</script> Printer help',
    'Message-ID: <hostile-1@attacker.example>',
    'Date: Mon, 23 Nov 2026 09:00:00 +0000',
    'MIME-Version: 1.0',
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/html; charset=utf-8',
    '',
    hostileHtml(),
    `--${boundary}`,
    'Content-Type: text/html; charset=utf-8',
    'Content-Disposition: attachment; filename="<img src=x onerror=alert(2)>.html"',
    '',
    '<script>alert("attachment")</script>',
    `--${boundary}--`,
    '',
  ].join('\r\n')
}

describe('hostile customer mail in the ticket zoom', () => {
  it('runs no script and makes no remote request until "Show images"; then loads only the images', async () => {
    await sendMail(runtime.smtpPort, hostileMail(), { from: 'mallory@attacker.example', to: ['support@example.com'] })
    const token = await apiLogin(runtime.httpUrl)
    const number = await waitFor(async () => {
      const response = await fetch(`${runtime.httpUrl}/api/tickets?queue=Support`, { headers: { authorization: `Bearer ${token}` } })
      const body = (await response.json()) as { items: { number: string; title: string }[] }
      return body.items.find((ticket) => ticket.title.includes('Printer help'))?.number
    }, 'the hostile mail to become a ticket')

    const context = await browser.newContext()
    const remote = await blockRemoteRequests(context)
    const page = await context.newPage()
    const dialogs: string[] = []
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message())
      void dialog.dismiss()
    })
    const popups: string[] = []
    context.on('page', (opened) => popups.push(opened.url()))

    await page.goto(`${runtime.httpUrl}/tickets/${number}`)
    await logIn(page)
    const frame = page.frameLocator('iframe.article-frame')
    await frame.getByText('my printer').waitFor().catch(async (error: unknown) => {
      await screenshot(page, 'failure-hostile', true)
      throw error
    })
    await page.getByText(/remote images are blocked/).waitFor()
    // Give anything that could fire (onload, meta refresh, lazy images) time to do it.
    await page.waitForTimeout(1500)

    // Hover and click what a curious agent would: nothing may run or leave.
    await frame.getByText('hover me').hover()
    await frame.locator('#js-link').click({ timeout: 2000 }).catch(() => undefined)
    await frame.locator('#hostile-submit').click({ timeout: 1000 }).catch(() => undefined)
    await page.waitForTimeout(500)

    expect(dialogs).toEqual([])
    expect(await page.evaluate(() => (window as unknown as { __pwned?: string }).__pwned)).toBeUndefined()
    for (const child of page.frames()) {
      const flag = await child.evaluate(() => (window as unknown as { __pwned?: string }).__pwned).catch(() => undefined)
      expect(flag, `frame ${child.url()}`).toBeUndefined()
    }
    expect(remote, 'requests to other hosts before "Show images"').toEqual([])
    expect(trackerHits, 'requests to the tracker before "Show images"').toEqual([])
    expect(popups).toEqual([])

    // The page itself holds no markup from the mail: subject and names are text.
    const subject = await page.locator('#article-subject').textContent()
    expect(subject).toContain('<img src=x onerror=alert(1)>')
    expect(await page.evaluate(() => document.querySelectorAll('script:not([src])').length)).toBe(0)
    expect(await page.locator('body img[onerror], body [onload]').count()).toBe(0)
    // The frame is sandboxed without scripts or same-origin access, whatever the server sent.
    const iframe = page.locator('iframe.article-frame')
    const sandbox = (await iframe.getAttribute('sandbox')) ?? ''
    expect(sandbox).not.toContain('allow-scripts')
    expect(sandbox).not.toContain('allow-same-origin')
    expect(await iframe.getAttribute('srcdoc')).toContain("default-src 'none'")
    await screenshot(page, 'zoom-hostile-blocked', true)

    await page.getByRole('button', { name: 'Show images' }).click()
    await page.getByText(/remote images are shown/).waitFor()
    await waitFor(async () => (trackerHits.includes('/tracking-pixel.png') ? true : undefined), 'the allowed image to load', 5000)
    await page.waitForTimeout(500)
    expect(dialogs).toEqual([])
    // Images only: no stylesheet, frame, object, form or refresh ever went out.
    expect(trackerHits.filter((hit) => !/\.(png|gif)$/.test(hit))).toEqual([])
    expect(remote.every((url) => /\.(png|gif)$/.test(url))).toBe(true)
    await screenshot(page, 'zoom-hostile-images', true)
    await context.close()
  })
})
