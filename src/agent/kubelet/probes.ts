/**
 * Liveness, readiness and startup probes of one pod's running containers, as kubelet's prober
 * workers: each probe runs every periodSeconds after initialDelaySeconds, and its result flips after
 * successThreshold successes or failureThreshold failures in a row. Liveness and readiness wait
 * until the startup probe (if any) has succeeded. Results reach the pod worker through `onChange`.
 */
import { connect } from 'node:net'
import type { Container, Pod, Probe } from 'kubernetes-types/core/v1'
import type { ContainerRuntime } from '../runtime/types'

/** Which probe. */
export type ProbeKind = 'liveness' | 'readiness' | 'startup'

/** How a probe's target is reached. */
export interface ProbeTarget {
  runtime: ContainerRuntime
  podIP: () => string | undefined
}

/** The outcome of one probe run. */
export interface ProbeOutcome {
  ok: boolean
  output: string
}

function portOf(container: Container, port: number | string | undefined): number {
  if (typeof port === 'number') return port
  const named = container.ports?.find((p) => p.name === port)
  return named?.containerPort ?? Number(port)
}

/** Runs `probe` once against container `id`. */
export async function runProbe(
  probe: Probe,
  container: Container,
  id: string,
  target: ProbeTarget
): Promise<ProbeOutcome> {
  const timeout = probe.timeoutSeconds ?? 1
  try {
    if (probe.exec) {
      const r = await target.runtime.execSync(id, probe.exec.command ?? [], timeout)
      const output = (r.stdout + r.stderr).trim()
      if (r.timedOut) return { ok: false, output: `command timed out after ${timeout}s` }
      return { ok: r.exitCode === 0, output }
    }
    // The fake runtime runs nothing that could answer: network probes succeed there.
    if (target.runtime.name === 'fake') return { ok: true, output: '' }
    const host = probe.httpGet?.host ?? probe.tcpSocket?.host ?? target.podIP() ?? '127.0.0.1'
    if (probe.httpGet) {
      const port = portOf(container, probe.httpGet.port)
      const scheme = (probe.httpGet.scheme ?? 'HTTP').toLowerCase()
      const url = `${scheme}://${host}:${port}${probe.httpGet.path ?? '/'}`
      const headers = Object.fromEntries(
        (probe.httpGet.httpHeaders ?? []).map((h) => [h.name, h.value])
      )
      const res = await fetch(url, { headers, signal: AbortSignal.timeout(timeout * 1000) })
      await res.body?.cancel()
      return res.status >= 200 && res.status < 400
        ? { ok: true, output: '' }
        : { ok: false, output: `HTTP probe failed with statuscode: ${res.status}` }
    }
    if (probe.tcpSocket) {
      const port = portOf(container, probe.tcpSocket.port)
      return await new Promise<ProbeOutcome>((resolve) => {
        const socket = connect({ host, port, timeout: timeout * 1000 })
        const done = (o: ProbeOutcome) => {
          socket.destroy()
          resolve(o)
        }
        socket.once('connect', () => done({ ok: true, output: '' }))
        socket.once('timeout', () =>
          done({ ok: false, output: `dial tcp ${host}:${port}: i/o timeout` })
        )
        socket.once('error', (e) =>
          done({ ok: false, output: `dial tcp ${host}:${port}: ${e.message}` })
        )
      })
    }
    return { ok: true, output: '' }
  } catch (err) {
    return { ok: false, output: (err as Error).message }
  }
}

interface Worker {
  kind: ProbeKind
  probe: Probe
  timer?: NodeJS.Timeout
  successes: number
  failures: number
  /** undefined until the thresholds decide. */
  result?: boolean
}

interface ContainerProbes {
  id: string
  container: Container
  workers: Worker[]
}

/** Callbacks of the probe manager. */
export interface ProbeHandlers {
  /** A result changed (readiness, started, a liveness/startup failure): sync the pod. */
  onChange(): void
  /** One probe run failed (for the Unhealthy event). */
  onFailure(container: string, kind: ProbeKind, output: string): void
}

