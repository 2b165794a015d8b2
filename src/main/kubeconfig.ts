/**
 * Kubeconfig files: the one `up` writes into the data directory, and the `kubedesk` cluster, user
 * and context it merges into the user's own kubeconfig (`$KUBECONFIG`'s first file, else
 * `~/.kube/config`) so `kubectl --context kubedesk` works at once.
 *
 * The user's file is edited as a YAML document, not re-serialized from data: comments, key order
 * and fields we do not know survive. Only entries named `kubedesk` are touched; current-context
 * is set only when the user has none. Writes take kubectl's `<file>.lock`, go to a temporary file
 * and are renamed over the original, so a crash or a concurrent kubectl never leaves half a file.
 * A file that does not parse is reported and never overwritten.
 */
import {
  chmodSync,
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync
} from 'node:fs'
import { homedir } from 'node:os'
import { delimiter, dirname, join, resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { Document, isMap, isSeq, parseAllDocuments, type YAMLMap, type YAMLSeq } from 'yaml'

/** The name of the cluster, user and context KubeDesk adds. */
export const KUBECONFIG_NAME = 'kubedesk'

/** What a kubeconfig needs to reach this cluster. */
export interface KubeconfigCredentials {
  /** The API server's URL, e.g. `https://127.0.0.1:6443`. */
  server: string
  /** The CA certificate (PEM) that signed the serving certificate. */
  caCert: string
  /** The bearer token. */
  token: string
  /** Cluster, user and context name (default `kubedesk`). */
  name?: string
}

/** A kubeconfig that cannot be read or parsed; the message names the file, `hint` what to do. */
export class KubeconfigError extends Error {
  constructor(
    readonly file: string,
    reason: string,
    readonly hint = 'Fix or move it and try again; KubeDesk left it untouched.'
  ) {
    super(`cannot use the kubeconfig ${file}: ${reason}`)
    this.name = 'KubeconfigError'
  }
}

/** What `mergeIntoUserKubeconfig` did. */
export interface MergeResult {
  file: string
  context: string
  /** True when the user had no current context and ours became it. */
  currentContextSet: boolean
  /** The current context after the merge (undefined when none is set anywhere). */
  currentContext?: string
}

/** What `removeFromUserKubeconfig` did. */
export interface RemoveResult {
  file: string
  /** Entries removed, e.g. `cluster kubedesk`, `current-context`; empty when none were ours. */
  removed: string[]
  /** Set when an entry named like ours belongs to another cluster and was left alone. */
  keptBecause?: string
}

/**
 * The user's kubeconfig as kubectl finds it: the first entry of `$KUBECONFIG` (a list separated
 * by `:`), else `~/.kube/config`.
 */
export function userKubeconfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const first = (env.KUBECONFIG ?? '').split(delimiter).find((p) => p.trim() !== '')
  if (first) return resolve(first)
  return join(env.HOME || homedir(), '.kube', 'config')
}

/** Writes a complete kubeconfig for this cluster to `file` (mode 0600), replacing it. */
export function writeKubeconfig(file: string, creds: KubeconfigCredentials): void {
  const name = creds.name ?? KUBECONFIG_NAME
  const doc = emptyKubeconfig()
  setNamed(doc, 'clusters', name, 'cluster', clusterEntry(creds))
  setNamed(doc, 'users', name, 'user', { token: creds.token })
  setNamed(doc, 'contexts', name, 'context', { cluster: name, user: name })
  doc.set('current-context', name)
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 })
  writeAtomically(file, doc, 0o600)
}

/**
 * Adds (or replaces) the `kubedesk` cluster, user and context in the user's kubeconfig, creating
 * the file and its directory (0600) if needed, and makes it the current context only when there
 * is none. Rejects with a KubeconfigError, leaving the file as it was, when it does not parse.
 */
export async function mergeIntoUserKubeconfig(
  creds: KubeconfigCredentials,
  env: NodeJS.ProcessEnv = process.env
): Promise<MergeResult> {
  const name = creds.name ?? KUBECONFIG_NAME
  const file = userKubeconfigPath(env)
  return withKubeconfigLock(file, () => {
    const { doc, mode } = readKubeconfigDocument(file)
    setNamed(doc, 'clusters', name, 'cluster', clusterEntry(creds))
    setNamed(doc, 'users', name, 'user', { token: creds.token })
    setNamed(doc, 'contexts', name, 'context', { cluster: name, user: name })
    let currentContext = currentContextOf(doc) ?? currentContextElsewhere(env, file)
    const currentContextSet = currentContext === undefined
    if (currentContextSet) {
      doc.set('current-context', name)
      currentContext = name
    }
    writeAtomically(file, doc, mode ?? 0o600)
    return { file, context: name, currentContextSet, currentContext }
  })
}

