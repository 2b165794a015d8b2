/**
 * The load generator's pieces: an HTTPS client with a keep-alive agent (one socket per concurrent
 * client, as a real client library keeps them), a closed-loop runner (N clients, each awaiting
 * its own requests) and latency statistics.
 */
import { Agent, request } from 'node:https'
import { performance } from 'node:perf_hooks'

/** Where the API server is and how to reach it. */
export interface ApiTarget {
  host: string
  port: number
  /** The CA certificate (PEM) to trust. */
  ca: string
  /** The admin bearer token. */
  token: string
}

/** A response read to the end. */
export interface HttpResult {
  status: number
  body: string
  /** When the response headers arrived (performance.now()). */
  headersAt: number
  /** When the last byte of the body arrived, before it was decoded (performance.now()). */
  endAt: number
}

/** HTTPS requests to one API server over a keep-alive agent of `maxSockets` connections. */
export class HttpsClient {
  private readonly agent: Agent

  constructor(
    private readonly target: ApiTarget,
    maxSockets: number
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets, ca: target.ca })
  }

  /** One request; rejects on I/O errors and on a status other than `expect`. */
  async call(method: string, path: string, body?: string, expect = 200): Promise<HttpResult> {
    const res = await this.send(method, path, body)
    if (res.status !== expect) {
      throw new Error(`${method} ${path}: HTTP ${res.status}: ${res.body.slice(0, 300)}`)
    }
    return res
  }

  /**
   * One request; resolves with whatever status came back. A GET whose kept-alive connection
   * the server had just closed (ECONNRESET on a reused socket, before any answer) is sent once
   * more, as Go's and browsers' HTTP clients do for idempotent requests.
   */
  async send(method: string, path: string, body?: string): Promise<HttpResult> {
    try {
      return await this.sendOnce(method, path, body)
    } catch (err) {
      const stale = (err as { staleSocket?: boolean }).staleSocket === true
      if (!stale || method !== 'GET') throw err
      return this.sendOnce(method, path, body)
    }
  }

  private sendOnce(method: string, path: string, body?: string): Promise<HttpResult> {
    const headers: Record<string, string> = {
      Authorization: `Bearer ${this.target.token}`,
      Accept: 'application/json'
    }
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json'
      headers['Content-Length'] = String(Buffer.byteLength(body))
    }
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: this.target.host,
          port: this.target.port,
          method,
          path,
          headers,
          agent: this.agent
        },
        (res) => {
          const headersAt = performance.now()
          const chunks: Buffer[] = []
          res.on('data', (c: Buffer) => chunks.push(c))
          res.on('error', reject)
          res.on('end', () => {
            const endAt = performance.now()
            resolve({
              status: res.statusCode ?? 0,
              body: Buffer.concat(chunks).toString('utf8'),
              headersAt,
              endAt
            })
          })
        }
      )
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (req.reusedSocket && err.code === 'ECONNRESET') Object.assign(err, { staleSocket: true })
        reject(err)
      })
      req.end(body)
    })
  }

  /** Closes the pooled connections. */
  close(): void {
    this.agent.destroy()
  }
}

/** Throughput and latency of one phase. */
export interface LoadResult {
  /** Operations per second completed inside the measured window. */
  ops: number
  p50: number
  p99: number
  /** Operations measured. */
  count: number
}

/** How long a closed-loop phase runs. */
export interface PhaseTiming {
  /** Operations finishing in this first stretch are not counted (JIT, connection setup). */
  warmupMs: number
  durationMs: number
}

/**
 * `concurrency` clients, each issuing `op` and awaiting it before the next, for the warm-up plus
 * the measured window; `op(seq)` gets a number unique across clients. Any failed op fails the
 * phase (the benchmark reports errors rather than averaging them in).
 */
export async function closedLoop(
  concurrency: number,
  timing: PhaseTiming,
  op: (seq: number) => Promise<unknown>
): Promise<LoadResult> {
  const start = performance.now()
  const measureFrom = start + timing.warmupMs
  const end = measureFrom + timing.durationMs
  const latencies: number[] = []
  let seq = 0
  const client = async (): Promise<void> => {
    while (performance.now() < end) {
      const t0 = performance.now()
      await op(seq++)
      const t1 = performance.now()
      if (t0 >= measureFrom && t1 <= end) latencies.push(t1 - t0)
    }
  }
  await Promise.all(Array.from({ length: concurrency }, client))
  return summarize(latencies, timing.durationMs)
}

/** Latency statistics of `latencies` (ms) measured over `windowMs`. */
export function summarize(latencies: number[], windowMs: number): LoadResult {
  const sorted = Float64Array.from(latencies).sort()
  return {
    ops: Math.round(sorted.length / (windowMs / 1000)),
    p50: round(percentile(sorted, 0.5)),
    p99: round(percentile(sorted, 0.99)),
    count: sorted.length
  }
}

/** The q-quantile (0..1) of ascending `sorted`, nearest rank; 0 when empty. */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return 0
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]
}

/** The median of a few samples. */
export function median(samples: number[]): number {
  return percentile(Float64Array.from(samples).sort(), 0.5)
}

/** Two decimals. */
export function round(n: number): number {
  return Math.round(n * 100) / 100
}

/** Runs `fn` with at most `concurrency` calls in flight over `items` indexes 0..count-1. */
export async function parallel(
  count: number,
  concurrency: number,
  fn: (i: number) => Promise<unknown>
): Promise<void> {
  let next = 0
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) await fn(next++)
    })
  )
}
