/**
 * A real KubeDesk cluster for acceptance tests: `kubedesk up` from source in a temporary data
 * directory, the real kubectl pointed at the kubeconfig the server wrote, and raw HTTPS requests
 * that trust the cluster's CA. One cluster per test file keeps the suite's runtime modest.
 *
 * Safety: the child gets `KUBECONFIG=<tmp>/user-kubeconfig`, so `up` merges its context into a
 * throw-away file, never the developer's ~/.kube/config. kubectl always runs with an explicit
 * `--kubeconfig` and a fresh `--cache-dir`, so no discovery cached from another cluster leaks in.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { request as httpsRequest, type RequestOptions } from 'node:https'
import { checkServerIdentity } from 'node:tls'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml'
import type { Store } from '../../src/main/store/types'

/** The repository root: the CLI resolves tsx and package.json from here. */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url))
/** The real kubectl (v1.32) the acceptance tests drive. */
/** The real kubectl the tests drive: $KUBECTL, else `kubectl` on PATH. */
export const KUBECTL = process.env.KUBECTL ?? 'kubectl'

const CLI_SOURCE = join(REPO_ROOT, 'src/main/cli.ts')
const START_TIMEOUT_MS = 90_000
const STOP_TIMEOUT_MS = 20_000
const KUBECTL_TIMEOUT_MS = 60_000

/** A finished kubectl run. */
export interface KubectlResult {
  code: number | null
  stdout: string
  stderr: string
}

/** Options of one kubectl run. */
export interface KubectlOptions {
  /** Written to kubectl's stdin (for `-f -`). */
  stdin?: string
  /** Another kubeconfig (e.g. one with a wrong token) instead of the server's. */
  kubeconfig?: string
  timeoutMs?: number
}

/** A long-running kubectl (`get --watch`, `wait`). */
export interface RunningKubectl {
  /** Everything printed on stdout so far. */
  stdout(): string
  stderr(): string
  /** Resolves once stdout (or stderr) matches `pattern`; rejects on exit or after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs?: number, stream?: 'stdout' | 'stderr'): Promise<void>
  /** Resolves when kubectl exits by itself. */
  exited: Promise<KubectlResult>
  /** Kills kubectl (by its pid) and waits for it to exit. */
  kill(): Promise<void>
}

/** A raw HTTPS request to the API server. */
export interface RawRequest {
  method?: string
  path: string
  headers?: Record<string, string>
  body?: string | Buffer
  /** Send the admin credential (default true). */
  auth?: boolean
  /** Override the Host header (the server must refuse foreign ones). */
  host?: string
  timeoutMs?: number
}

/** A raw HTTPS response; `json` is the parsed body when it parses. */
export interface RawResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
  json?: unknown
}

/** The admin credential and trust root read from a kubeconfig. */
export interface ClusterAccess {
  /** `https://127.0.0.1:<port>`. */
  server: string
  ca: string
  token?: string
  cert?: string
  key?: string
}

/** A running cluster. */
export interface Cluster {
  dataDir: string
  /** `<dataDir>/kubeconfig`, written by the server. */
  kubeconfig: string
  /** The user kubeconfig `up` merged its context into (`$KUBECONFIG` of the child). */
  userKubeconfig: string
  /** The temporary directory holding everything; removed by `stop`. */
  tmp: string
  access: ClusterAccess
  kubectl(args: string[], opts?: KubectlOptions): Promise<KubectlResult>
  /** Starts kubectl and returns at once (for `--watch` and `wait`). */
  kubectlSpawn(args: string[], opts?: { kubeconfig?: string }): RunningKubectl
  request(req: RawRequest): Promise<RawResponse>
  /** The up process's stderr so far (progress lines, errors). */
  log(): string
  /** False once `kubedesk up` has exited (crashed, or stopped). */
  alive(): boolean
  /** SIGTERM to `kubedesk up`, wait for it to exit, remove the temporary directory. */
  stop(): Promise<void>
  /**
   * Sends `signal` to `kubedesk up` (by its pid) and waits for it to exit; the temporary
   * directory is left in place (for a restart on the same data directory).
   */
  kill(signal: NodeJS.Signals): Promise<void>
  /** The pid of the `kubedesk up` process. */
  pid: number | undefined
}

