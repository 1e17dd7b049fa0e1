import * as z from 'zod'

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

/**
 * SES sending events, as a configuration set's event destination publishes them to SNS (SES
 * developer guide, "Contents of event data that Amazon SES publishes to Amazon SNS"). Only the
 * fields we use are read. `mail.headers` are the headers of the message as we handed it to SES:
 * SES replaces the Message-ID of the mail it delivers, but reports ours here.
 */
const SesMailSchema = z.object({
  /** SES's id of the sent mail (SendEmail's MessageId, kept as the sent record's providerMessageId). */
  messageId: z.string().min(1),
  timestamp: z.string(),
  destination: z.array(z.string()).optional(),
  headersTruncated: z.boolean().optional(),
  headers: z.array(z.object({ name: z.string(), value: z.string() })).default([]),
  commonHeaders: z.object({ subject: z.string().optional() }).optional(),
})

const SesBounceSchema = z.object({
  /** Permanent: the address will not take mail (a hard bounce). Transient/Undetermined: SES gave up on this mail only. */
  bounceType: z.enum(['Permanent', 'Transient', 'Undetermined']),
  bounceSubType: z.string().optional(),
  bouncedRecipients: z
    .array(z.object({ emailAddress: z.string().min(1), action: z.string().optional(), status: z.string().optional(), diagnosticCode: z.string().optional() }))
    .min(1),
  /** Unique per notification: a redelivered notification carries the same one. */
  feedbackId: z.string().min(1),
  timestamp: z.string(),
  reportingMTA: z.string().optional(),
})

const SesComplaintSchema = z.object({
  complainedRecipients: z.array(z.object({ emailAddress: z.string().min(1) })).min(1),
  feedbackId: z.string().min(1),
  timestamp: z.string(),
  complaintFeedbackType: z.string().optional(),
  /** "OnAccountSuppressionList" when SES did not even try (the address is on the account's suppression list). */
  complaintSubType: z.string().nullish(),
})

/** Event types a configuration set can publish that Docket does not act on (acknowledged, ignored). */
export const ignoredSesEventTypes = ['Send', 'Delivery', 'Open', 'Click', 'Rendering Failure', 'DeliveryDelay', 'Subscription'] as const

export const SesSendingEventSchema = z.discriminatedUnion('eventType', [
  z.object({ eventType: z.literal('Bounce'), mail: SesMailSchema, bounce: SesBounceSchema }),
  z.object({ eventType: z.literal('Complaint'), mail: SesMailSchema, complaint: SesComplaintSchema }),
  /** SES took the mail, then refused to send it (a virus): nothing went out. */
  z.object({ eventType: z.literal('Reject'), mail: SesMailSchema, reject: z.object({ reason: z.string() }) }),
  z.object({ eventType: z.enum(ignoredSesEventTypes) }),
])
export type SesSendingEvent = z.infer<typeof SesSendingEventSchema>

/** What SNS delivers to SQS without raw message delivery: the published message is the JSON string in Message. */
const SnsNotificationSchema = z.object({ Type: z.literal('Notification'), TopicArn: z.string(), Message: z.string() })

/**
 * The body of one ses-feedback queue message: the SES event inside an SNS notification, or the
 * event itself when the subscription has raw message delivery on. Identity notifications (the
 * older feedback forwarding) name the type `notificationType`: read as `eventType`.
 */
export const SesFeedbackMessageSchema = z.preprocess((body, context) => {
  const notification = SnsNotificationSchema.safeParse(body)
  let event: unknown = body
  if (notification.success) {
    try {
      event = JSON.parse(notification.data.Message)
    } catch {
      context.addIssue({ code: 'custom', path: ['Message'], message: 'the SNS notification carries no JSON message' })
      return body
    }
  }
  if (event && typeof event === 'object' && !('eventType' in event) && 'notificationType' in event) return { ...event, eventType: event.notificationType }
  return event
}, SesSendingEventSchema)
