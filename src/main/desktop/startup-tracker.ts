/**
 * Start-up progress for the UI: fed the ControlPlane's progress events (`onProgress`), it keeps
 * one StartupStep per stage — store, API server, scheduler, controllers, node image, each node —
 * with its state, message, progress and last log lines (its progress messages and, when a data
 * directory is given, the lines its component logs meanwhile). Node steps go on after the
 * control plane is up: created → registered → Ready, read from the API. Subscribers hear at most
 * one change per `throttleMs`.
 */
import type { ApiClient } from '../apiserver/client'
import type { ProgressEvent } from '../control-plane'
import { logHubFor } from '../observe/log-hub'
import { workerName } from '../nodes/types'
import type { StartupState, StartupStep, Unsubscribe } from '../../shared/desktop-api'
import type { StartupSource } from './host/host-context'
import {
  classifyProgress,
  FIXED_STEPS,
  NODE_PROGRESS,
  nodeStepId,
  RUN_ORDER,
  stepComponent,
  type StepChange
} from './startup-steps'

/** Lines each step keeps. */
export const STEP_LOG_LINES = 50
/** Shortest time between two notifications of subscribers. */
export const STARTUP_THROTTLE_MS = 100
/** How often node steps read the Nodes until every one is Ready. */
const NODE_POLL_MS = 500
/** After the cluster is up, how long a node may take to get Ready before its step warns. */
export const NODE_READY_TIMEOUT_MS = 5 * 60_000
/**
 * Node steps whose kubelet log is followed; a cluster of hundreds of simulated nodes would
 * otherwise push every kubelet's start-up lines to the page.
 */
export const MAX_FOLLOWED_NODE_LOGS = 20

/** What the tracker may use. */
export interface StartupTrackerOptions {
  /** Worker nodes wanted: their steps are listed from the start. */
  nodes?: number
  /** The data directory: each step's component log lines join its log. */
  dataDir?: string
  /** The in-process API client once it exists (ControlPlane.apiClient): node steps read Nodes. */
  apiClient?: () => ApiClient | undefined
  throttleMs?: number
}

type MutableStep = Omit<StartupStep, 'log'> & { log: string[]; node?: string }

/** The StartupSource the desktop host serves. */
export class StartupTracker implements StartupSource {
  private phase: StartupState['phase'] = 'starting'
  private error?: string
  private readonly steps = new Map<string, MutableStep>()
  private readonly listeners = new Set<(state: StartupState) => void>()
  private snapshot?: StartupState
  private lastNotified = 0
  private notifyTimer?: NodeJS.Timeout
  private nodePoll?: NodeJS.Timeout
  private polling = false
  private runningSince?: number
  private readonly logFollows = new Map<string, () => void>()
  private closed = false

  constructor(private readonly opts: StartupTrackerOptions = {}) {
    for (const step of FIXED_STEPS) this.steps.set(step.id, newStep(step.id, step.title))
    for (let i = 0; i < (opts.nodes ?? 0); i++) this.addNodeStep(workerName(i))
    this.advance()
  }

  /** ControlPlane's `onProgress`. */
  onProgress(event: ProgressEvent): void {
    const change = classifyProgress(event)
    if (!change || this.closed) return
    this.apply(change)
    this.advance()
    this.followLogs()
    if (change.node) this.startNodePoll()
    this.changed()
  }

  /** `controlPlane.start()` resolved: the fixed steps are done; nodes may still be joining. */
  markRunning(): void {
    if (this.closed) return
    this.phase = 'running'
    this.runningSince = Date.now()
    for (const step of this.steps.values()) {
      if (!step.node && (step.state === 'pending' || step.state === 'running')) {
        step.state = 'done'
      }
    }
    this.advance()
    this.followLogs()
    this.startNodePoll()
    this.changed(true)
  }

  /** `controlPlane.start()` rejected: the step that was running failed with `err`. */
  markFailed(err: unknown): void {
    if (this.closed) return
    const message = readable(err)
    this.phase = 'failed'
    this.error = message
    const running = [...this.steps.values()].filter((s) => s.state === 'running')
    const failed = running.length > 0 ? running : [this.firstUnfinished()].filter(isStep)
    for (const step of failed) {
      step.state = 'failed'
      step.message = message
      pushLine(step, `failed: ${message}`)
    }
    this.stopNodePoll()
    this.followLogs()
    this.changed(true)
  }

