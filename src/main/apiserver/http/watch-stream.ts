/**
 * A watch over HTTP: a chunked `application/json` stream of `{"type":…,"object":…}` lines.
 * Errors found before the stream starts (bad selectors, 410 Expired) are answered as the
 * response's status; later ones arrive as ERROR events and end the stream.
 */
import type { ServerResponse } from 'node:http'
import type { RegistryEntry } from '../registry'
import type { RestContext, Target } from '../rest/context'
import {
  watchObjects,
  type WatchEventOut,
  type WatchHandle,
  type WatchOptions
} from '../rest/watch'
import { storedJson } from '../storage/object-storage'
import type { KubeObject } from '../types'
import { contentTypeOf, type Rendering } from './respond'
import { transformObject, type IncludeObject } from './transform'

/** A client that lets this much output pile up is too slow to follow; its watch is closed. */
const MAX_BUFFERED_BYTES = 32 * 1024 * 1024

// Watchers of one collection share the decoded objects of each change (see ObjectStorage.watch),
// so a change is serialized — and encoded to bytes — once however many clients watch it, and
// every stream writes the same buffer. The text is the stored JSON when the store gave it
// (storedJson), so a plain watch neither parses nor stringifies per event beyond the decoding
// selectors need.
const serialized = new WeakMap<object, { json: string; lines: Map<string, Buffer> }>()

function eventLine(event: WatchEventOut): Buffer {
  let cached = serialized.get(event.object)
  if (!cached) {
    cached = { json: storedJson(event.object) ?? JSON.stringify(event.object), lines: new Map() }
    serialized.set(event.object, cached)
  }
  let line = cached.lines.get(event.type)
  if (!line) {
    line = Buffer.from(`{"type":"${event.type}","object":${cached.json}}\n`)
    cached.lines.set(event.type, line)
  }
  return line
}

/**
 * Events for one stream wait at least this long to go out together: hundreds of watchers of a
 * busy collection then cost one TLS record and one system call each per interval, not one per
 * change (each write costs 10–20 µs before its bytes: TLS record, system call, loopback TCP).
 */
const MIN_FLUSH_INTERVAL_MS = 5
/**
 * With many streams waiting the interval grows, so the writes per second stay about
 * FLUSH_WRITES_PER_SECOND however many watch: at 500 busy streams a 5 ms interval would be 100,000
 * writes a second, more than the event loop can make, and every request would queue behind them.
 */
const FLUSH_WRITES_PER_SECOND = 20_000
/** The longest wait, so a watcher of a busy server still sees each change well within 100 ms. */
const MAX_FLUSH_INTERVAL_MS = 25

/** The output of one watch stream that has not been written yet. */
interface Outbox {
  chunks: Buffer[]
  /** Writes `data` (the chunks as one piece) once the headers went out. */
  flush(data?: Buffer): void
}

/** Streams with output waiting, and the one timer that writes them all. */
const waiting = new Set<Outbox>()
let flushTimer: NodeJS.Timeout | undefined

/** How long output waits with `streams` watches open (exported for the benchmark's fan-out floor). */
export function flushInterval(streams: number): number {
  const spread = (streams * 1000) / FLUSH_WRITES_PER_SECOND
  return Math.min(MAX_FLUSH_INTERVAL_MS, Math.max(MIN_FLUSH_INTERVAL_MS, spread))
}

function flushAll(): void {
  flushTimer = undefined
  const boxes = [...waiting]
  waiting.clear()
  // Watchers of one collection usually wait for the very same event lines: join them once and
  // write that one buffer to every stream, rather than copy the same bytes once per stream.
  let lastChunks: Buffer[] | undefined
  let lastJoined: Buffer | undefined
  for (const box of boxes) {
    const chunks = box.chunks
    if (chunks.length > 1 && !(lastChunks && sameChunks(chunks, lastChunks))) {
      lastChunks = chunks
      lastJoined = Buffer.concat(chunks)
    }
    box.flush(chunks.length > 1 ? lastJoined : chunks[0])
  }
}

function sameChunks(a: Buffer[], b: Buffer[]): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

function schedule(box: Outbox): void {
  waiting.add(box)
  flushTimer ??= setTimeout(flushAll, flushInterval(openStreams))
}

function unschedule(box: Outbox): void {
  waiting.delete(box)
  if (waiting.size === 0 && flushTimer) {
    clearTimeout(flushTimer)
    flushTimer = undefined
  }
}

/** Watch streams open now, which sets how long output waits (flushInterval). */
let openStreams = 0

/** Streams a watch to `res` until it times out, fails or the client goes away. */
export async function serveWatch(
  ctx: RestContext,
  target: Target,
  opts: WatchOptions,
  res: ServerResponse,
  rendering: Rendering,
  includeObject: IncludeObject
): Promise<void> {
  const entry: RegistryEntry = target.entry
  const state: { handle?: WatchHandle; started: boolean; endPending: boolean } = {
    started: false,
    endPending: false
  }
  const box: Outbox = {
    chunks: [],
    flush: (data) => {
      const chunks = box.chunks
      box.chunks = []
      if (!state.started || chunks.length === 0 || res.destroyed || res.writableEnded) return
      if (res.writableLength + (res.socket?.writableLength ?? 0) > MAX_BUFFERED_BYTES) {
        state.handle?.stop()
        res.destroy()
        return
      }
      res.write(data ?? (chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)))
    }
  }
  const write = (line: string | Buffer): void => {
    box.chunks.push(typeof line === 'string' ? Buffer.from(line) : line)
    // Events sent while the watch was starting (the initial state) wait for the headers.
    if (state.started) schedule(box)
  }
  const plain = !rendering.as
  const handle = await watchObjects(ctx, target, opts, {
    send: (event) => {
      if (plain) {
        write(eventLine(event))
        return
      }
      const object =
        event.type === 'BOOKMARK' || event.type === 'ERROR'
          ? event.object
          : transformObject(entry, event.object as KubeObject, rendering, includeObject)
      write(JSON.stringify({ type: event.type, object }) + '\n')
    },
    end: () => {
      if (!state.started) {
        state.endPending = true
        return
      }
      unschedule(box)
      box.flush()
      if (!res.destroyed) res.end()
    }
  })
  state.handle = handle
  res.writeHead(200, {
    'Content-Type': contentTypeOf({ ...rendering, format: 'json' }),
    'Cache-Control': 'no-cache, private',
    'Transfer-Encoding': 'chunked'
  })
  res.flushHeaders()
  state.started = true
  // The initial state goes out at once, with the headers.
  box.flush()
  if (state.endPending) res.end()
  if (res.destroyed) {
    handle.stop()
    return
  }
  openStreams++
  res.on('close', () => {
    openStreams--
    unschedule(box)
    box.chunks = []
    handle.stop()
  })
}
