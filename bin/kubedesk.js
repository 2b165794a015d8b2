#!/usr/bin/env node
// The `kubedesk` command: runs the built CLI (electron-vite builds src/main/cli.ts to
// out/main/cli.js). Plain CommonJS so it runs on any supported Node without a build step.
'use strict'
/* eslint-disable @typescript-eslint/no-require-imports -- CommonJS on purpose, see above */

const { existsSync } = require('node:fs')
const { join } = require('node:path')

const built = join(__dirname, '..', 'out', 'main', 'cli.js')
if (!existsSync(built)) {
  process.stderr.write("kubedesk is not built yet: run 'npm run build' (or 'npm run setup')\n")
  process.exit(1)
}
require(built).run(process.argv.slice(2))
