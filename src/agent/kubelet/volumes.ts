/**
 * The pod's volumes on the node's disk, as kubelet lays them out:
 * `<rootDir>/pods/<uid>/volumes/kubernetes.io~<plugin>/<name>`. emptyDir is a directory;
 * configMap, secret and projected volumes are files written from their keys (with `items`,
 * modes best-effort). The runtime mounts the same directory seen from its host (`hostRootDir`).
 * A missing ConfigMap or Secret that is not optional fails the mount (event FailedMount, retry).
 */
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises'
import { dirname, join, relative, sep } from 'node:path'
import type { ConfigMap, KeyToPath, Pod, Secret, Volume } from 'kubernetes-types/core/v1'
import { ApiError, KINDS, type KubeletClient } from '../api/types'

/** Where one volume lives. */
export interface VolumePaths {
  /** As the kubelet sees it. */
  path: string
  /** As the runtime's host sees it (the bind mount source). */
  hostPath: string
  readOnly: boolean
}

/** A volume could not be set up. */
export class VolumeMountError extends Error {
  constructor(
    readonly volume: string,
    reason: string
  ) {
    super(`MountVolume.SetUp failed for volume "${volume}" : ${reason}`)
    this.name = 'VolumeMountError'
  }
}

/** The pod's directory under the kubelet's root. */
export function podDir(rootDir: string, uid: string): string {
  return join(rootDir, 'pods', uid)
}

const PLUGIN: Record<string, string> = {
  emptyDir: 'kubernetes.io~empty-dir',
  configMap: 'kubernetes.io~configmap',
  secret: 'kubernetes.io~secret',
  projected: 'kubernetes.io~projected',
  downwardAPI: 'kubernetes.io~downward-api'
}

function pluginOf(v: Volume): string | undefined {
  return Object.keys(PLUGIN).find((k) => (v as unknown as Record<string, unknown>)[k] !== undefined)
}

/** Files of a ConfigMap/Secret volume: every key, or only `items` (path and mode). */
function filesOf(
  data: Record<string, string>,
  items: KeyToPath[] | undefined,
  what: string,
  optional: boolean
): { path: string; content: string; mode?: number }[] {
  if (!items) return Object.entries(data).map(([path, content]) => ({ path, content }))
  return items.flatMap((item) => {
    if (data[item.key] === undefined) {
      if (optional) return []
      throw new Error(`configmap references non-existent config key: ${item.key} (${what})`)
    }
    return [{ path: item.path, content: data[item.key], mode: item.mode }]
  })
}

async function fetchData(
  client: KubeletClient,
  kind: 'configMap' | 'secret',
  namespace: string,
  name: string
): Promise<Record<string, string> | undefined> {
  try {
    const o = await client.get<never>(KINDS[kind], namespace, name)
    if (kind === 'configMap') {
      const cm = o as ConfigMap
      const bin = Object.entries(cm.binaryData ?? {}).map(([k, v]) => [
        k,
        Buffer.from(v, 'base64').toString('utf8')
      ])
      return { ...cm.data, ...Object.fromEntries(bin) }
    }
    const s = o as Secret
    return Object.fromEntries(
      Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')])
    )
  } catch (err) {
    if (err instanceof ApiError && err.code === 404) return undefined
    throw err
  }
}

async function writeFiles(
  dir: string,
  files: { path: string; content: string; mode?: number }[],
  defaultMode: number | undefined
): Promise<void> {
  await mkdir(dir, { recursive: true })
  for (const f of files) {
    const target = join(dir, f.path)
    const rel = relative(dir, target)
    if (rel.startsWith('..') || rel.split(sep).includes('..')) continue // never outside the volume
    await mkdir(dirname(target), { recursive: true })
    await writeFile(target, f.content)
    const mode = f.mode ?? defaultMode
    if (mode !== undefined) await chmod(target, mode & 0o777).catch(() => undefined)
  }
}

/** Sets up (or refreshes) every volume of `pod`; the map is keyed by volume name. */
export async function setUpVolumes(
  pod: Pod,
  client: KubeletClient,
  rootDir: string,
  hostRootDir: string
): Promise<Map<string, VolumePaths>> {
  const uid = pod.metadata?.uid ?? ''
  const ns = pod.metadata?.namespace ?? 'default'
  const out = new Map<string, VolumePaths>()
  for (const v of pod.spec?.volumes ?? []) {
    if (v.hostPath) {
      out.set(v.name, { path: v.hostPath.path, hostPath: v.hostPath.path, readOnly: false })
      continue
    }
    // Anything else (persistentVolumeClaim, unsupported plugins) gets an empty directory.
    const plugin = PLUGIN[pluginOf(v) ?? 'emptyDir']
    const path = join(podDir(rootDir, uid), 'volumes', plugin, v.name)
    const hostPath = join(hostRootDir, relative(rootDir, path))
    const files: { path: string; content: string; mode?: number }[] = []
    let defaultMode: number | undefined
    const sources = [...(v.projected?.sources ?? [])]
    if (v.configMap || v.secret) {
      sources.push(
        v.configMap
          ? { configMap: v.configMap }
          : { secret: { ...v.secret, name: v.secret?.secretName } }
      )
      defaultMode = (v.configMap ?? v.secret)?.defaultMode
    } else if (v.projected) defaultMode = v.projected.defaultMode
    for (const src of sources) {
      const ref = src.configMap ?? src.secret
      if (!ref) continue
      const kind = src.configMap ? 'configMap' : 'secret'
      const label = kind === 'configMap' ? 'configmap' : 'secret'
      const data = await fetchData(client, kind, ns, ref.name ?? '')
      if (!data) {
        if (ref.optional) continue
        throw new VolumeMountError(v.name, `${label} "${ref.name}" not found`)
      }
      try {
        files.push(...filesOf(data, ref.items, `${label} ${ref.name}`, !!ref.optional))
      } catch (err) {
        throw new VolumeMountError(v.name, (err as Error).message)
      }
    }
    if (v.configMap || v.secret || v.projected) await rm(path, { recursive: true, force: true })
    await writeFiles(path, files, defaultMode)
    out.set(v.name, { path, hostPath, readOnly: !!(v.configMap || v.secret || v.projected) })
  }
  return out
}

/** Removes the pod's directory (volumes included). */
export async function removePodDir(rootDir: string, uid: string): Promise<void> {
  if (!uid) return
  await rm(podDir(rootDir, uid), { recursive: true, force: true })
}
