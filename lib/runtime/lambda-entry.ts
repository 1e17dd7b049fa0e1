import type { Context } from 'aws-lambda'
import { readRuntimeSettings } from '../platform/runtime-settings.ts'
import type { AwsAdapterFactories } from './aws-adapters.ts'
import { buildAwsDependencies } from './aws-dependencies.ts'
import type { Dependencies } from './dependencies.ts'

let shared: Promise<Dependencies> | undefined

/**
 * Turns a handler factory into a Lambda handler: dependencies are built on the first invocation
 * (from the environment) and reused while the instance lives. `adapters` names the AWS adapters the
 * function uses; only those are bundled (a port left out fails on use, saying so). Locally the same
 * factory is called with the local runtime's dependencies instead, and this module builds nothing.
 */
export function lambdaEntry<E, R>(
  factory: (deps: Dependencies) => (event: E, context: Context) => Promise<R>,
  adapters: AwsAdapterFactories = {},
): (event: E, context: Context) => Promise<R> {
  let handler: ((event: E, context: Context) => Promise<R>) | undefined
  return async (event, context) => {
    if (!handler) {
      shared ??= buildAwsDependencies(readRuntimeSettings(), adapters).catch((error: unknown) => {
        shared = undefined
        throw error
      })
      handler = factory(await shared)
    }
    return handler(event, context)
  }
}

/**
 * A function's own view of the dependencies: its own child logger, so the Lambda context the
 * logger middleware adds never leaks into another function sharing the process (local runtime).
 */
export function forFunction(deps: Dependencies): Dependencies {
  return { ...deps, logger: deps.logger.createChild() }
}
