import { loadJsonConfigFile } from '../platform/config.ts'
import { DocketError } from '../platform/errors.ts'
import type { RuntimeSettings } from '../platform/runtime-settings.ts'
import type { SearchIndex } from '../search/ports.ts'
import type { AwsAdapterFactories } from './aws-adapters.ts'
import type { BuildOptions, Dependencies } from './dependencies.ts'
import { buildSharedDependencies, unwiredPort, type RuntimeAdapters } from './shared-dependencies.ts'

/**
 * The dependencies of one Lambda function: the shared DynamoDB stores plus the AWS adapters its
 * entry asked for. A port it did not ask for is not in its bundle and fails on use with a message
 * naming the fix. The config is the JSON synth wrote beside the function (DOCKET_CONFIG), unless
 * `options.config` gives one.
 */
export async function buildAwsDependencies(settings: RuntimeSettings, factories: AwsAdapterFactories, options: BuildOptions = {}): Promise<Dependencies> {
  const config = options.config ?? loadJsonConfigFile(settings.configPath)
  const unwired = <T extends object>(port: string, factory: keyof AwsAdapterFactories) =>
    unwiredPort<T>(port, `its entry in functions/ builds it without the "${factory}" adapter (lambdaEntry's second argument)`)
  const adapters: RuntimeAdapters = {
    ...(factories.blobs?.(settings) ?? {
      rawMail: unwired('raw mail storage', 'blobs'),
      attachments: unwired('attachment storage', 'blobs'),
      auditArchive: unwired('the audit archive', 'blobs'),
    }),
    outbound: factories.outbound?.(settings) ?? unwired('the outbound queue', 'outbound'),
    jobQueue: factories.jobQueue?.(settings) ?? unwired('the jobs queue', 'jobQueue'),
    mailSender: factories.mailSender?.(settings) ?? unwired('sending mail', 'mailSender'),
    ...(factories.secrets?.(settings) ?? { jwtSecret: unwiredSecret('the JWT key'), totpKey: unwiredSecret('the TOTP key') }),
    search: await awsSearchIndex(settings, factories.search),
  }
  return { ...buildSharedDependencies(settings, config, options), ...adapters }
}

function unwiredSecret(what: string): () => Promise<Uint8Array> {
  return async () => {
    throw new DocketError('unavailable', `${what} is not available in this function: only the API reads the secrets`)
  }
}

/** OpenSearch, for the functions given its endpoint and its adapter (the API and the indexer); the others never search. */
async function awsSearchIndex(settings: RuntimeSettings, factory: AwsAdapterFactories['search']): Promise<SearchIndex> {
  const why = !factory
    ? 'its entry in functions/ builds it without the "search" adapter (lambdaEntry\'s second argument)'
    : !settings.opensearchEndpoint
      ? 'DOCKET_OPENSEARCH_ENDPOINT is not set (the Search construct sets it on the functions it grants access)'
      : undefined
  if (!factory || why) {
    const unavailable = async (): Promise<never> => {
      throw new DocketError('unavailable', `search is not available in this function: ${why}`)
    }
    // eslint-disable-next-line require-yield
    const versions = async function* (): AsyncGenerator<never> {
      await unavailable()
    }
    return { upsert: unavailable, remove: unavailable, search: unavailable, statistics: unavailable, beginRebuild: unavailable, count: unavailable, versions }
  }
  return factory(settings)
}
