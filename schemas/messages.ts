import { z } from 'zod'

/** Messages on Docket's own work queues (SQS in AWS, the local durable queue otherwise). */
export const SendArticleMessageSchema = z.strictObject({
  kind: z.literal('send-article'),
  ticketNumber: z.string().min(1),
  articleId: z.string().min(1),
})

export const OutboundMessageSchema = z.discriminatedUnion('kind', [SendArticleMessageSchema])
export type OutboundMessage = z.infer<typeof OutboundMessageSchema>
