/**
 * What every generic handler receives: the storage, the clock, and the options of a write.
 * HTTP requests and the in-process client build the same values and call the same handlers.
 */
import { badRequest } from '../api-errors'
import type { RegistryEntry } from '../registry'
import type { ObjectStorage } from '../storage/object-storage'
import type { ObjectMeta } from 'kubernetes-types/meta/v1'
import type { KubeObject, UserInfo } from '../types'
import type { AdmissionOptions } from '../admission'
import type { Readable } from 'node:stream'
import type { PodLogOptions } from './pod-log'
import type { MetricsSource } from '../metrics/metrics-source'

/** Shared by every handler call of one server. */
export interface RestContext {
  storage: ObjectStorage
  /** Current time (tests may fix it). */
  now(): Date
  /** How often a watch with allowWatchBookmarks sends a BOOKMARK (kube-apiserver: about a minute). */
  bookmarkIntervalMs: number
  /**
   * How the API server calls kubelets (pods/log): its kubelet-client bearer token and the CA that
   * signs kubelets' serving certificates. Absent: logs answer 503 "no kubelet serves node".
   */
  kubeletClient?: KubeletClientConfig
  /** Admission settings (kube-apiserver's `--default-*-toleration-seconds`). */
  admission?: AdmissionOptions
  /**
   * Pod logs the control plane serves itself (its components' mirror pods, the pods of the
   * kubelets in its process): a stream of the log (or its promise, which rejects as the kubelet
   * would answer), or undefined for a pod whose node's kubelet serves it.
   */
  localPodLogs?: (
    pod: KubeObject,
    container: string,
    opts: PodLogOptions
  ) => Readable | Promise<Readable> | undefined
  /** Kind-specific steps around store writes (the Service IP and node port allocators). */
  writeHooks?: WriteHooks
  /** The latest node and pod usage `metrics.k8s.io` serves; absent: that group is not served. */
  metrics?: MetricsSource
}

/** What a write hook does once the store write succeeded (`commit`) or failed (`revert`). */
export interface WriteTransaction {
  commit(): void
  revert(): void
}

/**
 * Steps a registry takes around store writes, as kube-apiserver's BeginCreate/BeginUpdate: they
 * run after admission and validation, may change the object (allocated fields) or reject it, and
 * end with the transaction's commit or revert. `afterDelete` runs once an object left the store.
 */
export interface WriteHooks {
  beginCreate(entry: RegistryEntry, obj: KubeObject, dryRun: boolean): WriteTransaction
  beginUpdate(
    entry: RegistryEntry,
    obj: KubeObject,
    old: KubeObject,
    dryRun: boolean
  ): WriteTransaction
  afterDelete(entry: RegistryEntry, obj: KubeObject): void
}

/** The API server's credentials toward kubelets (kube-apiserver's --kubelet-client-*). */
export interface KubeletClientConfig {
  token: string
  /** PEM of the CA kubelets' serving certificates are verified against (the cluster CA). */
  caCert?: string
}

/** Who and what a call is about. */
export interface Target {
  entry: RegistryEntry
  /** Namespaced resources: the namespace of the URL (undefined: all namespaces, for list/watch). */
  namespace?: string
  name?: string
  user: UserInfo
}

/** `fieldValidation` of a write. */
export type FieldValidation = 'Strict' | 'Warn' | 'Ignore'

/** Options every write accepts. */
export interface WriteOptions {
  /** `dryRun=All`: run everything, store nothing. */
  dryRun?: boolean
  /** The field manager the client named (`?fieldManager=`); apply requires one. */
  fieldManager?: string
  /** The manager recorded when none is named (HTTP: from the user agent, as kube-apiserver). */
  defaultFieldManager?: string
  fieldValidation?: FieldValidation
}

/** What a write answers: the object, the HTTP code and any warnings for the client. */
export interface WriteResult {
  object: KubeObject
  code: number
  warnings: string[]
}

/** The RFC 3339 second-precision timestamp Kubernetes writes in metadata. */
export function timestamp(date: Date): string {
  // Every write stamps objects; within one second the text is the same.
  const second = Math.floor(date.getTime() / 1000)
  if (second !== lastSecond) {
    lastSecond = second
    lastStamp = date.toISOString().replace(/\.\d{3}Z$/, 'Z')
  }
  return lastStamp
}

let lastSecond = Number.NaN
let lastStamp = ''

/** Parses a `resourceVersion` given by a client; 400 when it is not a revision. */
export function parseResourceVersion(rv: string, what = 'resourceVersion'): number {
  if (!/^\d+$/.test(rv)) throw badRequest(`invalid ${what}: ${JSON.stringify(rv)}`)
  return Number(rv)
}

/** The group-qualified resource name used in messages (`deployments.apps`). */
export function qualifiedResource(entry: RegistryEntry): string {
  return entry.group ? `${entry.plural}.${entry.group}` : entry.plural
}

/** ObjectMeta with its fields writable (kubernetes-types marks server-set fields readonly). */
export type WritableMeta = { -readonly [K in keyof ObjectMeta]: ObjectMeta[K] }

/** The object's metadata, for the server to set its own fields. */
export function writableMeta(obj: KubeObject): WritableMeta {
  return obj.metadata as WritableMeta
}

/** The field manager a write records. */
export function managerOf(opts: WriteOptions): string {
  return opts.fieldManager ?? opts.defaultFieldManager ?? 'unknown'
}
