/**
 * Runs the watch fan-out floor (fanout-floor-child.ts) with the same watcher processes, the same
 * event bytes and the same paced writes as the API server's largest watch phase, and reports it
 * as `floor_<phase>_*` metrics: how far below the API's figure this machine lets any one Node.js
 * process go, so `watch_<W>_vs_floor_x` separates the API server's own cost from the machine's.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import type { FloorReady, FloorTemplate } from './fanout-floor-child'
import { HttpsClient, type ApiTarget } from './load'
import { podBody } from './pods'
import { cpuTimeMs, stopChild } from './server-process'
import type { WatcherPool, WatchLoad } from './watch-delay'

const READY_TIMEOUT_MS = 30_000

/** The floor server, running. */
interface FloorServer {
  target: ApiTarget
  cpuMs(): number
  stop(): Promise<void>
}

async function startFloor(template: FloorTemplate): Promise<FloorServer> {
  const dir = mkdtempSync(join(tmpdir(), 'kubedesk-bench-floor-'))
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(__dirname, 'fanout-floor-child.ts'), dir],
    { stdio: ['pipe', 'pipe', 'pipe'], cwd: join(__dirname, '..', '..') }
  )
  let stderr = ''
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c))
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()))
  const stop = async (): Promise<void> => {
    await stopChild(child, exited)
    rmSync(dir, { recursive: true, force: true })
  }
  child.stdin!.end(JSON.stringify(template) + '\n')
  try {
    const ready = await new Promise<FloorReady>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('the fan-out floor did not start')),
        READY_TIMEOUT_MS
      )
      createInterface({ input: child.stdout! }).once('line', (line) => {
        clearTimeout(timer)
        resolve(JSON.parse(line) as FloorReady)
      })
      child.once('close', (code) => {
        clearTimeout(timer)
        reject(new Error(`the fan-out floor exited (code ${code}): ${stderr.trim()}`))
      })
    })
    return {
      target: { host: '127.0.0.1', port: ready.port, ca: ready.ca, token: 'unused' },
      cpuMs: () => cpuTimeMs(child.pid!),
      stop
    }
  } catch (err) {
    await stop()
    throw err
  }
}

/** The floor's delay figures for `load`, as `floor_watch_<W>_*` metrics. */
export async function runFanoutFloor(
  pool: WatcherPool,
  load: WatchLoad,
  template: FloorTemplate,
  log: (line: string) => void
): Promise<Record<string, number>> {
  const name = `floor_watch_${load.watchers}`
  const floor = await startFloor(template)
  const writer = new HttpsClient(floor.target, 64)
  try {
    const prefix = `f${load.watchers}-`
    const cpuBefore = floor.cpuMs()
    const started = Date.now()
    const r = await pool.measure(floor.target, '/watch', prefix, load, (i) =>
      writer.call('POST', '/pods', podBody(prefix + i, 'bench-watch', i), 201)
    )
    const cpuPct = (100 * (floor.cpuMs() - cpuBefore)) / (Date.now() - started)
    if (r.missing > 0 || r.broken > 0) {
      throw new Error(
        `fan-out floor, ${load.watchers} watchers: ${r.missing} watcher × event pairs never ` +
          `arrived, ${r.broken} streams ended early`
      )
    }
    log(
      `fan-out floor ${load.watchers} watchers × ${load.rate} writes/s: delay p50 ${r.p50} ms, ` +
        `p99 ${r.p99} ms; writes ${r.writes.ops}/s; server cpu ${Math.round(cpuPct)}%`
    )
    return {
      [`${name}_p50_delay_ms`]: r.p50,
      [`${name}_p99_delay_ms`]: r.p99,
      [`${name}_write_ops`]: r.writes.ops,
      [`${name}_server_cpu_pct`]: Math.round(cpuPct)
    }
  } finally {
    writer.close()
    await floor.stop()
  }
}