/**
 * Removes the `kubedesk` cluster, user and context from the user's kubeconfig, and
 * current-context when it names ours. With `match`, the entries are removed only when the
 * cluster still carries that CA (another KubeDesk may have replaced them since).
 */
export async function removeFromUserKubeconfig(
  options: { name?: string; match?: Pick<KubeconfigCredentials, 'caCert'> } = {},
  env: NodeJS.ProcessEnv = process.env
): Promise<RemoveResult> {
  const name = options.name ?? KUBECONFIG_NAME
  const file = userKubeconfigPath(env)
  if (!exists(file)) return { file, removed: [] }
  return withKubeconfigLock(file, () => {
    const { doc, mode } = readKubeconfigDocument(file)
    const cluster = findNamed(doc, 'clusters', name)?.get('cluster')
    if (options.match && isMap(cluster)) {
      const ca = decodeCa(cluster.get('certificate-authority-data'))
      if (ca !== options.match.caCert.trim()) {
        return { file, removed: [], keptBecause: `its ${name} cluster has another CA` }
      }
    }
    const removed: string[] = []
    for (const [key, what] of [
      ['clusters', 'cluster'],
      ['users', 'user'],
      ['contexts', 'context']
    ] as const) {
      if (removeNamed(doc, key, name)) removed.push(`${what} ${name}`)
    }
    if (currentContextOf(doc) === name) {
      doc.delete('current-context')
      removed.push('current-context')
    }
    if (removed.length > 0) writeAtomically(file, doc, mode ?? 0o600)
    return { file, removed }
  })
}

/** Server, CA and token of a kubeconfig KubeDesk wrote; undefined when absent or unusable. */
export function readKubeconfigCredentials(
  file: string,
  name = KUBECONFIG_NAME
): Required<KubeconfigCredentials> | undefined {
  try {
    const { doc } = readKubeconfigDocument(file)
    const cluster = findNamed(doc, 'clusters', name)?.get('cluster')
    const user = findNamed(doc, 'users', name)?.get('user')
    if (!isMap(cluster) || !isMap(user)) return undefined
    const server = cluster.get('server')
    const caCert = decodeCa(cluster.get('certificate-authority-data'))
    const token = user.get('token')
    if (typeof server !== 'string' || !caCert || typeof token !== 'string') return undefined
    return { server, caCert, token, name }
  } catch {
    return undefined
  }
}

type Entries = 'clusters' | 'users' | 'contexts'

function clusterEntry(creds: KubeconfigCredentials): Record<string, string> {
  return {
    'certificate-authority-data': Buffer.from(creds.caCert.trim() + '\n').toString('base64'),
    server: creds.server
  }
}

function decodeCa(data: unknown): string | undefined {
  return typeof data === 'string' ? Buffer.from(data, 'base64').toString('utf8').trim() : undefined
}

/** The skeleton kubectl writes (`kubectl config view` on an empty config), in its key order. */
function emptyKubeconfig(): Document {
  return new Document({
    apiVersion: 'v1',
    clusters: [],
    contexts: [],
    'current-context': '',
    kind: 'Config',
    preferences: {},
    users: []
  })
}

/** Parses a kubeconfig; a missing or empty file is an empty kubeconfig. */
function readKubeconfigDocument(file: string): { doc: Document; mode?: number } {
  let text: string
  let mode: number | undefined
  try {
    text = readFileSync(file, 'utf8')
    mode = statSync(file).mode & 0o777
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return { doc: emptyKubeconfig() }
    if (code === 'EISDIR') throw new KubeconfigError(file, 'it is a directory')
    throw new KubeconfigError(file, code === 'EACCES' ? 'permission denied' : String(err))
  }
  if (text.trim() === '') return { doc: emptyKubeconfig(), mode }
  const docs = parseAllDocuments(text)
  if (!Array.isArray(docs) || docs.length !== 1) {
    throw new KubeconfigError(file, 'it holds more than one YAML document')
  }
  const doc = docs[0]
  if (doc.errors.length > 0) {
    const first = doc.errors[0].message.split('\n')[0].replace(/:$/, '')
    throw new KubeconfigError(file, `it is not valid YAML (${first})`)
  }
  if (doc.contents === null) return { doc: emptyKubeconfig(), mode }
  if (!isMap(doc.contents)) {
    throw new KubeconfigError(file, 'it is not a kubeconfig (its top level is not a mapping)')
  }
  for (const key of ['clusters', 'users', 'contexts'] as const) {
    const value = doc.get(key, true)
    if (value !== undefined && value !== null && !isSeq(value) && !isNullScalar(value)) {
      throw new KubeconfigError(file, `its '${key}' is not a list`)
    }
  }
  return { doc, mode }
}

