/**
 * The API server under test, in its own process: `node --import tsx bench/apiserver/server-child.ts
 * <dataDir>`. It opens a sqlite store in `<dataDir>` (as `kubedesk up` does, background compaction
 * on), the PKI and tokens of that directory, and `startApiServer` on 127.0.0.1, port 0. Once it
 * listens it prints one JSON line on stdout: `{"url","port","ca","token","pid"}`.
 *
 * It runs the API server alone — no scheduler, controllers or control socket — so its CPU time and
 * RSS are the API server's. It stops on SIGTERM/SIGINT, or when its IPC channel closes (the
 * benchmark died), closing the server and the store.
 *
 * One IPC request, `seed`, writes pods straight into its store (the value the API server stored
 * for a template pod, with name and uid replaced): `--quick` uses it for the part of the 10,000
 * listed pods that the API could not create within the quick run's time budget.
 */
import { randomUUID } from 'node:crypto'
import { createTokenAuthenticator } from '../../src/main/apiserver/authn'
import { loadCredentials } from '../../src/main/apiserver/credentials'
import { ensurePki } from '../../src/main/apiserver/pki'
import { startApiServer } from '../../src/main/apiserver/server'
import { openStore, type Store } from '../../src/main/store'

/** Asks the child to write `names` into the store under `prefix` (`<prefix><name>`). */
export interface SeedRequest {
  type: 'seed'
  prefix: string
  names: string[]
  /** A pod as the API server stored it (JSON without resourceVersion). */
  template: string
  templateName: string
  templateUid: string
}

/** The answer to a SeedRequest. */
export type SeedReply = { type: 'seeded'; count: number } | { type: 'error'; message: string }

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

let store: Store

async function main(): Promise<void> {
  const dataDir = process.argv[2]
  if (!dataDir) throw new Error('usage: server-child.ts <dataDir>')
  store = await openStore({ backend: 'sqlite', dataDir })
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
  process.on('disconnect', () => void stop())
  process.on('message', (request: SeedRequest) => {
    seed(request).then(
      (count) => process.send?.({ type: 'seeded', count } satisfies SeedReply),
      (err: unknown) => process.send?.({ type: 'error', message: String(err) } satisfies SeedReply)
    )
  })
  const ready: ServerReady = {
    url: api.url,
    port: api.port,
    ca: pki.caCert,
    token: credentials.adminToken,
    pid: process.pid
  }
  process.stdout.write(JSON.stringify(ready) + '\n')
}

async function seed(request: SeedRequest): Promise<number> {
  const nameField = `"name":"${request.templateName}"`
  const uidField = `"uid":"${request.templateUid}"`
  let next = 0
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (next < request.names.length) {
        const name = request.names[next++]
        const value = request.template
          .replace(nameField, `"name":"${name}"`)
          .replace(uidField, `"uid":"${randomUUID()}"`)
        await store.create(request.prefix + name, value)
      }
    })
  )
  return request.names.length
}

main().catch((err: unknown) => {
  process.stderr.write(
    `API server child failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`
  )
  process.exit(1)
})
