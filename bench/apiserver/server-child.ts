/**
 * The API server under test, in its own process: `node --import tsx bench/apiserver/server-child.ts
 * <dataDir>`. It opens a sqlite store in `<dataDir>` (as `kubedesk up` does, background compaction
 * on), the PKI and tokens of that directory, and `startApiServer` on 127.0.0.1, port 0. Once it
 * listens it prints one JSON line on stdout: `{"url","port","ca","token","pid"}`.
 *
 * It runs the API server alone — no scheduler, controllers or control socket — so its CPU time and
 * RSS are the API server's. It stops on SIGTERM/SIGINT, or when its stdin closes (the benchmark
 * died), closing the server and the store.
 */
import { createTokenAuthenticator } from '../../src/main/apiserver/authn'
import { loadCredentials } from '../../src/main/apiserver/credentials'
import { ensurePki } from '../../src/main/apiserver/pki'
import { startApiServer } from '../../src/main/apiserver/server'
import { openStore } from '../../src/main/store'

/** The line the child prints once it serves. */
export interface ServerReady {
  url: string
  port: number
  /** The CA certificate (PEM) that signed the serving certificate. */
  ca: string
  /** The admin bearer token. */
  token: string
  pid: number
}

async function main(): Promise<void> {
  const dataDir = process.argv[2]
  if (!dataDir) throw new Error('usage: server-child.ts <dataDir>')
  const store = await openStore({ backend: 'sqlite', dataDir })
  const pki = await ensurePki(dataDir, { sans: [] })
  const credentials = loadCredentials(dataDir)
  const api = await startApiServer({
    store,
    host: '127.0.0.1',
    port: 0,
    tls: { cert: pki.serverCert, key: pki.serverKey },
    authenticator: createTokenAuthenticator(credentials)
  })
  let stopping: Promise<void> | undefined
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      await api.close().catch(() => undefined)
      await store.close().catch(() => undefined)
      process.exit(0)
    })())
  process.on('SIGTERM', () => void stop())
  process.on('SIGINT', () => void stop())
  process.stdin.on('end', () => void stop())
  process.stdin.on('error', () => void stop())
  process.stdin.resume()
  const ready: ServerReady = {
    url: api.url,
    port: api.port,
    ca: pki.caCert,
    token: credentials.adminToken,
    pid: process.pid
  }
  process.stdout.write(JSON.stringify(ready) + '\n')
}

main().catch((err: unknown) => {
  process.stderr.write(
    `API server child failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`
  )
  process.exit(1)
})
