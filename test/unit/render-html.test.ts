import { describe, expect, it } from 'vitest'
import { renderArticleHtml } from '../../lib/mail/render-html.ts'
import type { Attachment } from '../../lib/ticket/model.ts'

const render = (html: string, attachments: Attachment[] = [], files: Record<string, Buffer> = {}) => renderArticleHtml(html, attachments, async (attachment) => files[attachment.blobKey]!)

describe('rendering customer HTML safely', () => {
  it('removes scripts, event handlers, frames, forms, SVG and javascript: links', async () => {
    const { html } = await render(
      `<p onclick="alert(1)">Hi <b>there</b></p><script>alert(2)</script><iframe src="https://evil.example"></iframe>
       <a href="javascript:alert(3)">click</a><a href="https://ok.example/x">ok</a><form action="https://evil.example"><input name=x></form>
       <svg><script>alert(4)</script></svg><img src=x onerror="alert(5)"><style>body{background:url(https://track.example)}</style>
       <div style="color: red; background-image: url(https://track.example/p.gif)">styled</div><object data="x"></object><meta http-equiv="refresh" content="0;url=https://evil.example">`,
    )
    expect(html).not.toMatch(/script|onclick|onerror|iframe|javascript:|<form|<input|<svg|<style|<object|<meta|url\(/i)
    expect(html).toContain('<b>there</b>')
    expect(html).toContain('<a href="https://ok.example/x" target="_blank" rel="noopener noreferrer nofollow">ok</a>')
    expect(html).toContain('style="color:red"')
  })

  it('embeds cid: images, counts remote images, drops other data: URIs', async () => {
    const image: Attachment = { id: '1', name: 'logo.png', size: 4, contentType: 'image/png', blobKey: 'k1', contentId: 'logo@x', inline: true }
    const { html, remoteImages } = await render('<img src="cid:logo@x"><img src="https://tracker.example/open.gif"><img src="data:image/svg+xml;base64,PHN2Zz4=">', [image], { k1: Buffer.from('PNG!') })
    expect(html).toContain(`src="data:image/png;base64,${Buffer.from('PNG!').toString('base64')}"`)
    expect(html).toContain('https://tracker.example/open.gif')
    expect(html).not.toContain('svg+xml')
    expect(remoteImages).toBe(1)
  })
})
