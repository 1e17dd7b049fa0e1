import he from 'he'
import sanitizeHtml from 'sanitize-html'
import type { Attachment } from '../ticket/model.ts'
import { fieldCaps } from './field-caps.ts'
import { htmlNestingDepth, htmlToPlainText } from './html-text.ts'

/**
 * Customer HTML, made safe to show (XSS by mail is the most common helpdesk CVE). Inline cid:
 * images are rewritten to data: URIs first (the sandboxed viewer has no session to fetch them),
 * then the HTML is sanitized as the LAST step with a maintained sanitizer: no scripts, event
 * handlers, frames, objects, forms, SVG, base or meta refresh; links only http(s)/mailto and
 * opening outside; CSS only simple properties without url(). Remote images stay in place but the
 * client's viewer blocks them (CSP) until the agent allows images for the article; their number
 * is reported so the client can offer that.
 */
export interface RenderedHtml {
  html: string
  remoteImages: number
}

const maxInlineImageBytes = 2 * 1024 * 1024
const cssValue = [/^(?!.*(url|expression|javascript|@import)\s*[(:]).*$/i]
const allowedStyles = Object.fromEntries(
  [
    'color', 'background-color', 'font-family', 'font-size', 'font-weight', 'font-style', 'text-align', 'text-decoration', 'line-height',
    'margin', 'margin-top', 'margin-bottom', 'margin-left', 'margin-right', 'padding', 'padding-top', 'padding-bottom', 'padding-left', 'padding-right',
    'border', 'border-top', 'border-bottom', 'border-left', 'border-right', 'border-collapse', 'border-color', 'border-width', 'border-style',
    'width', 'height', 'max-width', 'vertical-align', 'white-space', 'display',
  ].map((property) => [property, cssValue]),
)

export async function renderArticleHtml(html: string, attachments: Attachment[], loadAttachment: (attachment: Attachment) => Promise<Buffer>): Promise<RenderedHtml> {
  // sanitize-html is quadratic in nesting depth (100,000 nested <div>s took 16 s): such HTML is
  // shown as its text, which is what it carries anyway.
  if (htmlNestingDepth(html, fieldCaps.htmlNestingDepth) > fieldCaps.htmlNestingDepth) return { html: `<pre>${he.encode(htmlToPlainText(html), { useNamedReferences: true })}</pre>`, remoteImages: 0 }
  const inlineImages = new Map<string, string>()
  for (const attachment of attachments) {
    if (!attachment.contentId || !attachment.contentType.startsWith('image/') || attachment.size > maxInlineImageBytes) continue
    const content = await loadAttachment(attachment).catch(() => null)
    if (content) inlineImages.set(attachment.contentId.replace(/^<|>$/g, '').toLowerCase(), `data:${attachment.contentType.replace(/[^a-z0-9/+.-]/gi, '')};base64,${content.toString('base64')}`)
  }
  let remoteImages = 0
  const clean = sanitizeHtml(html, {
    allowedTags: [
      'a', 'abbr', 'b', 'blockquote', 'br', 'caption', 'center', 'code', 'col', 'colgroup', 'dd', 'del', 'div', 'dl', 'dt', 'em', 'font', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6',
      'hr', 'i', 'img', 'ins', 'li', 'mark', 'ol', 'p', 'pre', 'q', 's', 'small', 'span', 'strike', 'strong', 'sub', 'sup', 'table', 'tbody', 'td', 'tfoot', 'th', 'thead', 'tr', 'u', 'ul',
    ],
    allowedAttributes: {
      '*': ['style', 'align', 'valign', 'dir', 'lang', 'title'],
      a: ['href', 'name', 'target', 'rel'],
      img: ['src', 'alt', 'width', 'height'],
      font: ['color', 'face', 'size'],
      table: ['border', 'cellpadding', 'cellspacing', 'width', 'bgcolor'],
      td: ['colspan', 'rowspan', 'width', 'bgcolor', 'nowrap'],
      th: ['colspan', 'rowspan', 'width', 'bgcolor', 'nowrap'],
      col: ['span', 'width'],
    },
    allowedSchemes: ['http', 'https', 'mailto'],
    allowedSchemesByTag: { img: ['http', 'https', 'data'] },
    allowProtocolRelative: false,
    allowedStyles: { '*': allowedStyles },
    nonTextTags: ['style', 'script', 'textarea', 'option', 'noscript', 'title', 'svg', 'math', 'template', 'iframe', 'object', 'embed', 'head'],
    transformTags: {
      a: (tagName, attribs) => ({ tagName, attribs: { ...attribs, target: '_blank', rel: 'noopener noreferrer nofollow' } }),
      img: (tagName, attribs) => {
        const source = attribs.src ?? ''
        if (/^cid:/i.test(source)) {
          const inline = inlineImages.get(source.slice(4).replace(/^<|>$/g, '').toLowerCase())
          return { tagName, attribs: { ...attribs, src: inline ?? '' } }
        }
        if (/^data:/i.test(source)) return { tagName, attribs: { ...attribs, src: /^data:image\/(png|gif|jpe?g|webp);/i.test(source) ? source : '' } }
        if (/^https?:/i.test(source)) remoteImages++
        return { tagName, attribs }
      },
    },
  })
  return { html: clean, remoteImages }
}