function isNullScalar(node: unknown): boolean {
  return (node as { value?: unknown } | null)?.value === null
}

function entries(doc: Document, key: Entries): YAMLSeq {
  const value = doc.get(key, true)
  if (isSeq(value)) return value
  // Absent, or `clusters: null` as kubectl writes an empty list.
  const seq = doc.createNode([]) as YAMLSeq
  doc.set(key, seq)
  return seq
}

function findNamed(doc: Document, key: Entries, name: string): YAMLMap | undefined {
  const value = doc.get(key, true)
  if (!isSeq(value)) return undefined
  return value.items.find((item): item is YAMLMap => isMap(item) && item.get('name') === name)
}

function setNamed(
  doc: Document,
  key: Entries,
  name: string,
  field: string,
  value: Record<string, string>
): void {
  const seq = entries(doc, key)
  // `clusters: []` parses as a flow list; block style reads like what kubectl writes.
  if (seq.items.length === 0) seq.flow = false
  // kubectl's key order: the entry, then its name.
  const node = doc.createNode({ [field]: value, name })
  const index = seq.items.findIndex((item) => isMap(item) && item.get('name') === name)
  if (index === -1) seq.items.push(node)
  else seq.items[index] = node
}

function removeNamed(doc: Document, key: Entries, name: string): boolean {
  const value = doc.get(key, true)
  if (!isSeq(value)) return false
  const before = value.items.length
  value.items = value.items.filter((item) => !(isMap(item) && item.get('name') === name))
  return value.items.length !== before
}

function currentContextOf(doc: Document): string | undefined {
  const current = doc.get('current-context')
  return typeof current === 'string' && current !== '' ? current : undefined
}

/** kubectl takes current-context from the first file of `$KUBECONFIG` that sets one. */
function currentContextElsewhere(env: NodeJS.ProcessEnv, target: string): string | undefined {
  const files = (env.KUBECONFIG ?? '').split(delimiter).filter((p) => p.trim() !== '')
  for (const f of files) {
    if (resolve(f) === target) continue
    try {
      const context = currentContextOf(readKubeconfigDocument(resolve(f)).doc)
      if (context) return context
    } catch {
      // An unreadable other file is kubectl's problem to report, not a reason to fail `up`.
    }
  }
  return undefined
}

function exists(file: string): boolean {
  try {
    statSync(file)
    return true
  } catch {
    return false
  }
}

/**
 * Writes `doc` next to `file` and renames it over; a symlinked kubeconfig (dotfile managers)
 * is followed so the link survives.
 */
function writeAtomically(file: string, doc: Document, mode: number): void {
  let target = file
  try {
    target = realpathSync(file)
  } catch {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 })
  }
  const tmp = `${target}.kubedesk-${process.pid}.tmp`
  try {
    writeFileSync(tmp, doc.toString({ lineWidth: 0, indentSeq: false }), { mode })
    chmodSync(tmp, mode)
    renameSync(tmp, target)
  } catch (err) {
    rmSync(tmp, { force: true })
    const code = (err as NodeJS.ErrnoException).code
    throw new KubeconfigError(
      file,
      code === 'EACCES' || code === 'EPERM' ? 'permission denied' : `cannot write it (${code})`
    )
  }
}

/** How long to wait for a kubectl that holds `<file>.lock`. */
const LOCK_WAIT_MS = 3000

/** Runs `fn` holding kubectl's lock file for `file`, so concurrent edits do not interleave. */
async function withKubeconfigLock<T>(file: string, fn: () => T): Promise<T> {
  const lock = `${file}.lock`
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 })
  const deadline = Date.now() + LOCK_WAIT_MS
  for (;;) {
    try {
      closeSync(openSync(lock, 'wx', 0o600))
      break
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if (code !== 'EEXIST') {
        throw new KubeconfigError(file, `cannot create the lock ${lock} (${code})`)
      }
      if (Date.now() > deadline) {
        throw new KubeconfigError(
          file,
          `${lock} exists (another kubectl or KubeDesk is editing it)`,
          `If nothing is editing it, remove ${lock} and try again.`
        )
      }
      await sleep(50)
    }
  }
  try {
    return fn()
  } finally {
    rmSync(lock, { force: true })
  }
}
