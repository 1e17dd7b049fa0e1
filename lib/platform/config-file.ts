import { parseDocument } from 'yaml'
import { ConfigError, loadJsonConfigFile, readConfigText, validateConfig, type DocketConfig } from './config.ts'

/**
 * docket.config.yaml → a validated config. Kept apart from config.ts so that the Lambda bundles,
 * which read the JSON synth writes, carry no YAML parser (~120 KB minified).
 */
export function parseConfig(text: string, file = 'docket.config.yaml'): DocketConfig {
  const document = parseDocument(text, { prettyErrors: true })
  if (document.errors.length > 0) {
    throw new ConfigError(file, document.errors.map((error) => `YAML syntax: ${error.message}`))
  }
  return validateConfig(document.toJS(), file)
}

/** A config file by path: YAML (what admins write), or JSON (what synth ships beside each function). */
export function loadConfigFile(file: string): DocketConfig {
  if (file.endsWith('.json')) return loadJsonConfigFile(file)
  return parseConfig(readConfigText(file), file)
}
