/**
 * RFC 6266 file name, always a download, never inline: the name itself when it is plain ASCII; else an
 * ASCII fallback plus the UTF-8 name (filename*), which only the names that need it carry.
 */
export function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_')
  if (ascii === name) return `attachment; filename="${ascii}"`
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`
}
