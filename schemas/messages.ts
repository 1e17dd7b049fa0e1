import * as z from 'zod'

/** Messages on Docket's own work queues (SQS in AWS, the local durable queue otherwise). */
export const SendArticleMessageSchema = z.strictObject({
  kind: z.literal('send-article'),
  ticketNumber: z.string().min(1),
  articleId: z.string().min(1),
})

/** A mail that is not an article (agent notification, answer to a rejected follow-up). */
export const SendMailMessageSchema = z.strictObject({
  kind: z.literal('send-mail'),
  outboundMailId: z.string().min(1),
})

export const OutboundMessageSchema = z.discriminatedUnion('kind', [SendArticleMessageSchema, SendMailMessageSchema])
export type OutboundMessage = z.infer<typeof OutboundMessageSchema>
