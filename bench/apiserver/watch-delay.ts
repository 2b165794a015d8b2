/**
 * The watch-delay workload: W watchers on one collection while writes arrive at a fixed rate;
 * for every watcher × write, the time from the write's acknowledgement (its response reached the
 * writer) to the watcher seeing the event. Over HTTPS the watchers live in a few forked processes
 * (watch-child.ts) so that reading hundreds of streams does not share the writer's event loop,
 * and times are taken on the machine-wide monotonic clock. On the store directly the watchers are
 * `store.watch` callbacks in this process.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import type { Store } from '../../src/main/store/types'
import { percentile, round, summarize, type ApiTarget, type LoadResult } from './load'
import type { WatchChildReply, WatchChildRequest } from './watch-child'

/** How the writes arrive. */
export interface WatchLoad {
  watchers: number
  /** Writes per second. */
  rate: number
  durationMs: number
}

/** What one watch-delay phase measured. */
export interface WatchDelayResult {
  p50: number
  p99: number
  max: number
  /** Watcher × event pairs measured. */
  pairs: number
  /** Pairs never delivered before the deadline (an error). */
  missing: number
  /** Streams that ended early (an error). */
  broken: number
  /** Latency and achieved rate of the writes themselves. */
  writes: LoadResult
  /** CPU time the watcher processes used during the phase (HTTPS only). */
  watcherCpuMs: number
}

/** How long watchers may lag behind the last write before their missing events count as lost. */
const DELIVERY_DEADLINE_MS = 30_000

/** Current time on the monotonic clock every process on the machine shares, ms. */
export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6
}

/** Writes in flight beyond which an arrival is skipped, so a slow server does not queue forever. */
const MAX_IN_FLIGHT = 64

/**
 * Issues `rate × durationMs` writes at a steady pace (open loop: a slow server does not slow the
 * arrivals), `write(i)` for i = 0, 1, …; an arrival finding MAX_IN_FLIGHT writes unanswered is
 * skipped (the server is not keeping up; `writes.ops` shows the rate it took). Answers each write's
 * acknowledgement time (NaN when skipped) and the write latencies; a failed write is rethrown.
 */
async function pacedWrites(
  load: WatchLoad,
  write: (i: number) => Promise<unknown>
): Promise<{ acks: Float64Array; writes: LoadResult }> {
  const total = Math.max(1, Math.round((load.rate * load.durationMs) / 1000))
  const acks = new Float64Array(total).fill(NaN)
  const latencies: number[] = []
  const pending: Promise<void>[] = []
  let failure: unknown
  let inFlight = 0
  const intervalMs = 1000 / load.rate
  const t0 = nowMs()
  let issued = 0
  while (issued < total) {
    const due = Math.min(total, Math.floor((nowMs() - t0) / intervalMs) + 1)
    while (issued < due) {
      const i = issued++
      if (inFlight >= MAX_IN_FLIGHT) continue
      inFlight++
      const started = nowMs()
      pending.push(
        write(i).then(
          () => {
            inFlight--
            acks[i] = nowMs()
            latencies.push(acks[i] - started)
          },
          (err: unknown) => {
            inFlight--
            failure ??= err
          }
        )
      )
    }
    await new Promise((r) => setTimeout(r, Math.max(1, intervalMs / 2)))
  }
  await Promise.all(pending)
  if (failure) throw failure
  // The rate achieved over the offered window (writes answered after it still count).
  return { acks, writes: summarize(latencies, load.durationMs) }
}

function delayResult(
  delays: Float64Array,
  missing: number,
  broken: number,
  writes: LoadResult,
  watcherCpuMs: number
): WatchDelayResult {
  // Seen before the writer read its acknowledgement: no delay to speak of.
  for (let i = 0; i < delays.length; i++) if (delays[i] < 0) delays[i] = 0
  delays.sort()
  return {
    p50: round(percentile(delays, 0.5)),
    p99: round(percentile(delays, 0.99)),
    max: round(delays.length ? delays[delays.length - 1] : 0),
    pairs: delays.length,
    missing,
    broken,
    writes,
    watcherCpuMs: Math.round(watcherCpuMs)
  }
}

/** A few watcher processes, reused across phases. */
export class WatcherPool {
  private constructor(private readonly children: ChildProcess[]) {}

  /** Forks `processes` watcher children and waits until each listens. */
  static async start(processes: number): Promise<WatcherPool> {
    const entry = join(__dirname, 'watch-child.ts')
    const children = Array.from({ length: processes }, () =>
      fork(entry, [], {
        execArgv: ['--import', 'tsx'],
        cwd: join(__dirname, '..', '..'),
        serialization: 'advanced',
        stdio: ['ignore', 'ignore', 'inherit', 'ipc']
      })
    )
    const pool = new WatcherPool(children)
    try {
      await Promise.all(children.map((child) => pool.reply(child)))
    } catch (err) {
      pool.close()
      throw err
    }
    return pool
  }

