/**
 * Durability off the event loop: the store's connection commits with `synchronous = NORMAL`
 * (SQLite writes the log but does not fsync it), and this fsyncs the log file in libuv's thread
 * pool before anything committed is acknowledged. An fsync in SQLite's commit would stall every
 * request of the API server for the half millisecond or more a disk takes; here requests keep
 * being served meanwhile, and the batches they commit share the next fsync.
 *
 * The log file is the same inode for as long as the store's connection is open (SQLite restarts
 * it in place after a checkpoint), so one descriptor serves the store's life. Each fsync covers
 * every batch committed before it started; batches are completed strictly in commit order.
 */
import { close, fdatasync, open } from 'node:fs'

/** A committed batch waiting for its fsync: makes it visible and answers. */
interface Pending<T> {
  done: () => T
  resolve: (value: T) => void
  reject: (err: Error) => void
}

/** Fsyncs one SQLite write-ahead log and completes the batches it covers, in order. */
export class WalSync {
  private fd?: number
  /** Batches committed since the running fsync started (they wait for the next one). */
  private queued: Pending<unknown>[] = []
  private running = false
  /** Set once an fsync failed: nothing committed after that can be promised durable. */
  private failure?: Error
  private idle?: () => void

  constructor(private readonly walFile: string) {}

  /**
   * Runs `done` once the log holding everything committed so far is on disk, after the `done`
   * of every batch committed before; resolves with its value. Rejects if the fsync failed.
   */
  afterSync<T>(done: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.failure) return reject(this.failure)
      this.queued.push({ done, resolve, reject } as Pending<unknown>)
      if (!this.running) this.start()
    })
  }

  /** Resolves once every batch handed over so far was completed (or failed). */
  close(): Promise<void> {
    if (!this.running && this.queued.length === 0) return this.closeFd()
    return new Promise<void>((resolve) => (this.idle = resolve)).then(() => this.closeFd())
  }

  private start(): void {
    const covered = this.queued
    this.queued = []
    this.running = true
    this.sync((err) => {
      if (err && !this.failure) this.failure = new Error(`fsync of ${this.walFile}: ${err.message}`)
      for (const p of covered) {
        if (this.failure) {
          p.reject(this.failure)
          continue
        }
        try {
          p.resolve(p.done())
        } catch (e) {
          p.reject(e instanceof Error ? e : new Error(String(e)))
        }
      }
      this.running = false
      if (this.queued.length > 0) this.start()
      else this.idle?.()
    })
  }

  private sync(cb: (err: NodeJS.ErrnoException | null) => void): void {
    if (this.fd !== undefined) return fdatasync(this.fd, cb)
    // Opened on first use: SQLite creates the log with the first write after it opened the file.
    open(this.walFile, 'r+', (err, fd) => {
      if (err) return cb(err)
      this.fd = fd
      fdatasync(fd, cb)
    })
  }

  private closeFd(): Promise<void> {
    const fd = this.fd
    this.fd = undefined
    if (fd === undefined) return Promise.resolve()
    return new Promise((resolve) => close(fd, () => resolve()))
  }
}
