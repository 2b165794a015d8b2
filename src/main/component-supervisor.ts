/**
 * Keeps the control plane's in-process components running, as a kubelet keeps static pods
 * running. A supervised component (kube-scheduler, kube-controller-manager) that fails — it
 * reports an error, or `kubedesk component fail` simulates one — is stopped and started again
 * after a back-off (1 s, doubling to 30 s; back to 1 s after a minute without failing). Its restart
 * count goes up and its last termination is kept, so the mirror pods in kube-system show what
 * happened (not ready while it restarts, RESTARTS up, `lastState.terminated`).
 *
 * Components the supervisor cannot restart on their own (the API server and the store serve
 * everything else) are watched only: a probe every few seconds decides whether they are ready.
 */
import { EventEmitter } from 'node:events'

/** A started component. */
export interface ComponentInstance {
  /** Resolves once it does its work (its informers have synced). */
  ready: Promise<void>
  stop(): Promise<void> | void
}

/** How to run one component. */
export type ComponentDefinition =
  | {
      name: string
      /** Starts it; `fail` is for errors it cannot recover from (the supervisor restarts it). */
      start(fail: (err: unknown) => void): ComponentInstance
    }
  | {
      name: string
      /** Not restartable here: a failed probe (a thrown error) only makes it not ready. */
      probe(): Promise<void>
    }

/** How a run of a component ended. */
export interface ComponentTermination {
  reason: 'Error' | 'Completed'
  message: string
  exitCode: number
  startedAt: Date
  finishedAt: Date
}

/** What the supervisor knows of one component. */
export interface ComponentRecord {
  name: string
  /** waiting: failed, restarting after the back-off. */
  state: 'starting' | 'running' | 'waiting' | 'stopped'
  ready: boolean
  /** Why it is not ready (the probe's error, or the failure it is restarting after). */
  message?: string
  restartCount: number
  startedAt?: Date
  lastTermination?: ComponentTermination
  /** Whether `fail` can restart it. */
  restartable: boolean
}

/** Something the supervisor writes to a component's log. */
export type SupervisorLog = (
  component: string,
  level: 'info' | 'warn' | 'error',
  message: string,
  values?: Record<string, unknown>
) => void

/** Back-off and probe timing (tests shorten them). */
export interface SupervisorOptions {
  log?: SupervisorLog
  initialBackoffMs?: number
  maxBackoffMs?: number
  /** Running this long without failing resets the back-off. */
  backoffResetMs?: number
  probeIntervalMs?: number
}

/** The reason a failure asked through `kubedesk component fail` gives. */
export const SIMULATED_FAILURE = 'simulated failure (kubedesk component fail)'

interface Slot {
  def: ComponentDefinition
  record: ComponentRecord
  instance?: ComponentInstance
  /** Increases with every start, so a late `ready` or `fail` of an old run is ignored. */
  run: number
  backoffMs: number
  timer?: NodeJS.Timeout
}

/** Runs, probes and restarts the control plane's components. */
export class ComponentSupervisor {
  private readonly slots = new Map<string, Slot>()
  private readonly events = new EventEmitter()
  private readonly o: Required<Omit<SupervisorOptions, 'log'>> & { log: SupervisorLog }
  private probeTimer?: NodeJS.Timeout
  private stopped = false

  constructor(definitions: ComponentDefinition[], options: SupervisorOptions = {}) {
    this.o = {
      log: options.log ?? (() => undefined),
      initialBackoffMs: options.initialBackoffMs ?? 1000,
      maxBackoffMs: options.maxBackoffMs ?? 30_000,
      backoffResetMs: options.backoffResetMs ?? 60_000,
      probeIntervalMs: options.probeIntervalMs ?? 5000
    }
    for (const def of definitions) {
      this.slots.set(def.name, {
        def,
        run: 0,
        backoffMs: this.o.initialBackoffMs,
        record: {
          name: def.name,
          state: 'stopped',
          ready: false,
          restartCount: 0,
          restartable: 'start' in def
        }
      })
    }
  }

  /** Starts every restartable component and the probes of the others. */
  start(): void {
    for (const slot of this.slots.values()) {
      if ('start' in slot.def) this.launch(slot)
      else this.update(slot, { state: 'running', startedAt: new Date() })
    }
    void this.probeAll()
    this.probeTimer = setInterval(() => void this.probeAll(), this.o.probeIntervalMs)
    this.probeTimer.unref()
  }

