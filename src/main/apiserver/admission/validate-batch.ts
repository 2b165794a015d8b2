/**
 * Validation of batch/v1 Jobs and CronJobs (pkg/apis/batch/validation): the template's restart
 * policy, counts, completion modes, the generated selector, what a Job update may not change, and
 * CronJob schedules.
 */
import type { FieldCause, KubeObject } from '../types'
import { cronScheduleError } from './cron-schedule'
import { JOB_LABELS } from './defaults-workloads'
import {
  child,
  forbidden,
  goLabelSelector,
  immutable,
  invalidValue,
  notSupported,
  Rendered,
  required
} from './field-errors'
import { jsonEqual, num, obj, str, type Obj } from './shape'
import { selectorMatches, selectorMismatch, validateLabelSelector } from './validate-meta'
import { validatePodTemplate } from './validate-pod'
import { metaCauses, nonNegative } from './validate-workloads'

/** validateJobSpec (shared by Jobs and CronJob job templates), under `path`. */
function validateJobSpecFields(spec: Obj, path: string): FieldCause[] {
  const causes: FieldCause[] = []
  for (const f of [
    'parallelism',
    'completions',
    'activeDeadlineSeconds',
    'backoffLimit',
    'ttlSecondsAfterFinished',
    'backoffLimitPerIndex'
  ]) {
    causes.push(...nonNegative(spec, f, path))
  }
  const mode = spec.completionMode
  if (mode != null && mode !== 'NonIndexed' && mode !== 'Indexed') {
    causes.push(notSupported(child(path, 'completionMode'), mode, ['NonIndexed', 'Indexed']))
  }
  if (mode === 'Indexed' && spec.completions == null)
    causes.push(required(child(path, 'completions'), 'when completion mode is Indexed'))
  if (spec.backoffLimitPerIndex != null && mode !== 'Indexed') {
    causes.push(forbidden(child(path, 'backoffLimitPerIndex'), 'requires indexed completion mode'))
  }
  const template = obj(spec.template)
  causes.push(...validatePodTemplate(template, child(path, 'template')))
  const restart = str(obj(template.spec).restartPolicy)
  const restartPath = child(path, 'template', 'spec', 'restartPolicy')
  if (restart === 'Always' || restart === '') {
    causes.push(required(restartPath, 'valid values: "OnFailure", "Never"'))
  } else if (restart !== 'OnFailure' && restart !== 'Never') {
    causes.push(notSupported(restartPath, restart, ['OnFailure', 'Never']))
  } else if (spec.podFailurePolicy != null && restart !== 'Never') {
    causes.push(
      invalidValue(
        restartPath,
        restart,
        'only "Never" is supported when podFailurePolicy is specified'
      )
    )
  }
  return causes
}

/** Job create/update. */
export function validateJob(job: KubeObject, old?: KubeObject): FieldCause[] {
  const spec = obj(job.spec)
  const causes = metaCauses(job, old)
  causes.push(...validateJobSpecFields(spec, 'spec'))
  const selector = spec.selector
  const labels = obj(obj(spec.template).metadata).labels
  if (selector == null) causes.push(required('spec.selector'))
  else {
    causes.push(...validateLabelSelector(selector, 'spec.selector'))
    if (!selectorMatches(selector, labels))
      causes.push(selectorMismatch('spec.template.metadata.labels', labels))
  }
  if (spec.manualSelector !== true && selector != null) {
    const uid = job.metadata.uid ?? ''
    if (
      !selectorMatches(selector, {
        [JOB_LABELS.controllerUid]: uid,
        [JOB_LABELS.legacyControllerUid]: uid,
        [JOB_LABELS.jobName]: job.metadata.name ?? '',
        [JOB_LABELS.legacyJobName]: job.metadata.name ?? ''
      })
    ) {
      causes.push(
        invalidValue(
          'spec.selector',
          new Rendered(goLabelSelector(selector)),
          '`selector` not auto-generated'
        )
      )
    }
  }
  const completions = num(spec.completions)
  if (spec.completionMode === 'Indexed' && completions !== undefined && completions > 0) {
    const host = `${job.metadata.name ?? ''}-${completions - 1}`
    if (host.length > 63) {
      causes.push(
        invalidValue(
          'metadata.name',
          job.metadata.name ?? '',
          `will not able to create pod with invalid DNS label: ${host}`
        )
      )
    }
  }
  if (old) causes.push(...validateJobUpdate(spec, old))
  return causes
}