  current(): StartupState {
    this.snapshot ??= {
      phase: this.phase,
      steps: [...this.steps.values()].map(({ node: _node, log, ...step }) => ({
        ...step,
        log: [...log]
      })),
      ...(this.error === undefined ? {} : { error: this.error })
    }
    return this.snapshot
  }

  subscribe(listener: (state: StartupState) => void): Unsubscribe {
    this.listeners.add(listener)
    return () => {
      this.listeners.delete(listener)
    }
  }

  /** Stops following logs and Nodes; the state stays readable. */
  close(): void {
    this.closed = true
    this.stopNodePoll()
    clearTimeout(this.notifyTimer)
    for (const stop of this.logFollows.values()) stop()
    this.logFollows.clear()
  }

  private addNodeStep(node: string): MutableStep {
    const id = nodeStepId(node)
    let step = this.steps.get(id)
    if (!step) {
      step = { ...newStep(id, `Node ${node}`), node }
      this.steps.set(id, step)
    }
    return step
  }

  private apply(change: StepChange): void {
    const step = change.node ? this.addNodeStep(change.node) : this.steps.get(change.step)
    if (!step) return
    if (change.state) step.state = change.state
    if (change.progress !== undefined) step.progress = change.progress
    if (change.message !== undefined) {
      step.message = change.message
      pushLine(step, change.message)
    }
    if (change.logLine !== undefined) pushLine(step, change.logLine)
    // A later stage reporting means every earlier one finished (a present node image says nothing).
    const group = groupOf(step)
    for (let g = 0; g < group; g++) {
      for (const earlier of this.stepsOfGroup(g)) {
        if (earlier.state === 'pending' || earlier.state === 'running') {
          earlier.state = 'done'
          if (earlier.progress !== undefined) earlier.progress = 1
        }
      }
    }
  }

  /** Marks the first unfinished stage running (the control plane works on it now). */
  private advance(): void {
    const next = this.firstUnfinishedGroup()
    if (next === undefined) return
    for (const step of this.stepsOfGroup(next)) {
      if (step.state === 'pending') step.state = 'running'
    }
  }

  private firstUnfinishedGroup(): number | undefined {
    for (let g = 0; g < RUN_ORDER.length; g++) {
      if (this.stepsOfGroup(g).some((s) => s.state === 'pending' || s.state === 'running')) {
        return g
      }
    }
    return undefined
  }

  private firstUnfinished(): MutableStep | undefined {
    const g = this.firstUnfinishedGroup()
    return g === undefined ? undefined : this.stepsOfGroup(g).find((s) => s.state !== 'done')
  }

  private stepsOfGroup(group: number): MutableStep[] {
    const ids = RUN_ORDER[group] ?? []
    return [...this.steps.values()].filter((s) => ids.includes(s.node ? 'nodes' : s.id))
  }

  /** Follows the component log of every step whose log exists now and that is not finished. */
  private followLogs(): void {
    if (!this.opts.dataDir) return
    const hub = logHubFor(this.opts.dataDir)
    const nodeSteps = [...this.steps.values()].filter((s) => s.node).length
    for (const step of this.steps.values()) {
      if (this.logFollows.has(step.id) || step.state === 'pending') continue
      if (step.node && nodeSteps > MAX_FOLLOWED_NODE_LOGS) continue
      const component = stepComponent(step.id)
      const sink = component ? hub.get(component) : undefined
      if (!sink) continue
      for (const line of sink.recent(STEP_LOG_LINES)) pushLine(step, line)
      this.logFollows.set(
        step.id,
        sink.subscribe((line) => {
          if (!this.isSettled(step)) {
            pushLine(step, line)
            this.changed()
          }
        })
      )
    }
    for (const [id, stop] of this.logFollows) {
      const step = this.steps.get(id)
      if (!step || this.isSettled(step)) {
        stop()
        this.logFollows.delete(id)
      }
    }
  }

