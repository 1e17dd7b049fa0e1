#!/usr/bin/env node
// The `docket` command (like OTRS's otrs.Console.pl). Plain JavaScript so it can check the Node
// version before loading the TypeScript sources, which Node 22+ runs directly.
const major = Number(process.versions.node.split('.')[0])
if (major < 22) {
  console.error(`Docket needs Node.js 22 or newer; this is ${process.version}.`)
  console.error('Fix: run `npm ci` in the Docket folder (it installs Node 22 into node_modules), then use `npm start` or `npx docket ...`.')
  process.exit(1)
}
// node:sqlite (local full-text search) is marked experimental in Node 22; the warning is noise for users.
process.removeAllListeners('warning')
process.on('warning', (warning) => {
  if (warning.name !== 'ExperimentalWarning') console.warn(warning)
})
await import('../cli/main.ts')