  /** Every component's record, in definition order (copies). */
  records(): ComponentRecord[] {
    return [...this.slots.values()].map((s) => ({ ...s.record }))
  }

  /** Calls `listener` after any record changed; returns the unsubscribe function. */
  onChange(listener: (record: ComponentRecord) => void): () => void {
    this.events.on('change', listener)
    return () => this.events.off('change', listener)
  }

  /**
   * Fails `name` as if it had crashed: stopped, then restarted after the back-off. Throws for an
   * unknown component or one the supervisor cannot restart.
   */
  fail(name: string, reason = SIMULATED_FAILURE): void {
    const slot = this.slots.get(name)
    if (!slot) {
      throw new Error(
        `unknown component '${name}'; components: ${[...this.slots.keys()].join(', ')}`
      )
    }
    if (!slot.record.restartable) {
      throw new Error(
        `${name} cannot be restarted on its own: every other component depends on it ` +
          `(restart KubeDesk instead)`
      )
    }
    this.failed(slot, slot.run, new Error(reason))
  }

  /** Stops every component (newest definition first) and the probes. */
  async stop(): Promise<void> {
    this.stopped = true
    if (this.probeTimer) clearInterval(this.probeTimer)
    for (const slot of [...this.slots.values()].reverse()) {
      if (slot.timer) clearTimeout(slot.timer)
      const instance = slot.instance
      slot.instance = undefined
      slot.run++
      await instance?.stop()
      this.update(slot, { state: 'stopped', ready: false })
    }
  }

  private launch(slot: Slot): void {
    const def = slot.def
    if (this.stopped || !('start' in def)) return
    const run = ++slot.run
    const startedAt = new Date()
    this.update(slot, { state: 'starting', ready: false, startedAt })
    let instance: ComponentInstance
    try {
      instance = def.start((err) => this.failed(slot, run, err))
    } catch (err) {
      this.failed(slot, run, err)
      return
    }
    slot.instance = instance
    this.update(slot, { state: 'running' })
    instance.ready.then(
      () => {
        if (slot.run === run) this.update(slot, { ready: true, message: undefined })
      },
      (err: unknown) => this.failed(slot, run, err)
    )
  }

  private failed(slot: Slot, run: number, err: unknown): void {
    if (this.stopped || slot.run !== run) return
    const message = err instanceof Error ? err.message : String(err)
    const instance = slot.instance
    slot.instance = undefined
    slot.run++
    const startedAt = slot.record.startedAt ?? new Date()
    if (Date.now() - startedAt.getTime() >= this.o.backoffResetMs) {
      slot.backoffMs = this.o.initialBackoffMs
    }
    const delay = slot.backoffMs
    slot.backoffMs = Math.min(slot.backoffMs * 2, this.o.maxBackoffMs)
    this.o.log(slot.def.name, 'error', 'component failed; restarting it after a back-off', {
      err: message,
      backoffMs: delay,
      restartCount: slot.record.restartCount + 1
    })
    // After the line above, so the failed run's log (`logs --previous`) ends with it.
    const finishedAt = new Date()
    this.update(slot, {
      state: 'waiting',
      ready: false,
      message,
      restartCount: slot.record.restartCount + 1,
      lastTermination: { reason: 'Error', message, exitCode: 1, startedAt, finishedAt }
    })
    void Promise.resolve()
      .then(() => instance?.stop())
      .catch((stopErr: unknown) =>
        this.o.log(slot.def.name, 'warn', 'stopping the failed component failed', {
          err: String(stopErr)
        })
      )
      .then(() => {
        slot.timer = setTimeout(() => {
          slot.timer = undefined
          this.o.log(slot.def.name, 'info', 'restarting component', {
            restartCount: slot.record.restartCount
          })
          this.launch(slot)
        }, delay)
      })
  }

  private async probeAll(): Promise<void> {
    await Promise.all(
      [...this.slots.values()].map(async (slot) => {
        const def = slot.def
        if (!('probe' in def) || this.stopped) return
        try {
          await def.probe()
          if (!slot.record.ready) this.update(slot, { ready: true, message: undefined })
        } catch (err) {
          const message = err instanceof Error ? err.message : String(err)
          if (slot.record.ready || slot.record.message !== message) {
            this.o.log(def.name, 'warn', 'readiness probe failed', { err: message })
            this.update(slot, { ready: false, message })
          }
        }
      })
    )
  }

  private update(slot: Slot, change: Partial<ComponentRecord>): void {
    slot.record = { ...slot.record, ...change }
    this.events.emit('change', { ...slot.record })
  }
}