/** Options of `startCluster`. */
export interface StartClusterOptions {
  store?: 'sqlite' | 'memory'
  /** Worker nodes (default 0: the API alone, no Docker needed). */
  nodes?: number
  provider?: 'docker' | 'process' | 'simulated'
  /** Reuse this temporary directory (a restart on the same data directory). */
  tmp?: string
  /** The API server's port (default 0: any free one). */
  port?: number
  /** `stop()` leaves the temporary directory in place (for a restart). */
  keepData?: boolean
  /** More `up` flags, e.g. `['--node-heartbeat', '1s']`. */
  extraArgs?: string[]
}

/** Starts `kubedesk up` in a fresh temporary data directory and waits until it is ready. */
export async function startCluster(options: StartClusterOptions = {}): Promise<Cluster> {
  const tmp = options.tmp ?? mkdtempSync(join(tmpdir(), 'kd-e2e-'))
  const dataDir = join(tmp, 'd')
  const userKubeconfig = join(tmp, 'user-kubeconfig')
  const cacheDir = join(tmp, 'kcache')
  const kubeconfig = join(dataDir, 'kubeconfig')
  const store = options.store ?? 'sqlite'

  const env: NodeJS.ProcessEnv = { ...process.env, KUBECONFIG: userKubeconfig }
  delete env.KUBEDESK_HOME
  delete env.KUBEDESK_DEBUG
  // `--port 0`: any free port; the server's address is read back from the kubeconfig it writes.
  // `--nodes 0`: the API alone, no Docker needed.
  const args = ['up', '--data-dir', dataDir, '--store', store]
  args.push('--nodes', String(options.nodes ?? 0), '--port', String(options.port ?? 0))
  // No nodes and no provider asked for: simulated, so API tests never need Docker.
  args.push('--provider', options.provider ?? (options.nodes ? 'auto' : 'simulated'))
  args.push(...(options.extraArgs ?? []))
  const up = startUpProcess(args, env)
  let access: ClusterAccess
  try {
    access = await waitReady(up, kubeconfig)
  } catch (err) {
    await up.terminate()
    if (!options.keepData) rmSync(tmp, { recursive: true, force: true })
    throw err
  }

  const kubectlArgs = (args: string[], config = kubeconfig): string[] => [
    '--kubeconfig',
    config,
    '--cache-dir',
    cacheDir,
    ...args
  ]

  return {
    dataDir,
    kubeconfig,
    userKubeconfig,
    tmp,
    access,
    kubectl: (args, opts = {}) =>
      runKubectl(kubectlArgs(args, opts.kubeconfig), opts.stdin, opts.timeoutMs),
    kubectlSpawn: (args, opts = {}) => spawnKubectl(kubectlArgs(args, opts.kubeconfig)),
    request: (req) => rawRequest(access, req),
    log: () => up.stderr(),
    alive: () => up.exitCode === undefined,
    async stop() {
      await up.terminate()
      if (!options.keepData) rmSync(tmp, { recursive: true, force: true })
    },
    pid: up.child.pid,
    async kill(signal) {
      if (up.exitCode !== undefined) return
      up.child.kill(signal)
      await up.exited
    }
  }
}

interface UpProcess {
  child: ChildProcess
  exitCode: number | null | undefined
  stderr(): string
  exited: Promise<void>
  terminate(): Promise<void>
}

function startUpProcess(args: string[], env: NodeJS.ProcessEnv): UpProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI_SOURCE, ...args], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let err = ''
  child.stdout!.resume()
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk))
  const proc: UpProcess = {
    child,
    exitCode: undefined,
    stderr: () => err,
    exited: new Promise<void>((resolve) => {
      child.on('close', (code) => {
        proc.exitCode = code
        resolve()
      })
    }),
    async terminate() {
      if (proc.exitCode !== undefined) return
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS)
      await proc.exited
      clearTimeout(timer)
    }
  }
  return proc
}

/** Waits for `<dataDir>/kubeconfig` and a 200 from `/readyz`; fails early if `up` exits. */
async function waitReady(up: UpProcess, kubeconfig: string): Promise<ClusterAccess> {
  const deadline = Date.now() + START_TIMEOUT_MS
  let lastProblem = 'no kubeconfig yet'
  while (Date.now() < deadline) {
    if (up.exitCode !== undefined) {
      throw new Error(`kubedesk up exited (code ${up.exitCode}) before ready:\n${up.stderr()}`)
    }
    if (existsSync(kubeconfig)) {
      try {
        const access = readAccess(kubeconfig)
        const res = await rawRequest(access, { path: '/readyz', timeoutMs: 2000 })
        if (res.status === 200) return access
        lastProblem = `/readyz answered ${res.status}: ${res.body.slice(0, 200)}`
      } catch (err) {
        lastProblem = String(err)
      }
    }
    await new Promise((r) => setTimeout(r, 150))
  }
  throw new Error(
    `cluster not ready after ${START_TIMEOUT_MS} ms (${lastProblem}):\n${up.stderr()}`
  )
}

