import js from '@eslint/js'
import tseslint from 'typescript-eslint'

/** Lint, plus the architecture's boundaries as import rules: the domain never imports adapters, the AWS SDK, handlers or infrastructure. */
const domainBoundaries = {
  patterns: [
    { group: ['@aws-sdk/*'], message: 'AWS SDK calls belong in an adapter (lib/**/adapters/) or lib/local / lib/runtime.' },
    { group: ['**/adapters/*'], message: 'The domain talks to ports; only lib/runtime (and lib/local) choose adapters.' },
    { group: ['**/functions/*', '**/infra/*', '**/cli/*'], message: 'lib/ must not depend on handlers, infrastructure or the CLI.' },
  ],
}

export default tseslint.config(
  { ignores: ['node_modules/**', 'scratch/**', 'cdk.out/**', 'web/dist/**', 'web/node_modules/**', '.docket/**', 'test/artifacts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', crypto: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', TextEncoder: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-control-regex': 'off',
    },
  },
  {
    files: ['lib/**/*.ts'],
    // lib/store is the DynamoDB plumbing the adapters share.
    ignores: ['lib/**/adapters/**', 'lib/runtime/**', 'lib/local/**', 'lib/store/**'],
    rules: { 'no-restricted-imports': ['error', domainBoundaries] },
  },
  {
    files: ['lib/**/adapters/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/functions/*', '**/infra/*', '**/cli/*'], message: 'Adapters must not depend on handlers, infrastructure or the CLI.' }] }],
    },
  },
  {
    // `import { z } from 'zod'` hands esbuild zod's namespace object, which keeps every schema class and all 40 locales
    // (~370 KB) in every Lambda bundle; property access on `import * as z` lets it drop what is unused (issue 15.3).
    files: ['lib/**/*.ts', 'schemas/**/*.ts', 'functions/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: "ImportDeclaration[source.value='zod'][importKind!='type'] > ImportSpecifier[imported.name='z']", message: "Write `import * as z from 'zod'`: the namespace object keeps all of zod in every Lambda bundle." },
      ],
    },
  },
  {
    files: ['functions/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['@aws-sdk/*'], message: 'Handlers are glue: SDK calls belong in adapters.' }, { group: ['**/adapters/*'], message: 'Handlers get their adapters from lib/runtime.' }] }] },
  },
)
