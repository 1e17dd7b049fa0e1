/**
 * Field caps that keep one article within DynamoDB's 400 KB item limit whatever the mail holds
 * (the raw mail keeps everything): OTRS's article subject column is 3,800 characters; RFC 5322
 * lines (so Message-IDs) are at most 998; RFC 6838 type names are short.
 */
export const fieldCaps = {
  subjectChars: 3800,
  displayNameChars: 256,
  addressChars: 320,
  messageIdChars: 998,
  references: 50,
  contentTypeChars: 100,
  contentIdChars: 200,
  /** Attachment names share this many UTF-8 bytes (at most 255 characters each). */
  attachmentNameBytes: 64_000,
  /** html-to-text is quadratic in nesting depth: deeper HTML takes the linear fallback. */
  htmlNestingDepth: 256,
  /** html-to-text costs ~1 s per MB: bigger HTML takes the linear fallback. */
  htmlToTextChars: 256 * 1024,
} as const
