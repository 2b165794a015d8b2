/**
 * A watch over HTTP: a chunked `application/json` stream of `{"type":…,"object":…}` lines.
 * Errors found before the stream starts (bad selectors, 410 Expired) are answered as the
 * response's status; later ones arrive as ERROR events and end the stream.
 */
import type { ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
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
 * Events for one stream wait this long, at most, to go out together: hundreds of watchers of a
 * busy collection then cost one TLS record and one system call each per interval, not one per
 * change. Each write costs about 20 µs before its bytes (TLS record, system call, loopback TCP),
 * so 500 streams written every 5 ms would take two cores on that alone. The wait grows with the
 * number of open streams (5 ms for a few, 25 ms from 500 on).
 */
export function flushIntervalMs(streams: number): number {
  return Math.min(MAX_FLUSH_INTERVAL_MS, MIN_FLUSH_INTERVAL_MS + Math.floor(streams / 25))
}

/**
 * The wait before the next flush: flushIntervalMs, or twice what the last flush took when that
 * is longer (writing the streams then takes at most a third of the time), never over 50 ms.
 */
export function nextFlushDelayMs(streams: number, lastFlushMs: number): number {
  return Math.min(BUSY_FLUSH_INTERVAL_MS, Math.max(flushIntervalMs(streams), 2 * lastFlushMs))
}

const MIN_FLUSH_INTERVAL_MS = 5
const MAX_FLUSH_INTERVAL_MS = 25
const BUSY_FLUSH_INTERVAL_MS = 50

/** The output of one watch stream that has not been written yet. */
interface Outbox {
  chunks: Buffer[]
  /** Writes the chunks (once the headers went out); `shared` frames chunk lists once per flush. */
  flush(shared?: SharedFrames): void
}

/**
 * The HTTP/1.1 chunk (`<hex length>\r\n<data>\r\n`) of each distinct list of lines that streams
 * have waiting in one flush: watchers of the same collection wait for the same lines, so the
 * bytes are framed — copied — once, and every stream writes the same buffer.
 */
export class SharedFrames {
  private readonly byFirst = new Map<Buffer, { chunks: Buffer[]; frame: Buffer }[]>()

  /** The chunk framing `chunks`, built once per distinct list. */
  frame(chunks: Buffer[]): Buffer {
    const candidates = this.byFirst.get(chunks[0])
    const found = candidates?.find((c) => sameBuffers(c.chunks, chunks))
    if (found) return found.frame
    const frame = frameChunk(chunks)
    if (candidates) candidates.push({ chunks, frame })
    else this.byFirst.set(chunks[0], [{ chunks, frame }])
    return frame
  }
}

function sameBuffers(a: Buffer[], b: Buffer[]): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

const CRLF = Buffer.from('\r\n')

/** One HTTP/1.1 chunk holding `chunks` back to back. */
export function frameChunk(chunks: Buffer[]): Buffer {
  let length = 0
  for (const c of chunks) length += c.length
  const head = Buffer.from(`${length.toString(16)}\r\n`)
  return Buffer.concat([head, ...chunks, CRLF], head.length + length + CRLF.length)
}

/** Streams with output waiting, and the one timer that writes them all. */
const waiting = new Set<Outbox>()
let flushTimer: NodeJS.Timeout | undefined
let openStreams = 0
let lastFlushMs = 0

function flushAll(): void {
  flushTimer = undefined
  const started = performance.now()
  const boxes = [...waiting]
  waiting.clear()
  const shared = new SharedFrames()
  for (const box of boxes) box.flush(shared)
  lastFlushMs = performance.now() - started
}

function schedule(box: Outbox): void {
  waiting.add(box)
  flushTimer ??= setTimeout(flushAll, nextFlushDelayMs(openStreams, lastFlushMs))
}

function unschedule(box: Outbox): void {
  waiting.delete(box)
  if (waiting.size === 0 && flushTimer) {
    clearTimeout(flushTimer)
    flushTimer = undefined
  }
}

/**
 * The socket a chunked response may write pre-framed chunks to directly: only once its headers
 * went out and nothing of it waits in the response's own buffer, so bytes stay in order.
 */
function rawSocketOf(res: ServerResponse): Socket | undefined {
  const socket = res.socket
  const internal = res as unknown as { _header?: unknown; outputData?: unknown[] }
  if (!socket || res.headersSent !== true || !internal._header) return undefined
  if (Array.isArray(internal.outputData) && internal.outputData.length > 0) return undefined
  if ((socket as unknown as { _httpMessage?: unknown })._httpMessage !== res) return undefined
  return socket
}

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
    flush: (shared) => {
      const chunks = box.chunks
      box.chunks = []
      if (!state.started || chunks.length === 0 || res.destroyed || res.writableEnded) return
      const socket = rawSocketOf(res)
      if (res.writableLength > MAX_BUFFERED_BYTES) {
        state.handle?.stop()
        res.destroy()
        return
      }
      // The framed chunk goes straight to the socket: the bytes res.write would send, built
      // once for every stream waiting for the same lines.
      if (socket) socket.write(shared ? shared.frame(chunks) : frameChunk(chunks))
      else res.write(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks))
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
