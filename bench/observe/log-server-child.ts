/**
 * The API server of the observe benchmark, in its own process: `node --import tsx
 * bench/observe/log-server-child.ts <dataDir>`. As `kubedesk up` runs it: a sqlite store in
 * `<dataDir>`, its PKI and tokens, and the `kube-apiserver` component log (through the log hub
 * to `<dataDir>/logs/kube-apiserver.log`), whose verbosity the benchmark changes with
 * `PUT /debug/flags/v`. Prints one JSON line once it serves: `{"url","port","ca","token","pid"}`.
 *
 * IPC: `{type:'stats'}` answers `{type:'stats', lines}` (lines the hub took so far);
 * `{type:'count'}` flushes the log and answers `{type:'count', lines, fileLines}` (lines in the
 * log files), so the benchmark can check that no line was lost on the way to disk.
 */
import { readFileSync } from 'node:fs'
import { createTokenAuthenticator } from '../../src/main/apiserver/authn'
import { loadCredentials } from '../../src/main/apiserver/credentials'
import { ensurePki } from '../../src/main/apiserver/pki'
import { startApiServer } from '../../src/main/apiserver/server'
import { componentLogFiles, createComponentLog } from '../../src/main/observe/component-log'
import { logHubFor } from '../../src/main/observe/log-hub'
import { openStore } from '../../src/main/store'

/** A request from the benchmark. */
export type ChildRequest = { type: 'stats' } | { type: 'count' }

/** The child's answers. */
export type ChildReply =
  { type: 'stats'; lines: number } | { type: 'count'; lines: number; fileLines: number }

const COMPONENT = 'kube-apiserver'

async function main(): Promise<void> {
  const dataDir = process.argv[2]
  if (!dataDir) throw new Error('usage: log-server-child.ts <dataDir>')
  const store = await openStore({ backend: 'sqlite', dataDir })
  const pki = await ensurePki(dataDir, { sans: [] })
  const credentials = loadCredentials(dataDir)
  // Files large enough that no line rotates away before the benchmark counts them.
  const log = createComponentLog(dataDir, COMPONENT, { maxBytes: 256 * 1024 * 1024 })
  const api = await startApiServer({
    store,
    host: '127.0.0.1',
    port: 0,
    tls: { cert: pki.serverCert, key: pki.serverKey },
    authenticator: createTokenAuthenticator(credentials),
    log
  })
  const sink = logHubFor(dataDir).get(COMPONENT)!
  let stopping: Promise<void> | undefined
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      await api.close().catch(() => undefined)
      await store.close().catch(() => undefined)
      log.close()
      process.exit(0)
    })())
  process.on('SIGTERM', () => void stop())
  process.on('SIGINT', () => void stop())
  process.on('disconnect', () => void stop())
  process.on('message', (request: ChildRequest) => {
    if (request.type === 'stats') {
      process.send?.({ type: 'stats', lines: sink.written } satisfies ChildReply)
      return
    }
    sink.flush()
    let fileLines = 0
    for (const file of componentLogFiles(dataDir, COMPONENT)) {
      const text = readFileSync(file, 'utf8')
      for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) fileLines++
    }
    process.send?.({ type: 'count', lines: sink.written, fileLines } satisfies ChildReply)
  })
  process.stdout.write(
    JSON.stringify({
      url: api.url,
      port: api.port,
      ca: pki.caCert,
      token: credentials.adminToken,
      pid: process.pid
    }) + '\n'
  )
}

main().catch((err: unknown) => {
  process.stderr.write(
    `API server child failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`
  )
  process.exit(1)
})
