/**
 * `kubedesk up` as a child process of the benchmark: the built CLI (`bin/kubedesk.js`, when
 * `out/main/cli.js` exists) or the source through tsx. Its stderr is kept for the report; it is
 * stopped with SIGTERM to its own pid (SIGKILL after a timeout), never by name.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { ApiClient, readKubeconfig } from './api-client'

/** The repository root. */
export const REPO_ROOT = join(__dirname, '..', '..')

const STDERR_KEEP = 64 * 1024
const STOP_TIMEOUT_MS = 30_000

/** Newest modification time (ms) of the files under `dir`. */
export function newestMtime(dir: string): number {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs)
  }
  return newest
}

/**
 * How `up` is started: the built CLI when `out/main/cli.js` exists and is newer than the
 * sources it is built from, else tsx over the source (`label` says which and why).
 */
export function cliCommand(): { argv: string[]; label: string } {
  const built = join(REPO_ROOT, 'out', 'main', 'cli.js')
  const tsx = ['--import', 'tsx', join(REPO_ROOT, 'src', 'main', 'cli.ts')]
  if (!existsSync(built)) return { argv: tsx, label: 'source via tsx (out/main/cli.js not built)' }
  const sources = ['main', 'shared', 'agent'].map((d) => newestMtime(join(REPO_ROOT, 'src', d)))
  if (statSync(built).mtimeMs < Math.max(...sources)) {
    return { argv: tsx, label: 'source via tsx (out/main/cli.js is older than src/)' }
  }
  return { argv: [join(REPO_ROOT, 'bin', 'kubedesk.js')], label: 'built CLI (bin/kubedesk.js)' }
}

/** A running `kubedesk up`. */
export class UpProcess {
  private stderrText = ''
  private readonly exited: Promise<number | null>
  /** performance.now() when spawned. */
  readonly startedAt: number

  private constructor(
    private readonly child: ChildProcess,
    readonly dataDir: string
  ) {
    this.startedAt = performance.now()
    child.stderr?.setEncoding('utf8')
    child.stderr?.on('data', (chunk: string) => {
      this.stderrText = (this.stderrText + chunk).slice(-STDERR_KEEP)
    })
    child.stdout?.resume()
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)))
  }

  /**
   * Spawns `up` on `dataDir` with `flags` (and `nodeFlags` for node itself, e.g. --cpu-prof); the
   * user kubeconfig it merges into is `userKubeconfig`.
   */
  static start(
    dataDir: string,
    flags: string[],
    userKubeconfig: string,
    nodeFlags: string[] = []
  ): UpProcess {
    const { argv } = cliCommand()
    const env: NodeJS.ProcessEnv = { ...process.env, KUBECONFIG: userKubeconfig }
    delete env.KUBEDESK_HOME
    const child = spawn(
      process.execPath,
      [...nodeFlags, ...argv, 'up', '--data-dir', dataDir, '--port', '0', ...flags],
      { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] }
    )
    return new UpProcess(child, dataDir)
  }

  get pid(): number {
    return this.child.pid ?? -1
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null
  }

  /**
   * Why the nodes will not come, when `up` said so (a warning or "not started" about nodes), or
   * that `up` exited; undefined while all is well.
   */
  nodeProblem(): string | undefined {
    if (!this.running) return `kubedesk up exited (code ${this.child.exitCode})`
    const line = this.stderrText
      .split('\n')
      .find((l) => /^! nodes:/.test(l) || /^. (worker )?nodes: not started/.test(l))
    return line
  }

  /** What `up` printed on stderr (the last 64 KB). */
  stderr(): string {
    return this.stderrText
  }

  /**
   * Waits for the kubeconfig and a 200 from /readyz; resolves with a client and the time
   * (performance.now()) of that answer. Rejects when `up` exits or `timeoutMs` passes.
   */
  async waitApiReady(timeoutMs: number): Promise<{ api: ApiClient; readyAt: number }> {
    const deadline = performance.now() + timeoutMs
    const kubeconfig = join(this.dataDir, 'kubeconfig')
    const check = (): void => {
      if (!this.running) throw new Error(`kubedesk up exited early:\n${this.stderrText}`)
      if (performance.now() > deadline) {
        throw new Error(`the API server was not ready after ${timeoutMs / 1000} s`)
      }
    }
    while (!existsSync(kubeconfig)) {
      check()
      await sleep(20)
    }
    let api: ApiClient | undefined
    for (;;) {
      check()
      try {
        api ??= new ApiClient(readKubeconfig(kubeconfig))
        const { status } = await api.call('GET', '/readyz', undefined, 2_000)
        if (status === 200) return { api, readyAt: performance.now() }
      } catch {
        // half-written kubeconfig, or not listening yet
        api?.close()
        api = undefined
      }
      await sleep(100)
    }
  }

  /** SIGTERM, then waits for the exit (SIGKILL after 30 s); resolves with the exit code. */
  async stop(): Promise<number | null> {
    if (this.running) this.child.kill('SIGTERM')
    const timer = setTimeout(() => {
      if (this.running) this.child.kill('SIGKILL')
    }, STOP_TIMEOUT_MS)
    try {
      return await this.exited
    } finally {
      clearTimeout(timer)
    }
  }
}