const KIND_NAMES: Record<ProbeKind, keyof Container> = {
  liveness: 'livenessProbe',
  readiness: 'readinessProbe',
  startup: 'startupProbe'
}

/** The probes of one pod. */
export class PodProbes {
  private readonly containers = new Map<string, ContainerProbes>()

  constructor(
    private readonly target: ProbeTarget,
    private readonly handlers: ProbeHandlers
  ) {}

  /** Starts probing the running containers given (name → runtime id); stops the others. */
  sync(pod: Pod, running: Map<string, string>): void {
    for (const [name, cp] of this.containers) {
      if (running.get(name) !== cp.id) this.stopContainer(name)
    }
    for (const [name, id] of running) {
      if (this.containers.has(name)) continue
      const container = pod.spec?.containers?.find((c) => c.name === name)
      if (!container) continue
      const workers: Worker[] = []
      for (const kind of ['startup', 'liveness', 'readiness'] as ProbeKind[]) {
        const probe = container[KIND_NAMES[kind]] as Probe | undefined
        if (probe) workers.push({ kind, probe, successes: 0, failures: 0 })
      }
      const cp = { id, container, workers }
      this.containers.set(name, cp)
      for (const w of workers) this.schedule(cp, w, (w.probe.initialDelaySeconds ?? 0) * 1000)
    }
  }

  /** Readiness of a running container: its probe's result, or true when it has none. */
  ready(name: string, id: string): boolean {
    const w = this.worker(name, id, 'readiness')
    if (!this.started(name, id)) return false
    return w ? w.result === true : true
  }

  /** Whether the startup probe succeeded (true when there is none). */
  started(name: string, id: string): boolean {
    const w = this.worker(name, id, 'startup')
    return w ? w.result === true : true
  }

  /** Which probe failed for good (liveness or startup), so the container must be restarted. */
  failed(name: string, id: string): ProbeKind | undefined {
    if (this.worker(name, id, 'startup')?.result === false) return 'startup'
    if (this.worker(name, id, 'liveness')?.result === false) return 'liveness'
    return undefined
  }

  /** Stops every probe. */
  stop(): void {
    for (const name of [...this.containers.keys()]) this.stopContainer(name)
  }

  private worker(name: string, id: string, kind: ProbeKind): Worker | undefined {
    const cp = this.containers.get(name)
    return cp && cp.id === id ? cp.workers.find((w) => w.kind === kind) : undefined
  }

  private stopContainer(name: string): void {
    const cp = this.containers.get(name)
    if (!cp) return
    for (const w of cp.workers) if (w.timer) clearTimeout(w.timer)
    cp.workers = []
    this.containers.delete(name)
  }

  private schedule(cp: ContainerProbes, w: Worker, ms: number): void {
    w.timer = setTimeout(() => void this.run(cp, w), ms)
    w.timer.unref?.()
  }

  private async run(cp: ContainerProbes, w: Worker): Promise<void> {
    w.timer = undefined
    if (this.containers.get(cp.container.name) !== cp) return
    const startup = cp.workers.find((x) => x.kind === 'startup')
    const waiting = w.kind !== 'startup' && startup && startup.result !== true
    // A startup probe that succeeded stops; the others run until the container goes.
    if (!waiting && !(w.kind === 'startup' && w.result === true)) {
      const outcome = await runProbe(w.probe, cp.container, cp.id, this.target)
      if (this.containers.get(cp.container.name) !== cp) return
      const before = w.result
      if (outcome.ok) {
        w.failures = 0
        w.successes++
        if (w.successes >= (w.probe.successThreshold ?? 1)) w.result = true
      } else {
        w.successes = 0
        w.failures++
        this.handlers.onFailure(cp.container.name, w.kind, outcome.output)
        if (w.failures >= (w.probe.failureThreshold ?? 3)) w.result = false
      }
      if (before !== w.result) this.handlers.onChange()
      if (w.kind === 'startup' && w.result === true) return
      if (w.kind !== 'readiness' && w.result === false) return // the container gets restarted
    }
    this.schedule(cp, w, (w.probe.periodSeconds ?? 10) * 1000)
  }
}
