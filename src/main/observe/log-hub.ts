/**
 * The log hub: every component log of one data directory passes through it. Per component it
 * keeps the recent lines in a ring buffer (for the UI and for followers that join late), tells
 * subscribers about each new line, holds the component's verbosity (klog's `-v`, changeable at
 * run time) and persists the lines to `<data-dir>/logs/<component>.log` with rotation
 * (log-file-writer.ts).
 *
 * One hub per data directory per process (`logHubFor`), so the API server, the control socket
 * and the CLI's in-process paths all see the same buffers. A hub whose logs are all closed and
 * that nobody follows is forgotten, so a process that runs many clusters (tests) does not keep
 * their buffers; the files stay.
 */
import { join, resolve } from 'node:path'
import { StringDecoder } from 'node:string_decoder'
import { createLogFileWriter, type LogFileWriter, type RotationLimits } from './log-file-writer'

/** Lines each component keeps in memory (default). */
export const DEFAULT_RING_LINES = 2000

/**
 * Verbosity of every component until someone changes it: 2, the level most Kubernetes
 * deployments run their components at (kube-apiserver logs each request from 3 on).
 */
export const DEFAULT_VERBOSITY = 2

/** The highest verbosity klog components use in practice (10: request and response bodies). */
export const MAX_VERBOSITY = 10

/** Called with each new line of a component (the formatted line, without the newline). */
export type LogListener = (line: string) => void

/** One component's lines: ring buffer, subscribers, verbosity, file. */
export interface ComponentLogSink {
  readonly component: string
  readonly file: string
  /**
   * Lines written by another process (a kubelet in a node container or child process) and
   * copied in here: their verbosity is not this process's to change.
   */
  readonly external: boolean
  /** klog's `-v` for this component: `V(n)` lines are kept when n ≤ verbosity. */
  verbosity: number
  /** Lines written so far (all of them, not only those still in the ring). */
  readonly written: number
  /** Adds one formatted line. */
  write(line: string): void
  /** The most recent lines, oldest first (at most `limit`). */
  recent(limit?: number): string[]
  /** Calls `listener` for every later line; answers the unsubscribe function. */
  subscribe(listener: LogListener): () => void
  /** Writes queued lines to the file now. */
  flush(): void
  /** Flushes and closes the file; a later write reopens it. */
  close(): void
}

/** What a sink is opened with. */
export interface SinkOptions extends RotationLimits {
  external?: boolean
}

/** The component logs of one data directory. */
export class LogHub {
  private readonly sinks = new Map<string, Sink>()

  constructor(
    readonly dataDir: string,
    private readonly ringLines = DEFAULT_RING_LINES,
    private readonly onIdle?: (hub: LogHub) => void
  ) {}

  /** The sink of `component`, made on first use. */
  sink(component: string, options: SinkOptions = {}): ComponentLogSink {
    let sink = this.sinks.get(component)
    if (!sink) {
      const file = join(this.dataDir, 'logs', `${component}.log`)
      sink = new Sink(component, createLogFileWriter(file, options), this.ringLines, () =>
        this.checkIdle()
      )
      this.sinks.set(component, sink)
    } else {
      sink.writer.setLimits(options)
    }
    if (options.external) sink.external = true
    return sink
  }

  /** The sink of `component` if one was opened in this process. */
  get(component: string): ComponentLogSink | undefined {
    return this.sinks.get(component)
  }

  /** Components with a sink in this process, sorted. */
  components(): string[] {
    return [...this.sinks.keys()].sort()
  }

  /** Flushes every sink. */
  flush(): void {
    for (const sink of this.sinks.values()) sink.flush()
  }

  private checkIdle(): void {
    for (const sink of this.sinks.values()) if (!sink.idle) return
    this.onIdle?.(this)
  }
}

class Sink implements ComponentLogSink {
  verbosity = DEFAULT_VERBOSITY
  external = false
  written = 0
  private readonly ring: string[]
  private next = 0
  private readonly listeners = new Set<LogListener>()
  private open = false

  constructor(
    readonly component: string,
    readonly writer: LogFileWriter,
    ringLines: number,
    private readonly onClose: () => void
  ) {
    this.ring = new Array<string>(Math.max(1, ringLines))
  }

  get file(): string {
    return this.writer.file
  }

  /** Closed and unwatched: nothing would miss it. */
  get idle(): boolean {
    return !this.open && this.listeners.size === 0
  }

  write(line: string): void {
    this.open = true
    this.ring[this.next] = line
    this.next = (this.next + 1) % this.ring.length
    this.written++
    this.writer.append(line)
    for (const listener of this.listeners) {
      try {
        listener(line)
      } catch {
        // A failing follower must not stop the component that logs.
      }
    }
  }

  recent(limit = this.ring.length): string[] {
    const size = Math.min(this.written, this.ring.length)
    const count = Math.min(limit, size)
    const out: string[] = []
    for (let i = size - count; i < size; i++) {
      out.push(this.ring[(this.next - size + i + this.ring.length) % this.ring.length])
    }
    return out
  }

  subscribe(listener: LogListener): () => void {
    this.listeners.add(listener)
    return () => {
      this.listeners.delete(listener)
      if (this.idle) this.onClose()
    }
  }

  flush(): void {
    this.writer.flush()
  }

  close(): void {
    this.writer.close()
    this.open = false
    this.onClose()
  }
}

const hubs = new Map<string, LogHub>()

/** The hub of `dataDir` in this process (one per resolved path). */
export function logHubFor(dataDir: string): LogHub {
  const key = resolve(dataDir)
  let hub = hubs.get(key)
  if (!hub) {
    hub = new LogHub(key, DEFAULT_RING_LINES, (idle) => {
      if (hubs.get(key) === idle) hubs.delete(key)
    })
    hubs.set(key, hub)
  }
  return hub
}

/** The hub of `dataDir` if this process has one (it logs there or someone follows it). */
export function existingLogHub(dataDir: string): LogHub | undefined {
  return hubs.get(resolve(dataDir))
}

/** Splits output into lines for `sink`; a last line without its newline is kept for `end()`. */
export function copyLines(sink: ComponentLogSink): { write(chunk: Buffer): void; end(): void } {
  const decoder = new StringDecoder('utf8')
  let partial = ''
  return {
    write(chunk) {
      const lines = (partial + decoder.write(chunk)).split('\n')
      partial = lines.pop() ?? ''
      for (const line of lines) sink.write(line)
    },
    end() {
      const rest = partial + decoder.end()
      partial = ''
      if (rest !== '') sink.write(rest)
    }
  }
}
