/**
 * Admission of apps/v1 ControllerRevisions: the one default (an absent revision is 0) and the
 * validation (`ValidateControllerRevision`, `ValidateControllerRevisionUpdate`): a DNS-subdomain
 * name, `data` present (any JSON), a non-negative `revision`; on update `data` may not change.
 * The revision number may: the StatefulSet and DaemonSet controllers raise it when a set rolls
 * back to an older template.
 */
import type { FieldCause, KubeObject } from '../types'
import { immutable, invalidValue, required } from './field-errors'
import { nameIsDNSSubdomain } from './formats'
import { jsonEqual } from './shape'
import { validateObjectMeta, validateObjectMetaUpdate } from './validate-meta'

/** Defaults of a ControllerRevision: an absent `revision` reads as 0, as Go's int64 does. */
export function defaultControllerRevision(o: KubeObject): void {
  if (o.revision === undefined) o.revision = 0
}

/** Validates a ControllerRevision; with `old`, also that its data did not change. */
export function validateControllerRevision(o: KubeObject, old?: KubeObject): FieldCause[] {
  const causes = validateObjectMeta(o.metadata, true, nameIsDNSSubdomain)
  if (old) causes.push(...validateObjectMetaUpdate(o.metadata, old.metadata))
  if (o.data === undefined || o.data === null) causes.push(required('data', 'data is mandatory'))
  const revision = o.revision
  if (typeof revision !== 'number' || !Number.isInteger(revision)) {
    causes.push(invalidValue('revision', revision, 'must be an integer'))
  } else if (revision < 0) {
    causes.push(invalidValue('revision', revision, 'must be greater than or equal to 0'))
  }
  if (old && !jsonEqual(o.data, old.data)) causes.push(immutable('data', o.data))
  return causes
}
