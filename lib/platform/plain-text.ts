/**
 * Text a person reads as one piece (titles, subjects, display names, file names) never carries
 * characters that change how the rest of it shows: C0/C1 controls (NUL included), the bidi
 * embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069: the "invoice\u202Efdp.exe"
 * trick), and lone surrogates (not text at all: they break UTF-8 encoders and JSON consumers).
 * The bidi marks U+200E/U+200F/U+061C stay: they only set the direction of neutral characters
 * next to them, cannot reverse a run of text, and Hebrew and Arabic titles need them.
 */
const controlCharacters = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g
const bidiFormatting = /[\u202a-\u202e\u2066-\u2069]/g
const loneSurrogates = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g

/** The text without control characters (tab, CR and LF kept), bidi formatting characters and lone surrogates. */
export function withoutUnsafeCharacters(value: string): string {
  return value.replace(controlCharacters, '').replace(bidiFormatting, '').replace(loneSurrogates, '')
}

/** One line of plain text (subjects, titles, names): line breaks and tabs become a space, unsafe characters go, trimmed, at most `maxChars`. */
export function plainTextLine(value: string, maxChars: number): string {
  // Cut before the last cleaning, so a cut through a surrogate pair leaves no half of it behind.
  return withoutUnsafeCharacters(withoutUnsafeCharacters(value).replace(/[\r\n\t]+/g, ' ').trim().slice(0, maxChars)).trim()
}

/** A ticket title as OTRS keeps it: one line of at most 255 characters. */
export const ticketTitle = (value: string) => plainTextLine(value, 255)
