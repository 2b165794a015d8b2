/**
 * Pod defaults, as kube-apiserver applies them (k8s.io/kubernetes pkg/apis/core/v1/defaults.go):
 * `defaultPodSpec` is what every PodSpec gets, templates included; `defaultPod` adds what only a
 * Pod gets (SetDefaults_Pod) and, on create, the admission plugins that touch every new pod:
 * ServiceAccount, DefaultTolerationSeconds and Priority.
 */
import { ApiError } from '../api-errors'
import type { KubeObject } from '../types'
import { ensureObj, isObj, obj, objects, parseQuantity, setDefault, str, type Obj } from './shape'

/** Every VolumeSource member: a volume with none of them becomes an emptyDir. */
const VOLUME_SOURCES = [
  'hostPath', 'emptyDir', 'gcePersistentDisk', 'awsElasticBlockStore', 'gitRepo', 'secret', 'nfs',
  'iscsi', 'glusterfs', 'persistentVolumeClaim', 'rbd', 'flexVolume', 'cinder', 'cephfs', 'flocker',
  'downwardAPI', 'fc', 'azureFile', 'configMap', 'vsphereVolume', 'quobyte', 'azureDisk',
  'photonPersistentDisk', 'projected', 'portworxVolume', 'scaleIO', 'storageos', 'csi', 'ephemeral',
  'image'
] // prettier-ignore

/** The volume sources a volume sets (validation wants exactly one). */
export function volumeSourcesOf(volume: Obj): string[] {
  return VOLUME_SOURCES.filter((k) => volume[k] !== undefined && volume[k] !== null)
}

/** `0644`, the default file mode of configMap, secret, downwardAPI and projected volumes. */
const DEFAULT_MODE = 0o644

/** Kubelet's image pull policy default: Always for `:latest` or no tag, else IfNotPresent. */
export function defaultPullPolicy(image: string): 'Always' | 'IfNotPresent' {
  if (image.includes('@')) {
    // A digest pins the image; only an explicit `:latest` tag before it asks for Always.
    const named = image.slice(0, image.indexOf('@'))
    return tagOf(named) === 'latest' ? 'Always' : 'IfNotPresent'
  }
  const tag = tagOf(image)
  return tag === '' || tag === 'latest' ? 'Always' : 'IfNotPresent'
}

function tagOf(image: string): string {
  // A colon in the last path segment starts the tag; earlier ones belong to a registry port.
  const last = image.slice(image.lastIndexOf('/') + 1)
  const colon = last.lastIndexOf(':')
  return colon >= 0 ? last.slice(colon + 1) : ''
}

function defaultHandler(handler: Obj): void {
  if (isObj(handler.httpGet)) {
    setDefault(handler.httpGet, 'path', '/')
    setDefault(handler.httpGet, 'scheme', 'HTTP')
  }
}

function defaultProbe(probe: unknown): void {
  if (!isObj(probe)) return
  for (const [field, value] of [
    ['timeoutSeconds', 1],
    ['periodSeconds', 10],
    ['successThreshold', 1],
    ['failureThreshold', 3]
  ] as const) {
    if (!probe[field]) probe[field] = value
  }
  defaultHandler(probe)
}

function defaultFieldRef(holder: Obj): void {
  if (isObj(holder.fieldRef)) setDefault(holder.fieldRef, 'apiVersion', 'v1')
}

function defaultContainer(c: Obj): void {
  if (!c.imagePullPolicy) c.imagePullPolicy = defaultPullPolicy(str(c.image))
  setDefault(c, 'terminationMessagePath', '/dev/termination-log')
  setDefault(c, 'terminationMessagePolicy', 'File')
  for (const port of objects(c.ports)) setDefault(port, 'protocol', 'TCP')
  for (const env of objects(c.env)) if (isObj(env.valueFrom)) defaultFieldRef(env.valueFrom)
  defaultProbe(c.livenessProbe)
  defaultProbe(c.readinessProbe)
  defaultProbe(c.startupProbe)
  if (isObj(c.lifecycle)) {
    if (isObj(c.lifecycle.postStart)) defaultHandler(c.lifecycle.postStart)
    if (isObj(c.lifecycle.preStop)) defaultHandler(c.lifecycle.preStop)
  }
}

