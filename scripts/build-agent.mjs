#!/usr/bin/env node
// Bundles the kubelet (src/agent/main.ts) into one file, out/agent/kubelet.js, that plain Node 20
// runs with no node_modules beside it: the node image copies just this file to
// /kubedesk/kubelet.js. Usage: node scripts/build-agent.mjs [--entry file] [--outfile file]
import { build } from 'esbuild'
import { existsSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')

function option(name, fallback) {
  const at = process.argv.indexOf(name)
  return at >= 0 && process.argv[at + 1] ? resolve(process.argv[at + 1]) : fallback
}

const entry = option('--entry', resolve(root, 'src/agent/main.ts'))
const outfile = option('--outfile', resolve(root, 'out/agent/kubelet.js'))

// dockerode's SSH transport loads `ssh2` (and ssh2 the native `cpu-features`) when docker-modem
// loads. The kubelet only talks to a Unix socket, so both are replaced by a stub that fails
// only if an ssh:// Docker host is ever asked for.
const SSH_STUB = `
function unavailable() {
  throw new Error('the ssh:// Docker transport is not included in the KubeDesk kubelet')
}
module.exports = { Client: unavailable }
`
const stubOptionalNative = {
  name: 'stub-optional-native',
  setup(b) {
    b.onResolve({ filter: /^(ssh2|cpu-features)$/ }, (args) => ({
      path: args.path,
      namespace: 'kubedesk-stub'
    }))
    b.onLoad({ filter: /.*/, namespace: 'kubedesk-stub' }, () => ({
      contents: SSH_STUB,
      loader: 'js'
    }))
  }
}

async function main() {
  if (!existsSync(entry)) {
    console.error(`build-agent: no entry point at ${entry}`)
    process.exit(1)
  }
  const started = Date.now()
  const result = await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: false,
    minify: false,
    legalComments: 'none',
    logLevel: 'warning',
    metafile: true,
    // Lets an entry outside the tree (a test's) resolve the project's packages too.
    nodePaths: [resolve(root, 'node_modules')],
    plugins: [stubOptionalNative]
  })
  const bytes = Object.values(result.metafile.outputs).reduce((sum, o) => sum + o.bytes, 0)
  const ms = Date.now() - started
  console.log(
    `build-agent: ${outfile} (${(bytes / 1024).toFixed(0)} KiB) in ${(ms / 1000).toFixed(1)} s`
  )
}

main().catch((err) => {
  console.error(`build-agent: ${err instanceof Error ? err.message : String(err)}`)
  process.exit(1)
})
