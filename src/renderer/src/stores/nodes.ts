/**
 * The nodes store: every Node and every Pod as subscribed lists (topics 'nodes' and 'pods'), and
 * what the Nodes view derives from them — pods by node, requested CPU and memory per node, pods
 * by phase — kept incrementally: a batch of 50 changed pods touches the indexes of the nodes
 * those pods are (or were) on, never all 10,000 pods. Each node has its own version, bumped when
 * its pods change, for the view's `v-memo`.
 */
import { defineStore } from 'pinia'
import { computed, markRaw, ref, shallowRef } from 'vue'
import type {
  ListUpdate,
  NodeSummary,
  PodSummary,
  ResourceAmounts,
  Unsubscribe
} from '../../../shared/desktop-api'
import { useDesktopApi } from '../api/desktop-api'
import { ListState } from '../api/list-state'

/** The pod phases, in the order the view lists them. */
export const POD_PHASES: readonly PodSummary['phase'][] = [
  'Running',
  'Pending',
  'Succeeded',
  'Failed',
  'Unknown'
]

/** Where unscheduled pods are grouped ("" is no node name). */
export const UNSCHEDULED = ''

/** Performance marks of the first full lists (the UI benchmark reads where the time went). */
export const NODES_RECEIVED_MARK = 'nodes-list-received'
export const PODS_RECEIVED_MARK = 'pods-list-received'
export const SUBSCRIBED_MARK = 'nodes-subscribed'

function markOnce(name: string): void {
  if (typeof performance === 'undefined' || !performance.mark) return
  if (performance.getEntriesByName(name).length === 0) performance.mark(name)
}

const EMPTY_PODS: readonly PodSummary[] = Object.freeze([])
const byName = new Intl.Collator(undefined, { numeric: true })

function byNamespacedName(a: PodSummary, b: PodSummary): number {
  if (a.namespace !== b.namespace) return a.namespace < b.namespace ? -1 : 1
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0
}

/** Pods that no longer hold their requests (the scheduler does not count them either). */
function holdsRequests(pod: PodSummary): boolean {
  return pod.phase !== 'Succeeded' && pod.phase !== 'Failed'
}

/** What one node holds, rebuilt when one of its pods changed. */
export interface NodePods {
  pods: readonly PodSummary[]
  requested: ResourceAmounts
  /** Bumped whenever `pods` changed. */
  version: number
}

/** The incremental index behind the store (plain data; the store exposes one version for it). */
export class PodIndex {
  private readonly members = new Map<string, Map<string, PodSummary>>()
  private readonly nodeOf = new Map<string, string>()
  private readonly derived = new Map<string, NodePods>()
  private readonly phases = new Map<PodSummary['phase'], number>()
  private counter = 0

  /** Applies one batch; answers the node names whose pods changed. */
  apply(update: ListUpdate<PodSummary>): Set<string> {
    const touched = new Set<string>()
    if (update.reset) {
      for (const node of this.members.keys()) touched.add(node)
      this.members.clear()
      this.nodeOf.clear()
      this.phases.clear()
      for (const pod of update.items) this.put(pod, touched)
    } else {
      for (const key of update.deletes) this.remove(key, touched)
      for (const pod of update.upserts) {
        this.remove(pod.key, touched)
        this.put(pod, touched)
      }
    }
    for (const node of touched) this.rebuild(node)
    return touched
  }

  /** The pods on `node` (UNSCHEDULED for those without one), their requests and version. */
  of(node: string): NodePods {
    return this.derived.get(node) ?? { pods: EMPTY_PODS, requested: zero(), version: 0 }
  }

  /** Every group key: node names with pods, and UNSCHEDULED when some pods have none. */
  nodes(): string[] {
    return [...this.members.keys()]
  }

  /** Every pod, node by node. */
  *all(): IterableIterator<PodSummary> {
    for (const group of this.members.values()) yield* group.values()
  }

  phaseCount(phase: PodSummary['phase']): number {
    return this.phases.get(phase) ?? 0
  }

  get size(): number {
    return this.nodeOf.size
  }

  private put(pod: PodSummary, touched: Set<string>): void {
    const node = pod.nodeName ?? UNSCHEDULED
    let group = this.members.get(node)
    if (!group) this.members.set(node, (group = new Map()))
    group.set(pod.key, pod)
    this.nodeOf.set(pod.key, node)
    this.phases.set(pod.phase, this.phaseCount(pod.phase) + 1)
    touched.add(node)
  }

