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
import type { KubeObject } from '../types'
import { contentTypeOf, type Rendering } from './respond'
import { transformObject, type IncludeObject } from './transform'

/** A client that lets this much output pile up is too slow to follow; its watch is closed. */
const MAX_BUFFERED_BYTES = 32 * 1024 * 1024

// Watchers of one collection share the decoded objects of each change (see ObjectStorage.watch),
// so a change is serialized — and encoded to bytes — once however many clients watch it, and
// every stream writes the same buffer.
const serialized = new WeakMap<object, { json: string; lines: Map<string, Buffer> }>()

function eventLine(event: WatchEventOut): Buffer {
  let cached = serialized.get(event.object)
  if (!cached) {
    cached = { json: JSON.stringify(event.object), lines: new Map() }
    serialized.set(event.object, cached)
  }
  let line = cached.lines.get(event.type)
  if (!line) {
    line = Buffer.from(`{"type":"${event.type}","object":${cached.json}}\n`)
    cached.lines.set(event.type, line)
  }
  return line
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
  const pending: (string | Buffer)[] = []
  const write = (line: string | Buffer): void => {
    if (!state.started) {
      pending.push(line)
      return
    }
    if (res.writableLength > MAX_BUFFERED_BYTES) {
      state.handle?.stop()
      res.destroy()
      return
    }
    res.write(line)
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
      if (state.started) res.end()
      else state.endPending = true
    }
  })
  state.handle = handle
  // Events sent while the watch was starting (the initial state) are held until the headers go out.
  res.writeHead(200, {
    'Content-Type': contentTypeOf({ ...rendering, format: 'json' }),
    'Cache-Control': 'no-cache, private',
    'Transfer-Encoding': 'chunked'
  })
  res.flushHeaders()
  state.started = true
  if (pending.length > 0) {
    res.write(Buffer.concat(pending.map((p) => (typeof p === 'string' ? Buffer.from(p) : p))))
  }
  if (state.endPending) res.end()
  res.on('close', () => handle.stop())
  if (res.destroyed) handle.stop()
}