interface KubeconfigFile {
  'current-context'?: string
  contexts?: { name: string; context: { cluster: string; user: string } }[]
  clusters?: { name: string; cluster: Record<string, string> }[]
  users?: { name: string; user: Record<string, string> }[]
}

/** Reads the current context's server, CA and credential from a kubeconfig. */
export function readAccess(kubeconfigPath: string): ClusterAccess {
  const config = parseYaml(readFileSync(kubeconfigPath, 'utf8')) as KubeconfigFile
  const ctx =
    config.contexts?.find((c) => c.name === config['current-context']) ?? config.contexts?.[0]
  const cluster = config.clusters?.find((c) => c.name === ctx?.context.cluster)?.cluster
  const user = config.users?.find((u) => u.name === ctx?.context.user)?.user ?? {}
  if (!cluster?.server) throw new Error(`${kubeconfigPath}: no cluster server for the context`)
  const fromData = (data?: string, file?: string): string | undefined =>
    data
      ? Buffer.from(data, 'base64').toString('utf8')
      : file
        ? readFileSync(file, 'utf8')
        : undefined
  const ca = fromData(cluster['certificate-authority-data'], cluster['certificate-authority'])
  if (!ca) throw new Error(`${kubeconfigPath}: no certificate authority`)
  return {
    server: cluster.server,
    ca,
    token: user.token,
    cert: fromData(user['client-certificate-data'], user['client-certificate']),
    key: fromData(user['client-key-data'], user['client-key'])
  }
}

/**
 * Writes a copy of `kubeconfigPath` whose user authenticates with `token` only (client
 * certificates removed), for the 401 cases.
 */
export function writeKubeconfigWithToken(kubeconfigPath: string, out: string, token: string) {
  const config = parseYaml(readFileSync(kubeconfigPath, 'utf8')) as KubeconfigFile
  for (const u of config.users ?? []) {
    u.user = { token }
  }
  writeFileSync(out, stringifyYaml(config), { mode: 0o600 })
}

/** Writes a kubeconfig (JSON is YAML) that reaches `access` with its token. */
export function writeKubeconfig(access: ClusterAccess, out: string): void {
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': 'kubedesk',
    clusters: [
      {
        name: 'kubedesk',
        cluster: {
          server: access.server,
          'certificate-authority-data': Buffer.from(access.ca).toString('base64')
        }
      }
    ],
    users: [{ name: 'admin', user: { token: access.token } }],
    contexts: [{ name: 'kubedesk', context: { cluster: 'kubedesk', user: 'admin' } }]
  }
  writeFileSync(out, JSON.stringify(config), { mode: 0o600 })
}

/** Runs the real kubectl with an explicit kubeconfig and discovery cache. */
export function kubectlAt(
  kubeconfig: string,
  cacheDir: string,
  args: string[],
  opts: KubectlOptions = {}
): Promise<KubectlResult> {
  return runKubectl(
    ['--kubeconfig', kubeconfig, '--cache-dir', cacheDir, ...args],
    opts.stdin,
    opts.timeoutMs
  )
}

/** One HTTPS request trusting the cluster CA; never rejects on HTTP errors, only on I/O. */
export function rawRequest(access: ClusterAccess, req: RawRequest): Promise<RawResponse> {
  const url = new URL(access.server)
  const headers: Record<string, string> = { ...(req.headers ?? {}) }
  const useAuth = req.auth !== false
  if (useAuth && access.token) headers.authorization = `Bearer ${access.token}`
  if (req.host !== undefined) headers.host = req.host
  const body = req.body === undefined ? undefined : Buffer.from(req.body)
  if (
    body &&
    headers['content-length'] === undefined &&
    headers['transfer-encoding'] === undefined
  ) {
    headers['content-length'] = String(body.length)
  }
  const options: RequestOptions = {
    host: url.hostname,
    port: url.port,
    method: req.method ?? 'GET',
    path: req.path,
    headers,
    ca: access.ca,
    // The certificate is checked against the server's address, not a Host header under test.
    checkServerIdentity: (_host, cert) => checkServerIdentity(url.hostname, cert),
    agent: false,
    ...(useAuth && access.cert && access.key ? { cert: access.cert, key: access.key } : {})
  }
  return new Promise<RawResponse>((resolve, reject) => {
    const r = httpsRequest(options, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('error', reject)
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        let json: unknown
        try {
          json = JSON.parse(text)
        } catch {
          json = undefined
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, json })
      })
    })
    r.setTimeout(req.timeoutMs ?? 15_000, () => r.destroy(new Error(`timeout: ${req.path}`)))
    r.on('error', reject)
    r.end(body)
  })
}