  private remove(key: string, touched: Set<string>): void {
    const node = this.nodeOf.get(key)
    if (node === undefined) return
    const group = this.members.get(node)
    const old = group?.get(key)
    if (old) this.phases.set(old.phase, this.phaseCount(old.phase) - 1)
    group?.delete(key)
    if (group && group.size === 0) this.members.delete(node)
    this.nodeOf.delete(key)
    touched.add(node)
  }

  private rebuild(node: string): void {
    const group = this.members.get(node)
    if (!group) {
      this.derived.delete(node)
      return
    }
    // Plain code-unit order: a collator is 10× dearer and 10,000 pods are sorted on every reset.
    const pods = [...group.values()].sort(byNamespacedName)
    const requested = zero()
    for (const pod of pods) {
      if (!holdsRequests(pod)) continue
      requested.cpuMillis += pod.requests.cpuMillis
      requested.memoryBytes += pod.requests.memoryBytes
    }
    this.derived.set(node, {
      pods: Object.freeze(pods),
      requested,
      version: ++this.counter
    })
  }
}

function zero(): ResourceAmounts {
  return { cpuMillis: 0, memoryBytes: 0 }
}

/** Live nodes and pods for the views that show them; `acquire()` while shown. */
export const useNodesStore = defineStore('nodes', () => {
  const api = useDesktopApi()
  // Raw: Pinia must not wrap the list in a deep proxy (the whole point is one version per batch).
  const nodes = markRaw(new ListState<NodeSummary>())
  const index = new PodIndex()
  /** Bumped once per applied pods batch. */
  const podsVersion = shallowRef(0)
  const podsLoaded = shallowRef(false)
  const error = ref<string | null>(null)

  /** Nodes by name, numerically ("worker2" before "worker10"), re-sorted per nodes batch. */
  const sortedNodes = computed(() =>
    [...nodes.items.value].sort((a, b) => byName.compare(a.name, b.name))
  )
  const phaseCounts = computed(() => {
    void podsVersion.value
    return POD_PHASES.map((phase) => ({ phase, count: index.phaseCount(phase) }))
  })
  const podCount = computed(() => {
    void podsVersion.value
    return index.size
  })
  const nodesLoaded = computed(() => nodes.loaded.value)
  const loaded = computed(() => nodes.loaded.value && podsLoaded.value)
  /** Pods by namespace, sorted; rebuilt per pods batch, and only while something reads it. */
  const podsByNamespace = computed(() => {
    void podsVersion.value
    const groups = new Map<string, PodSummary[]>()
    for (const pod of index.all()) {
      let list = groups.get(pod.namespace)
      if (!list) groups.set(pod.namespace, (list = []))
      list.push(pod)
    }
    return [...groups.entries()]
      .sort(([a], [b]) => byName.compare(a, b))
      .map(([namespace, pods]) => ({
        namespace,
        pods: pods.sort((a, b) => byName.compare(a.name, b.name))
      }))
  })

  /** The pods on a node (or UNSCHEDULED), with their requests and version; reactive. */
  function podsOn(node: string): NodePods {
    void podsVersion.value
    return index.of(node)
  }

  /** Node names (and UNSCHEDULED) that have pods; reactive. */
  function groupsWithPods(): string[] {
    void podsVersion.value
    return index.nodes()
  }

  function applyPods(update: ListUpdate<PodSummary>): void {
    if (update.reset && !podsLoaded.value) markOnce(PODS_RECEIVED_MARK)
    index.apply(update)
    if (update.reset) podsLoaded.value = true
    podsVersion.value++
  }

  function applyNodes(update: ListUpdate<NodeSummary>): void {
    if (update.reset && !nodes.loaded.value) markOnce(NODES_RECEIVED_MARK)
    nodes.apply(update)
  }

  let users = 0
  let unsubscribes: Unsubscribe[] = []

  /** Subscribes while at least one caller holds it; answers the release function. */
  function acquire(): () => void {
    if (users++ === 0) {
      markOnce(SUBSCRIBED_MARK)
      error.value = null
      const onError = (message: string): void => {
        error.value = message
      }
      unsubscribes = [
        api.subscribe('nodes', {}, applyNodes, onError),
        api.subscribe('pods', {}, applyPods, onError)
      ]
    }
    let released = false
    return () => {
      if (released) return
      released = true
      if (--users === 0) {
        for (const unsubscribe of unsubscribes) unsubscribe()
        unsubscribes = []
      }
    }
  }

  return {
    nodes,
    sortedNodes,
    phaseCounts,
    podCount,
    podsVersion,
    loaded,
    nodesLoaded,
    podsByNamespace,
    error,
    podsOn,
    groupsWithPods,
    applyPods,
    acquire
  }
})