function defaultVolume(v: Obj): void {
  if (volumeSourcesOf(v).length === 0) v.emptyDir = {}
  for (const source of ['secret', 'configMap', 'downwardAPI', 'projected']) {
    if (isObj(v[source])) setDefault(v[source] as Obj, 'defaultMode', DEFAULT_MODE)
  }
  if (isObj(v.hostPath) && v.hostPath.type === undefined) v.hostPath.type = ''
  if (isObj(v.downwardAPI)) for (const item of objects(v.downwardAPI.items)) defaultFieldRef(item)
  if (isObj(v.projected)) {
    for (const src of objects(v.projected.sources)) {
      if (isObj(src.serviceAccountToken))
        setDefault(src.serviceAccountToken, 'expirationSeconds', 3600)
      if (isObj(src.downwardAPI))
        for (const item of objects(src.downwardAPI.items)) defaultFieldRef(item)
    }
  }
  const claim = isObj(v.ephemeral) ? obj(v.ephemeral.volumeClaimTemplate) : undefined
  if (claim && isObj(claim.spec)) setDefault(claim.spec, 'volumeMode', 'Filesystem')
}

/** SetDefaults_PodSpec and the defaults of everything inside it; used for pods and templates. */
export function defaultPodSpec(spec: Obj): void {
  setDefault(spec, 'dnsPolicy', 'ClusterFirst')
  setDefault(spec, 'restartPolicy', 'Always')
  if (!isObj(spec.securityContext)) spec.securityContext = {}
  setDefault(spec, 'terminationGracePeriodSeconds', 30)
  setDefault(spec, 'schedulerName', 'default-scheduler')
  // v1's deprecated `serviceAccount` mirrors serviceAccountName (conversion, not defaulting).
  if (!spec.serviceAccountName && typeof spec.serviceAccount === 'string' && spec.serviceAccount) {
    spec.serviceAccountName = spec.serviceAccount
  }
  if (typeof spec.serviceAccountName === 'string' && spec.serviceAccountName) {
    spec.serviceAccount = spec.serviceAccountName
  }
  for (const list of ['containers', 'initContainers', 'ephemeralContainers']) {
    for (const c of objects(spec[list])) defaultContainer(c)
  }
  for (const v of objects(spec.volumes)) defaultVolume(v)
}

function requestsFromLimits(containers: Obj[]): void {
  for (const c of containers) {
    const resources = obj(c.resources)
    if (!isObj(resources.limits)) continue
    const requests = ensureObj(resources, 'requests')
    for (const [name, value] of Object.entries(resources.limits)) {
      if (requests[name] === undefined) requests[name] = value
    }
    c.resources = resources
  }
}

/** `status.qosClass` as the kubelet and kube-apiserver compute it (cpu and memory only). */
export function qosClassOf(spec: Obj): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const requests: Record<string, number> = {}
  const limits: Record<string, number> = {}
  let guaranteed = true
  for (const c of [...objects(spec.containers), ...objects(spec.initContainers)]) {
    const res = obj(c.resources)
    for (const [name, q] of Object.entries(obj(res.requests))) {
      const n = parseQuantity(q)
      if ((name === 'cpu' || name === 'memory') && n !== undefined && n > 0) {
        requests[name] = (requests[name] ?? 0) + n
      }
    }
    const found = new Set<string>()
    for (const [name, q] of Object.entries(obj(res.limits))) {
      const n = parseQuantity(q)
      if ((name === 'cpu' || name === 'memory') && n !== undefined && n > 0) {
        found.add(name)
        limits[name] = (limits[name] ?? 0) + n
      }
    }
    if (!found.has('cpu') || !found.has('memory')) guaranteed = false
  }
  const reqNames = Object.keys(requests)
  if (reqNames.length === 0 && Object.keys(limits).length === 0) return 'BestEffort'
  if (guaranteed && reqNames.every((n) => limits[n] !== undefined && limits[n] === requests[n])) {
    if (reqNames.length === Object.keys(limits).length) return 'Guaranteed'
  }
  return 'Burstable'
}

