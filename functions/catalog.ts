import type { Context } from 'aws-lambda'
import type { Dependencies } from '../lib/runtime/dependencies.ts'

type HandlerFactory = (deps: Dependencies) => (event: never, context: Context) => Promise<unknown>

/** Every Lambda function: its entry file (CDK bundles it) and its handler factory (local runs and `docket invoke`). */
export const functionCatalog = {
  'mail-received': { entry: 'functions/mail-received.ts', load: async () => (await import('./mail-received.ts')).createMailReceivedHandler as HandlerFactory },
  'mail-send': { entry: 'functions/mail-send.ts', load: async () => (await import('./mail-send.ts')).createMailSendHandler as HandlerFactory },
  'ses-feedback': { entry: 'functions/ses-feedback.ts', load: async () => (await import('./ses-feedback.ts')).createSesFeedbackHandler as HandlerFactory },
  api: { entry: 'functions/api.ts', load: async () => (await import('./api.ts')).createApiHandler as HandlerFactory },
  'search-indexer': { entry: 'functions/search-indexer.ts', load: async () => (await import('./search-indexer.ts')).createSearchIndexerHandler as HandlerFactory },
  'outbox-relay': { entry: 'functions/outbox-relay.ts', load: async () => (await import('./outbox-relay.ts')).createOutboxRelayHandler as HandlerFactory },
  jobs: { entry: 'functions/jobs.ts', load: async () => (await import('./jobs.ts')).createJobsHandler as HandlerFactory },
  'search-maintenance': { entry: 'functions/search-maintenance.ts', load: async () => (await import('./search-maintenance.ts')).createSearchMaintenanceHandler as HandlerFactory },
} satisfies Record<string, { entry: string; load: () => Promise<HandlerFactory> }>

export type FunctionName = keyof typeof functionCatalog