  /** A step whose log no longer changes what the user sees. */
  private isSettled(step: MutableStep): boolean {
    if (this.phase === 'starting') return false
    return !step.node || step.state !== 'running'
  }

  private startNodePoll(): void {
    if (this.nodePoll || this.closed || this.phase === 'failed' || !this.opts.apiClient) return
    this.nodePoll = setInterval(() => void this.pollNodes(), NODE_POLL_MS)
    this.nodePoll.unref()
  }

  private stopNodePoll(): void {
    clearInterval(this.nodePoll)
    this.nodePoll = undefined
  }

  private async pollNodes(): Promise<void> {
    const client = this.opts.apiClient?.()
    const waiting = [...this.steps.values()].filter((s) => s.node && s.state === 'running')
    if (waiting.length === 0) {
      if (this.phase !== 'starting') this.stopNodePoll()
      return
    }
    if (this.runningSince !== undefined && Date.now() - this.runningSince > NODE_READY_TIMEOUT_MS) {
      for (const step of waiting) {
        step.state = 'warning'
        step.message = `not Ready ${NODE_READY_TIMEOUT_MS / 60_000} minutes after start-up; see its kubelet log`
        pushLine(step, step.message)
      }
      this.stopNodePoll()
      this.followLogs()
      this.changed()
      return
    }
    if (!client || this.polling) return
    this.polling = true
    try {
      const list = await client.list({ apiVersion: 'v1', kind: 'Node' })
      const byName = new Map(list.items.map((n) => [n.metadata?.name, n]))
      let changed = false
      for (const step of waiting) {
        const node = byName.get(step.node)
        if (!node) continue
        const conditions = (
          node as { status?: { conditions?: { type: string; status: string }[] } }
        ).status?.conditions
        const ready = conditions?.find((c) => c.type === 'Ready')?.status === 'True'
        const progress = ready ? NODE_PROGRESS.ready : NODE_PROGRESS.registered
        if (step.progress === progress) continue
        step.progress = progress
        step.message = ready ? 'Ready' : 'registered; waiting for Ready'
        if (ready) step.state = 'done'
        pushLine(step, step.message)
        changed = true
      }
      if (changed) {
        this.followLogs()
        this.changed()
      }
    } catch {
      // The API is still starting or stopping; the next poll tries again.
    } finally {
      this.polling = false
    }
  }

  /** Notifies subscribers now or, within the throttle window, once at its end. */
  private changed(now = false): void {
    this.snapshot = undefined
    if (this.notifyTimer && !now) return
    const throttle = this.opts.throttleMs ?? STARTUP_THROTTLE_MS
    const wait = now ? 0 : this.lastNotified + throttle - Date.now()
    if (wait > 0) {
      this.notifyTimer = setTimeout(() => this.notify(), wait)
      return
    }
    this.notify()
  }

  private notify(): void {
    clearTimeout(this.notifyTimer)
    this.notifyTimer = undefined
    this.lastNotified = Date.now()
    const state = this.current()
    for (const listener of this.listeners) {
      try {
        listener(state)
      } catch {
        // One broken subscriber must not starve the others.
      }
    }
  }
}

function newStep(id: string, title: string): MutableStep {
  return { id, title, state: 'pending', log: [] }
}

function pushLine(step: MutableStep, line: string): void {
  step.log.push(line)
  if (step.log.length > STEP_LOG_LINES) step.log.splice(0, step.log.length - STEP_LOG_LINES)
}

function groupOf(step: MutableStep): number {
  const key = step.node ? 'nodes' : step.id
  return RUN_ORDER.findIndex((ids) => ids.includes(key))
}

function isStep(step: MutableStep | undefined): step is MutableStep {
  return step !== undefined
}

/** An error as the UI shows it: the message, then the hint saying how to fix it, if any. */
function readable(err: unknown): string {
  if (!(err instanceof Error)) return String(err)
  const hint = (err as { hint?: unknown }).hint
  return typeof hint === 'string' && hint ? `${err.message}. ${hint}` : err.message
}