function validateJobUpdate(spec: Obj, old: KubeObject): FieldCause[] {
  const oldSpec = obj(old.spec)
  const causes: FieldCause[] = []
  const elastic = spec.completionMode === 'Indexed' && spec.completions != null
  if (!jsonEqual(spec.completions, oldSpec.completions)) {
    if (!elastic) causes.push(immutable('spec.completions', spec.completions ?? null))
    else if (spec.completions !== spec.parallelism) {
      causes.push(
        invalidValue(
          'spec.completions',
          spec.completions,
          'can only be modified in tandem with spec.parallelism'
        )
      )
    }
  }
  if (!jsonEqual(spec.selector, oldSpec.selector)) {
    causes.push(
      invalidValue(
        'spec.selector',
        new Rendered(goLabelSelector(spec.selector)),
        'field is immutable'
      )
    )
  }
  // A suspended Job that never started may change its scheduling directives and template metadata.
  const oldTemplate: Obj = structuredClone(obj(oldSpec.template))
  const template = obj(spec.template)
  if (oldSpec.suspend === true && !obj(old.status).startTime) {
    const oldMeta = obj(oldTemplate.metadata)
    const newMeta = obj(template.metadata)
    oldTemplate.metadata = { ...oldMeta, labels: newMeta.labels, annotations: newMeta.annotations }
    const oldPod = obj(oldTemplate.spec)
    const newPod = obj(template.spec)
    oldTemplate.spec = {
      ...oldPod,
      nodeSelector: newPod.nodeSelector,
      tolerations: newPod.tolerations,
      schedulingGates: newPod.schedulingGates,
      affinity: newPod.affinity
    }
  }
  if (!jsonEqual(template, oldTemplate)) causes.push(immutable('spec.template', template))
  for (const f of ['completionMode', 'podFailurePolicy', 'backoffLimitPerIndex', 'managedBy']) {
    if (!jsonEqual(spec[f], oldSpec[f])) causes.push(immutable(child('spec', f), spec[f] ?? null))
  }
  return causes
}

/** CronJob create/update. */
export function validateCronJob(cj: KubeObject, old?: KubeObject): FieldCause[] {
  const spec = obj(cj.spec)
  const causes = metaCauses(cj, old)
  const name = cj.metadata.name ?? ''
  if (name.length > 52)
    causes.push(invalidValue('metadata.name', name, 'must be no more than 52 characters'))
  const schedule = str(spec.schedule)
  if (!schedule) causes.push(required('spec.schedule'))
  else {
    const err = cronScheduleError(schedule)
    if (err) causes.push(invalidValue('spec.schedule', schedule, err))
    const allowTZ = old ? str(obj(old.spec).schedule).includes('TZ') : false
    if (allowTZ && schedule.includes('TZ') && spec.timeZone != null) {
      causes.push(
        invalidValue(
          'spec.schedule',
          schedule,
          'cannot use both timeZone field and TZ or CRON_TZ in schedule'
        )
      )
    } else if (!allowTZ && schedule.includes('TZ')) {
      causes.push(
        invalidValue(
          'spec.schedule',
          schedule,
          'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'
        )
      )
    }
  }
  causes.push(...nonNegative(spec, 'startingDeadlineSeconds', 'spec'))
  const policy = str(spec.concurrencyPolicy)
  if (!policy) causes.push(required('spec.concurrencyPolicy'))
  else if (!['Allow', 'Forbid', 'Replace'].includes(policy)) {
    causes.push(notSupported('spec.concurrencyPolicy', policy, ['Allow', 'Forbid', 'Replace']))
  }
  const jobSpec = obj(obj(spec.jobTemplate).spec)
  causes.push(...validateJobSpecFields(jobSpec, 'spec.jobTemplate.spec'))
  if (jobSpec.selector != null) {
    causes.push(
      invalidValue(
        'spec.jobTemplate.spec.selector',
        new Rendered(goLabelSelector(jobSpec.selector)),
        '`selector` will be auto-generated'
      )
    )
  }
  if (jobSpec.manualSelector === true) {
    causes.push(notSupported('spec.jobTemplate.spec.manualSelector', true, ['nil', 'false']))
  }
  causes.push(
    ...nonNegative(spec, 'successfulJobsHistoryLimit', 'spec'),
    ...nonNegative(spec, 'failedJobsHistoryLimit', 'spec')
  )
  return causes
}