  get size(): number {
    return this.children.length
  }

  /**
   * `load.watchers` HTTPS watches of `path` (spread over the children), while `write(i)` creates
   * pod `<prefix><i>` at `load.rate` per second.
   */
  async measure(
    target: ApiTarget,
    path: string,
    prefix: string,
    load: WatchLoad,
    write: (i: number) => Promise<unknown>
  ): Promise<WatchDelayResult> {
    const events = Math.max(1, Math.round((load.rate * load.durationMs) / 1000))
    const used = this.children.slice(0, Math.min(this.children.length, load.watchers))
    const counts = used.map(
      (_, c) => Math.floor(load.watchers / used.length) + (c < load.watchers % used.length ? 1 : 0)
    )
    const opened = await Promise.all(
      used.map((child, c) =>
        this.ask(child, { type: 'open', target, path, count: counts[c], events, prefix })
      )
    )
    const cpuBefore = opened.reduce((n, r) => n + (r.type === 'opened' ? r.cpuMs : 0), 0)
    const { acks, writes } = await pacedWrites(load, write)
    const results = await Promise.all(
      used.map((child) =>
        this.ask(child, { type: 'collect', acks, deadlineMs: DELIVERY_DEADLINE_MS })
      )
    )
    let missing = 0
    let broken = 0
    let cpuAfter = 0
    const parts: Float64Array[] = []
    for (const r of results) {
      if (r.type !== 'result') continue
      parts.push(r.delays)
      missing += r.missing
      broken += r.broken
      cpuAfter += r.cpuMs
    }
    const delays = new Float64Array(parts.reduce((n, p) => n + p.length, 0))
    let offset = 0
    for (const p of parts) {
      delays.set(p, offset)
      offset += p.length
    }
    return delayResult(delays, missing, broken, writes, cpuAfter - cpuBefore)
  }

  /** Ends every child. */
  close(): void {
    for (const child of this.children) {
      if (child.connected) child.send({ type: 'close' } satisfies WatchChildRequest)
      else child.kill('SIGTERM')
    }
  }

  private ask(child: ChildProcess, message: WatchChildRequest): Promise<WatchChildReply> {
    const answer = this.reply(child)
    child.send(message)
    return answer
  }

  /** The child's next message. */
  private reply(child: ChildProcess): Promise<WatchChildReply> {
    return new Promise((resolve, reject) => {
      const onMessage = (reply: WatchChildReply): void => {
        cleanup()
        if (reply.type === 'error') reject(new Error(`watcher process: ${reply.message}`))
        else resolve(reply)
      }
      const onExit = (code: number | null): void => {
        cleanup()
        reject(new Error(`a watcher process exited (code ${code})`))
      }
      const cleanup = (): void => {
        child.off('message', onMessage)
        child.off('exit', onExit)
      }
      child.on('message', onMessage)
      child.on('exit', onExit)
    })
  }
}

/**
 * The same workload on the store directly: `load.watchers` `store.watch` callbacks on `prefix`
 * in this process, while `store.create(prefix + i)` writes `value(i)` at `load.rate` per second.
 */
export async function measureStoreWatch(
  store: Store,
  prefix: string,
  load: WatchLoad,
  value: (i: number) => string
): Promise<WatchDelayResult> {
  const events = Math.max(1, Math.round((load.rate * load.durationMs) / 1000))
  const from = await store.revision()
  let broken = 0
  const seen = Array.from({ length: load.watchers }, () => new Float64Array(events).fill(NaN))
  const watchers = seen.map((mine) =>
    store.watch(prefix, from, {
      onEvents: (batch) => {
        const at = nowMs()
        for (const e of batch) {
          const index = Number(e.kv.key.slice(prefix.length))
          if (index >= 0 && index < events && Number.isNaN(mine[index])) mine[index] = at
        }
      },
      onError: () => broken++
    })
  )
  try {
    const { acks, writes } = await pacedWrites(load, (i) => store.create(prefix + i, value(i)))
    const written: number[] = []
    for (let i = 0; i < events; i++) if (!Number.isNaN(acks[i])) written.push(i)
    const deadline = nowMs() + DELIVERY_DEADLINE_MS
    const lagging = (): boolean => seen.some((s) => written.some((i) => Number.isNaN(s[i])))
    while (lagging() && nowMs() < deadline) await new Promise((r) => setTimeout(r, 20))
    const delays = new Float64Array(load.watchers * written.length)
    let n = 0
    let missing = 0
    for (const s of seen) {
      for (const i of written) {
        if (Number.isNaN(s[i])) missing++
        else delays[n++] = s[i] - acks[i]
      }
    }
    return delayResult(delays.subarray(0, n), missing, broken, writes, 0)
  } finally {
    for (const w of watchers) w.cancel()
  }
}