/**
 * Admission settings kube-apiserver takes as flags: `--default-not-ready-toleration-seconds` and
 * `--default-unreachable-toleration-seconds` (DefaultTolerationSeconds).
 */
export interface PodAdmissionOptions {
  defaultNotReadyTolerationSeconds?: number
  defaultUnreachableTolerationSeconds?: number
}

/**
 * The DefaultTolerationSeconds default. Kubernetes waits 300 s before evicting pods from a node
 * that is not ready or unreachable; KubeDesk 30 s, since a laptop's node stops on purpose.
 */
export const DEFAULT_TOLERATION_SECONDS = 30

function addDefaultTolerations(spec: Obj, opts: PodAdmissionOptions): void {
  const tolerations = Array.isArray(spec.tolerations) ? spec.tolerations : []
  const seconds: Record<string, number> = {
    'node.kubernetes.io/not-ready':
      opts.defaultNotReadyTolerationSeconds ?? DEFAULT_TOLERATION_SECONDS,
    'node.kubernetes.io/unreachable':
      opts.defaultUnreachableTolerationSeconds ?? DEFAULT_TOLERATION_SECONDS
  }
  for (const taint of Object.keys(seconds)) {
    const tolerated = objects(tolerations).some(
      (t) => (t.key === taint || !t.key) && (t.effect === 'NoExecute' || !t.effect)
    )
    if (!tolerated) {
      tolerations.push({
        key: taint,
        operator: 'Exists',
        effect: 'NoExecute',
        tolerationSeconds: seconds[taint]
      })
    }
  }
  spec.tolerations = tolerations
}

/** The built-in PriorityClasses (no others exist until the API serves scheduling.k8s.io). */
const SYSTEM_PRIORITIES: Record<string, number> = {
  'system-node-critical': 2000001000,
  'system-cluster-critical': 2000000000
}

function admitPriority(pod: KubeObject, spec: Obj): void {
  const className = str(spec.priorityClassName)
  const name = pod.metadata.name ?? ''
  const priority = className ? SYSTEM_PRIORITIES[className] : 0
  if (priority === undefined) {
    throw new ApiError(
      403,
      'Forbidden',
      `pods "${name}" is forbidden: no PriorityClass with name ${className} was found`,
      { name, kind: 'pods' }
    )
  }
  if (spec.priority !== undefined && spec.priority !== null && spec.priority !== priority) {
    throw new ApiError(
      403,
      'Forbidden',
      `pods "${name}" is forbidden: the integer value of priority (${String(spec.priority)}) must not be provided in pod spec; priority admission controller computed ${priority} from the given PriorityClass name`,
      { name, kind: 'pods' }
    )
  }
  spec.priority = priority
  setDefault(spec, 'preemptionPolicy', 'PreemptLowerPriority')
}

/** Mirror pods (static pods seen through the API) skip the ServiceAccount admission plugin. */
const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror'

/**
 * Defaults a Pod in place. On CREATE this also runs the admission plugins kube-apiserver enables
 * by default that touch pods; they may throw a 403 ApiError (unknown PriorityClass).
 */
export function defaultPod(
  pod: KubeObject,
  operation: 'CREATE' | 'UPDATE',
  opts: PodAdmissionOptions = {}
): void {
  const spec = ensureObj(pod as Obj, 'spec')
  defaultPodSpec(spec)
  requestsFromLimits(objects(spec.containers))
  requestsFromLimits(objects(spec.initContainers))
  setDefault(spec, 'enableServiceLinks', true)
  if (spec.hostNetwork === true) {
    for (const c of [...objects(spec.containers), ...objects(spec.initContainers)]) {
      for (const p of objects(c.ports)) if (!p.hostPort) p.hostPort = p.containerPort
    }
  }
  if (operation !== 'CREATE') return
  const mirror = isObj(pod.metadata.annotations) && MIRROR_ANNOTATION in pod.metadata.annotations
  if (!mirror && !spec.serviceAccountName) {
    spec.serviceAccountName = 'default'
    spec.serviceAccount = 'default'
  }
  addDefaultTolerations(spec, opts)
  admitPriority(pod, spec)
  const status = ensureObj(pod as Obj, 'status')
  setDefault(status, 'phase', 'Pending')
  status.qosClass = qosClassOf(spec)
}
