/**
 * Turns a pod's container spec into the runtime's ContainerConfig: env (values, field refs,
 * ConfigMap and Secret keys, envFrom), `$(VAR)` expansion in command, args and env, mounts of the
 * pod's volumes, resource limits and the labels that let a restarted kubelet find the container.
 */
import type { ConfigMap, Container, EnvVar, Pod, Secret } from 'kubernetes-types/core/v1'
import { ApiError, KINDS, type KubeletClient } from '../api/types'
import { LABELS, type ContainerConfig, type Mount } from '../runtime/types'
import { cpuMillis, memoryBytes } from './quantity'
import type { VolumePaths } from './volumes'

/**
 * The image the pod spec asked for, as a container label: a changed spec image restarts the
 * container (runtimes may report `image` normalised, e.g. `busybox:latest`, so that is not used).
 */
export const SPEC_IMAGE_LABEL = 'io.kubedesk.container.image'

/** A container cannot be configured (kubelet's CreateContainerConfigError). */
export class ContainerConfigError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ContainerConfigError'
  }
}

/**
 * Kubernetes' `$(VAR)` expansion: defined names are replaced, `$$` is a literal `$`, undefined
 * references are left as written.
 */
export function expand(text: string, vars: Map<string, string>): string {
  return text.replace(/\$(\$|\(([^()]*)\))/g, (all, inner: string, name?: string) => {
    if (inner === '$') return '$'
    return name !== undefined && vars.has(name) ? (vars.get(name) as string) : all
  })
}

/** What env resolution may read besides the pod. */
export interface EnvContext {
  client: KubeletClient
  nodeName: string
  podIP?: string
  hostIP?: string
}

function fieldValue(pod: Pod, path: string, ctx: EnvContext): string {
  const meta = pod.metadata ?? {}
  const sub = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(path)
  if (sub) return (sub[1] === 'labels' ? meta.labels : meta.annotations)?.[sub[2]] ?? ''
  switch (path) {
    case 'metadata.name':
      return meta.name ?? ''
    case 'metadata.namespace':
      return meta.namespace ?? ''
    case 'metadata.uid':
      return meta.uid ?? ''
    case 'metadata.labels':
    case 'metadata.annotations': {
      const m = (path === 'metadata.labels' ? meta.labels : meta.annotations) ?? {}
      return Object.entries(m)
        .map(([k, v]) => `${k}="${v}"`)
        .join('\n')
    }
    case 'spec.nodeName':
      return pod.spec?.nodeName ?? ctx.nodeName
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName ?? ''
    case 'status.podIP':
    case 'status.podIPs':
      return ctx.podIP ?? ''
    case 'status.hostIP':
    case 'status.hostIPs':
      return ctx.hostIP ?? ''
    default:
      throw new ContainerConfigError(`unsupported fieldRef ${path}`)
  }
}

async function lookup<T>(
  ctx: EnvContext,
  kind: 'configMap' | 'secret',
  namespace: string,
  name: string,
  cache: Map<string, Promise<T | undefined>>
): Promise<T | undefined> {
  const key = `${kind}/${name}`
  let p = cache.get(key)
  if (!p) {
    p = ctx.client.get<never>(KINDS[kind], namespace, name).then(
      (o) => o as T,
      (err: unknown) => {
        if (err instanceof ApiError && err.code === 404) return undefined
        throw err
      }
    )
    cache.set(key, p)
  }
  return p
}

const decode = (v: string): string => Buffer.from(v, 'base64').toString('utf8')

async function envVarValue(
  pod: Pod,
  env: EnvVar,
  ctx: EnvContext,
  cache: Map<string, Promise<unknown>>
): Promise<string | undefined> {
  const ns = pod.metadata?.namespace ?? 'default'
  const from = env.valueFrom
  if (!from) return env.value ?? ''
  if (from.fieldRef) return fieldValue(pod, from.fieldRef.fieldPath, ctx)
  if (from.resourceFieldRef) return resourceValue(pod, from.resourceFieldRef)
  const ref = from.configMapKeyRef ?? from.secretKeyRef
  if (!ref) return ''
  const kind = from.configMapKeyRef ? 'configMap' : 'secret'
  const label = kind === 'configMap' ? 'configmap' : 'secret'
  const source = (await lookup(ctx, kind, ns, ref.name ?? '', cache as never)) as
    ConfigMap | Secret | undefined
  if (!source) {
    if (ref.optional) return undefined
    throw new ContainerConfigError(`${label} "${ref.name}" not found`)
  }
  const value =
    kind === 'configMap'
      ? ((source as ConfigMap).data?.[ref.key] ??
        ((source as ConfigMap).binaryData?.[ref.key] !== undefined
          ? decode((source as ConfigMap).binaryData?.[ref.key] ?? '')
          : undefined))
      : (source as Secret).data?.[ref.key] !== undefined
        ? decode((source as Secret).data?.[ref.key] ?? '')
        : (source as Secret).stringData?.[ref.key]
  if (value === undefined) {
    if (ref.optional) return undefined
    throw new ContainerConfigError(`couldn't find key ${ref.key} in ${label} ${ns}/${ref.name}`)
  }
  return value
}