function runKubectl(args: string[], stdin?: string, timeoutMs = KUBECTL_TIMEOUT_MS) {
  return new Promise<KubectlResult>((resolve, reject) => {
    const child = spawn(KUBECTL, args, { stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c))
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
    // kubectl may exit before reading all of a large stdin (a 413); that is not our failure.
    child.stdin.on('error', () => undefined)
    child.stdin.end(stdin ?? '')
  })
}

function spawnKubectl(args: string[]): RunningKubectl {
  const child = spawn(KUBECTL, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  let done = false
  const listeners = new Set<() => void>()
  child.stdout.setEncoding('utf8').on('data', (c: string) => {
    out += c
    listeners.forEach((l) => l())
  })
  child.stderr.setEncoding('utf8').on('data', (c: string) => {
    err += c
    listeners.forEach((l) => l())
  })
  const exited = new Promise<KubectlResult>((resolve) => {
    child.on('close', (code) => {
      done = true
      listeners.forEach((l) => l())
      resolve({ code, stdout: out, stderr: err })
    })
  })
  return {
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor(pattern, timeoutMs = 30_000, stream = 'stdout') {
      return new Promise<void>((resolve, reject) => {
        const finish = (fn: () => void): void => {
          listeners.delete(check)
          clearTimeout(timer)
          fn()
        }
        const check = (): void => {
          if (pattern.test(stream === 'stdout' ? out : err)) finish(resolve)
          else if (done) {
            finish(() => reject(new Error(`kubectl exited before ${pattern}:\n${out}\n${err}`)))
          }
        }
        const timer = setTimeout(
          () =>
            finish(() =>
              reject(new Error(`no ${pattern} within ${timeoutMs} ms:\n${out}\n${err}`))
            ),
          timeoutMs
        )
        listeners.add(check)
        check()
      })
    },
    async kill() {
      if (!done) child.kill('SIGTERM')
      await exited
    }
  }
}

/** An API server started in this process over a store the test can reach (to compact it). */
export interface InProcessServer {
  access: ClusterAccess
  store: Store
  request(req: RawRequest): Promise<RawResponse>
  /** Every key under /registry/ with its modRevision, for before/after comparisons. */
  snapshot(): Promise<Record<string, number>>
  stop(): Promise<void>
}

/**
 * Starts `startApiServer` on 127.0.0.1 (any free port) over a fresh sqlite store with background
 * compaction off, with the PKI and admin token of a temporary data directory.
 */
export async function startInProcessServer(): Promise<InProcessServer> {
  const tmp = mkdtempSync(join(tmpdir(), 'kd-api-'))
  const { openStore } = await import('../../src/main/store')
  const { ensurePki } = await import('../../src/main/apiserver/pki')
  const { loadCredentials } = await import('../../src/main/apiserver/credentials')
  const { createTokenAuthenticator } = await import('../../src/main/apiserver/authn')
  const { startApiServer } = await import('../../src/main/apiserver/server')
  const store = await openStore({ backend: 'sqlite', dataDir: tmp, compaction: { enabled: false } })
  try {
    const pki = await ensurePki(tmp, { sans: [] })
    const credentials = loadCredentials(tmp)
    const api = await startApiServer({
      store,
      host: '127.0.0.1',
      port: 0,
      tls: { cert: pki.serverCert, key: pki.serverKey },
      authenticator: createTokenAuthenticator(credentials)
    })
    const access: ClusterAccess = {
      server: `https://127.0.0.1:${api.port}`,
      ca: pki.caCert,
      token: credentials.adminToken
    }
    return {
      access,
      store,
      request: (req) => rawRequest(access, req),
      async snapshot() {
        const out: Record<string, number> = {}
        const { kvs } = await store.range({ prefix: '/registry/' })
        for (const kv of kvs) out[kv.key] = kv.modRevision
        return out
      },
      async stop() {
        await api.close()
        await store.close()
        rmSync(tmp, { recursive: true, force: true })
      }
    }
  } catch (err) {
    await store.close()
    rmSync(tmp, { recursive: true, force: true })
    throw err
  }
}

/** Loads `@kubernetes/client-node` (1.x: its 2.x line needs Node 22, this project supports 20). */
export async function loadClientNode(): Promise<typeof import('@kubernetes/client-node')> {
  return import('@kubernetes/client-node')
}
