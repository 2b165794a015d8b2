/**
 * What the docker runtime remembers about its node's containers so it does not ask the engine
 * again: inspections kept while a container's listed state stays the same (what a relist needs —
 * state, exit code, times — only changes with it, since containers are never restarted in place),
 * with concurrent inspections of one container sharing a single engine call; and the containers
 * this runtime created itself, whose labels it wrote and so need no inspect to be known as its own.
 * The kubelet relists every second while pod workers list their pods, so this spares the engine an
 * inspect per container per second and the start path a round trip per step.
 */
import type Dockerode from 'dockerode'
import type { PodSandboxStatus } from '../types'
import { statusCodeOf } from './docker-errors'

/** The listed state of no listing: a kept inspection marked so is asked for again. */
const STALE = ''

/** Which kind of this runtime's containers. */
export type DockerObjectType = 'sandbox' | 'container'

interface Entry {
  type: DockerObjectType
  state: string
  info: Promise<Dockerode.ContainerInspectInfo | undefined>
  /** The engine has not answered yet. */
  pending: boolean
}

/** The cache of one docker runtime. */
export class DockerInspectCache {
  private readonly inspected = new Map<string, Entry>()
  /** Containers this runtime created; sandboxes with what they were created as. */
  private readonly own = new Map<string, { type: DockerObjectType; sandbox?: PodSandboxStatus }>()

  constructor(private readonly docker: Dockerode) {}

  /**
   * The inspection of container `id`, listed in `state`: the kept one while the state is the same
   * (also one still on its way), else a fresh one. Undefined when the container is gone.
   */
  inspect(
    id: string,
    state: string,
    type: DockerObjectType
  ): Promise<Dockerode.ContainerInspectInfo | undefined> {
    const kept = this.inspected.get(id)
    if (kept && kept.state === state) return kept.info
    const entry: Entry = { type, state, info: Promise.resolve(undefined), pending: true }
    const info = this.docker
      .getContainer(id)
      .inspect()
      .catch((err: unknown) => {
        if (this.inspected.get(id) === entry) this.inspected.delete(id)
        if (statusCodeOf(err) === 404) return undefined
        throw err
      })
      .finally(() => (entry.pending = false))
    entry.info = info
    this.inspected.set(id, entry)
    return info
  }

  /**
   * The inspection of this node's `type` `id` the engine is answering now, whatever its state:
   * a caller asking for a fresh one may share it, since it was asked for no earlier than theirs
   * would be answered. Undefined when none is under way.
   */
  inFlight(
    id: string,
    type: DockerObjectType
  ): Promise<Dockerode.ContainerInspectInfo | undefined> | undefined {
    const entry = this.inspected.get(id)
    return entry?.pending && entry.type === type ? entry.info : undefined
  }

  /** Forgets what it knows of containers of `type` that are no longer `listed`. */
  retain(type: DockerObjectType, listed: Set<string>): void {
    for (const [id, entry] of this.inspected) {
      if (entry.type === type && !listed.has(id)) this.inspected.delete(id)
    }
    for (const [id, entry] of this.own) {
      if (entry.type === type && !listed.has(id)) this.own.delete(id)
    }
  }

  /** Remembers that this runtime created and started sandbox `status.id`. */
  createdSandbox(status: PodSandboxStatus): void {
    this.own.set(status.id, { type: 'sandbox', sandbox: status })
  }

  /** Remembers that this runtime created pod container `id`. */
  createdContainer(id: string): void {
    this.own.set(id, { type: 'container' })
  }

  /** Sandbox `id` as this runtime created it, while it has not been seen or made to stop. */
  runningSandbox(id: string): PodSandboxStatus | undefined {
    return this.own.get(id)?.sandbox
  }

  /** Sandbox `id` stopped (or was seen stopped): it is no longer known to be running. */
  sandboxStopped(id: string): void {
    const entry = this.own.get(id)
    if (entry?.type === 'sandbox') this.own.set(id, { type: 'sandbox' })
  }

  /**
   * Whether `id` is known to be this node's `type`: this runtime created it, or a listing of the
   * node's `type`s showed it (and it has not been removed since).
   */
  isOwn(id: string, type: DockerObjectType): boolean {
    return this.own.get(id)?.type === type || this.inspected.get(id)?.type === type
  }

  /**
   * The engine announced that container `id` changed state: its kept inspection no longer
   * answers a listing, even one that still shows the old state (Docker lists a container as
   * running for a few milliseconds after its `die` event, while its inspection is already
   * current). One still on its way stays shareable through inFlight.
   */
  changed(id: string): void {
    const entry = this.inspected.get(id)
    if (entry) entry.state = STALE
  }

  /** Container `id` was removed (or found gone): forget everything about it. */
  forget(id: string): void {
    this.own.delete(id)
    this.inspected.delete(id)
  }
}
