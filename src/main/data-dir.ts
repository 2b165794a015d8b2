/**
 * The data directory: where one KubeDesk instance keeps its state (`store.db`, `logs/`, the
 * cluster CA and tokens in `pki/`, the admin `kubeconfig`) and announces itself
 * (`kubedesk.pid`, `kubedesk.sock`).
 *
 * One directory serves one running instance at a time. The lock is a pid file created with the
 * exclusive `wx` flag; a pid file whose process is gone is stale and is taken over.
 */
import {
  closeSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  unlinkSync,
  writeSync
} from 'node:fs'
import { homedir } from 'node:os'
import { isAbsolute, join, resolve } from 'node:path'

/** The lock file: the pid of the instance that owns the directory. */
export const PID_FILE = 'kubedesk.pid'
/** The control socket (see control-socket.ts). */
export const SOCKET_FILE = 'kubedesk.sock'
/** The sqlite store's database file (the store adds `-wal` and `-shm` next to it). */
export const STORE_FILE = 'store.db'
/** Component logs, one file per component (see observe/component-log.ts). */
export const LOGS_DIR = 'logs'
/** The CA, the API server's serving certificate and the tokens (see apiserver/pki.ts). */
export const PKI_DIR = 'pki'
/** Per-node state (kubelet config with its token, volumes, logs): `<data-dir>/nodes/<name>`. */
export const NODES_DIR = 'nodes'
/** The admin kubeconfig `up` writes (see kubeconfig.ts). */
export const KUBECONFIG_FILE = 'kubeconfig'

/** Paths inside one data directory. */
export interface DataDirPaths {
  dir: string
  pidFile: string
  socket: string
  storeFile: string
  logsDir: string
  pkiDir: string
  kubeconfig: string
}

/** Where things live inside `dir`. */
export function dataDirPaths(dir: string): DataDirPaths {
  return {
    dir,
    pidFile: join(dir, PID_FILE),
    socket: join(dir, SOCKET_FILE),
    storeFile: join(dir, STORE_FILE),
    logsDir: join(dir, LOGS_DIR),
    pkiDir: join(dir, PKI_DIR),
    kubeconfig: join(dir, KUBECONFIG_FILE)
  }
}

/**
 * Picks the data directory: `--data-dir`, else `$KUBEDESK_HOME`, else `~/.kubedesk`, as an
 * absolute path. A leading `~/` is expanded because `--data-dir=~/x` reaches us unexpanded.
 */
export function resolveDataDir(
  flag: string | undefined,
  env: NodeJS.ProcessEnv = process.env
): string {
  const chosen = flag || env.KUBEDESK_HOME || join(homedir(), '.kubedesk')
  const expanded =
    chosen === '~' ? homedir() : chosen.startsWith('~/') ? join(homedir(), chosen.slice(2)) : chosen
  return isAbsolute(expanded) ? expanded : resolve(expanded)
}

/** A failure the user can fix, with a hint saying how. The CLI prints `message. hint`. */
export class DataDirError extends Error {
  constructor(
    message: string,
    readonly hint: string
  ) {
    super(message)
    this.name = 'DataDirError'
  }
}

/** Another live KubeDesk owns the directory. */
export class DataDirInUseError extends DataDirError {
  constructor(
    readonly dir: string,
    readonly pid: number
  ) {
    super(
      `${dir} is in use by KubeDesk (pid ${pid})`,
      `Stop it with 'kubedesk down --data-dir ${dir}' or choose another --data-dir.`
    )
    this.name = 'DataDirInUseError'
  }
}

/** Creates the directory (mode 0700: it will hold credentials) unless it exists. */
export function ensureDataDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 })
  } catch (err) {
    throw fsError(err, `cannot create the data directory ${dir}`)
  }
  if (!statSync(dir).isDirectory()) {
    throw new DataDirError(`${dir} is not a directory`, 'Choose another --data-dir.')
  }
}

/** Turns EACCES/EROFS and friends into a readable DataDirError; other errors pass through. */
function fsError(err: unknown, what: string): Error {
  const code = (err as NodeJS.ErrnoException).code
  if (code === 'EACCES' || code === 'EPERM') {
    return new DataDirError(
      `${what}: permission denied`,
      'Fix its permissions or choose another --data-dir.'
    )
  }
  if (code === 'EROFS') {
    return new DataDirError(`${what}: read-only file system`, 'Choose another --data-dir.')
  }
  if (code === 'ENOTDIR' || code === 'EEXIST') {
    return new DataDirError(
      `${what}: a file is in the way`,
      'Remove it or choose another --data-dir.'
    )
  }
  return err instanceof Error ? err : new Error(String(err))
}

