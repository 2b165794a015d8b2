/**
 * Workload defaults (k8s.io/kubernetes pkg/apis/apps/v1 and batch/v1 defaults.go, plus the Job
 * strategy's generated selector). Pod templates get the PodSpec defaults only: the Pod-only ones
 * and the pod admission plugins apply when the controller creates each Pod.
 */
import type { KubeObject } from '../types'
import { defaultPodSpec } from './defaults-pod'
import { ensureObj, isObj, obj, objects, setDefault, stringMap, type Obj } from './shape'

/** `spec.template.spec` defaulted; creates the template like Go's zero-valued struct would. */
function defaultTemplate(spec: Obj): void {
  const template = ensureObj(spec, 'template')
  defaultPodSpec(ensureObj(template, 'spec'))
}

function specOf(o: KubeObject): Obj {
  return ensureObj(o as Obj, 'spec')
}

/** SetDefaults_Deployment. */
export function defaultDeployment(d: KubeObject): void {
  const spec = specOf(d)
  setDefault(spec, 'replicas', 1)
  const strategy = ensureObj(spec, 'strategy')
  setDefault(strategy, 'type', 'RollingUpdate')
  if (strategy.type === 'RollingUpdate') {
    const ru = ensureObj(strategy, 'rollingUpdate')
    setDefault(ru, 'maxUnavailable', '25%')
    setDefault(ru, 'maxSurge', '25%')
  }
  setDefault(spec, 'revisionHistoryLimit', 10)
  setDefault(spec, 'progressDeadlineSeconds', 600)
  defaultTemplate(spec)
}

/** SetDefaults_ReplicaSet. */
export function defaultReplicaSet(rs: KubeObject): void {
  const spec = specOf(rs)
  setDefault(spec, 'replicas', 1)
  defaultTemplate(spec)
}

/** SetDefaults_ReplicationController: selector and labels default to the template's labels. */
export function defaultReplicationController(rc: KubeObject): void {
  const spec = specOf(rc)
  const templateLabels = stringMap(obj(obj(spec.template).metadata).labels)
  if (Object.keys(templateLabels).length > 0) {
    if (Object.keys(stringMap(spec.selector)).length === 0) spec.selector = { ...templateLabels }
    const meta = ensureObj(rc as Obj, 'metadata')
    if (Object.keys(stringMap(meta.labels)).length === 0) meta.labels = { ...templateLabels }
  }
  setDefault(spec, 'replicas', 1)
  if (isObj(spec.template)) defaultTemplate(spec)
}

/** SetDefaults_StatefulSet (StatefulSetAutoDeletePVC is on by default since 1.27). */
export function defaultStatefulSet(sts: KubeObject): void {
  const spec = specOf(sts)
  setDefault(spec, 'podManagementPolicy', 'OrderedReady')
  const strategy = ensureObj(spec, 'updateStrategy')
  if (!strategy.type) {
    strategy.type = 'RollingUpdate'
    ensureObj(strategy, 'rollingUpdate')
  }
  if (strategy.type === 'RollingUpdate' && isObj(strategy.rollingUpdate)) {
    setDefault(strategy.rollingUpdate, 'partition', 0)
  }
  const retention = ensureObj(spec, 'persistentVolumeClaimRetentionPolicy')
  setDefault(retention, 'whenDeleted', 'Retain')
  setDefault(retention, 'whenScaled', 'Retain')
  setDefault(spec, 'replicas', 1)
  setDefault(spec, 'revisionHistoryLimit', 10)
  for (const claim of objects(spec.volumeClaimTemplates)) {
    setDefault(ensureObj(claim, 'spec'), 'volumeMode', 'Filesystem')
    setDefault(ensureObj(claim, 'status'), 'phase', 'Pending')
  }
  defaultTemplate(spec)
}

