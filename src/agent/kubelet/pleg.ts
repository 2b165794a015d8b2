/**
 * The pod lifecycle event generator (kubelet's PLEG): tells the kubelet which pods' containers
 * changed state, so their workers sync. Two modes, as kubelet's generic and evented PLEG:
 *
 * - generic: the runtime is relisted every `relistMs` (kubelet: 1 s) and each listing compared
 *   with the one before;
 * - evented (KEP-3386), when the runtime streams container events: each event wakes its pod at
 *   once, and the relist stays only as a safety net every 5 minutes (eventedPlegRelistPeriod).
 *   An engine may send an event before its container listing shows the new state (Docker lists
 *   a container as running for 50–60 ms after its `die` event, measured here on an idle machine;
 *   the docker runtime therefore inspects afresh after an event), so a worker woken by the event
 *   may still see the old state. A relist EVENT_RECHECK_MS after the events of a burst catches
 *   that and wakes the pod again; kubelet's evented PLEG has no such gap because CRI events carry
 *   the container statuses themselves.
 *   When the stream ends the generic relist takes over until it is open again; every opening
 *   relists, since events may have been missed meanwhile.
 *
 * An idle node thus costs no runtime call at all where the runtime has events.
 */
import type { AgentLog } from '../log'
import { LABELS, type ContainerEventWatch, type ContainerRuntime } from '../runtime/types'

/** kubelet's eventedPlegRelistPeriod: the safety-net relist while events flow. */
export const EVENTED_RELIST_MS = 300_000
/** How long after a container event the PLEG relists to see the state the event announced. */
export const EVENT_RECHECK_MS = 500
/** First wait before the event stream is opened again; doubles to STREAM_RETRY_MAX_MS. */
const STREAM_RETRY_MS = 1_000
const STREAM_RETRY_MAX_MS = 30_000

/** What the PLEG needs. */
export interface PlegOptions {
  runtime: ContainerRuntime
  nodeName: string
  /** The generic relist period (kubelet's 1 s). */
  relistMs: number
  /** Pods (by uid) whose containers changed: their workers must sync. */
  onPodsChanged(uids: Set<string>): void
  log: AgentLog
}

/** A running PLEG. */
export class Pleg {
  private relisted = new Map<string, string>()
  private timer?: NodeJS.Timeout
  private retryTimer?: NodeJS.Timeout
  private recheckTimer?: NodeJS.Timeout
  private lastEventAt = 0
  private retryMs = STREAM_RETRY_MS
  private watch?: ContainerEventWatch
  private streaming = false
  private relisting?: Promise<void>
  private again = false
  private running = false

  constructor(private readonly o: PlegOptions) {}

  /** Whether container events drive it now (false: relisting every relistMs). */
  get evented(): boolean {
    return this.streaming
  }

  /** Starts relisting, and watching events where the runtime has them. */
  start(): void {
    if (this.running) return
    this.running = true
    if (this.o.runtime.watchContainerEvents) this.openStream()
    this.schedule()
  }

  /** Stops the timers and the event stream. */
  stop(): void {
    this.running = false
    clearTimeout(this.timer)
    clearTimeout(this.retryTimer)
    clearTimeout(this.recheckTimer)
    this.recheckTimer = undefined
    this.watch?.close()
    this.watch = undefined
    this.streaming = false
  }

  /** Relists now (coalesced with one under way); resolves when a relist after the call is done. */
  relist(): Promise<void> {
    if (this.relisting) {
      this.again = true
      return this.relisting
    }
    this.relisting = this.relistLoop().finally(() => {
      this.relisting = undefined
      this.schedule()
    })
    return this.relisting
  }

  private async relistLoop(): Promise<void> {
    do {
      this.again = false
      try {
        await this.relistOnce()
      } catch (err) {
        this.o.log.warn('relist failed', { err: String(err) })
      }
    } while (this.again && this.running)
  }

  /** The next periodic relist, one period after now. */
  private schedule(): void {
    clearTimeout(this.timer)
    if (!this.running) return
    const period = this.streaming ? EVENTED_RELIST_MS : this.o.relistMs
    this.timer = setTimeout(() => void this.relist(), period)
  }

  /**
   * A relist EVENT_RECHECK_MS after the last event (one per burst): events that came while it ran
   * may be newer than its listing, so they get one of their own.
   */
  private scheduleRecheck(): void {
    if (this.recheckTimer || !this.running) return
    const wait = Math.max(this.lastEventAt + EVENT_RECHECK_MS - Date.now(), 0)
    this.recheckTimer = setTimeout(() => {
      const listedAfter = Date.now() - EVENT_RECHECK_MS
      void this.relist().finally(() => {
        this.recheckTimer = undefined
        if (this.lastEventAt > listedAfter) this.scheduleRecheck()
      })
    }, wait)
  }

  private openStream(): void {
    if (!this.running) return
    let open = true
    this.watch = this.o.runtime.watchContainerEvents!({
      onConnected: () => {
        if (!open || !this.running) return
        this.streaming = true
        this.retryMs = STREAM_RETRY_MS
        void this.relist()
      },
      onEvent: (event) => {
        if (!open || !this.running) return
        if (event.podUid) this.o.onPodsChanged(new Set([event.podUid]))
        else void this.relist()
        this.lastEventAt = Date.now()
        this.scheduleRecheck()
      },
      onEnd: (err) => {
        if (!open) return
        open = false
        this.watch = undefined
        if (!this.running) return
        if (this.streaming) {
          this.o.log.warn('container event stream ended; relisting every period until it is back', {
            err: err ? String(err) : undefined
          })
        }
        this.streaming = false
        this.schedule()
        this.retryTimer = setTimeout(() => this.openStream(), this.retryMs)
        this.retryMs = Math.min(this.retryMs * 2, STREAM_RETRY_MAX_MS)
      }
    })
  }

  private async relistOnce(): Promise<void> {
    const containers = await this.o.runtime.listContainers({
      labels: { [LABELS.node]: this.o.nodeName }
    })
    const now = new Map<string, string>()
    const changed = new Set<string>()
    for (const c of containers) {
      const uid = c.labels[LABELS.podUid] ?? ''
      now.set(c.id, `${uid}\u0000${c.state}`)
      if (this.relisted.get(c.id) !== now.get(c.id)) changed.add(uid)
    }
    for (const [id, v] of this.relisted) if (!now.has(id)) changed.add(v.split('\u0000')[0])
    this.relisted = now
    if (changed.size > 0 && this.running) this.o.onPodsChanged(changed)
  }
}