function resourceValue(
  pod: Pod,
  ref: NonNullable<NonNullable<EnvVar['valueFrom']>['resourceFieldRef']>
): string {
  const c = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find(
    (x) => x.name === ref.containerName
  )
  const [kind, res] = ref.resource.split('.') as ['limits' | 'requests', string]
  const q = c?.resources?.[kind]?.[res]
  if (q === undefined) return '0'
  if (res === 'cpu') return String(Math.ceil((cpuMillis(q) ?? 0) / 1000))
  return String(memoryBytes(q) ?? 0)
}

/** The container's env, resolved and expanded in order (envFrom first, as kubelet does). */
export async function resolveEnv(
  pod: Pod,
  container: Container,
  ctx: EnvContext
): Promise<{ name: string; value: string }[]> {
  const vars = new Map<string, string>()
  const cache = new Map<string, Promise<unknown>>()
  const ns = pod.metadata?.namespace ?? 'default'
  for (const from of container.envFrom ?? []) {
    const ref = from.configMapRef ?? from.secretRef
    if (!ref) continue
    const kind = from.configMapRef ? 'configMap' : 'secret'
    const source = (await lookup(ctx, kind, ns, ref.name ?? '', cache as never)) as
      (ConfigMap & Secret) | undefined
    if (!source) {
      if (ref.optional) continue
      throw new ContainerConfigError(
        `${kind === 'configMap' ? 'configmap' : 'secret'} "${ref.name}" not found`
      )
    }
    for (const [k, v] of Object.entries(source.data ?? {}))
      vars.set(`${from.prefix ?? ''}${k}`, kind === 'secret' ? decode(v) : v)
  }
  for (const env of container.env ?? []) {
    const value = await envVarValue(pod, env, ctx, cache)
    if (value === undefined) continue
    vars.set(env.name, env.valueFrom ? value : expand(value, vars))
  }
  return [...vars].map(([name, value]) => ({ name, value }))
}

/** Mounts of the container's volumeMounts, from the pod's prepared volume paths. */
export function mountsOf(container: Container, volumes: Map<string, VolumePaths>): Mount[] {
  return (container.volumeMounts ?? []).flatMap((m) => {
    const v = volumes.get(m.name)
    if (!v) return []
    const sub = m.subPath ? `/${m.subPath.replace(/^\/+/, '')}` : ''
    return [
      {
        containerPath: m.mountPath,
        hostPath: v.hostPath + sub,
        readOnly: m.readOnly ?? v.readOnly
      }
    ]
  })
}

/** Everything needed to build one container's config. */
export interface BuildOptions extends EnvContext {
  pod: Pod
  container: Container
  attempt: number
  volumes: Map<string, VolumePaths>
}

/** The runtime's ContainerConfig for `container` of `pod`. */
export async function buildContainerConfig(opts: BuildOptions): Promise<ContainerConfig> {
  const { pod, container } = opts
  const env = await resolveEnv(pod, container, opts)
  const vars = new Map(env.map((e) => [e.name, e.value]))
  const limits = container.resources?.limits ?? {}
  const meta = pod.metadata ?? {}
  return {
    name: container.name,
    image: container.image ?? '',
    command: container.command?.map((s) => expand(s, vars)),
    args: container.args?.map((s) => expand(s, vars)),
    env,
    workingDir: container.workingDir,
    mounts: mountsOf(container, opts.volumes),
    resources: { cpuMillis: cpuMillis(limits.cpu), memoryBytes: memoryBytes(limits.memory) },
    labels: {
      [LABELS.node]: opts.nodeName,
      [LABELS.podName]: meta.name ?? '',
      [LABELS.podNamespace]: meta.namespace ?? '',
      [LABELS.podUid]: meta.uid ?? '',
      [LABELS.containerName]: container.name,
      [LABELS.attempt]: String(opts.attempt),
      [LABELS.type]: 'container',
      [SPEC_IMAGE_LABEL]: container.image ?? ''
    },
    attempt: opts.attempt,
    tty: container.tty,
    stdin: container.stdin
  }
}
