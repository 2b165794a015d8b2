/**
 * A watcher process for the watch-delay workload, forked by watch-delay.ts with IPC (advanced
 * serialization). It holds many HTTPS watch streams on one collection, each on its own keep-alive
 * socket, and records when each stream first saw each benchmark pod (named `<prefix><index>`),
 * on the machine-wide monotonic clock (`process.hrtime`), so the parent can subtract the times
 * its writes were acknowledged. Lines are not JSON-parsed — the pod's index is found by text
 * search — so the watcher's own CPU stays small next to the server's.
 *
 * Protocol: child → `ready` once it listens; parent → `open` (target, path, count, events, prefix); child → `opened`.
 * Parent → `collect` (acks, deadlineMs); child → `result` (the delays of every stream × event
 * with a Float64Array, missing count, CPU time). Parent → `close`; child exits.
 */
import type { ClientRequest } from 'node:http'
import { Agent, request } from 'node:https'
import type { ApiTarget } from './load'

/** Messages the parent sends. */
export type WatchChildRequest =
  | {
      type: 'open'
      target: ApiTarget
      /** The watch path, e.g. /api/v1/namespaces/x/pods?watch=1&resourceVersion=5. */
      path: string
      count: number
      /** How many benchmark pods will be written (indexes 0..events-1). */
      events: number
      /** The pod name prefix the index follows. */
      prefix: string
    }
  | {
      type: 'collect'
      /** Acknowledgement time of each write (hrtime ms); NaN for writes that failed. */
      acks: Float64Array
      /** Wait at most this long for streams still missing events. */
      deadlineMs: number
    }
  | { type: 'close' }

/** Messages the child sends. */
export type WatchChildReply =
  | { type: 'ready' }
  | { type: 'opened'; cpuMs: number }
  | {
      type: 'result'
      /** seen − ack per stream × acknowledged event, ms (negative: seen before the ack arrived). */
      delays: Float64Array
      /** Stream × event pairs never seen before the deadline. */
      missing: number
      /** Streams that ended or failed early. */
      broken: number
      /** CPU time of this process so far (user + system). */
      cpuMs: number
    }
  | { type: 'error'; message: string }

function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6
}

function cpuMs(): number {
  const cpu = process.cpuUsage()
  return (cpu.user + cpu.system) / 1000
}

interface Stream {
  req: ClientRequest
  /** First time each event index was seen (NaN: not yet). */
  seen: Float64Array
  count: number
  ended: boolean
}

const streams: Stream[] = []
let agent: Agent | undefined

function reply(message: WatchChildReply): void {
  process.send?.(message)
}

const NEWLINE = 0x0a

/** The decimal number at `at` in `buf`; -1 when there is no digit. */
function digitsAt(buf: Buffer, at: number): number {
  let n = -1
  for (let i = at; i < buf.length && i < at + 12; i++) {
    const d = buf[i] - 0x30
    if (d < 0 || d > 9) break
    n = (n < 0 ? 0 : n * 10) + d
  }
  return n
}

function openStream(
  target: ApiTarget,
  path: string,
  events: number,
  prefix: string
): Promise<Stream> {
  const marker = Buffer.from(`"name":"${prefix}`)
  return new Promise((resolve, reject) => {
    const stream: Stream = {
      req: undefined as unknown as ClientRequest,
      seen: new Float64Array(events).fill(NaN),
      count: 0,
      ended: false
    }
    stream.req = request(
      {
        host: target.host,
        port: target.port,
        path,
        agent,
        headers: { Authorization: `Bearer ${target.token}`, Accept: 'application/json' }
      },
      (res) => {
        if (res.statusCode !== 200) {
          reject(new Error(`watch ${path}: HTTP ${res.statusCode}`))
          res.resume()
          return
        }
        // Bytes, not text: no UTF-8 decoding or string building for the ~1 GB/s 500 streams carry.
        let rest: Buffer | undefined
        res.on('data', (chunk: Buffer) => {
          const at = nowMs()
          const buf = rest ? Buffer.concat([rest, chunk]) : chunk
          let from = 0
          let next = buf.indexOf(marker, 0)
          for (let nl = buf.indexOf(NEWLINE, 0); nl >= 0; nl = buf.indexOf(NEWLINE, from)) {
            if (next >= 0 && next < from) next = buf.indexOf(marker, from)
            if (next >= 0 && next < nl) {
              const index = digitsAt(buf, next + marker.length)
              if (index >= 0 && index < events && Number.isNaN(stream.seen[index])) {
                stream.seen[index] = at
                stream.count++
              }
            }
            from = nl + 1
          }
          rest = from < buf.length ? buf.subarray(from) : undefined
        })
        res.on('end', () => (stream.ended = true))
        res.on('error', () => (stream.ended = true))
        resolve(stream)
      }
    )
    stream.req.on('error', (err) => {
      stream.ended = true
      reject(err)
    })
    stream.req.end()
  })
}

async function collect(acks: Float64Array, deadlineMs: number): Promise<void> {
  const expected = acks.reduce((n, a) => (Number.isNaN(a) ? n : n + 1), 0)
  const deadline = nowMs() + deadlineMs
  while (nowMs() < deadline && streams.some((s) => !s.ended && s.count < expected)) {
    await new Promise((r) => setTimeout(r, 50))
  }
  const delays = new Float64Array(streams.length * expected)
  let n = 0
  let missing = 0
  for (const s of streams) {
    for (let i = 0; i < acks.length; i++) {
      if (Number.isNaN(acks[i])) continue
      if (Number.isNaN(s.seen[i])) missing++
      else delays[n++] = s.seen[i] - acks[i]
    }
  }
  reply({
    type: 'result',
    delays: delays.subarray(0, n),
    missing,
    broken: streams.filter((s) => s.ended).length,
    cpuMs: cpuMs()
  })
}

function closeAll(): void {
  for (const s of streams.splice(0)) s.req.destroy()
  agent?.destroy()
  agent = undefined
}

process.on('message', (message: WatchChildRequest) => {
  const handle = async (): Promise<void> => {
    if (message.type === 'open') {
      closeAll()
      agent = new Agent({ keepAlive: true, maxSockets: message.count, ca: message.target.ca })
      const opened = await Promise.all(
        Array.from({ length: message.count }, () =>
          openStream(message.target, message.path, message.events, message.prefix)
        )
      )
      streams.push(...opened)
      reply({ type: 'opened', cpuMs: cpuMs() })
    } else if (message.type === 'collect') {
      await collect(message.acks, message.deadlineMs)
      closeAll()
    } else {
      closeAll()
      process.exit(0)
    }
  }
  handle().catch((err: unknown) =>
    reply({ type: 'error', message: err instanceof Error ? err.message : String(err) })
  )
})

// The benchmark went away: nothing left to measure for.
process.on('disconnect', () => {
  closeAll()
  process.exit(0)
})

reply({ type: 'ready' })