/** True when a process with this pid exists (EPERM: it exists but belongs to someone else). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function readPid(pidFile: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(pidFile, 'utf8').trim(), 10)
    return Number.isInteger(pid) && pid > 0 ? pid : undefined
  } catch {
    return undefined
  }
}

/**
 * Pid files this process holds. Needed because a stale file can carry our own pid (containers
 * reuse low pids across restarts): our pid counts as alive only if we really took the lock.
 */
const heldLocks = new Set<string>()

/** The pid of the live instance that owns `dir`, or undefined when none does. */
export function runningInstancePid(dir: string): number | undefined {
  const pidFile = dataDirPaths(dir).pidFile
  const pid = readPid(pidFile)
  if (pid === undefined) return undefined
  if (pid === process.pid) return heldLocks.has(pidFile) ? pid : undefined
  return isProcessAlive(pid) ? pid : undefined
}

/** A held data directory lock. */
export interface DataDirLock {
  /** Set when a stale lock (its process gone) was taken over. */
  readonly stalePid?: number
  /** Removes the pid file if it is still ours. Idempotent. */
  release(): void
}

/**
 * Takes the directory's lock or fails with DataDirInUseError naming the owner's pid.
 *
 * Exclusive create (`wx`) decides between concurrent starters. A pid file whose process is gone
 * is removed and the create retried. An empty file is a starter between create and write, so
 * it is only treated as stale once it is a few seconds old.
 */
export function acquireDataDirLock(dir: string): DataDirLock {
  const pidFile = dataDirPaths(dir).pidFile
  let stalePid: number | undefined
  for (let attempt = 0; attempt < 5; attempt++) {
    let fd: number
    try {
      fd = openSync(pidFile, 'wx', 0o600)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw fsError(err, `cannot write ${pidFile}`)
      }
      const owner = runningInstancePid(dir)
      if (owner !== undefined) throw new DataDirInUseError(dir, owner)
      const pid = readPid(pidFile)
      if (pid === undefined && ageMs(pidFile) < 3000) {
        throw new DataDirError(
          `${dir} is being started by another KubeDesk`,
          `Wait for it and use 'kubedesk status --data-dir ${dir}', or choose another --data-dir.`
        )
      }
      stalePid = pid ?? stalePid
      rmSync(pidFile, { force: true })
      continue
    }
    try {
      writeSync(fd, `${process.pid}\n`)
    } finally {
      closeSync(fd)
    }
    heldLocks.add(pidFile)
    return {
      stalePid,
      release() {
        if (!heldLocks.delete(pidFile)) return
        if (readPid(pidFile) === process.pid) unlinkSync(pidFile)
      }
    }
  }
  throw new DataDirError(
    `could not take the lock ${pidFile}: another process keeps recreating it`,
    'Check which program uses this directory, or choose another --data-dir.'
  )
}

function ageMs(file: string): number {
  try {
    return Date.now() - statSync(file).mtimeMs
  } catch {
    return Infinity
  }
}

/**
 * Removes what KubeDesk created in `dir` (`store.db*`, `logs/`, `pki/`, `kubeconfig`,
 * `kubedesk.*`), leaving anything else the user keeps there, and the directory itself. Answers
 * the names removed.
 */
export function deleteKubeDeskFiles(dir: string): string[] {
  let entries: string[]
  try {
    entries = readdirSync(dir)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw fsError(err, `cannot read ${dir}`)
  }
  const ours = entries.filter(
    (name) =>
      name === LOGS_DIR ||
      name === PKI_DIR ||
      name === NODES_DIR ||
      name === KUBECONFIG_FILE ||
      name.startsWith(STORE_FILE) ||
      name.startsWith('kubedesk.')
  )
  for (const name of ours) {
    const path = join(dir, name)
    try {
      rmSync(path, { recursive: true, force: true })
    } catch (err) {
      throw fsError(err, `cannot remove ${path}`)
    }
  }
  return ours.sort()
}
