import { z } from 'zod'

/**
 * AWS event bodies we consume, parsed for the fields we use (and only those, so an extra or
 * changed field AWS adds never turns good mail into a poison message).
 */

/** One S3 "object created" record, as S3 notifications deliver it (the key is URL-encoded, "+" is a space). */
export const S3ObjectCreatedRecordSchema = z.object({
  eventSource: z.literal('aws:s3'),
  eventName: z.string().startsWith('ObjectCreated:', { message: 'only ObjectCreated events are handled' }),
  eventTime: z.string(),
  s3: z.object({
    bucket: z.object({ name: z.string().min(1) }),
    object: z.object({ key: z.string().min(1), size: z.number().int().nonnegative().optional() }),
  }),
})

export const S3NotificationSchema = z.object({ Records: z.array(S3ObjectCreatedRecordSchema).min(1) })

/** The message S3 sends once when a notification target is configured: acknowledge and ignore. */
export const S3TestEventSchema = z.object({ Service: z.literal('Amazon S3'), Event: z.literal('s3:TestEvent') })

/** The body of one inbound-queue message. */
export const MailNotificationSchema = z.union([S3NotificationSchema, S3TestEventSchema])
export type MailNotification = z.infer<typeof MailNotificationSchema>

/** S3 object keys arrive URL-encoded in notifications, with "+" for a space. */
export function decodeS3Key(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, ' '))
}
