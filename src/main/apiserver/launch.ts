/**
 * Starts the API server the way `kubedesk up` runs it: the data directory's CA and serving
 * certificate (created on first run), its tokens, HTTPS on 127.0.0.1. A taken port is not fatal:
 * like `kind` picking a random host port, the server moves to a free one and says so.
 */
import type { ComponentLog } from '../observe/component-log'
import type { Store } from '../store/types'
import { createTokenAuthenticator } from './authn'
import { loadCredentials, type Credentials } from './credentials'
import { DEFAULT_SANS, ensurePki } from './pki'
import { startApiServer, type ApiServer, type ApiServerOptions } from './server'
import type { AdmissionOptions } from './admission'

/** Where the API server listens: loopback, plus the cluster network's gateway for docker nodes. */
export const API_SERVER_HOST = '127.0.0.1'

/** What `launchApiServer` needs. */
export interface LaunchOptions {
  dataDir: string
  store: Store
  /** The port wanted; 0 for any free one. */
  port: number
  /** Extra names and addresses for the serving certificate and the Host check. */
  sans?: string[]
  /** Addresses to listen on besides 127.0.0.1 (the cluster network's gateway). */
  extraHosts?: string[]
  log: ComponentLog
  /** Admission settings (the default toleration seconds). */
  admission?: AdmissionOptions
  /** How long an Event lives after its last write (`--event-ttl`, default 1 h). */
  eventTtlSeconds?: number
  /** What `metrics.k8s.io` serves, and who hears of each request (see ApiServerOptions). */
  metrics?: ApiServerOptions['metrics']
  observeRequest?: ApiServerOptions['observeRequest']
}

/** A running API server and what a kubeconfig for it needs. */
export interface LaunchedApiServer {
  server: ApiServer
  /** Set when the wanted port was taken: the sentence that says where the server went instead. */
  moved?: string
  credentials: { server: string; caCert: string; token: string }
  /**
   * The API server's token toward kubelets (user `system:kube-apiserver-kubelet-client`): put it
   * into every kubelet's `server.allowedTokens` so pods/log can reach them.
   */
  kubeletClientToken: string
  /** The data directory's tokens: node tokens are issued and revoked through it. */
  tokens: Credentials
}

/** Loads (or creates) the PKI and tokens, then serves; EADDRINUSE on `port` falls back to a free port. */
export async function launchApiServer(o: LaunchOptions): Promise<LaunchedApiServer> {
  const sans = o.sans ?? []
  const pki = await ensurePki(o.dataDir, { sans })
  o.log.info('loaded PKI', { caFile: pki.caFile })
  const tokens = loadCredentials(o.dataDir)
  const kubeletClientToken = tokens.issueComponentToken('kube-apiserver-kubelet-client')
  const listen = (port: number): Promise<ApiServer> =>
    startApiServer({
      store: o.store,
      host: API_SERVER_HOST,
      extraHosts: o.extraHosts,
      port,
      tls: { cert: pki.serverCert, key: pki.serverKey },
      authenticator: createTokenAuthenticator(tokens),
      allowedHosts: [...DEFAULT_SANS, ...sans],
      log: o.log,
      kubeletClient: { token: kubeletClientToken, caCert: pki.caCert },
      admission: o.admission,
      eventTtlSeconds: o.eventTtlSeconds,
      metrics: o.metrics,
      observeRequest: o.observeRequest
    })
  let server: ApiServer
  let moved: string | undefined
  try {
    server = await listen(o.port)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || o.port === 0) throw err
    server = await listen(0)
    moved =
      `port ${o.port} is in use; the API server listens on ` +
      `${API_SERVER_HOST}:${server.port} instead`
    o.log.warn(moved, { wanted: o.port, port: server.port })
  }
  return {
    server,
    moved,
    credentials: { server: server.url, caCert: pki.caCert, token: tokens.adminToken },
    kubeletClientToken,
    tokens
  }
}
