/** Sends a finished MIME message: SES in AWS; the outbox folder or an SMTP relay locally. */
export interface MailSender {
  send(message: { raw: Buffer; from: string; recipients: string[] }): Promise<{ providerMessageId: string }>
}
