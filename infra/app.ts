import { ConfigError } from '../lib/platform/config.ts'
import { buildDocketApp } from './docket-app.ts'
import { DeploymentSettingsError } from './deployment-settings.ts'

/**
 * The CDK app (`cdk synth`, `cdk deploy`; see cdk.json). A bad docket.config.yaml or bad context
 * ends synth here with the message that names what to fix, without a stack trace.
 */
try {
  buildDocketApp().app.synth()
} catch (error) {
  if (error instanceof ConfigError || error instanceof DeploymentSettingsError) {
    console.error(error.message)
    process.exit(1)
  }
  throw error
}
