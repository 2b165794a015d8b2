/**
 * The file half of a component log: lines are queued and written every FLUSH_INTERVAL_MS (one
 * `writeSync` for many lines, as klog buffers and flushes), with size rotation: when a write
 * would pass `maxBytes` the file becomes `.log.1`, older ones shift to `.2`, `.3`, and the
 * oldest beyond `keep` is removed.
 *
 * Nothing queued is lost on the way out: `flush()` and `close()` write synchronously, and every
 * writer with queued lines is flushed when the process exits (`process.exit`, the end of the
 * event loop, an uncaught exception).
 */
import {
  closeSync,
  existsSync,
  fstatSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  writeSync
} from 'node:fs'
import { dirname } from 'node:path'

/** Rotation limits. */
export interface RotationLimits {
  /** Rotate when the file would grow past this many bytes (default 10 MB). */
  maxBytes?: number
  /** Rotated files to keep (default 3). */
  keep?: number
}

/** Appends lines to one file. */
export interface LogFileWriter {
  readonly file: string
  /** Queues one line (without its newline); written within FLUSH_INTERVAL_MS. */
  append(line: string): void
  /** Writes what is queued, now. */
  flush(): void
  /** Flushes and closes the file; a later `append` opens it again. */
  close(): void
  /** Changes the rotation limits (a later opener of the same log may pass its own). */
  setLimits(limits: RotationLimits): void
}

/** Queued text past which a flush happens at once rather than at the next interval. */
const FLUSH_BYTES = 256 * 1024
/**
 * How long a line may wait for its write (klog: 5 s). Followers in this process get lines at
 * once through the hub; `kubedesk logs -f` polls the file every 250 ms.
 */
export const FLUSH_INTERVAL_MS = 50

/** Writers with queued lines, flushed on exit. */
const pendingWriters = new Set<Writer>()
/**
 * Writers holding their file open, least recently written first. A thousand simulated nodes
 * each have a kubelet log: past this many open files the least recent one is closed (and
 * reopened on its next write), so logs never exhaust the process's file descriptors.
 */
const openWriters = new Set<Writer>()
const MAX_OPEN_FILES = 64
let exitHookInstalled = false

function installExitHook(): void {
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.on('exit', () => {
    for (const writer of [...pendingWriters]) writer.flush()
  })
}

/** A writer for `file` (its directory is made with mode 0700 on the first write). */
export function createLogFileWriter(file: string, limits: RotationLimits = {}): LogFileWriter {
  installExitHook()
  return new Writer(file, limits)
}

class Writer implements LogFileWriter {
  private fd: number | undefined
  private size = 0
  private queue: string[] = []
  private queuedChars = 0
  private scheduled: NodeJS.Timeout | undefined
  private maxBytes: number
  private keep: number

  constructor(
    readonly file: string,
    limits: RotationLimits
  ) {
    this.maxBytes = limits.maxBytes ?? 10 * 1024 * 1024
    this.keep = limits.keep ?? 3
  }

  setLimits(limits: RotationLimits): void {
    if (limits.maxBytes !== undefined) this.maxBytes = limits.maxBytes
    if (limits.keep !== undefined) this.keep = limits.keep
  }

  append(line: string): void {
    this.queue.push(line)
    this.queuedChars += line.length + 1
    if (this.queuedChars >= FLUSH_BYTES) {
      this.flush()
      return
    }
    if (this.scheduled === undefined) {
      pendingWriters.add(this)
      this.scheduled = setTimeout(() => {
        this.scheduled = undefined
        this.flush()
      }, FLUSH_INTERVAL_MS)
      // A queued line must not keep a finished process alive; the exit hook writes it.
      this.scheduled.unref()
    }
  }

  flush(): void {
    if (this.scheduled !== undefined) clearTimeout(this.scheduled)
    this.scheduled = undefined
    pendingWriters.delete(this)
    if (this.queue.length === 0) return
    const lines = this.queue
    this.queue = []
    this.queuedChars = 0
    // Logging must never take the control plane down: a full disk or a removed directory
    // loses lines, not the cluster.
    try {
      this.writeLines(lines)
    } catch {
      this.closeFd()
    }
  }

  close(): void {
    this.flush()
    this.closeFd()
  }

  /** Writes `lines` in as few writes as rotation allows. */
  private writeLines(lines: string[]): void {
    if (this.fd === undefined) this.open()
    // The most recently written goes last: the first in line is the one to close.
    openWriters.delete(this)
    openWriters.add(this)
    let chunk = ''
    let chunkBytes = 0
    for (const line of lines) {
      const text = line + '\n'
      const bytes = Buffer.byteLength(text)
      if (this.size + chunkBytes > 0 && this.size + chunkBytes + bytes > this.maxBytes) {
        if (chunk !== '') writeSync(this.fd!, chunk)
        chunk = ''
        chunkBytes = 0
        this.rotate()
        this.open()
      }
      chunk += text
      chunkBytes += bytes
    }
    if (chunk !== '') writeSync(this.fd!, chunk)
    this.size += chunkBytes
  }

  private open(): void {
    if (openWriters.size >= MAX_OPEN_FILES) {
      const oldest = openWriters.values().next().value
      if (oldest && oldest !== this) oldest.closeFd()
    }
    mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 })
    this.fd = openSync(this.file, 'a', 0o600)
    openWriters.add(this)
    this.size = fstatSync(this.fd).size
  }

  private rotate(): void {
    this.closeFd()
    const { file, keep } = this
    rmSync(`${file}.${keep}`, { force: true })
    for (let i = keep - 1; i >= 1; i--) {
      if (existsSync(`${file}.${i}`)) renameSync(`${file}.${i}`, `${file}.${i + 1}`)
    }
    if (keep > 0) renameSync(file, `${file}.1`)
    else rmSync(file, { force: true })
  }

  private closeFd(): void {
    openWriters.delete(this)
    if (this.fd !== undefined) {
      try {
        closeSync(this.fd)
      } catch {
        // Already gone: nothing left to release.
      }
    }
    this.fd = undefined
  }
}