/** SetDefaults_DaemonSet. */
export function defaultDaemonSet(ds: KubeObject): void {
  const spec = specOf(ds)
  const strategy = ensureObj(spec, 'updateStrategy')
  setDefault(strategy, 'type', 'RollingUpdate')
  if (strategy.type === 'RollingUpdate') {
    const ru = ensureObj(strategy, 'rollingUpdate')
    setDefault(ru, 'maxUnavailable', 1)
    setDefault(ru, 'maxSurge', 0)
  }
  setDefault(spec, 'revisionHistoryLimit', 10)
  defaultTemplate(spec)
}

/** The labels a Job's pods carry and its generated selector matches. */
export const JOB_LABELS = {
  controllerUid: 'batch.kubernetes.io/controller-uid',
  legacyControllerUid: 'controller-uid',
  jobName: 'batch.kubernetes.io/job-name',
  legacyJobName: 'job-name'
} as const

/** The Job strategy's generateSelector: labels from name and uid, selector on the uid. */
function generateJobSelector(job: KubeObject, spec: Obj): void {
  const template = ensureObj(spec, 'template')
  const meta = ensureObj(template, 'metadata')
  const labels = ensureObj(meta, 'labels')
  const name = job.metadata.name ?? ''
  const uid = job.metadata.uid ?? ''
  for (const k of [JOB_LABELS.legacyJobName, JOB_LABELS.jobName])
    if (!(k in labels)) labels[k] = name
  for (const k of [JOB_LABELS.legacyControllerUid, JOB_LABELS.controllerUid]) {
    if (!(k in labels)) labels[k] = uid
  }
  const selector = ensureObj(spec, 'selector')
  const matchLabels = ensureObj(selector, 'matchLabels')
  if (!(JOB_LABELS.controllerUid in matchLabels)) matchLabels[JOB_LABELS.controllerUid] = uid
}

/** Defaults of a JobSpec shared by Jobs (not CronJob templates, which kube leaves alone). */
function defaultJobSpec(spec: Obj): void {
  if (spec.completions == null && spec.parallelism == null) {
    spec.completions = 1
    spec.parallelism = 1
  }
  setDefault(spec, 'parallelism', 1)
  if (spec.backoffLimit == null) {
    // With a per-index limit the global one is effectively unbounded.
    spec.backoffLimit = spec.backoffLimitPerIndex != null ? 2147483647 : 6
  }
  setDefault(spec, 'completionMode', 'NonIndexed')
  setDefault(spec, 'suspend', false)
  setDefault(spec, 'podReplacementPolicy', spec.podFailurePolicy ? 'Failed' : 'TerminatingOrFailed')
  setDefault(spec, 'manualSelector', false)
  for (const rule of objects(isObj(spec.podFailurePolicy) ? spec.podFailurePolicy.rules : [])) {
    for (const pattern of objects(rule.onPodConditions)) setDefault(pattern, 'status', 'True')
  }
}

/**
 * SetDefaults_Job, and on CREATE the generated selector (needs metadata.uid, which the caller
 * sets first). A Job without labels takes its template's, as kube-apiserver's re-decoding does.
 */
export function defaultJob(job: KubeObject, operation: 'CREATE' | 'UPDATE'): void {
  const spec = specOf(job)
  defaultJobSpec(spec)
  if (operation === 'CREATE' && spec.manualSelector !== true) generateJobSelector(job, spec)
  defaultTemplate(spec)
  const templateLabels = stringMap(ensureObj(ensureObj(spec, 'template'), 'metadata').labels)
  const own = job.metadata.labels
  if ((!own || Object.keys(own).length === 0) && Object.keys(templateLabels).length > 0) {
    job.metadata.labels = { ...templateLabels }
  }
}

/** SetDefaults_CronJob; the job template's pod spec gets PodSpec defaults. */
export function defaultCronJob(cj: KubeObject): void {
  const spec = specOf(cj)
  setDefault(spec, 'concurrencyPolicy', 'Allow')
  setDefault(spec, 'suspend', false)
  setDefault(spec, 'successfulJobsHistoryLimit', 3)
  setDefault(spec, 'failedJobsHistoryLimit', 1)
  const jobTemplate = ensureObj(spec, 'jobTemplate')
  defaultTemplate(ensureObj(jobTemplate, 'spec'))
}
