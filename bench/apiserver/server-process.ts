/**
 * Starts the API server under test as a child process (server-child.ts) and measures it from
 * outside: resident memory from /proc/<pid>/status, CPU time from /proc/<pid>/stat.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { SeedReply, SeedRequest, ServerReady } from './server-child'

const READY_TIMEOUT_MS = 60_000
const STOP_TIMEOUT_MS = 10_000
/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ; 100 on every Linux that matters). */
const CLOCK_TICKS = 100

/** The running server child. */
export interface ServerProcess extends ServerReady {
  /** VmRSS of the server process, MB. */
  rssMb(): number
  /** VmHWM (peak RSS so far) of the server process, MB. */
  peakRssMb(): number
  /** User + system CPU time of the server process so far, ms. */
  cpuMs(): number
  /** Writes pods straight into the server's store (see server-child.ts); answers how many. */
  seed(request: Omit<SeedRequest, 'type'>): Promise<number>
  /** The child's stderr so far. */
  stderr(): string
  /** SIGTERM, then SIGKILL after a timeout; resolves once it exited. */
  stop(): Promise<void>
}

/** Options of startServerProcess. */
export interface ServerProcessOptions {
  dataDir: string
  /** Extra node flags, e.g. `--cpu-prof --cpu-prof-dir=…`. */
  nodeFlags?: string[]
}

/** Spawns `node --import tsx bench/apiserver/server-child.ts <dataDir>` and waits for its ready line. */
export async function startServerProcess(opts: ServerProcessOptions): Promise<ServerProcess> {
  const entry = join(__dirname, 'server-child.ts')
  const child = spawn(
    process.execPath,
    [...(opts.nodeFlags ?? []), '--import', 'tsx', entry, opts.dataDir],
    { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], cwd: join(__dirname, '..', '..') }
  )
  let err = ''
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (err += c))
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()))
  let ready: ServerReady
  try {
    ready = await readyLine(child, () => err)
  } catch (e) {
    child.kill('SIGKILL')
    await exited
    throw e
  }
  child.stdout!.resume()
  const pid = child.pid!
  return {
    ...ready,
    rssMb: () => statusField(pid, 'VmRSS') / 1024,
    peakRssMb: () => statusField(pid, 'VmHWM') / 1024,
    cpuMs: () => cpuTimeMs(pid),
    stderr: () => err,
    seed: (request) =>
      new Promise((resolve, reject) => {
        const onMessage = (reply: SeedReply): void => {
          child.off('message', onMessage)
          if (reply.type === 'seeded') resolve(reply.count)
          else reject(new Error(`seeding the store failed: ${reply.message}`))
        }
        child.on('message', onMessage)
        child.send({ type: 'seed', ...request } satisfies SeedRequest)
      }),
    stop: () => stopChild(child, exited)
  }
}

/** SIGTERM to `child`, then SIGKILL after a timeout; resolves once it exited (`exited`). */
export async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS)
  await exited
  clearTimeout(timer)
}

function readyLine(child: ChildProcess, stderr: () => string): Promise<ServerReady> {
  return new Promise((resolve, reject) => {
    let out = ''
    const timer = setTimeout(
      () => fail(new Error(`the API server did not start within ${READY_TIMEOUT_MS} ms`)),
      READY_TIMEOUT_MS
    )
    const fail = (e: Error): void => {
      clearTimeout(timer)
      child.stdout!.off('data', onData)
      reject(e)
    }
    const onData = (chunk: Buffer): void => {
      out += chunk.toString('utf8')
      const nl = out.indexOf('\n')
      if (nl < 0) return
      clearTimeout(timer)
      child.stdout!.off('data', onData)
      try {
        resolve(JSON.parse(out.slice(0, nl)) as ServerReady)
      } catch {
        reject(new Error(`the API server printed ${JSON.stringify(out.slice(0, nl))}`))
      }
    }
    child.stdout!.on('data', onData)
    child.once('close', (code) =>
      fail(new Error(`the API server exited (code ${code}) before serving:\n${stderr()}`))
    )
    child.once('error', fail)
  })
}

/** A `kB` field of /proc/<pid>/status, in kB. */
function statusField(pid: number, field: string): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)
  if (!match) throw new Error(`no ${field} in /proc/${pid}/status`)
  return Number(match[1])
}

/** utime + stime of /proc/<pid>/stat, ms. */
export function cpuTimeMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // The command name (field 2) may hold spaces; fields after its closing parenthesis are plain.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const utime = Number(fields[11])
  const stime = Number(fields[12])
  return ((utime + stime) * 1000) / CLOCK_TICKS
}
