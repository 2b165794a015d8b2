/**
 * Bearer tokens the API server accepts, like kube-apiserver's `--token-auth-file`: one for the
 * user's kubeconfig (`kubernetes-admin` in `system:masters`, as kubeadm's admin.conf), one per
 * node for its kubelet (`system:node:<name>` in `system:nodes`), and any other component that
 * talks HTTPS. They live in `<data-dir>/pki/tokens.json` (mode 0600) and are reused across runs,
 * so a kubeconfig written once keeps working.
 *
 * Tokens are 32 random bytes, base64url. Lookups hash the presented token and compare digests in
 * constant time, so neither the map nor the comparison tells an attacker how close a guess was.
 */
import { hash, randomBytes, timingSafeEqual } from 'node:crypto'
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import type { UserInfo } from './types'
import { PKI_DIR } from '../data-dir'

/** The file inside the data directory. */
export const TOKENS_FILE = join(PKI_DIR, 'tokens.json')

/** Every authenticated user carries this group, as in Kubernetes. */
export const AUTHENTICATED_GROUP = 'system:authenticated'
/** The admin user of the user's kubeconfig (kubeadm's admin.conf names it so). */
export const ADMIN_USER = 'kubernetes-admin'
/** The group that may do anything (kube-apiserver's superuser group). */
export const MASTERS_GROUP = 'system:masters'
/** The group of kubelets. */
export const NODES_GROUP = 'system:nodes'
/** The prefix of a kubelet's user name: `system:node:<nodeName>`. */
export const NODE_USER_PREFIX = 'system:node:'

/** One stored token and who it authenticates. */
export interface TokenEntry {
  /** What the token is for: `admin`, `node:<name>`, `component:<name>`. */
  id: string
  token: string
  username: string
  groups: string[]
}

/** The tokens of one data directory. */
export interface Credentials {
  /** The token of `kubernetes-admin` (for the kubeconfig). */
  readonly adminToken: string
  /** The kubelet token of `nodeName` (user `system:node:<nodeName>`), created on first ask. */
  issueNodeToken(nodeName: string): string
  /** Removes a node's token (its node was removed); later requests with it get 401. */
  revokeNodeToken(nodeName: string): void
  /**
   * The token of an in-process or helper component, e.g. `kube-scheduler` → user
   * `system:kube-scheduler`, created on first ask.
   */
  issueComponentToken(component: string, groups?: string[]): string
  /** Who `token` authenticates, or undefined. Constant time in the token's content. */
  lookup(token: string): UserInfo | undefined
}

/** tokens.json exists but cannot be used; the message names the file, `hint` what to do. */
export class CredentialsError extends Error {
  readonly hint =
    'Remove it to issue new tokens (KubeDesk rewrites its kubeconfigs on the next start).'
  constructor(
    readonly file: string,
    reason: string
  ) {
    super(`cannot use ${file}: ${reason}`)
    this.name = 'CredentialsError'
  }
}

interface TokensFile {
  kind: 'TokenList'
  tokens: TokenEntry[]
}

/**
 * Loads the tokens of `dataDir`, creating the admin token on first run. Throws a
 * CredentialsError naming tokens.json when the file is unreadable or malformed.
 */
export function loadCredentials(dataDir: string): Credentials {
  const file = join(dataDir, TOKENS_FILE)
  const entries = new Map<string, TokenEntry>()
  for (const entry of readTokens(file)) entries.set(entry.id, entry)
  // Keyed by the token's SHA-256: a lookup never compares secret bytes with a short-circuiting
  // equality, and the digest is re-checked with timingSafeEqual.
  const byDigest = new Map<string, TokenEntry>()
  for (const entry of entries.values()) byDigest.set(digest(entry.token).toString('hex'), entry)

  const save = (): void => writeTokens(file, [...entries.values()])
  const ensure = (id: string, username: string, groups: string[]): string => {
    const existing = entries.get(id)
    if (existing) return existing.token
    const entry: TokenEntry = {
      id,
      token: randomBytes(32).toString('base64url'),
      username,
      groups: withAuthenticated(groups)
    }
    entries.set(id, entry)
    byDigest.set(digest(entry.token).toString('hex'), entry)
    save()
    return entry.token
  }

  const adminToken = ensure('admin', ADMIN_USER, [MASTERS_GROUP])
  return {
    adminToken,
    issueNodeToken: (nodeName) =>
      ensure(`node:${nodeName}`, NODE_USER_PREFIX + nodeName, [NODES_GROUP]),
    revokeNodeToken(nodeName) {
      const entry = entries.get(`node:${nodeName}`)
      if (!entry) return
      entries.delete(entry.id)
      byDigest.delete(digest(entry.token).toString('hex'))
      save()
    },
    issueComponentToken: (component, groups = []) =>
      ensure(`component:${component}`, `system:${component}`, groups),
    lookup(token) {
      const presented = digest(token)
      const entry = byDigest.get(presented.toString('hex'))
      if (!entry || !timingSafeEqual(presented, digestOf(entry))) return undefined
      return { username: entry.username, groups: [...entry.groups] }
    }
  }
}

function digest(token: string): Buffer {
  // One-shot hashing: every request pays this, and a Hash object costs several times more.
  return hash('sha256', token, 'buffer')
}

// Every request re-checks its token's entry: its digest is computed once, not per request.
const entryDigests = new WeakMap<TokenEntry, Buffer>()

function digestOf(entry: TokenEntry): Buffer {
  let d = entryDigests.get(entry)
  if (!d) {
    d = digest(entry.token)
    entryDigests.set(entry, d)
  }
  return d
}

function withAuthenticated(groups: string[]): string[] {
  return groups.includes(AUTHENTICATED_GROUP) ? groups : [...groups, AUTHENTICATED_GROUP]
}

function readTokens(file: string): TokenEntry[] {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return []
    throw new CredentialsError(file, code === 'EACCES' ? 'permission denied' : String(err))
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new CredentialsError(file, 'it is not valid JSON')
  }
  const tokens = (parsed as Partial<TokensFile> | null)?.tokens
  if (!Array.isArray(tokens) || !tokens.every(isTokenEntry)) {
    throw new CredentialsError(file, 'it is not a KubeDesk token list')
  }
  return tokens
}

function isTokenEntry(value: unknown): value is TokenEntry {
  const e = value as Partial<TokenEntry> | null
  return (
    typeof e?.id === 'string' &&
    typeof e.token === 'string' &&
    e.token.length >= 32 &&
    typeof e.username === 'string' &&
    Array.isArray(e.groups) &&
    e.groups.every((g) => typeof g === 'string')
  )
}

/** Temp file + rename, mode 0600: a crash never leaves a half-written or readable token file. */
function writeTokens(file: string, tokens: TokenEntry[]): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 })
  const body: TokensFile = { kind: 'TokenList', tokens }
  const tmp = `${file}.${process.pid}.tmp`
  writeFileSync(tmp, JSON.stringify(body, null, 2) + '\n', { mode: 0o600 })
  chmodSync(tmp, 0o600)
  renameSync(tmp, file)
}
